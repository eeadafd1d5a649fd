// The history REST API under /ferretwatch/api (docs: runtime/http/openapi.ts, served as
// /ferretwatch/api/openapi.json). Routes are added once to api.ts's apiExtensions when this module
// is first imported, and read the behavior-store node's store through runtime/store/registry:
// without a deployed store they answer 503. Bad query parameters are 400 naming the parameter,
// unknown ids 404. Clip files are served from the path the store recorded (never from the URL),
// with Range support so a browser can seek.
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response, Router } from 'express';
import { hub } from '../hub';
import { apiExtensions } from './api';
import { registerOpenApiRoute } from './openapi';
import { currentStore } from '../store/registry';
import { MAX_PAGE, type BehaviorStore } from '../store/store';
import { parseTime, QueryError } from '../store/query';
import { isDateString, localDate, localDayEnd, localDayStart } from '../store/schema';
import type { ClipRecord } from '../store/types';
import { clipUrl, isClipId } from '../clips/paths';
import { contentRange, parseRange } from '../clips/range';
import { currentClipRecorder } from '../clips/registry';

export const NO_STORE = 'no behavior-store node deployed';

/** A 400 naming the query parameter at fault. */
class ParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`invalid parameter "${parameter}": ${message}`);
  }
}

type Query = Request['query'];

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new ParamError(name, 'give it once, as a plain value');
  return v;
}

function textParam(q: Query, name: string): string | undefined {
  const v = single(q, name);
  if (v !== undefined && v.length > 200) throw new ParamError(name, 'is too long');
  return v;
}

/** ms since the epoch, an ISO 8601 date-time, or YYYY-MM-DD (local midnight). */
function timeParam(q: Query, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  try {
    return parseTime(name, /^-?\d{1,16}$/.test(v) ? Number(v) : v);
  } catch (err) {
    if (err instanceof QueryError) throw new ParamError(name, 'must be ms since the epoch, an ISO 8601 date-time or YYYY-MM-DD');
    throw err;
  }
}

function dateParam(q: Query, name: string): string | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  if (!isDateString(v) || localDate(localDayStart(v)) !== v) throw new ParamError(name, 'must be a calendar date YYYY-MM-DD');
  return v;
}

function intParam(q: Query, name: string, min: number, max: number): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d{1,7}$/.test(v) || n < min || n > max) throw new ParamError(name, `must be an integer from ${min} to ${max}`);
  return n;
}

function orderParam(q: Query): 'asc' | 'desc' | undefined {
  const v = single(q, 'order');
  if (v === undefined || v === 'asc' || v === 'desc') return v;
  throw new ParamError('order', 'must be "asc" or "desc"');
}

function requireStore(res: Response): BehaviorStore | undefined {
  const store = currentStore();
  if (!store) res.status(503).json({ error: NO_STORE });
  return store;
}

/** Wraps a handler: ParamError → 400, anything else → 500 with the message (never a stack). */
function handle(fn: (req: Request, res: Response) => void | Promise<void>) {
  return async (req: Request, res: Response, _next: NextFunction) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ParamError) res.status(400).json({ error: err.message, parameter: err.parameter });
      else res.status(500).json({ error: `history store error: ${(err as Error).message}` });
    }
  };
}

/** The API form of a clip: the file path stays on the server; `url` is where to fetch it. */
export function clipJson(c: ClipRecord) {
  return {
    id: c.id,
    camera: c.camera,
    ferretId: c.ferretId,
    behavior: c.behavior,
    episodeId: c.episodeId,
    start: c.start,
    end: c.end,
    durationS: c.end === null ? null : Math.round(c.end - c.start) / 1000,
    bytes: c.bytes,
    url: clipUrl(c.id),
  };
}

// ---- detection stats (optional module of the detect area, loaded on first use) ----

interface DetectFigures {
  fps?: number;
  inferMs?: number;
  droppedFrames?: number;
}

let detectModule: Record<string, unknown> | null | undefined;

function finite(...xs: unknown[]): number | undefined {
  for (const x of xs) if (typeof x === 'number' && Number.isFinite(x)) return x;
  return undefined;
}

/** Per-camera detection figures from runtime/detect/registry when that module exists; else undefined. */
function detectStats(camera: string): DetectFigures | undefined {
  if (detectModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      detectModule = require('../detect/registry') as Record<string, unknown>;
    } catch {
      detectModule = null;
    }
  }
  const m = detectModule;
  if (!m) return undefined;
  let raw: unknown;
  for (const name of ['detectStats', 'statsFor', 'getDetectStats', 'cameraStats']) {
    const f = m[name];
    if (typeof f === 'function') {
      raw = (f as (c: string) => unknown)(camera);
      break;
    }
  }
  if (raw === undefined) {
    const reg = (m.detectRegistry ?? m.registry) as { get?: (c: string) => unknown; stats?: (c: string) => unknown } | undefined;
    raw = reg?.stats?.(camera) ?? reg?.get?.(camera);
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const out: DetectFigures = {
    fps: finite(r.fps, r.detectFps),
    inferMs: finite(r.inferMs, r.inferenceMs, r.meanInferMs),
    droppedFrames: finite(r.droppedFrames, r.dropped),
  };
  return out.fps === undefined && out.inferMs === undefined && out.droppedFrames === undefined ? undefined : out;
}

// ---- routes ----

const STATS_TTL_MS = 5000;
let statsCache: { at: number; store: BehaviorStore; value: ReturnType<BehaviorStore['stats']> } | undefined;

const registered = new WeakSet<object>();

