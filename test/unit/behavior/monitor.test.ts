import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorMonitor, type MonitorOutput } from '../../../runtime/behavior/monitor';
import { behaviorSettings } from '../../../runtime/behavior/config';
import { parseTracksPayload } from '../../../runtime/behavior/input';
import type { Track } from '../../../runtime/contracts';
import { makePayload, makeTrack } from '../../support/trajectory-sim';

const H = 3600_000;
// 2024-03-10 20:00 in Madrid (UTC+1): local midnight is 23:00 UTC.
const T0 = Date.UTC(2024, 2, 10, 19, 0, 0);

function collect(into: MonitorOutput[], o: MonitorOutput): void {
  if (o.changes.length || o.started.length || o.closed.length || o.alerts.length || o.summaries.length) into.push(o);
}

function feed(m: BehaviorMonitor, from: number, to: number, tracks: (t: number) => Track[] | null, log: MonitorOutput[], stepMs = 500): void {
  for (let t = from; t < to; t += stepMs) {
    const tr = tracks(t);
    collect(log, tr ? m.ingest(makePayload(t, tr)) : m.tick(t));
  }
}

const resting = (): Track[] => [makeTrack({ cx: 640, cy: 360, zones: [], name: 'Luna' })];
const eating = (): Track[] => [makeTrack({ cx: 100, cy: 90, zones: ['food'], name: 'Luna' })];

describe('BehaviorMonitor', () => {
  test('episode starts are reported with end null; closes follow behavior changes', () => {
    const m = new BehaviorMonitor({ tz: 'Europe/Madrid', health: false });
    const log: MonitorOutput[] = [];
    feed(m, T0, T0 + 20_000, resting, log);
    feed(m, T0 + 20_000, T0 + 60_000, eating, log);
    const started = log.flatMap((o) => o.started);
    const closed = log.flatMap((o) => o.closed);
    assert.deepEqual(
      started.map((e) => e.behavior),
      ['resting', 'exploring', 'eating'].filter((b) => started.some((e) => e.behavior === b)),
    );
    assert.ok(started.every((e) => e.end === null && e.durationS === 0));
    assert.equal(started[0].ferretId, 'ferret-a');
    assert.equal(started[started.length - 1].behavior, 'eating');
    assert.equal(closed[0].episodeId, started[0].episodeId, 'the episode that started is the one that ends');
    assert.ok(closed[0].end !== null);
  });

  test('at local midnight the finished day is summarised; summaries() answers on request', () => {
    const m = new BehaviorMonitor({ tz: 'Europe/Madrid', health: false });
    const log: MonitorOutput[] = [];
    // Eats 20:00–20:02 local, rests until after midnight (ticks only: the ferret sleeps out of the frame rate's way).
    feed(m, T0, T0 + 120_000, eating, log);
    feed(m, T0 + 120_000, T0 + 4 * H + 60_000, resting, log, 5000);
    const summaries = log.flatMap((o) => o.summaries);
    assert.equal(summaries.length, 1, 'one summary when the local date changes');
    const s = summaries[0];
    assert.equal(s.date, '2024-03-10');
    assert.equal(s.ferretId, 'ferret-a');
    assert.equal(s.name, 'Luna');
    assert.equal(s.meals, 1);
    assert.ok(Math.abs((s.minutes.eating ?? 0) - 2) < 0.3, `eating ${s.minutes.eating} min`);
    const total = Object.values(s.minutes).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 240) < 1, `the day's 4 observed hours, split at midnight: ${total}`);
    assert.ok(s.longestSleepMin > 200);
    const today = m.summaries(T0 + 4 * H + 60_000);
    assert.equal(today.length, 1);
    assert.equal(today[0].date, '2024-03-11');
    assert.ok((today[0].minutes.sleeping ?? 0) > 0.9);
  });

  test('health: an alert when the ferret has not eaten for the configured hours, once', () => {
    const settings = behaviorSettings({ timeZone: 'Europe/Madrid', noEatingH: '2', noActivityH: '100', sleepSharePct: 30 });
    const m = new BehaviorMonitor({ ...settings.monitor, healthEveryMs: 60_000 });
    const log: MonitorOutput[] = [];
    feed(m, T0, T0 + 60_000, eating, log);
    feed(m, T0 + 60_000, T0 + 3 * H, resting, log, 10_000);
    const alerts = log.flatMap((o) => o.alerts);
    assert.equal(alerts.length, 1, alerts.map((a) => a.message).join(' | '));
    assert.equal(alerts[0].type, 'no_eating');
    assert.match(alerts[0].message, /^Luna has not eaten for 2\.0 h/);
    assert.ok(alerts[0].ts - (T0 + 60_000) >= 2 * H && alerts[0].ts - (T0 + 60_000) <= 2 * H + 70_000);
  });
});

