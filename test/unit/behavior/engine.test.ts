import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorEngine, type EngineOutput } from '../../../runtime/behavior/engine';
import type { BehaviorChangePayload, Episode, Track } from '../../../runtime/contracts';
import { FEATURE_NAMES } from '../../../runtime/behavior/features';
import { makePayload, makeTrack, simulate } from '../../support/trajectory-sim';

interface Log {
  changes: Array<BehaviorChangePayload & { at: number }>;
  episodes: Episode[];
}

/** Runs frames at `fps` from t0 to t1 (ms); `tracks(t)` gives the camera's tracks (null = no frame, only a tick). */
function feed(engine: BehaviorEngine, log: Log, t0: number, t1: number, tracks: (t: number) => Track[] | null, camera = 'cam1', fps = 5): void {
  for (let t = t0; t < t1; t += 1000 / fps) {
    const tr = tracks(t);
    const out: EngineOutput = tr ? engine.ingest(makePayload(t, tr, camera)) : engine.tick(t);
    for (const c of out.changes) log.changes.push({ ...c, at: t });
    log.episodes.push(...out.closedEpisodes);
  }
}

const still = (cx = 640, cy = 360, extra: Partial<Track> = {}) => (): Track[] => [makeTrack({ cx, cy, zones: [], ...extra })];
const walking = (x0: number, pxPerS: number, t0: number, extra: Partial<Track> = {}) => (t: number): Track[] => [
  makeTrack({ cx: x0 + (pxPerS * (t - t0)) / 1000, cy: 360, zones: [], ...extra }),
];

