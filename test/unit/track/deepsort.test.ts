import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../../../runtime/contracts';
import { DeepSortTracker, type TrackEvent, type TrackSnapshot } from '../../../runtime/track/deepsort';
import { formatMetrics } from '../../support/mot-metrics';
import { path, randomAppearance, rng, runTracker, synthesize, type SynthObject, type SynthOptions } from './synth';

const FRAME = { width: 640, height: 480 };
const FRAME_OPTS = { frameWidth: 640, frameHeight: 480 };

interface Crossing {
  name: string;
  objects: (appearance: boolean) => SynthObject[];
  opts: SynthOptions;
}

const r0 = rng(99);
const appA = randomAppearance(r0, 32);
const appB = randomAppearance(r0, 32);
const appC = randomAppearance(r0, 32);

const crossings: Crossing[] = [
  {
    name: 'head-on on one line, the back one hidden while they overlap',
    objects: (app) => [
      { id: 1, box: path(60, 30, [[0, 60, 240], [20, 580, 240]]), depth: 1, appearance: app ? appA : undefined },
      { id: 2, box: path(60, 30, [[0, 580, 250], [20, 60, 250]]), depth: 0, appearance: app ? appB : undefined },
    ],
    opts: { durationS: 20, dt: 0.1, noisePx: 2, dropRate: 0.1, occlusionIou: 0.3, embeddingNoise: 0.3, seed: 1 },
  },
  {
    name: 'X crossing, faster, 10 fps',
    objects: (app) => [
      { id: 1, box: path(80, 40, [[0, 60, 60], [12, 580, 420]]), depth: 1, appearance: app ? appA : undefined },
      { id: 2, box: path(80, 40, [[0, 60, 420], [12, 580, 60]]), depth: 0, appearance: app ? appB : undefined },
    ],
    opts: { durationS: 12, dt: 0.1, noisePx: 2, dropRate: 0.1, occlusionIou: 0.3, embeddingNoise: 0.3, seed: 2 },
  },
  {
    name: 'X crossing with irregular frame intervals (50-250 ms)',
    objects: (app) => [
      { id: 1, box: path(80, 40, [[0, 60, 60], [15, 580, 420]]), depth: 1, appearance: app ? appA : undefined },
      { id: 2, box: path(80, 40, [[0, 60, 420], [15, 580, 60]]), depth: 0, appearance: app ? appB : undefined },
    ],
    opts: { durationS: 15, dt: (r) => 0.05 + 0.2 * r(), noisePx: 2, dropRate: 0.1, occlusionIou: 0.3, embeddingNoise: 0.3, seed: 3 },
  },
  {
    name: 'three objects, two crossings, a turn',
    objects: (app) => [
      { id: 1, box: path(70, 35, [[0, 80, 100], [10, 560, 100], [20, 560, 400]]), depth: 2, appearance: app ? appA : undefined },
      { id: 2, box: path(70, 35, [[0, 560, 110], [10, 30, 110]]), depth: 1, appearance: app ? appB : undefined }, // leaves at the left edge
      { id: 3, box: path(70, 35, [[2, 320, 420], [20, 320, 60]]), depth: 0, appearance: app ? appC : undefined },
    ],
    opts: { durationS: 20, dt: 0.1, noisePx: 2, dropRate: 0.1, occlusionIou: 0.3, embeddingNoise: 0.3, seed: 4 },
  },
];

describe('DeepSortTracker: crossing scenarios', () => {
  for (const c of crossings) {
    for (const app of [true, false]) {
      test(`${c.name} (${app ? 'appearance' : 'motion only'}): IDF1 ≥ 0.90, ≤ 1 ID switch per 100 frames`, () => {
        const frames = synthesize(c.objects(app), c.opts);
        const res = runTracker(new DeepSortTracker({ ...FRAME_OPTS }), frames, FRAME);
        console.log(`# ${c.name} [${app ? 'appearance' : 'motion'}] ${res.frames} frames: IDF1 ${res.metrics.idf1.toFixed(3)}, IDSW/100 frames ${res.idswPer100.toFixed(2)} | ${formatMetrics(res.metrics)}`);
        assert.ok(res.metrics.idf1 >= 0.9, `IDF1 ${res.metrics.idf1}`);
        assert.ok(res.idswPer100 <= 1, `ID switches per 100 frames ${res.idswPer100}`);
      });
    }
  }
});