describe('node settings and input checks', () => {
  test('editor fields become options; wrong ones say which field', () => {
    const s = behaviorSettings({ labels: 'resting, exploring, playing', holds: '{"playing": 1}', sleepMin: '10', mode: 'model+rules', modelPath: 'm.onnx', minConfidence: '0.7' });
    assert.deepEqual(s.monitor.engine?.labels, ['resting', 'exploring', 'playing']);
    assert.equal(s.monitor.engine?.hysteresis?.holdS?.playing, 1);
    assert.equal(s.monitor.engine?.hysteresis?.holdS?.eating, 5, 'other holds keep their defaults');
    assert.equal(s.monitor.engine?.rules?.sleepAfterS, 600);
    assert.equal(s.mode, 'model+rules');
    assert.equal(s.minConfidence, 0.7);
    assert.equal(behaviorSettings({}).monitor.tz, undefined, 'empty time zone = the system');
    assert.throws(() => behaviorSettings({ holds: '{playing: 1}' }), /holds is not valid JSON/);
    assert.throws(() => behaviorSettings({ holds: '{"playing": -1}' }), /holds\.playing/);
    assert.throws(() => behaviorSettings({ mode: 'magic' }), /mode must be/);
    assert.throws(() => behaviorSettings({ mode: 'model' }), /needs a model path/);
    assert.throws(() => behaviorSettings({ timeZone: 'Mars/Olympus' }), /time zone "Mars\/Olympus"/);
    assert.throws(() => behaviorSettings({ labels: 'dancing' }), /labels must include/);
    assert.throws(() => behaviorSettings({ zoneKinds: '{"shelf": "nap"}' }), /zone kind of "shelf"/);
    assert.equal(behaviorSettings({ health: false }).monitor.health, false);
  });

  test('tracks payloads are checked field by field and completed', () => {
    const p = parseTracksPayload({ camera: 'cam1', ts: 1_700_000_000_000, tracks: [{ trackId: '1', box: [0, 0, 10, 10] }] });
    assert.equal(p.tracks[0].state, 'confirmed');
    assert.equal(p.tracks[0].ferretId, null);
    assert.deepEqual(p.tracks[0].zones, []);
    const bad: Array<[unknown, RegExp]> = [
      ['text', /TracksPayload/],
      [{ camera: 'c', ts: 'now', tracks: [] }, /payload\.ts/],
      [{ camera: '', ts: 1, tracks: [] }, /payload\.camera/],
      [{ camera: 'c', ts: 1, tracks: {} }, /payload\.tracks must be an array/],
      [{ camera: 'c', ts: 1, tracks: [{ trackId: '1', box: [0, 0, -1, 5] }] }, /tracks\[0\]\.box/],
      [{ camera: 'c', ts: 1, tracks: [{ trackId: '1', box: [0, 0, 1, 5], state: 'gone' }] }, /tracks\[0\]\.state/],
      [{ camera: 'c', ts: 1, tracks: [{ box: [0, 0, 1, 5] }] }, /tracks\[0\]\.trackId/],
    ];
    for (const [x, re] of bad) assert.throws(() => parseTracksPayload(x), re);
  });
});
