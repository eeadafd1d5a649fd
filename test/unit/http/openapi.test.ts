// The OpenAPI document against the code: every route registered on the /ferretwatch router is
// documented and every documented route is registered (walking express's router stack), and real
// answers — status, content type, JSON body — match the document, for every documented status of
// the core, history and OpenAPI routes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { hub } from '../../../runtime/hub';
import { createApiRouter } from '../../../runtime/http/api';
import { OPENAPI } from '../../../runtime/http/openapi';
import { HlsPackager } from '../../../runtime/hls/packager';
import type { CameraStream } from '../../../runtime/stream/camera-stream';
import { CLIP_ID, DAY, startFixture, type Fixture } from './fixture';
import { validate, type Schema } from './schema';
import { feed, haveFfmpeg, makeFmp4 } from '../hls/fixture';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;
const RUNTIME = path.resolve(__dirname, '..', '..', '..', 'runtime');
/** Modules whose every documented status must be produced by a case below. */
const FULL_COVERAGE = new Set(['http/api', 'hls/http', 'http/history', 'http/openapi']);
/** Documented answers this test cannot produce quickly, with the reason. */
const NOT_EXERCISED: Record<string, string> = {
  'GET /ferretwatch/hls/{camera}/index.m3u8 503': 'needs a packager without a segment and a 6 s blocking wait',
  'GET /ferretwatch/hls/{camera}/plain.m3u8 503': 'needs a packager without a segment and a 6 s blocking wait',
};

interface Op {
  key: string; // "GET /ferretwatch/api/episodes"
  docPath: string;
  method: string;
  express: string;
  module: string;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

function documentedOps(): Op[] {
  const ops: Op[] = [];
  for (const [docPath, item] of Object.entries(OPENAPI.paths as Record<string, Record<string, any>>)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      ops.push({
        key: `${m.toUpperCase()} ${docPath}`,
        docPath,
        method: m.toUpperCase(),
        express: item['x-express-route'] ?? docPath.replace(/\{(\w+)\}/g, ':$1'),
        module: op['x-ferretwatch-module'] ?? item['x-ferretwatch-module'],
        responses: op.responses,
      });
    }
  }
  return ops;
}

/** "GET /ferretwatch/api/x" for every route in an express router, recursively. */
function registeredRoutes(router: any, prefix = '/ferretwatch', out = new Set<string>()): Set<string> {
  for (const layer of router.stack ?? []) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const [m, on] of Object.entries(layer.route.methods as Record<string, boolean>)) {
        if (!on || m === '_all') continue;
        for (const p of paths) out.add(`${m.toUpperCase()} ${prefix}${p === '/' && prefix ? '/' : p}`);
      }
    } else if (layer.handle?.stack) {
      const raw = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      registeredRoutes(layer.handle, prefix + raw, out);
    }
  }
  return out;
}

/** Loads the modules the document names (importing one registers its routes); returns those that are missing. */
function loadModules(ops: Op[]): Set<string> {
  const missing = new Set<string>();
  for (const m of new Set(ops.map((o) => o.module))) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(RUNTIME, m));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(m)) throw err;
      missing.add(m);
    }
  }
  return missing;
}

interface Case {
  op: string;
  url: string;
  status: number | number[];
  headers?: Record<string, string>;
  /** Server-sent events: look at the head only, then hang up. */
  stream?: boolean;
}