describe('episodes', () => {
  test('open and close as behaviors change; after leaving every camera the episode closes at the last sighting', () => {
    const e = new BehaviorEngine({ outOfViewAfterS: 5, trackerMaxAgeS: 30 });
    const log: Log = { changes: [], episodes: [] };
    feed(e, log, 0, 20_000, still(500));
    feed(e, log, 20_000, 40_000, walking(500, 80, 20_000));
    feed(e, log, 40_000, 90_000, () => null); // gone from the only camera

    assert.deepEqual(
      log.changes.map((c) => c.behavior),
      ['resting', 'exploring', 'out_of_view'],
    );
    const oov = log.changes[2];
    assert.ok(oov.at - 40_000 >= 5000 && oov.at - 40_000 <= 5400, `out_of_view after the 5 s grace, at ${oov.at}`);
    assert.equal(oov.since, 39_800, 'out of view since the last sighting');

    assert.equal(log.episodes.length, 2);
    const [rest, explore] = log.episodes;
    assert.equal(rest.behavior, 'resting');
    assert.equal(rest.start, 0);
    assert.ok(rest.end! >= 19_800 && rest.end! <= 20_600, `resting ended when walking began: ${rest.end}`);
    assert.equal(explore.behavior, 'exploring');
    assert.equal(explore.start, rest.end, 'episodes tile the timeline');
    assert.equal(explore.end, 39_800, 'closed at the last sighting');
    assert.ok(Math.abs(explore.durationS - (explore.end! - explore.start) / 1000) < 0.05);
    assert.equal(explore.ferretId, 'ferret-a');
    assert.equal(explore.camera, 'cam1');
    const closedAt = 40_000 + 30_000;
    assert.ok(log.episodes.every((ep) => ep.episodeId.startsWith('ferret-a:')));
    assert.equal(e.openEpisodes(closedAt + 1000).length, 0);
  });

  test('a ferret back within the tracker max age doing the same thing continues its episode', () => {
    const e = new BehaviorEngine({ outOfViewAfterS: 5, trackerMaxAgeS: 30 });
    const log: Log = { changes: [], episodes: [] };
    feed(e, log, 0, 20_000, walking(200, 60, 0));
    feed(e, log, 20_000, 30_000, () => null);
    feed(e, log, 30_000, 45_000, walking(200, 60, 0, { trackId: '7' }));
    assert.ok(log.changes.some((c) => c.behavior === 'out_of_view'));
    assert.equal(log.changes[log.changes.length - 1].behavior, 'exploring', 'seen again: out_of_view ends at once');
    assert.equal(log.episodes.length, 0, 'nothing closed');
    const open = e.openEpisodes(45_000);
    assert.equal(open.length, 1);
    assert.equal(open[0].start, 0);
    assert.equal(open[0].end, null);
  });

  test('several cameras: the ferret walking from one view into another is not out of view, and one camera speaks at a time', () => {
    const e = new BehaviorEngine({ outOfViewAfterS: 3, trackerMaxAgeS: 10 });
    const log: Log = { changes: [], episodes: [] };
    // cam1 sees it walk until 20 s; cam2 from 21 s (1 s gap < grace). Interleave both cameras' frames.
    for (let t = 0; t < 40_000; t += 100) {
      const cam = t % 200 === 0 ? 'cam1' : 'cam2';
      let tracks: Track[] | null = null;
      if (cam === 'cam1' && t < 20_000) tracks = walking(200, 70, 0, { trackId: 'a' })(t);
      if (cam === 'cam2' && t >= 21_000) tracks = walking(100, 70, 21_000, { trackId: 'b' })(t);
      // The overlap: cam2 also glimpses it while cam1 still has it.
      if (cam === 'cam2' && t >= 15_000 && t < 20_000) tracks = still(900)();
      const out = tracks ? e.ingest(makePayload(t, tracks, cam)) : e.tick(t);
      for (const c of out.changes) log.changes.push({ ...c, at: t });
      log.episodes.push(...out.closedEpisodes);
    }
    assert.ok(!log.changes.some((c) => c.behavior === 'out_of_view'), log.changes.map((c) => c.behavior).join(','));
    assert.ok(!log.changes.some((c) => c.behavior === 'resting'), 'the still view on the second camera did not fight the first');
    assert.equal(e.state('ferret-a')?.camera, 'cam2');
    assert.equal(log.episodes.length, 0);
    // Now it leaves both cameras: closure only after the max age.
    feed(e, log, 40_000, 49_000, () => null);
    assert.equal(log.episodes.length, 0, 'not before the tracker max age');
    feed(e, log, 49_000, 52_000, () => null);
    assert.equal(log.episodes.length, 1);
    assert.equal(log.episodes[0].end, 39_900);
  });

  test('hiding: walking into the bed and vanishing is hiding, which outlasts the tracker max age', () => {
    const e = new BehaviorEngine({ trackerMaxAgeS: 10 });
    const log: Log = { changes: [], episodes: [] };
    feed(e, log, 0, 10_000, walking(600, 60, 0));
    feed(e, log, 10_000, 13_000, still(1150, 560, { zones: ['bed'] }));
    feed(e, log, 13_000, 14_000, still(1150, 560, { zones: ['bed'], state: 'lost' }));
    feed(e, log, 14_000, 100_000, () => null);
    assert.deepEqual(
      log.changes.map((c) => c.behavior),
      ['exploring', 'hiding'],
    );
    assert.equal(log.changes[1].zone, 'bed');
    assert.equal(log.episodes.length, 1, 'only the walk closed');
    assert.equal(e.openEpisodes(100_000)[0].behavior, 'hiding');
    // It comes out of the bed.
    feed(e, log, 100_000, 110_000, walking(1000, -80, 100_000, { trackId: '2' }));
    assert.equal(log.changes[log.changes.length - 1].behavior, 'exploring');
    const hid = log.episodes[log.episodes.length - 1];
    assert.equal(hid.behavior, 'hiding');
    assert.ok(hid.durationS > 85, `hid for ${hid.durationS} s`);
  });

  test('an unidentified track becomes the ferret when the tracker names it; closeAll ends open episodes', () => {
    const e = new BehaviorEngine();
    const log: Log = { changes: [], episodes: [] };
    feed(e, log, 0, 5000, still(500, 360, { ferretId: null, trackId: '3' }));
    assert.equal(log.changes[0].ferretId, 'cam1:3');
    feed(e, log, 5000, 10_000, still(500, 360, { ferretId: 'ferret-z', name: 'Zorro', trackId: '3' }));
    assert.equal(e.state('cam1:3'), undefined);
    const s = e.state('ferret-z');
    assert.equal(s?.behavior, 'resting');
    assert.equal(s?.name, 'Zorro');
    const closed = e.closeAll();
    assert.equal(closed.length, 1);
    assert.equal(closed[0].ferretId, 'ferret-z');
    assert.equal(closed[0].start, 0);
  });
});

