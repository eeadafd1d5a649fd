// The behavior-store node in the real Node-RED runtime (node-red-node-test-helper): rows written
// from ferret-behavior / ferret-track messages, query answers on the output, bad input reported
// while the flow keeps running, an unwritable database path named in a red status, the tracker's
// identities file imported, the REST API backed by the node's store, and close flushing the batch.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { helper, recordStatus, startApiServer } from '../support/nodered';
import { waitFor } from '../support/wait';
import { currentStore } from '../../runtime/store/registry';
import { getIdentityPersistence } from '../../runtime/store/identity-persistence';
import { localDayStart } from '../../runtime/store/schema';
import type { BehaviorChangePayload, Episode } from '../../runtime/contracts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const storeNode = require('../../nodes/behavior-store/behavior-store');

const DAY = '2025-01-06';
const D0 = localDayStart(DAY);

function flow(dbPath: string, extra: Record<string, unknown> = {}) {
  return [
    { id: 'st', type: 'behavior-store', name: 'history', dbPath, clips: false, wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];
}

const change = (over: Partial<BehaviorChangePayload> = {}): BehaviorChangePayload => ({
  ferretId: 'ferret-1',
  name: 'Loki',
  camera: 'cam-1',
  behavior: 'playing',
  previous: 'sleeping',
  confidence: 0.9,
  since: D0 + 3_600_000,
  zone: null,
  ...over,
});

const episode = (over: Partial<Episode> = {}): Episode => ({
  episodeId: `ferret-1:${D0 + 3_600_000}:playing`,
  ferretId: 'ferret-1',
  name: 'Loki',
  camera: 'cam-1',
  behavior: 'playing',
  start: D0 + 3_600_000,
  end: null,
  durationS: 0,
  confidence: 0.8,
  zone: 'tunnel',
  ...over,
});

function rows(dbPath: string, sql: string): any[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

describe('behavior-store node', () => {
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-store-node-'));
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });
  after(async () => {
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes behavior changes, episodes (start → end), alerts, summaries and track events; answers queries', async () => {
    const db = path.join(dir, 'a', 'ferretwatch.db');
    await helper.load(storeNode, flow(db));
    const st = helper.getNode('st');
    const out = helper.getNode('out');
    const statuses = recordStatus(st);
    const errors: unknown[] = [];
    st.on('call:error', (c: { args: unknown[] }) => errors.push(c.args[0]));

    st.receive({ topic: 'ferret-1/behavior', payload: change() });
    st.receive({ topic: 'ferret-1/episode', payload: episode(), event: 'start' });
    st.receive({ topic: 'ferret-1/episode', payload: episode({ end: D0 + 3_900_000, durationS: 300 }), event: 'end' });
    st.receive({ topic: 'alert', payload: { alertId: 'al-1', ferretId: 'ferret-1', name: 'Loki', type: 'no_drinking', message: 'No drinking seen for 12 hours', ts: D0 + 40_000_000 } });
    st.receive({ topic: 'ferret-2/summary', payload: { ferretId: 'ferret-2', name: null, date: DAY, minutes: { sleeping: 600 }, meals: 4, drinks: 8, litterVisits: 3, distanceBodyLengths: 100, longestSleepMin: 200, firstActivity: null, lastActivity: null } });
    st.receive({ topic: 'cam-1/track', payload: { event: 'track-start', camera: 'cam-1', trackId: 't-1', ferretId: 'ferret-1', name: 'Loki', ts: D0 } });

    await waitFor('the batch on disk', () => rows(db, 'SELECT count(*) AS n FROM episodes')[0].n === 1 && rows(db, 'SELECT count(*) AS n FROM track_events')[0].n === 1, 5000);
    const ep = rows(db, 'SELECT episode_id, "end" FROM episodes')[0];
    assert.equal(ep.end, D0 + 3_900_000, 'the end message updated the open episode');
    assert.equal(rows(db, 'SELECT count(*) AS n FROM behavior_changes')[0].n, 1);
    assert.equal(rows(db, 'SELECT count(*) AS n FROM alerts')[0].n, 1);
    assert.equal(rows(db, 'SELECT count(*) AS n FROM daily_summaries')[0].n, 1);
    assert.deepEqual(errors, []);
    await waitFor('status with rows and ferrets', () => statuses.some((s) => s.fill === 'green' && s.text === '5 rows · 2 ferrets'), 5000);

    const answers: any[] = [];
    out.on('input', (m: unknown) => answers.push(m));
    st.receive({ topic: 'query', payload: { kind: 'timeline', ferretId: 'ferret-1', from: DAY, to: D0 + 86_400_000 }, _ctx: 'keep' });
    st.receive({ topic: 'query', payload: { kind: 'episodes', behavior: 'playing', limit: 10 } });
    st.receive({ topic: 'query', payload: { kind: 'summary', ferretId: 'ferret-2', from: DAY, to: DAY } });
    await waitFor('three answers', () => answers.length === 3, 5000);
    assert.equal(answers[0].topic, 'query');
    assert.equal(answers[0]._ctx, 'keep', 'the message is passed on with its properties');
    assert.equal(answers[0].payload.kind, 'timeline');
    assert.deepEqual(answers[0].payload.episodes.map((e: Episode) => e.durationS), [300]);
    assert.equal(answers[1].payload.items.length, 1);
    assert.equal(answers[1].payload.nextCursor, null);
    assert.equal(answers[2].payload.summaries[0].meals, 4);
  });

  test('bad input: red status, an error Catch nodes see, and the flow keeps running', async () => {
    const db = path.join(dir, 'b', 'ferretwatch.db');
    await helper.load(storeNode, flow(db));
    const st = helper.getNode('st');
    const statuses = recordStatus(st);
    const errors: Array<{ err: unknown; msg: unknown }> = [];
    st.on('call:error', (c: { args: unknown[] }) => errors.push({ err: c.args[0], msg: c.args[1] }));

    st.receive({ topic: 'hello', payload: 'world' });
    st.receive({ topic: 'ferret-1/episode', payload: episode({ start: Number.NaN }) });
    st.receive({ topic: 'query', payload: { kind: 'timeline' } });
    st.receive({ topic: 'ferret-1/episode', payload: change() });
    await waitFor('four errors', () => errors.length === 4, 5000);
    const texts = errors.map((e) => String((e.err as Error)?.message ?? e.err));
    assert.match(texts[0], /cannot tell what a string payload is/);
    assert.match(texts[1], /episode\.start must be a finite number/);
    assert.match(texts[2], /ferretId: is required/);
    assert.match(texts[3], /topic "ferret-1\/episode" says episode but the payload looks like a behavior/);
    assert.equal((errors[0].msg as { topic: string }).topic, 'hello', 'the error carries the message (for Catch nodes)');
    assert.ok(statuses.some((s) => s.fill === 'red' && s.shape === 'ring' && /^bad input: /.test(s.text ?? '')), JSON.stringify(statuses));

    st.receive({ topic: 'ferret-1/behavior', payload: change() });
    await waitFor('a good row after the bad ones', () => fs.existsSync(db) && rows(db, 'SELECT count(*) AS n FROM behavior_changes')[0].n === 1, 5000);
    await waitFor('green again', () => statuses.at(-1)?.fill === 'green', 5000);
  });

  test('an unwritable database path: red status and error naming the path; inputs fail clearly', async () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file where a directory should be');
    const db = path.join(blocker, 'ferretwatch.db');
    await helper.load(storeNode, flow(db));
    const st = helper.getNode('st');
    const errors: string[] = [];
    st.on('call:error', (c: { args: unknown[] }) => errors.push(String((c.args[0] as Error)?.message ?? c.args[0])));
    // The status was set during construction, before recordStatus could attach: ask the helper's spy.
    const calls = (st.status as { getCalls(): Array<{ thisValue: unknown; args: Array<{ fill: string; text: string }> }> }).getCalls();
    const last = calls.filter((c) => c.thisValue === st).at(-1)?.args[0];
    assert.equal(last?.fill, 'red');
    assert.ok(last?.text.includes(db), `status names the path: ${last?.text}`);
    assert.match(last?.text ?? '', /ENOTDIR|EEXIST/);
    st.receive({ topic: 'ferret-1/behavior', payload: change() });
    await waitFor('input error', () => errors.length >= 1, 5000);
    assert.ok(errors.some((e) => e.includes(db) && /not open/.test(e)), errors.join(' | '));
    assert.equal(currentStore(), undefined, 'no store for the API');
  });

  test('imports the tracker identities file, offers identity persistence, backs the REST API; close flushes', async () => {
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir, { recursive: true });
    const json = path.join(userDir, 'ferretwatch-identities.json');
    fs.writeFileSync(json, JSON.stringify({ identities: [{ ferretId: 'ferret-1', name: 'Loki', embeddings: [[0.6, 0.8]] }, { ferretId: 'ferret-2', name: 'Freya', embeddings: [] }] }));
    helper.settings({ userDir });
    await helper.load(storeNode, flow(''));
    const db = path.join(userDir, 'ferretwatch.db');
    assert.equal(currentStore()?.file, db, 'default path: <userDir>/ferretwatch.db');
    assert.equal(fs.existsSync(json), false);
    assert.equal(fs.existsSync(`${json}.migrated`), true);
    const p = getIdentityPersistence();
    assert.ok(p);
    assert.deepEqual(p.load().map((i) => [i.ferretId, i.name, i.embeddings.length]), [['ferret-1', 'Loki', 1], ['ferret-2', 'Freya', 0]]);

    const api = await startApiServer();
    try {
      const r = await fetch(`${api.url}/ferretwatch/api/ferrets`);
      assert.equal(r.status, 200);
      assert.deepEqual((await r.json()).map((f: { name: string }) => f.name), ['Loki', 'Freya']);
      const st = helper.getNode('st');
      // Enqueued, then the node is closed at once: close must flush the batch.
      st.receive({ topic: 'ferret-1/behavior', payload: change() });
      await new Promise((r2) => setImmediate(r2));
      await helper.unload();
      assert.equal(rows(db, 'SELECT count(*) AS n FROM behavior_changes')[0].n, 1);
      assert.equal(getIdentityPersistence(), undefined, 'back to the tracker file when the store goes');
      const gone = await fetch(`${api.url}/ferretwatch/api/ferrets`);
      assert.equal(gone.status, 503);
      assert.deepEqual(await gone.json(), { error: 'no behavior-store node deployed' });
    } finally {
      await api.close();
    }
  });
});
