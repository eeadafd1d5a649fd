import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorStore } from '../../../runtime/store/store';
import type { EpisodeQuery } from '../../../runtime/store/types';
import { T0, episode } from './helpers';

const BEHAVIORS = ['sleeping', 'eating', 'playing'];

function seeded(n: number): BehaviorStore {
  const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000, maxBatch: 5000 });
  for (let i = 0; i < n; i++) {
    // Groups of three share a start, so the rowid tie-breaker matters.
    const start = T0 + Math.floor(i / 3) * 1000;
    store.enqueue('episode', episode({ episodeId: `e${i}`, ferretId: `ferret-${i % 2}`, behavior: BEHAVIORS[i % 3], start, end: start + 500, durationS: 0.5 }));
  }
  store.flush();
  return store;
}

function reference(store: BehaviorStore, where: string, order: 'ASC' | 'DESC'): string[] {
  return (store.database.prepare(`SELECT episode_id FROM episodes WHERE ${where} ORDER BY start ${order}, id ${order}`).all() as Array<{ episode_id: string }>).map((r) => r.episode_id);
}

function pageAll(store: BehaviorStore, q: EpisodeQuery, between?: (page: number) => void): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = store.episodes({ ...q, cursor });
    assert.ok(res.items.length <= (q.limit ?? 100));
    out.push(...res.items.map((e) => e.episodeId));
    between?.(page);
    if (!res.nextCursor) return out;
    cursor = res.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

describe('episode cursor pagination', () => {
  test('every row exactly once, in order, while new episodes keep arriving', () => {
    const store = seeded(1000);
    const before = reference(store, '1', 'ASC');
    let extra = 0;
    const got = pageAll(store, { limit: 64 }, () => {
      // Concurrent writers: a later episode (will be reached) and a late-arriving earlier one (behind the cursor).
      store.enqueue('episode', episode({ episodeId: `new-late-${extra}`, start: T0 + 10_000_000 + extra, end: null, durationS: 0 }));
      store.enqueue('episode', episode({ episodeId: `new-early-${extra}`, start: T0 - 1000 - extra, end: null, durationS: 0 }));
      extra++;
      store.flush();
    });
    assert.equal(new Set(got).size, got.length, 'no duplicates');
    const originals = got.filter((id) => !id.startsWith('new-'));
    assert.deepEqual(originals, before, 'every original row once, in (start, rowid) order');
    assert.ok(got.some((id) => id.startsWith('new-late-')), 'rows inserted ahead of the cursor are returned');
    assert.ok(!got.some((id) => id.startsWith('new-early-')), 'rows behind the cursor are not');
    store.close();
  });

  test('filters by ferret, behavior and range; descending order', () => {
    const store = seeded(700);
    const from = T0 + 20_000;
    const to = T0 + 150_000;
    assert.deepEqual(pageAll(store, { ferret: 'ferret-1', limit: 7 }), reference(store, "ferret_id = (SELECT id FROM dict WHERE text = 'ferret-1')", 'ASC'));
    assert.deepEqual(pageAll(store, { behavior: 'eating', limit: 50 }), reference(store, "behavior = (SELECT id FROM dict WHERE text = 'eating')", 'ASC'));
    assert.deepEqual(
      pageAll(store, { ferret: 'ferret-0', behavior: 'playing', from, to, limit: 5 }),
      reference(store, `ferret_id = (SELECT id FROM dict WHERE text = 'ferret-0') AND behavior = (SELECT id FROM dict WHERE text = 'playing') AND start >= ${from} AND start < ${to}`, 'ASC'),
    );
    assert.deepEqual(pageAll(store, { order: 'desc', limit: 33 }), reference(store, '1', 'DESC'));
    assert.deepEqual(pageAll(store, { order: 'desc', from, to, limit: 10 }), reference(store, `start >= ${from} AND start < ${to}`, 'DESC'));
    assert.deepEqual(store.episodes({ ferret: 'ghost' }), { items: [], nextCursor: null });
    store.close();
  });

  test('page size defaults to 100 and is capped at 1000; bad cursors are refused', () => {
    const store = seeded(1200);
    assert.equal(store.episodes().items.length, 100);
    const big = store.episodes({ limit: 5000 });
    assert.equal(big.items.length, 1000);
    assert.ok(big.nextCursor);
    const last = store.episodes({ cursor: big.nextCursor!, limit: 1000 });
    assert.equal(last.items.length, 200);
    assert.equal(last.nextCursor, null, 'no empty trailing page');
    assert.throws(() => store.episodes({ cursor: 'not-a-cursor' }), RangeError);
    assert.throws(() => store.episodes({ cursor: big.nextCursor!, order: 'desc' }), RangeError);
    store.close();
  });
});