describe('labels, model and sequence window', () => {
  test('sleep is not postponed by a dropped frame at the sleepAfterS mark', () => {
    const engine = new BehaviorEngine({ rules: { sleepAfterS: 60 } });
    const log: Log = { changes: [], episodes: [] };
    // 2 fps, still from t = 0; the frames just after the 60 s mark are dropped (ticks only).
    feed(engine, log, 0, 64_000, (t) => (t > 59_900 && t < 61_500 ? null : still()()), 'cam1', 2);
    const sleep = log.changes.find((c) => c.behavior === 'sleeping');
    assert.ok(sleep, 'asleep');
    assert.equal(sleep.at, 60_000, 'at the first tick past the mark, not at the next frame (61.5 s)');
  });

  test('a disabled label falls back (social_play → playing, out_of_view off → the state holds)', () => {
    const frames = simulate(
      [
        { ferretId: 'a', name: null, steps: [{ b: 'play', durationS: 10 }, { b: 'social', durationS: 20 }] },
        { ferretId: 'b', name: null, steps: [{ b: 'rest', durationS: 10 }, { b: 'social', durationS: 20 }] },
      ],
      { fps: 5, seed: 3, dropRate: 0 },
    );
    const e = new BehaviorEngine({ labels: ['resting', 'exploring', 'playing', 'sleeping'] });
    const seen = new Set<string>();
    for (const f of frames) if (f.payload) for (const c of e.ingest(f.payload).changes) seen.add(c.behavior);
    assert.ok(seen.has('playing'));
    assert.ok(!seen.has('social_play'));
    const t = frames[frames.length - 1].ts;
    assert.equal(e.tick(t + 60_000).changes.length, 0, 'no out_of_view when it is not a label');
  });

  test('model+rules: a confident model decides motion behaviors, rule-defined ones stay with the rules', () => {
    const e = new BehaviorEngine({ mode: 'model+rules', minConfidence: 0.6, sequence: { T: 20, rateHz: 5 } });
    const log: Log = { changes: [], episodes: [] };
    feed(e, log, 0, 4000, walking(300, 80, 0));
    assert.equal(e.state('ferret-a')?.behavior, 'exploring');
    const w = e.sequenceWindow('ferret-a');
    assert.ok(w);
    assert.equal(w.length, 20 * FEATURE_NAMES.length);
    for (let t = 4000; t < 8000; t += 200) {
      e.setModelResult('ferret-a', { behavior: 'playing', confidence: 0.9 }, t);
      for (const c of e.ingest(makePayload(t, walking(300, 80, 0)(t))).changes) log.changes.push({ ...c, at: t });
    }
    assert.equal(e.state('ferret-a')?.behavior, 'playing');
    // In the food zone the rules' eating wins over the model's opinion.
    for (let t = 8000; t < 16_000; t += 200) {
      e.setModelResult('ferret-a', { behavior: 'playing', confidence: 0.95 }, t);
      e.ingest(makePayload(t, still(100, 90, { zones: ['food'] })()));
    }
    assert.equal(e.state('ferret-a')?.behavior, 'eating');
    assert.equal(e.state('ferret-a')?.zone, 'food');
  });
});