const CASES: Case[] = [
  { op: 'GET /ferretwatch/api/cameras', url: '/ferretwatch/api/cameras', status: 200 },
  { op: 'GET /ferretwatch/api/stream/hls/{camera}', url: '/ferretwatch/api/stream/hls/cam-1', status: 200 },
  { op: 'GET /ferretwatch/api/stream/hls/{camera}', url: '/ferretwatch/api/stream/hls/nope', status: 404 },
  { op: 'GET /ferretwatch/hls/{camera}/index.m3u8', url: '/ferretwatch/hls/cam-1/index.m3u8', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/index.m3u8', url: '/ferretwatch/hls/cam-1/index.m3u8?_HLS_msn=x', status: 400 },
  { op: 'GET /ferretwatch/hls/{camera}/index.m3u8', url: '/ferretwatch/hls/nope/index.m3u8', status: 404 },
  { op: 'GET /ferretwatch/hls/{camera}/plain.m3u8', url: '/ferretwatch/hls/cam-1/plain.m3u8', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/plain.m3u8', url: '/ferretwatch/hls/cam-1/plain.m3u8?_HLS_msn=999999', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/plain.m3u8', url: '/ferretwatch/hls/nope/plain.m3u8', status: 404 },
  { op: 'GET /ferretwatch/hls/{camera}/index.m3u8', url: '/ferretwatch/hls/cam-1/index.m3u8?_HLS_msn=99999', status: 400 },
  { op: 'GET /ferretwatch/hls/{camera}/plain.m3u8', url: '/ferretwatch/hls/cam-1/plain.m3u8', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/init.mp4', url: '/ferretwatch/hls/cam-1/init.mp4', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/init.mp4', url: '/ferretwatch/hls/nope/init.mp4', status: 404 },
  { op: 'GET /ferretwatch/hls/{camera}/seg{msn}.m4s', url: '/ferretwatch/hls/cam-1/seg0.m4s', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/seg{msn}.m4s', url: '/ferretwatch/hls/cam-1/seg99999.m4s', status: 404 },
  { op: 'GET /ferretwatch/hls/{camera}/part{msn}.{part}.m4s', url: '/ferretwatch/hls/cam-1/part0.0.m4s', status: 200 },
  { op: 'GET /ferretwatch/hls/{camera}/part{msn}.{part}.m4s', url: '/ferretwatch/hls/cam-1/part0.999.m4s', status: 404 },

  { op: 'GET /ferretwatch/api/ferrets', url: '/ferretwatch/api/ferrets', status: 200 },
  { op: 'GET /ferretwatch/api/ferrets/{id}/timeline', url: `/ferretwatch/api/ferrets/ferret-1/timeline?date=${DAY}`, status: 200 },
  { op: 'GET /ferretwatch/api/ferrets/{id}/timeline', url: '/ferretwatch/api/ferrets/ferret-1/timeline?date=2025-02-31', status: 400 },
  { op: 'GET /ferretwatch/api/ferrets/{id}/timeline', url: '/ferretwatch/api/ferrets/nobody/timeline', status: 404 },
  { op: 'GET /ferretwatch/api/episodes', url: '/ferretwatch/api/episodes?limit=3', status: 200 },
  { op: 'GET /ferretwatch/api/episodes', url: '/ferretwatch/api/episodes?limit=0', status: 400 },
  { op: 'GET /ferretwatch/api/summaries', url: '/ferretwatch/api/summaries', status: 200 },
  { op: 'GET /ferretwatch/api/summaries', url: '/ferretwatch/api/summaries?to=x', status: 400 },
  { op: 'GET /ferretwatch/api/alerts', url: '/ferretwatch/api/alerts', status: 200 },
  { op: 'GET /ferretwatch/api/alerts', url: '/ferretwatch/api/alerts?since=soon', status: 400 },
  { op: 'GET /ferretwatch/api/clips', url: '/ferretwatch/api/clips', status: 200 },
  { op: 'GET /ferretwatch/api/clips', url: '/ferretwatch/api/clips?limit=5000', status: 400 },
  { op: 'GET /ferretwatch/api/clips/{id}.mp4', url: `/ferretwatch/api/clips/${CLIP_ID}.mp4`, status: 200 },
  { op: 'GET /ferretwatch/api/clips/{id}.mp4', url: `/ferretwatch/api/clips/${CLIP_ID}.mp4`, status: 206, headers: { Range: 'bytes=0-99' } },
  { op: 'GET /ferretwatch/api/clips/{id}.mp4', url: `/ferretwatch/api/clips/${CLIP_ID}.mp4`, status: 416, headers: { Range: 'bytes=20000-' } },
  { op: 'GET /ferretwatch/api/clips/{id}.mp4', url: '/ferretwatch/api/clips/nope.mp4', status: 404 },
  { op: 'GET /ferretwatch/api/stats', url: '/ferretwatch/api/stats', status: 200 },
  { op: 'GET /ferretwatch/api/openapi.json', url: '/ferretwatch/api/openapi.json', status: 200 },

  { op: 'GET /ferretwatch/player', url: '/ferretwatch/player?camera=cam-1', status: 200 },
  { op: 'GET /ferretwatch/player', url: '/ferretwatch/player?camera=NOT%20OK', status: 400 },
  { op: 'GET /ferretwatch/player.js', url: '/ferretwatch/player.js', status: 200 },
  { op: 'GET /ferretwatch/player.css', url: '/ferretwatch/player.css', status: 200 },
  { op: 'GET /ferretwatch/vendor/hls.min.js', url: '/ferretwatch/vendor/hls.min.js', status: [200, 404] },
  { op: 'GET /ferretwatch/api/events/stream', url: '/ferretwatch/api/events/stream', status: 200, stream: true },
  { op: 'GET /ferretwatch/api/events/stream', url: '/ferretwatch/api/events/stream?camera=NOT!', status: 400 },
  { op: 'GET /ferretwatch/', url: '/ferretwatch/', status: [200, 503] },
  { op: 'GET /ferretwatch/index.html', url: '/ferretwatch/index.html', status: 301 },
  { op: 'GET /ferretwatch/assets/{name}', url: '/ferretwatch/assets/nope.js', status: 404 },
  { op: 'GET /ferretwatch/api/ferrets/identities', url: '/ferretwatch/api/ferrets/identities', status: [200, 503] },
  { op: 'GET /ferretwatch/api/cameras/{camera}/snapshot.jpg', url: '/ferretwatch/api/cameras/nope/snapshot.jpg', status: 404 },
];

describe('OpenAPI document', () => {
  const ops = documentedOps();
  const byKey = new Map(ops.map((o) => [o.key, o]));
  let missing: Set<string>;
  let fx: Fixture;
  const owner = {};

  before(async () => {
    missing = loadModules(ops);
    fx = await startFixture();
    // A live camera: a real packager holding real fMP4 from ffmpeg (when ffmpeg runs here).
    const packager = new HlsPackager({ segmentTargetS: 1, partTargetS: 0.5 });
    if (haveFfmpeg()) feed(packager, makeFmp4({ seconds: 4, fps: 10, gop: 10, fragUs: 500_000 }));
    const stream = {
      packager,
      statePayload: () => ({ camera: 'cam-1', state: 'live', url: '/ferretwatch/hls/cam-1/index.m3u8', stats: { restarts: 0 }, ts: Date.now() }),
      describe: () => ({ url: '/ferretwatch/hls/cam-1/index.m3u8', state: 'live', reason: undefined, mode: 'copy', codec: packager.info.codec, width: 320, height: 240, fps: 10, bitrate: 300, restarts: 0 }),
    };
    hub.registerCamera({ id: 'cam-1', name: 'Cam 1', url: 'rtsp://viewer:secret@10.0.0.5/live', transport: 'tcp', zones: [], credentials: {} }, owner);
    hub.attachStream('cam-1', stream as unknown as CameraStream, owner);
  });

  after(async () => {
    hub.detachStream('cam-1', owner);
    hub.unregisterCamera('cam-1', owner);
    await fx.close();
  });

  test('is an OpenAPI 3 document whose operations have unique ids and $refs that resolve', () => {
    assert.match(OPENAPI.openapi, /^3\.0\.\d$/);
    const ids = ops.map((o) => (OPENAPI.paths as any)[o.docPath][o.method.toLowerCase()].operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    const refs = JSON.stringify(OPENAPI).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const r of refs) assert.ok((OPENAPI.components.schemas as any)[r.split('/').pop()!], `${r} resolves`);
    assert.ok(ops.length >= 25, `${ops.length} operations`);
  });

  test('every registered route is documented, and every documented route is registered', (t) => {
    const router = createApiRouter(hub);
    const registered = registeredRoutes(router);
    const documented = new Map(ops.map((o) => [`${o.method} ${o.express}`, o]));
    const undocumented = [...registered].filter((r) => !documented.has(r));
    assert.deepEqual(undocumented, [], 'routes registered on the /ferretwatch router but not in runtime/http/openapi.ts');
    const absent = [...documented.entries()].filter(([r]) => !registered.has(r));
    const unexplained = absent.filter(([, o]) => !missing.has(o.module)).map(([r]) => r);
    assert.deepEqual(unexplained, [], 'documented routes whose module loaded but did not register them');
    const pending = absent.filter(([, o]) => missing.has(o.module)).map(([r, o]) => `${r} (runtime/${o.module} not found)`);
    if (pending.length > 0) {
      const msg = `documented routes of modules not present in this build: ${pending.join('; ')}`;
      if (process.env.CI) assert.fail(msg);
      t.diagnostic(msg);
    }
    assert.ok(registered.size >= 20, `walked ${registered.size} routes`);
  });

  test("real answers match the document (status, content type, JSON schema)", async (t) => {
    const seen = new Set<string>();
    for (const c of CASES) {
      const op = byKey.get(c.op);
      assert.ok(op, `case for an undocumented operation ${c.op}`);
      if (missing.has(op.module)) continue;
      if (!haveFfmpeg() && c.url.includes('/hls/cam-1/')) continue;
      const ac = new AbortController();
      const r = await fetch(fx.url + c.url, { headers: c.headers, redirect: 'manual', signal: ac.signal });
      const expected = Array.isArray(c.status) ? c.status : [c.status];
      assert.ok(expected.includes(r.status), `${c.url}: status ${r.status}, expected ${expected.join(' or ')}`);
      const doc = op.responses[String(r.status)];
      assert.ok(doc, `${c.op}: status ${r.status} is not documented`);
      seen.add(`${c.op} ${r.status}`);
      const type = (r.headers.get('content-type') ?? '').split(';')[0].trim();
      if (doc.content) assert.ok(type in doc.content, `${c.url}: content type "${type}" not among documented ${Object.keys(doc.content).join(', ')}`);
      if (c.stream) {
        ac.abort();
        continue;
      }
      const body = Buffer.from(await r.arrayBuffer());
      if (type === 'application/json' && doc.content?.[type]?.schema) {
        const errors = validate(OPENAPI as any, doc.content[type].schema as Schema, JSON.parse(body.toString('utf8')));
        assert.deepEqual(errors, [], `${c.url} (${r.status}) body does not match the document`);
      }
    }
    // Without a store every history route answers 503.
    fx.attach(false);
    try {
      for (const o of ops.filter((x) => x.module === 'http/history' && x.responses['503'])) {
        const url = o.docPath.replace('{id}.mp4', `${CLIP_ID}.mp4`).replace('{id}', 'ferret-1');
        const r = await fetch(fx.url + url);
        assert.equal(r.status, 503, url);
        assert.deepEqual(validate(OPENAPI as any, (o.responses['503'].content as any)['application/json'].schema, await r.json()), [], url);
        seen.add(`${o.key} 503`);
      }
    } finally {
      fx.attach(true);
    }
    const uncovered: string[] = [];
    for (const o of ops) {
      if (!FULL_COVERAGE.has(o.module)) continue;
      for (const status of Object.keys(o.responses)) {
        const k = `${o.key} ${status}`;
        if (seen.has(k) || NOT_EXERCISED[k]) continue;
        if (!haveFfmpeg() && o.docPath.startsWith('/ferretwatch/hls/')) continue;
        uncovered.push(k);
      }
    }
    assert.deepEqual(uncovered, [], 'documented answers no case produced');
    t.diagnostic(`${seen.size} (operation, status) pairs checked`);
  });

  test('GET /ferretwatch/api/openapi.json serves this document', async () => {
    const r = await fetch(`${fx.url}/ferretwatch/api/openapi.json`);
    assert.deepEqual(await r.json(), JSON.parse(JSON.stringify(OPENAPI)));
  });
});
