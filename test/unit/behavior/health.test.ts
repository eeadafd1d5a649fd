import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { DailySummary, Episode } from '../../../runtime/contracts';
import { HealthMonitor, activeWindowOverlapMs, lastTimes, type FerretHealthInput } from '../../../runtime/behavior/health';

const H = 3_600_000;
const TZ = 0; // UTC keeps the arithmetic readable
const day0 = Date.UTC(2024, 5, 10); // 2024-06-10 00:00 local

const base = (over: Partial<FerretHealthInput> = {}): FerretHealthInput => ({
  ferretId: 'f1',
  name: 'Loki',
  firstSeen: day0,
  lastEating: null,
  lastActivity: null,
  ...over,
});

function summary(date: string, sleepingMin: number, otherMin: number): DailySummary {
  return {
    ferretId: 'f1',
    name: 'Loki',
    date,
    minutes: { sleeping: sleepingMin, exploring: otherMin, out_of_view: 300 },
    meals: 3,
    drinks: 5,
    litterVisits: 2,
    distanceBodyLengths: 500,
    longestSleepMin: 120,
    firstActivity: null,
    lastActivity: null,
  };
}

describe('no eating', () => {
  test('fires once after N hours, again only after a new meal and a new fast; can be switched off', () => {
    const m = new HealthMonitor({ tz: TZ, noActivity: { enabled: false }, noEating: { hours: 8 } });
    const lastMeal = day0 + 8 * H;
    assert.equal(m.check(lastMeal + 7.9 * H, [base({ lastEating: lastMeal })]).length, 0);
    const a = m.check(lastMeal + 8 * H, [base({ lastEating: lastMeal })]);
    assert.equal(a.length, 1);
    assert.equal(a[0].type, 'no_eating');
    assert.equal(a[0].ferretId, 'f1');
    assert.match(a[0].message, /Loki has not eaten for 8\.0 h/);
    assert.equal(m.check(lastMeal + 9 * H, [base({ lastEating: lastMeal })]).length, 0, 'not re-fired every tick');
    const meal2 = lastMeal + 10 * H;
    assert.equal(m.check(meal2 + H, [base({ lastEating: meal2 })]).length, 0);
    const b = m.check(meal2 + 8.5 * H, [base({ lastEating: meal2 })]);
    assert.equal(b.length, 1);
    assert.notEqual(b[0].alertId, a[0].alertId, 'a new condition episode has a new id');

    const off = new HealthMonitor({ tz: TZ, noEating: { enabled: false }, noActivity: { enabled: false } });
    assert.equal(off.check(lastMeal + 30 * H, [base({ lastEating: lastMeal })]).length, 0);
  });

  test('never eaten counts from first sighting; eating right now resets it', () => {
    const ep = (behavior: string, start: number, end: number | null): Episode => ({
      episodeId: String(start), ferretId: 'f1', name: null, camera: null, behavior, start, end, durationS: 0, confidence: 1, zone: null,
    });
    const t = lastTimes([ep('eating', day0, day0 + 600_000), ep('resting', day0 + H, day0 + 2 * H)], null, day0 + 3 * H);
    assert.equal(t.lastEating, day0 + 600_000);
    assert.equal(t.lastActivity, day0 + 600_000, 'eating is activity; resting is not');
    const now = lastTimes([], { behavior: 'eating' }, day0 + 5 * H);
    assert.equal(now.lastEating, day0 + 5 * H);
    const m = new HealthMonitor({ tz: TZ, noActivity: { enabled: false } });
    assert.equal(m.check(day0 + 9 * H, [base()]).length, 1);
  });
});

describe('no activity during active hours', () => {
  test('only time inside the active window counts', () => {
    assert.equal(activeWindowOverlapMs(day0 + 22 * H, day0 + 31 * H, 8, 23, TZ), H + 0); // 22–23h, then nothing until 08:00
    assert.equal(activeWindowOverlapMs(day0 + 6 * H, day0 + 12 * H, 8, 23, TZ), 4 * H);
    assert.equal(activeWindowOverlapMs(day0 + 20 * H, day0 + 26 * H, 22, 2, TZ), 4 * H, 'a window wrapping midnight');
  });

  test('fires once when inactive for N active hours; a sleepy night does not count; can be switched off', () => {
    const m = new HealthMonitor({ tz: TZ, noEating: { enabled: false }, noActivity: { hours: 6, fromHour: 8, toHour: 23 } });
    const night = base({ lastActivity: day0 + 22 * H });
    assert.equal(m.check(day0 + 31 * H, [night]).length, 0, '22:00 → 07:00 is one active hour');
    const morning = base({ lastActivity: day0 + 8 * H });
    assert.equal(m.check(day0 + 13.9 * H, [morning]).length, 0);
    const a = m.check(day0 + 14 * H, [morning]);
    assert.equal(a.length, 1);
    assert.equal(a[0].type, 'no_activity');
    assert.equal(m.check(day0 + 15 * H, [morning]).length, 0);
    const off = new HealthMonitor({ tz: TZ, noEating: { enabled: false }, noActivity: { enabled: false } });
    assert.equal(off.check(day0 + 20 * H, [morning]).length, 0);
  });
});

describe('sleep share', () => {
  const history = ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07', '2024-06-08', '2024-06-09'].map((d) => summary(d, 600, 600));
  const monitor = () => new HealthMonitor({ tz: TZ, noEating: { enabled: false }, noActivity: { enabled: false } });

  test('fires once when today is more than 30 % above the 7-day median, after the check hour', () => {
    const m = monitor();
    const today = summary('2024-06-10', 840, 360); // 70 % vs a 50 % median: 40 % above
    assert.equal(m.check(day0 + 19 * H, [base({ today, history })]).length, 0, 'before the check hour');
    const a = m.check(day0 + 21 * H, [base({ today, history })]);
    assert.equal(a.length, 1);
    assert.equal(a[0].type, 'sleep_share');
    assert.equal(a[0].alertId, 'sleep_share:f1:2024-06-10');
    assert.match(a[0].message, /70 %.*40 % above/);
    assert.equal(m.check(day0 + 22 * H, [base({ today, history })]).length, 0, 'once per day');
  });

  test('20 % above does not fire; too little history does not fire; switched off does not fire', () => {
    assert.equal(monitor().check(day0 + 21 * H, [base({ today: summary('2024-06-10', 720, 480), history })]).length, 0);
    assert.equal(monitor().check(day0 + 21 * H, [base({ today: summary('2024-06-10', 900, 300), history: history.slice(0, 2) })]).length, 0);
    const off = new HealthMonitor({ tz: TZ, noEating: { enabled: false }, noActivity: { enabled: false }, sleepShare: { enabled: false } });
    assert.equal(off.check(day0 + 21 * H, [base({ today: summary('2024-06-10', 900, 300), history })]).length, 0);
  });
});