describe('DeepSortTracker: crossing scenarios over 10 seeds each', () => {
  for (const app of [true, false]) {
    test(`${app ? 'appearance' : 'motion only'}: mean IDF1 ≥ 0.90 and ≤ 1 ID switch per 100 frames in every scenario`, () => {
      for (const c of crossings) {
        let idf1 = 0;
        let idsw = 0;
        let n = 0;
        let worst = 1;
        for (let seed = 101; seed <= 110; seed++) {
          const res = runTracker(new DeepSortTracker({ ...FRAME_OPTS }), synthesize(c.objects(app), { ...c.opts, seed }), FRAME);
          idf1 += res.metrics.idf1 / 10;
          idsw += res.metrics.idsw;
          n += res.frames;
          worst = Math.min(worst, res.metrics.idf1);
        }
        console.log(`# 10 seeds, ${c.name} [${app ? 'appearance' : 'motion'}]: mean IDF1 ${idf1.toFixed(3)} (worst ${worst.toFixed(3)}), IDSW/100 frames ${((100 * idsw) / n).toFixed(2)}`);
        assert.ok(idf1 >= 0.9, `${c.name}: mean IDF1 ${idf1}`);
        assert.ok((100 * idsw) / n <= 1, `${c.name}: ID switches per 100 frames ${(100 * idsw) / n}`);
      }
    });
  }
});