/** Adds the history routes to `router` (mounted under /ferretwatch) once. */
export function registerHistoryRoutes(router: Router): void {
  if (registered.has(router)) return;
  registered.add(router);

  router.get(
    '/api/ferrets',
    handle((_req, res) => {
      const store = requireStore(res);
      if (store) res.json(store.listFerrets());
    }),
  );

  router.get(
    '/api/ferrets/:id/timeline',
    handle((req, res) => {
      const id = String(req.params.id);
      const date = dateParam(req.query, 'date') ?? localDate(Date.now());
      const store = requireStore(res);
      if (!store) return;
      if (!store.knowsFerret(id)) return void res.status(404).json({ error: `unknown ferret "${id.slice(0, 64)}"` });
      const from = localDayStart(date);
      const to = localDayEnd(date);
      res.json({ ferretId: id, name: store.ferretName(id), date, from, to, episodes: store.timeline(id, from, to) });
    }),
  );

  router.get(
    '/api/episodes',
    handle((req, res) => {
      const q = req.query;
      const ferret = textParam(q, 'ferret');
      const behavior = textParam(q, 'behavior');
      const from = timeParam(q, 'from');
      const to = timeParam(q, 'to');
      if (from !== undefined && to !== undefined && to <= from) throw new ParamError('to', 'must be after from');
      const limit = intParam(q, 'limit', 1, MAX_PAGE);
      const order = orderParam(q);
      const cursor = textParam(q, 'cursor');
      const store = requireStore(res);
      if (!store) return;
      try {
        res.json(store.episodes({ ferret, behavior, from, to, limit, cursor, order }));
      } catch (err) {
        if (err instanceof RangeError) throw new ParamError('cursor', 'is not a nextCursor returned for this order');
        throw err;
      }
    }),
  );

  router.get(
    '/api/summaries',
    handle((req, res) => {
      const q = req.query;
      const ferret = textParam(q, 'ferret');
      const from = dateParam(q, 'from');
      const to = dateParam(q, 'to');
      if (from !== undefined && to !== undefined && to < from) throw new ParamError('to', 'must not be before from');
      const store = requireStore(res);
      if (store) res.json(store.summaries({ ferret, from, to }));
    }),
  );

  router.get(
    '/api/alerts',
    handle((req, res) => {
      const since = timeParam(req.query, 'since');
      const limit = intParam(req.query, 'limit', 1, MAX_PAGE);
      const store = requireStore(res);
      if (store) res.json(store.alerts({ since, limit }));
    }),
  );

  router.get(
    '/api/clips',
    handle((req, res) => {
      const q = req.query;
      const ferret = textParam(q, 'ferret');
      const behavior = textParam(q, 'behavior');
      const day = dateParam(q, 'day');
      const limit = intParam(q, 'limit', 1, MAX_PAGE);
      const store = requireStore(res);
      if (store) res.json(store.clips({ ferret, behavior, day, limit }).map(clipJson));
    }),
  );

  router.get('/api/clips/:id.mp4', handle(serveClip));

  router.get(
    '/api/stats',
    handle((_req, res) => {
      const cameras = hub.cameraIds().map((id) => {
        const d = hub.stream(id)?.describe();
        const detect = detectStats(id);
        return {
          id,
          state: d?.state ?? 'idle',
          reason: d?.reason,
          fps: d?.fps,
          bitrateKbps: d?.bitrate,
          restarts: d?.restarts,
          ...(detect ? { detect } : {}),
        };
      });
      const store = currentStore();
      let storeStats = null;
      if (store) {
        const now = Date.now();
        if (!statsCache || statsCache.store !== store || now - statsCache.at > STATS_TTL_MS) statsCache = { at: now, store, value: store.stats() };
        const s = statsCache.value;
        const totalRows = Object.values(s.rows).reduce((a, b) => a + b, 0);
        storeStats = { file: store.file, schemaVersion: s.schemaVersion, rows: s.rows, totalRows, fileBytes: s.fileBytes, walBytes: s.walBytes, pending: store.pendingCount };
      }
      const rec = currentClipRecorder();
      res.json({ ts: Date.now(), cameras, store: storeStats, clips: rec ? { recording: rec.recording } : null });
    }),
  );
}

async function serveClip(req: Request, res: Response): Promise<void> {
  const id = String(req.params.id);
  const store = requireStore(res);
  if (!store) return;
  const clip = isClipId(id) ? store.getClip(id) : undefined;
  if (!clip) return void res.status(404).json({ error: 'unknown clip' });
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(clip.path);
    if (!st.isFile()) throw new Error('not a file');
  } catch {
    return void res.status(404).json({ error: 'clip file is missing (deleted by retention?)' });
  }
  const size = st.size;
  const etag = `"${size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  res.set({
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=3600',
    ETag: etag,
    'Last-Modified': st.mtime.toUTCString(),
  });
  // If-Range with another validator: the file changed, send it whole.
  const ifRange = req.get('If-Range');
  const header = ifRange !== undefined && ifRange !== etag ? undefined : req.get('Range');
  const range = parseRange(header, size);
  if (range.kind === 'unsatisfiable') {
    res.status(416).set('Content-Range', contentRange(size)).json({ error: 'range not satisfiable', size });
    return;
  }
  res.type('video/mp4');
  let start = 0;
  let end = size - 1;
  if (range.kind === 'partial') {
    start = range.start;
    end = range.end;
    res.status(206).set('Content-Range', contentRange(size, range));
  } else {
    res.status(200);
  }
  res.set('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD' || size === 0) return void res.end();
  await pipeline(fs.createReadStream(clip.path, { start, end }), res);
}

// Registered at import: Node-RED loads the behavior-store node module (which imports this file)
// once per process, and api.ts mounts apiExtensions under /ferretwatch.
registerHistoryRoutes(apiExtensions);
registerOpenApiRoute(apiExtensions);
