import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BehaviorStore } from '../../../runtime/store/store';
import { applyRetention, RetentionScheduler } from '../../../runtime/store/retention';
import { localDate } from '../../../runtime/store/schema';
import type { ClipRecord } from '../../../runtime/store/types';
import { T0, change, episode, tempDir } from './helpers';

const dir = tempDir(after);
const D = 86_400_000;
const NOW = T0 + 30 * D;

function history(store: BehaviorStore): void {
  for (let day = 0; day < 30; day++) {
    for (let i = 0; i < 20; i++) {
      const ts = T0 + day * D + i * 60_000;
      store.enqueue('episode', episode({ episodeId: `e-${day}-${i}`, start: ts, end: ts + 30_000, durationS: 30 }));
      store.enqueue('behavior', change({ since: ts }));
      store.enqueue('track', { event: 'track-end', camera: 'cam-1', trackId: `t-${day}-${i}`, ferretId: 'ferret-1', name: 'Loki', ts });
    }
    store.enqueue('summary', { ferretId: 'ferret-1', name: 'Loki', date: localDate(T0 + day * D + 12 * 3_600_000), minutes: {}, meals: 0, drinks: 0, litterVisits: 0, distanceBodyLengths: 0, longestSleepMin: 0, firstActivity: null, lastActivity: null });
    store.enqueue('alert', { alertId: `a-${day}`, ferretId: 'ferret-1', name: 'Loki', type: 'test', message: 'm', ts: T0 + day * D });
  }
  store.flush();
}

function clipFile(name: string, bytes: number): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.alloc(bytes));
  return f;
}