describe('DeepSortTracker: lifecycle', () => {
  test('tentative until nInit hits, then confirmed with a track-start event', () => {
    const events: TrackEvent[] = [];
    const tr = new DeepSortTracker({ onEvent: (e) => events.push(e) });
    const states: string[] = [];
    for (let k = 0; k < 4; k++) {
      const s = tr.update([{ box: [100 + 5 * k, 100, 160 + 5 * k, 130], score: 0.8, zones: ['rug'], label: 'ferret' }], k * 100);
      assert.equal(s.length, 1);
      states.push(s[0].state);
      if (k === 2) assert.deepEqual(tr.events.map((e) => e.event), ['track-start']);
    }
    assert.deepEqual(states, ['tentative', 'tentative', 'confirmed', 'confirmed']);
    assert.equal(events.length, 1);
    assert.equal(events[0].trackId, 't1');
    const last = tr.update([{ box: [120, 100, 180, 130], score: 0.7 }], 400)[0];
    assert.equal(last.trackId, 't1');
    assert.equal(last.hits, 5);
    assert.equal(last.hitStreak, 5);
    assert.equal(last.detectionIndex, 0);
    assert.ok(Math.abs(last.age - 0.4) < 1e-9);
    assert.equal(last.label, 'ferret');
    assert.deepEqual(last.zones, []);
  });

  test('a tentative track missed once is dropped, without events', () => {
    const tr = new DeepSortTracker();
    tr.update([{ box: [10, 10, 50, 40], score: 0.5 }], 0);
    tr.update([{ box: [11, 10, 51, 40], score: 0.5 }], 100);
    assert.equal(tr.update([], 200).length, 0);
    assert.equal(tr.events.length, 0);
    // Degenerate boxes are ignored rather than tracked.
    assert.equal(tr.update([{ box: [5, 5, 5, 20], score: 1 }], 300).length, 0);
  });

  test('velocity is in px/s from real timestamps, whatever the frame intervals', () => {
    const tr = new DeepSortTracker();
    const r = rng(5);
    let t = 0;
    let snap: TrackSnapshot | undefined;
    for (let k = 0; k < 40; k++) {
      const box: Box = [100 + 100 * t, 300 - 50 * t, 160 + 100 * t, 330 - 50 * t];
      snap = tr.update([{ box, score: 0.9 }], Math.round(t * 1000))[0];
      t += 0.04 + r() * 0.3;
    }
    assert.ok(snap);
    assert.ok(Math.abs(snap.velocity[0] - 100) < 8, `vx ${snap.velocity[0]}`);
    assert.ok(Math.abs(snap.velocity[1] + 50) < 8, `vy ${snap.velocity[1]}`);
  });

  test('a ferret that stops in mid-frame is parked as stationary and resumes with the same id after 60 s', () => {
    const events: TrackEvent[] = [];
    const tr = new DeepSortTracker({ ...FRAME_OPTS, onEvent: (e) => events.push(e) });
    // Walks for 5 s, then lies still 60 s where a motion detector sees nothing, then walks on.
    const obj: SynthObject = {
      id: 1,
      box: path(60, 30, [[0, 100, 240], [5, 320, 240], [65, 320, 240], [75, 500, 240]]),
      undetected: (t) => t > 5 && t < 65,
    };
    const frames = synthesize([obj], { durationS: 75, dt: 0.1, noisePx: 1, seed: 11 });
    const seen = new Map<number, TrackSnapshot[]>();
    for (const f of frames) seen.set(f.ts, tr.update(f.dets, f.ts));
    const at = (ts: number) => seen.get(ts)!.filter((s) => s.state !== 'tentative');
    assert.equal(at(4000)[0].state, 'confirmed');
    const id = at(4000)[0].trackId;
    assert.equal(at(8000)[0].state, 'lost', 'coasting for maxAgeS first');
    const parked = at(30000)[0];
    assert.equal(parked.trackId, id);
    assert.equal(parked.state, 'stationary');
    assert.deepEqual(parked.velocity, [0, 0]);
    assert.ok(Math.abs((parked.box[0] + parked.box[2]) / 2 - 320) < 5, `parked at its last box: ${parked.box}`);
    assert.ok(parked.timeSinceUpdate > 20);
    const resumed = at(66000);
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0].trackId, id, 'same id after 60 s');
    assert.equal(resumed[0].state, 'confirmed');
    const end = at(75000)[0];
    assert.equal(end.trackId, id);
    assert.ok(end.velocity[0] > 10, `moving again: ${end.velocity}`);
    assert.deepEqual(events.map((e) => e.event), ['track-start']);
    assert.ok(Math.abs(end.pathLength - 400) < 60, `path length ${end.pathLength}`);
  });

  test('a parked track times out after stationaryTimeoutS; without the frame size nothing is parked', () => {
    const obj: SynthObject = { id: 1, box: path(60, 30, [[0, 100, 240], [5, 320, 240], [65, 320, 240], [75, 500, 240]]), undetected: (t) => t > 5 && t < 65 };
    const frames = synthesize([obj], { durationS: 75, dt: 0.1, noisePx: 1, seed: 12 });
    const ev: TrackEvent[] = [];
    const tr = new DeepSortTracker({ ...FRAME_OPTS, stationaryTimeoutS: 30, onEvent: (e) => ev.push(e) });
    const ids = new Set<string>();
    for (const f of frames) for (const s of tr.update(f.dets, f.ts)) if (s.state !== 'tentative') ids.add(s.trackId);
    const end = ev.find((e) => e.event === 'track-end');
    assert.ok(end);
    assert.equal(end.reason, 'stationary-timeout');
    // The timeout runs from the last detection (t = 5 s).
    assert.ok(end.ts > 34900 && end.ts < 35300, `ended at ${end.ts}`);
    assert.equal(ids.size, 2, 'a new id when it comes back after the timeout');

    const ev2: TrackEvent[] = [];
    const tr2 = new DeepSortTracker({ onEvent: (e) => ev2.push(e) });
    for (const f of frames) tr2.update(f.dets, f.ts);
    const end2 = ev2.find((e) => e.event === 'track-end');
    assert.equal(end2?.reason, 'max-age');
    assert.ok(end2!.ts > 10000 && end2!.ts < 10300, `deleted after maxAgeS: ${end2!.ts}`);
  });

  test('an object leaving through the edge is deleted after maxAgeS with duration and path length', () => {
    const ev: TrackEvent[] = [];
    const tr = new DeepSortTracker({ ...FRAME_OPTS, maxAgeS: 5, onEvent: (e) => ev.push(e) });
    // From x=200 to beyond the right edge; detected only while the box is fully inside.
    const box = path(60, 30, [[0, 200, 240], [6, 800, 240]]);
    const obj: SynthObject = { id: 1, box, undetected: (t) => box(t)![2] > 640 };
    const frames = synthesize([obj], { durationS: 12, dt: 0.1, seed: 13 });
    let lastDetTs = 0;
    const live = new Map<number, number>();
    for (const f of frames) {
      if (f.dets.length) lastDetTs = f.ts;
      live.set(f.ts, tr.update(f.dets, f.ts).length);
    }
    assert.equal(live.get(lastDetTs + 4900), 1, 'still coasting just before maxAgeS');
    assert.equal(live.get(lastDetTs + 5100), 0, 'deleted right after maxAgeS');
    const end = ev.find((e) => e.event === 'track-end')!;
    assert.equal(end.reason, 'max-age');
    assert.equal(end.lastUpdateTs, lastDetTs);
    assert.ok(Math.abs(end.durationS! - lastDetTs / 1000) < 1e-9);
    const travelled = (lastDetTs / 1000) * 100; // 100 px/s
    assert.ok(Math.abs(end.pathLengthPx! - travelled) < 0.1 * travelled, `path ${end.pathLengthPx} vs ${travelled}`);
    assert.ok(end.box[2] > 600, 'last box at the right edge');
  });

  test('a passer-by over a sleeping ferret does not steal its id (motion only)', () => {
    const sleeper: SynthObject = { id: 1, box: path(60, 30, [[0, 200, 240], [3, 320, 240], [60, 320, 240], [70, 320, 400]]), undetected: (t) => t > 3 && t < 60 };
    const walker: SynthObject = { id: 2, box: path(60, 30, [[15, 60, 250], [35, 600, 250]]) };
    const frames = synthesize([sleeper, walker], { durationS: 70, dt: 0.1, noisePx: 1, dropRate: 0.05, seed: 21 });
    const res = runTracker(new DeepSortTracker({ ...FRAME_OPTS }), frames, FRAME);
    const snapsAt = (ts: number) => res.snapshots[frames.findIndex((f) => f.ts === ts)];
    const sleepId = snapsAt(2500).find((s) => s.state === 'confirmed')!.trackId;
    const walkId = snapsAt(25000).find((s) => s.state === 'confirmed')!.trackId;
    assert.notEqual(sleepId, walkId);
    assert.equal(snapsAt(25000).find((s) => s.trackId === sleepId)?.state, 'stationary');
    assert.equal(snapsAt(65000).find((s) => s.state === 'confirmed')?.trackId, sleepId, 'the sleeper wakes with its own id');
    console.log(`# sleeper + passer-by: ${formatMetrics(res.metrics)}`);
    assert.ok(res.metrics.idsw === 0, `ID switches ${res.metrics.idsw}`);
  });

  test('gallery is a ring buffer of normalised embeddings with the budget size', () => {
    const tr = new DeepSortTracker({ budget: 5 });
    for (let k = 0; k < 10; k++) tr.update([{ box: [10, 10, 70, 40], score: 1, embedding: [k + 1, 0, 1] }], k * 100);
    const g = tr.getGallery('t1');
    assert.equal(g.length, 5);
    const n = Math.hypot(10, 1);
    assert.ok(Math.abs(g[0][0] - 10 / n) < 1e-6 && Math.abs(g[0][2] - 1 / n) < 1e-6, 'newest first, unit norm');
    assert.ok(Math.abs(g[4][0] - 6 / Math.hypot(6, 1)) < 1e-6, 'oldest kept is the 6th');
    assert.deepEqual(tr.getGallery('nope'), []);
    assert.equal(tr.getGallery('t1', 2).length, 2);
    assert.deepEqual(tr.getGallery('t1', 2)[0], g[0]);
    const ended = tr.reset(2000);
    assert.equal(ended.length, 1);
    assert.equal(ended[0].reason, 'reset');
    assert.equal(ended[0].gallery!.length, 5);
    assert.equal(tr.size, 0);
  });
});

