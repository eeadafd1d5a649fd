import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { BehaviorStore } from '../../../runtime/store/store';
import { localDayStart } from '../../../runtime/store/schema';
import { T0, change, episode, tempDir } from './helpers';

const dir = tempDir(after);
const H = 3_600_000;
const D = 24 * H;

describe('queries', () => {
  test('listFerrets reports each ferret with its latest behavior change', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    store.saveIdentity('ferret-2', 'Mochi', []);
    store.enqueue('behavior', change({ since: T0, behavior: 'sleeping', previous: null }));
    store.enqueue('behavior', change({ since: T0 + 5 * H, behavior: 'eating', previous: 'sleeping', zone: 'bowl', confidence: 0.75 }));
    store.enqueue('behavior', change({ since: T0 + 2 * H, behavior: 'playing', previous: 'sleeping' })); // arrives late, older
    store.flush();
    const list = store.listFerrets();
    assert.deepEqual(
      list.map((f) => f.id).sort(),
      ['ferret-1', 'ferret-2'],
    );
    const loki = list.find((f) => f.id === 'ferret-1')!;
    assert.equal(loki.name, 'Loki', 'name learnt from the payload');
    assert.deepEqual(loki.current, { behavior: 'eating', since: T0 + 5 * H, camera: 'cam-1', zone: 'bowl', confidence: 0.75 });
    const mochi = list.find((f) => f.id === 'ferret-2')!;
    assert.equal(mochi.current, null);
    assert.deepEqual(store.listCameras().map((c) => c.id), ['cam-1']);
    store.close();
  });

  test('timeline returns the episodes overlapping the day, including long and still-open ones', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const day = T0 + 10 * D;
    const rows = [
      episode({ episodeId: 'before', start: day - 2 * H, end: day, durationS: 7200 }), // ends exactly at day start: out
      episode({ episodeId: 'spans-in', start: day - 30 * H, end: day + H, durationS: 31 * 3600 }), // long, started the day before
      episode({ episodeId: 'inside', start: day + 2 * H, end: day + 3 * H, durationS: 3600 }),
      episode({ episodeId: 'spans-out', start: day + 23 * H, end: day + 25 * H, durationS: 7200 }),
      episode({ episodeId: 'after', start: day + D, end: day + D + H, durationS: 3600 }),
      episode({ episodeId: 'other-ferret', ferretId: 'ferret-2', start: day + 4 * H, end: day + 5 * H, durationS: 3600 }),
      episode({ episodeId: 'open-old', start: day - 5 * D, end: null, durationS: 0, behavior: 'hiding' }), // still open, began days ago
      episode({ episodeId: 'open-later', start: day + 2 * D, end: null, durationS: 0 }),
    ];
    for (const r of rows) store.enqueue('episode', r);
    store.flush();
    const ids = store.timeline('ferret-1', day, day + D).map((e) => e.episodeId);
    assert.deepEqual(ids, ['open-old', 'spans-in', 'inside', 'spans-out']);
    assert.deepEqual(store.timeline('nobody', day, day + D), []);
    assert.deepEqual(store.timeline('ferret-1', day, day), [], 'empty range');
    store.close();
  });

  test('the longest-episode bound survives a reopen', () => {
    const f = path.join(dir, 'span.db');
    const day = T0 + 3 * D;
    let store = BehaviorStore.open(f, { flushIntervalMs: 60_000 });
    store.enqueue('episode', episode({ episodeId: 'long', start: day - 3 * D, end: day + H, durationS: 3 * 86400 + 3600 }));
    store.close();
    store = BehaviorStore.open(f);
    assert.deepEqual(store.timeline('ferret-1', day, day + D).map((e) => e.episodeId), ['long']);
    store.close();
  });

  test('summaries filter by ferret and inclusive date range', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const sum = (ferretId: string, date: string, meals: number) => ({ ferretId, name: null, date, minutes: { sleeping: 1 }, meals, drinks: 0, litterVisits: 0, distanceBodyLengths: 0, longestSleepMin: 0, firstActivity: null, lastActivity: null });
    for (const d of ['2025-01-05', '2025-01-06', '2025-01-07']) {
      store.enqueue('summary', sum('ferret-1', d, 1));
      store.enqueue('summary', sum('ferret-2', d, 2));
    }
    store.enqueue('summary', sum('ferret-1', '2025-01-06', 7)); // replaces the first one for that day
    store.flush();
    const one = store.summaries({ ferret: 'ferret-1', from: '2025-01-06', to: '2025-01-07' });
    assert.deepEqual(one.map((s) => [s.date, s.meals]), [['2025-01-06', 7], ['2025-01-07', 1]]);
    assert.equal(store.summaries({ from: '2025-01-07' }).length, 2);
    assert.equal(store.summaries().length, 6);
    assert.deepEqual(store.summaries({ ferret: 'ghost' }), []);
    store.close();
  });

  test('clips are queried by day, ferret and behavior, and linked to their episode', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    const day = localDayStart('2025-01-06');
    const clip = (id: string, start: number, ferretId: string | null, behavior: string | null, episodeId: string | null = null) => ({ id, camera: 'cam-1', ferretId, behavior, episodeId, start, end: start + 30_000, bytes: 1000, path: `/clips/${id}.mp4` });
    store.enqueue('episode', episode({ episodeId: 'ep-play', start: day + H, end: day + H + 60_000, behavior: 'playing' }));
    store.enqueue('clip', clip('c1', day + H, 'ferret-1', 'playing', 'ep-play'));
    store.enqueue('clip', clip('c2', day + 2 * H, 'ferret-2', 'eating'));
    store.enqueue('clip', clip('c3', day + D + H, 'ferret-1', 'playing'));
    store.flush();
    assert.deepEqual(store.clips({ day: '2025-01-06' }).map((c) => c.id), ['c1', 'c2']);
    assert.deepEqual(store.clips({ ferret: 'ferret-1' }).map((c) => c.id), ['c1', 'c3']);
    assert.deepEqual(store.clips({ behavior: 'playing', day: '2025-01-07' }).map((c) => c.id), ['c3']);
    assert.deepEqual(store.getClip('c1'), clip('c1', day + H, 'ferret-1', 'playing', 'ep-play'));
    assert.equal(store.getClip('missing'), undefined);
    assert.equal(store.episodes().items[0].clip, 'c1', 'episode points at its clip');
    store.close();
  });

  test('track lifecycle events are stored and stats counts rows and bytes', () => {
    const f = path.join(dir, 'stats.db');
    const store = BehaviorStore.open(f, { flushIntervalMs: 60_000 });
    store.enqueue('track', { event: 'track-start', camera: 'cam-1', trackId: 't1', ferretId: null, name: null, ts: T0 });
    store.enqueue('track', { event: 'track-end', camera: 'cam-1', trackId: 't1', ferretId: 'ferret-1', name: 'Loki', ts: T0 + 5000, durationS: 5, pathLengthPx: 300 });
    store.enqueue('episode', episode({ episodeId: 'e' }));
    store.flush();
    const st = store.stats();
    assert.equal(st.rows.track_events, 2);
    assert.equal(st.rows.episodes, 1);
    assert.equal(st.rows.ferrets, 1);
    assert.ok(st.fileBytes > 0 && st.walBytes > 0 && st.fileBytes >= st.walBytes);
    assert.equal(st.rowsWritten, 3);
    const row = store.database.prepare('SELECT event, duration_s, path_px FROM track_events ORDER BY id DESC LIMIT 1').get();
    assert.deepEqual(row, { event: 1, duration_s: 5, path_px: 300 });
    store.close();
  });
});
