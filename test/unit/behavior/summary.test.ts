import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Episode } from '../../../runtime/contracts';
import { DistanceLedger, localDate, localDayBounds, localHour, summarizeDay } from '../../../runtime/behavior/summary';

const ep = (behavior: string, start: number, end: number | null, over: Partial<Episode> = {}): Episode => ({
  episodeId: `${behavior}-${start}`,
  ferretId: 'f1',
  name: 'Loki',
  camera: 'cam1',
  behavior,
  start,
  end,
  durationS: end === null ? 0 : (end - start) / 1000,
  confidence: 0.9,
  zone: null,
  ...over,
});

const MIN = 60_000;
const H = 3_600_000;
// Local = UTC+2 (fixed offset, e.g. CEST): local midnight of 2024-06-11 is 2024-06-10T22:00Z.
const TZ = 120;
const midnight = Date.UTC(2024, 5, 10, 22, 0, 0);

describe('local days', () => {
  test('dates and bounds follow the time zone, including DST days via Intl', () => {
    assert.equal(localDate(midnight - 1, TZ), '2024-06-10');
    assert.equal(localDate(midnight, TZ), '2024-06-11');
    assert.deepEqual(localDayBounds('2024-06-11', TZ), [midnight, midnight + 24 * H]);
    assert.equal(localHour(midnight + 90 * MIN, TZ), 1.5);
    const [a, b] = localDayBounds('2024-03-31', 'Europe/Madrid');
    assert.equal(b - a, 23 * H, 'spring-forward day is 23 h');
    assert.equal(a, Date.UTC(2024, 2, 30, 23, 0, 0));
    const [c, d] = localDayBounds('2024-10-27', 'Europe/Madrid');
    assert.equal(d - c, 25 * H);
  });
});

describe('daily summary', () => {
  const episodes: Episode[] = [
    // Night sleep 22:00 → 07:00 local, across midnight.
    ep('sleeping', midnight - 2 * H, midnight + 7 * H),
    ep('exploring', midnight + 7 * H, midnight + 7 * H + 20 * MIN),
    ep('eating', midnight + 7 * H + 20 * MIN, midnight + 7 * H + 25 * MIN, { zone: 'food' }),
    ep('eating', midnight + 9 * H, midnight + 9 * H + 10_000, { zone: 'food' }), // a sniff, not a meal
    ep('drinking', midnight + 9 * H + MIN, midnight + 9 * H + MIN + 8000),
    ep('litter', midnight + 10 * H, midnight + 10 * H + 40_000),
    ep('playing', midnight + 20 * H, midnight + 20 * H + 15 * MIN),
    // Evening sleep that runs into the next day.
    ep('sleeping', midnight + 23 * H, midnight + 27 * H),
    ep('exploring', midnight + 12 * H, midnight + 12 * H + MIN, { ferretId: 'other' }),
  ];

  test('minutes per behavior are split at local midnight', () => {
    const d1 = summarizeDay({ ferretId: 'f1', name: 'Loki', date: '2024-06-10', episodes }, { tz: TZ });
    assert.deepEqual(d1.minutes, { sleeping: 120 });
    const d2 = summarizeDay({ ferretId: 'f1', name: 'Loki', date: '2024-06-11', episodes, distanceBodyLengths: 123.44 }, { tz: TZ });
    assert.equal(d2.minutes.sleeping, 7 * 60 + 60);
    assert.equal(d2.minutes.exploring, 20, 'the other ferret is not counted');
    assert.equal(d2.minutes.playing, 15);
    assert.equal(d2.longestSleepMin, 7 * 60, 'longest sleep within the day');
    assert.equal(d2.meals, 1, 'meals are eating episodes ≥ 30 s');
    assert.equal(d2.drinks, 1);
    assert.equal(d2.litterVisits, 1);
    assert.equal(d2.distanceBodyLengths, 123.4);
    assert.equal(d2.firstActivity, midnight + 7 * H);
    assert.equal(d2.lastActivity, midnight + 20 * H + 15 * MIN);
    assert.equal(d2.date, '2024-06-11');
    const d3 = summarizeDay({ ferretId: 'f1', name: 'Loki', date: '2024-06-12', episodes }, { tz: TZ });
    assert.equal(d3.minutes.sleeping, 180);
    assert.equal(d3.firstActivity, null);
  });

  test('an open episode counts up to now', () => {
    const s = summarizeDay({ ferretId: 'f1', name: null, date: '2024-06-11', episodes: [ep('resting', midnight + H, null)], nowMs: midnight + 2 * H }, { tz: TZ });
    assert.equal(s.minutes.resting, 60);
  });

  test('the distance ledger sums 15-minute bins inside the local day', () => {
    const l = new DistanceLedger();
    l.add('f1', midnight - 60_000, 5); // the evening before
    l.add('f1', midnight + 10_000, 2);
    l.add('f1', midnight + 23 * H + 59 * MIN, 3);
    l.add('f2', midnight + H, 100);
    const [a, b] = localDayBounds('2024-06-11', TZ);
    assert.equal(l.total('f1', a, b), 5);
    l.prune(midnight);
    assert.equal(l.total('f1', a - H, a), 0);
  });
});