describe('retention', () => {
  test('deletes rows older than the per-table age in small chunks, keeping recent ones, while writes go on', async () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000, maxBatch: 100_000 });
    history(store);
    let pauses = 0;
    const report = await applyRetention(
      store.database,
      { days: { episodes: 10, behavior_changes: 10, track_events: 10, daily_summaries: 10, alerts: 10 } },
      {
        now: () => NOW,
        chunk: 7,
        pause: async () => {
          pauses++;
          // A write between chunks commits: retention does not hold the database.
          store.enqueue('episode', episode({ episodeId: `live-${pauses}`, start: NOW, end: NOW + 1, durationS: 0 }));
          assert.equal(store.flush(), 1);
        },
      },
    );
    const cutoff = NOW - 10 * D;
    const db = store.database;
    const min = (sql: string) => (db.prepare(sql).get() as { m: number }).m;
    assert.ok(min('SELECT min(start) AS m FROM episodes') >= cutoff);
    assert.ok(min('SELECT min(ts) AS m FROM behavior_changes') >= cutoff);
    assert.ok(min('SELECT min(ts) AS m FROM track_events') >= cutoff);
    assert.ok(min('SELECT min(ts) AS m FROM alerts') >= cutoff);
    assert.equal(report.deleted.episodes, 20 * 20);
    assert.equal(report.deleted.behavior_changes, 20 * 20);
    assert.equal(report.deleted.track_events, 20 * 20);
    assert.equal(report.deleted.alerts, 20);
    assert.equal(report.deleted.daily_summaries, 20);
    const st = store.stats().rows;
    assert.equal(st.episodes, 10 * 20 + pauses, 'the last 10 days and the live rows are kept');
    assert.equal(st.behavior_changes, 10 * 20);
    assert.equal(st.daily_summaries, 10);
    assert.ok(pauses > 50, `chunks of 7 rows (${pauses} pauses)`);
    assert.ok(report.chunks > 100);
    store.close();
  });

  test('deletes old clips and their files; recent clips and files stay', async () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const clips: ClipRecord[] = [];
    for (let day = 0; day < 10; day++) {
      const c: ClipRecord = { id: `c${day}`, camera: 'cam-1', ferretId: 'ferret-1', behavior: 'playing', episodeId: `e${day}`, start: NOW - (10 - day) * D, end: null, bytes: 1000, path: clipFile(`age-${day}.mp4`, 1000) };
      clips.push(c);
      store.enqueue('episode', episode({ episodeId: `e${day}`, start: c.start, end: c.start + 1000, durationS: 1 }));
      store.enqueue('clip', c);
    }
    store.flush();
    const unlinked: string[] = [];
    const report = await applyRetention(store.database, { days: { clips: 5 } }, { now: () => NOW, chunk: 2, unlink: (f) => { unlinked.push(f); fs.unlinkSync(f); } });
    assert.deepEqual(unlinked, clips.slice(0, 5).map((c) => c.path), 'the 5 oldest, oldest first');
    for (const c of clips.slice(0, 5)) assert.ok(!fs.existsSync(c.path));
    for (const c of clips.slice(5)) assert.ok(fs.existsSync(c.path), `${c.id} kept`);
    assert.equal(report.clipFilesDeleted, 5);
    assert.equal(report.clipBytesFreed, 5000);
    assert.deepEqual(store.clips().map((c) => c.id), ['c5', 'c6', 'c7', 'c8', 'c9']);
    const ep = store.episodes({ limit: 10 }).items;
    assert.equal(ep[0].clip, undefined, 'episode no longer points at a deleted clip');
    assert.equal(ep[9].clip, 'c9');
    store.close();
  });

  test('keeps the total clip size under the limit by deleting the oldest', async () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const paths: string[] = [];
    for (let i = 0; i < 10; i++) {
      const p = clipFile(`size-${i}.mp4`, 100);
      paths.push(p);
      // bytes as recorded in the row (the store does not stat files)
      store.enqueue('clip', { id: `s${i}`, camera: null, ferretId: null, behavior: null, episodeId: null, start: NOW - (10 - i) * 1000, end: null, bytes: 1000, path: p });
    }
    store.flush();
    const report = await applyRetention(store.database, { clipsMaxBytes: 3500 }, { now: () => NOW, chunk: 3 });
    assert.deepEqual(store.clips().map((c) => c.id), ['s7', 's8', 's9']);
    assert.equal(report.deleted.clips, 7);
    paths.forEach((p, i) => assert.equal(fs.existsSync(p), i >= 7, p));
    store.close();
  });

  test('unlink failures are reported, missing files ignored; unknown tables refused', async () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    store.enqueue('clip', { id: 'gone', camera: null, ferretId: null, behavior: null, episodeId: null, start: 0, end: null, bytes: 1, path: path.join(dir, 'never-existed.mp4') });
    store.enqueue('clip', { id: 'stuck', camera: null, ferretId: null, behavior: null, episodeId: null, start: 1, end: null, bytes: 1, path: '/stuck.mp4' });
    store.flush();
    const report = await applyRetention(store.database, { days: { clips: 1 } }, {
      now: () => NOW,
      unlink: async (f) => {
        if (f === '/stuck.mp4') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        await fs.promises.unlink(f);
      },
    });
    assert.equal(report.deleted.clips, 2);
    assert.deepEqual(report.unlinkErrors, [{ path: '/stuck.mp4', error: 'EACCES: permission denied' }]);
    await assert.rejects(applyRetention(store.database, { days: { episode: 1 } as never }), /unknown table "episode"/);
    store.close();
  });

  test('the scheduler runs on demand and stops', async () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000, maxBatch: 100_000 });
    history(store);
    const reports: number[] = [];
    const sched = new RetentionScheduler(store.database, { days: { episodes: 1 } }, { now: () => NOW, intervalMs: 3_600_000, onReport: (r) => reports.push(r.deleted.episodes ?? 0) });
    sched.start();
    const [a, b] = [sched.runNow(), sched.runNow()];
    assert.equal(a, b, 'one run at a time');
    await a;
    await sched.stop();
    assert.deepEqual(reports, [29 * 20]);
    store.close();
  });
});