describe('DeepSortTracker: timing (printed, not asserted)', () => {
  test('ms per update at 2, 10 and 50 objects', () => {
    const lines: string[] = [];
    for (const n of [2, 10, 50]) {
      for (const app of [false, true]) {
        const r = rng(n);
        const W = 1920;
        const H = 1080;
        const objs = Array.from({ length: n }, (_, i) => ({
          x: r() * (W - 100),
          y: r() * (H - 60),
          vx: (r() - 0.5) * 200,
          vy: (r() - 0.5) * 200,
          app: randomAppearance(r, 128),
          i,
        }));
        const tr = new DeepSortTracker({ frameWidth: W, frameHeight: H });
        const frames = 300;
        let total = 0;
        let counted = 0;
        for (let k = 0; k < frames; k++) {
          const dets = objs.map((o) => {
            o.x += o.vx * 0.1;
            o.y += o.vy * 0.1;
            if (o.x < 0 || o.x > W - 100) o.vx = -o.vx;
            if (o.y < 0 || o.y > H - 60) o.vy = -o.vy;
            return { box: [o.x, o.y, o.x + 100, o.y + 60] as Box, score: 0.9, embedding: app ? o.app : undefined };
          });
          const t0 = process.hrtime.bigint();
          tr.update(dets, k * 100);
          const dt = Number(process.hrtime.bigint() - t0) / 1e6;
          if (k >= 50) {
            total += dt;
            counted++;
          }
        }
        lines.push(`${n} objects ${app ? '128-D embeddings' : 'motion only'}: ${(total / counted).toFixed(3)} ms/update`);
        assert.equal(tr.size, n);
      }
    }
    for (const l of lines) console.log(`# tracker timing: ${l}`);
  });
});
