import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorStore } from '../../../runtime/store/store';
import { handleQuery, QueryError } from '../../../runtime/store/query';
import { localDayStart } from '../../../runtime/store/schema';
import { episode } from './helpers';

const DAY = localDayStart('2025-03-10');
const H = 3_600_000;

function store(): BehaviorStore {
  const s = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
  for (let i = 0; i < 30; i++) s.enqueue('episode', episode({ episodeId: `e${i}`, start: DAY + i * H, end: DAY + i * H + 1000, durationS: 1, behavior: i % 2 ? 'eating' : 'sleeping' }));
  s.enqueue('summary', { ferretId: 'ferret-1', name: 'Loki', date: '2025-03-10', minutes: { eating: 15 }, meals: 15, drinks: 0, litterVisits: 0, distanceBodyLengths: 0, longestSleepMin: 0, firstActivity: null, lastActivity: null });
  s.flush();
  return s;
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof QueryError, `QueryError, got ${String(err)}`);
    return err.field;
  }
  assert.fail('expected a QueryError');
}

describe('handleQuery', () => {
  test('timeline accepts ms or YYYY-MM-DD (local midnight)', () => {
    const s = store();
    const a = handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: DAY, to: DAY + 24 * H });
    const b = handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: '2025-03-10', to: '2025-03-11' });
    assert.equal(a.kind, 'timeline');
    assert.deepEqual(a, b);
    if (a.kind !== 'timeline') return;
    assert.equal(a.episodes.length, 24);
    s.close();
  });

  test('episodes pages with a cursor and filters by behavior', () => {
    const s = store();
    const p1 = handleQuery(s, { kind: 'episodes', ferretId: 'ferret-1', behavior: 'eating', limit: 10 });
    assert.ok(p1.kind === 'episodes' && p1.nextCursor);
    const p2 = handleQuery(s, { kind: 'episodes', ferretId: 'ferret-1', behavior: 'eating', limit: 10, cursor: p1.nextCursor });
    assert.ok(p2.kind === 'episodes');
    assert.equal(p1.items.length + p2.items.length, 15);
    assert.equal(p2.nextCursor, null);
    assert.ok(p1.items.concat(p2.items).every((e) => e.behavior === 'eating'));
    s.close();
  });

  test('summary by date range', () => {
    const s = store();
    const r = handleQuery(s, { kind: 'summary', ferretId: 'ferret-1', from: '2025-03-01', to: '2025-03-31' });
    assert.ok(r.kind === 'summary');
    assert.deepEqual(r.summaries.map((x) => [x.date, x.meals]), [['2025-03-10', 15]]);
    s.close();
  });

  test('validation errors name the bad field', () => {
    const s = store();
    assert.equal(fieldOf(() => handleQuery(s, null)), 'payload');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'everything' })), 'kind');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', from: DAY, to: DAY + H })), 'ferretId');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 7, from: DAY, to: DAY + H })), 'ferretId');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', to: DAY })), 'from');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: 'yesterday-ish', to: DAY })), 'from');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: DAY })), 'to');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: DAY, to: DAY - 1 })), 'to');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'timeline', ferretId: 'ferret-1', from: DAY, to: DAY + 40 * 24 * H })), 'to');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'episodes', limit: 0 })), 'limit');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'episodes', limit: 1001 })), 'limit');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'episodes', behavior: 3 })), 'behavior');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'episodes', cursor: 'garbage' })), 'cursor');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'episodes', order: 'up' })), 'order');
    assert.equal(fieldOf(() => handleQuery(s, { kind: 'summary', from: '2025-03-10', to: '2025-03-01' })), 'to');
    s.close();
  });
});
