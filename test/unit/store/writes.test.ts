import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { BehaviorStore } from '../../../runtime/store/store';
import type { FlushInfo, WriteErrorInfo } from '../../../runtime/store/types';
import { T0, change, episode, tempDir } from './helpers';

const dir = tempDir(after);
let n = 0;
const file = (): string => path.join(dir, `w${++n}.db`);

function count(f: string, table: string): number {
  const db = new Database(f, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('batched writes', () => {
  test('1000 enqueued rows are written in one transaction, invisible until then', () => {
    const f = file();
    const flushed: FlushInfo[] = [];
    const store = BehaviorStore.open(f, { maxBatch: 1000, flushIntervalMs: 60_000, onFlushed: (i) => flushed.push(i) });
    let lastSeq = 0;
    for (let i = 0; i < 999; i++) lastSeq = store.enqueue('episode', episode({ episodeId: `e${i}`, start: T0 + i * 1000, end: T0 + i * 1000 + 500, durationS: 0.5 }));
    assert.equal(flushed.length, 0);
    assert.equal(store.pendingCount, 999);
    assert.equal(count(f, 'episodes'), 0, 'nothing committed before the batch is full');
    lastSeq = store.enqueue('episode', episode({ episodeId: 'e999', start: T0 + 999_000, end: T0 + 999_500, durationS: 0.5 }));
    assert.equal(flushed.length, 1, 'one flush');
    assert.equal(flushed[0].rows, 1000);
    assert.equal(flushed[0].counts.episode, 1000);
    assert.equal(flushed[0].firstSeq, 1);
    assert.equal(flushed[0].lastSeq, lastSeq);
    assert.equal(store.durableSeq, lastSeq);
    assert.equal(store.stats().transactions, 1, 'one transaction');
    assert.equal(count(f, 'episodes'), 1000);
    store.close();
  });

  test('a partial batch is flushed by the timer and acknowledged by sequence number', async () => {
    const store = BehaviorStore.open(file(), { flushIntervalMs: 20 });
    const done = new Promise<FlushInfo>((resolve) => store.once('flushed', resolve));
    store.enqueue('behavior', change({ since: T0 }));
    store.enqueue('behavior', change({ since: T0 + 1, behavior: 'eating', previous: 'exploring' }));
    const seq = store.enqueue('behavior', change({ since: T0 + 2, behavior: 'drinking', previous: 'eating' }));
    const info = await done;
    assert.equal(info.rows, 3);
    assert.equal(info.lastSeq, seq);
    assert.equal(store.durableSeq, seq);
    assert.equal(store.stats().rows.behavior_changes, 3);
    store.close();
  });

  test('flush() is synchronous and returns the rows written', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    assert.equal(store.flush(), 0);
    store.enqueue('alert', { alertId: 'a1', ferretId: 'ferret-1', name: 'Loki', type: 'no-water', message: 'No drinking for 12 h', ts: T0 });
    store.enqueue('alert', { alertId: 'a1', ferretId: 'ferret-1', name: 'Loki', type: 'no-water', message: 'duplicate id is ignored', ts: T0 });
    assert.equal(store.flush(), 2);
    assert.equal(store.pendingCount, 0);
    const alerts = store.alerts();
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].message, 'No drinking for 12 h');
    store.close();
  });

  test('an open episode is upserted and later closed in place', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    store.enqueue('episode', episode({ episodeId: 'ep-1', end: null, durationS: 0, confidence: 0.7 }));
    store.flush();
    let eps = store.timeline('ferret-1', T0, T0 + 86_400_000);
    assert.equal(eps.length, 1);
    assert.equal(eps[0].end, null);
    store.enqueue('episode', episode({ episodeId: 'ep-1', end: T0 + 3_600_000, durationS: 3600, confidence: 0.95, clip: 'clip-9' }));
    store.flush();
    eps = store.timeline('ferret-1', T0, T0 + 86_400_000);
    assert.equal(store.stats().rows.episodes, 1, 'still one row');
    assert.equal(eps[0].end, T0 + 3_600_000);
    assert.equal(eps[0].durationS, 3600);
    assert.equal(eps[0].confidence, 0.95);
    assert.equal(eps[0].clip, 'clip-9');
    const raw = () => (store.database.prepare("SELECT duration_s AS d FROM episodes WHERE episode_id = 'ep-1'").get() as { d: number | null }).d;
    assert.equal(raw(), null, 'a duration equal to end - start is not stored');
    // A duration that is not end - start (e.g. excludes a gap) is kept as given.
    store.enqueue('episode', episode({ episodeId: 'ep-1', end: T0 + 3_600_000, durationS: 3000.25 }));
    store.flush();
    assert.equal(raw(), 3000.25);
    assert.equal(store.timeline('ferret-1', T0, T0 + 86_400_000)[0].durationS, 3000.25);
    store.close();
  });

  test('malformed rows are refused at enqueue naming the field', () => {
    const store = BehaviorStore.open(':memory:');
    assert.throws(() => store.enqueue('episode', { ...episode({ episodeId: 'x' }), start: Number.NaN }), /episode\.start must be a finite number/);
    assert.throws(() => store.enqueue('episode', { ...episode({ episodeId: 'x' }), end: T0 - 1 }), /episode\.end/);
    assert.throws(() => store.enqueue('behavior', { ...change(), ferretId: '' }), /behavior\.ferretId/);
    assert.throws(() => store.enqueue('summary', { ferretId: 'ferret-1', name: null, date: '2025-13-01' } as never), /summary\.date/);
    assert.throws(() => store.enqueue('nope' as never, {} as never), /unknown write kind/);
    assert.equal(store.pendingCount, 0);
    store.close();
  });

  test('a row is snapshotted at enqueue: later mutation of the message is not written', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const ep = episode({ episodeId: 'snap', behavior: 'eating' });
    store.enqueue('episode', ep);
    ep.behavior = 'playing';
    store.flush();
    assert.equal(store.episodes().items[0].behavior, 'eating');
    store.close();
  });

  test('a row the database refuses is skipped and reported; the rest of the batch commits', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    store.database.exec(`CREATE TRIGGER poison BEFORE INSERT ON episodes WHEN NEW.episode_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`);
    const errors: Array<[Error, WriteErrorInfo]> = [];
    store.on('write-error', (e, i) => errors.push([e, i]));
    store.enqueue('episode', episode({ episodeId: 'ok-1' }));
    store.enqueue('episode', episode({ episodeId: 'poison' }));
    store.enqueue('episode', episode({ episodeId: 'ok-2', start: T0 + 1 }));
    assert.equal(store.flush(), 2);
    assert.equal(errors.length, 1);
    assert.match(errors[0][0].message, /poisoned row/);
    assert.deepEqual(errors[0][1], { dropped: 1, willRetry: false });
    assert.deepEqual(store.episodes().items.map((e) => e.episodeId), ['ok-1', 'ok-2']);
    store.close();
  });

  test('a batch that cannot commit (database locked) stays pending and is written on retry', () => {
    const f = file();
    const store = BehaviorStore.open(f, { flushIntervalMs: 60_000, busyTimeoutMs: 10 });
    const errors: WriteErrorInfo[] = [];
    store.on('write-error', (_e, i) => errors.push(i));
    const other = new Database(f);
    other.exec('BEGIN IMMEDIATE');
    store.enqueue('episode', episode({ episodeId: 'locked' }));
    assert.throws(() => store.flush(), /locked|busy/i);
    assert.equal(store.pendingCount, 1, 'the row is kept');
    assert.deepEqual(errors, [{ dropped: 0, willRetry: true }]);
    other.exec('ROLLBACK');
    other.close();
    assert.equal(store.flush(), 1);
    assert.equal(store.episodes().items[0].episodeId, 'locked');
    store.close();
  });

  test('close() flushes pending rows; the store refuses writes afterwards', () => {
    const f = file();
    const store = BehaviorStore.open(f, { flushIntervalMs: 60_000 });
    store.enqueue('summary', { ferretId: 'ferret-2', name: 'Mochi', date: '2025-01-06', minutes: { sleeping: 900 }, meals: 4, drinks: 9, litterVisits: 5, distanceBodyLengths: 120, longestSleepMin: 240, firstActivity: T0, lastActivity: T0 + 1 });
    store.close();
    assert.throws(() => store.enqueue('behavior', change()), /closed/);
    const again = BehaviorStore.open(f);
    const sums = again.summaries({ ferret: 'ferret-2' });
    assert.equal(sums.length, 1);
    assert.deepEqual(sums[0], { ferretId: 'ferret-2', name: 'Mochi', date: '2025-01-06', minutes: { sleeping: 900 }, meals: 4, drinks: 9, litterVisits: 5, distanceBodyLengths: 120, longestSleepMin: 240, firstActivity: T0, lastActivity: T0 + 1 });
    again.close();
  });
});
