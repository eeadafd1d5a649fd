import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_NAMES, TrackFeatureExtractor, featureVector, fillNeighbourFeatures, zoneKindOf, type TrackFeatures } from '../../../runtime/behavior/features';
import { makeTrack, mulberry32 } from '../../support/trajectory-sim';

type Path = (tS: number) => { x: number; y: number; w?: number; h?: number };

/** Feeds a path sampled at `fps` (optionally with jitter and centre noise) and returns features at each frame. */
function run(path: Path, fps: number, durationS: number, opts: { noisePx?: number; seed?: number; jitter?: number } = {}): TrackFeatures[] {
  const rnd = mulberry32(opts.seed ?? 1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(Math.max(1e-12, rnd()))) * Math.cos(2 * Math.PI * rnd());
  const ex = new TrackFeatureExtractor();
  const out: TrackFeatures[] = [];
  for (let t = 0; t <= durationS; t += (1 / fps) * (1 + (opts.jitter ?? 0) * (rnd() * 2 - 1))) {
    const p = path(t);
    const n = opts.noisePx ?? 0;
    const tr = makeTrack({ cx: p.x + n * gauss(), cy: p.y + n * gauss(), w: p.w, h: p.h, zones: [] });
    out.push({ ...ex.update(tr, 1_700_000_000_000 + t * 1000) });
  }
  return out;
}

function mean(fs: TrackFeatures[], key: keyof TrackFeatures, fromS = 11): number {
  const xs = fs.filter((f) => f.spanS >= 10 || f.tMs - fs[0].tMs >= fromS * 1000).map((f) => f[key] as number);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe('feature contract', () => {
  test('FEATURE_NAMES and featureVector agree in length and order', () => {
    const ex = new TrackFeatureExtractor();
    const f = ex.update(makeTrack({ cx: 100, cy: 100, zones: ['food'] }), 0);
    f.speedBlS = 1.5;
    f.nearestFerretBl = 3;
    f.dtS = 0.2;
    const v = featureVector(f);
    assert.equal(v.length, FEATURE_NAMES.length);
    assert.equal(v[FEATURE_NAMES.indexOf('speed_bl_s')], 1.5);
    assert.equal(v[FEATURE_NAMES.indexOf('nearest_ferret_bl')], 3);
    assert.equal(v[FEATURE_NAMES.indexOf('in_food' as never)], undefined);
    assert.equal(v[FEATURE_NAMES.indexOf('food_dwell_s')], 0);
    assert.ok(Math.abs(v[FEATURE_NAMES.indexOf('dt_s')] - 0.2) < 1e-6);
    assert.equal(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length, 'names are unique');
  });

  test('zone names map to kinds, explicit map first', () => {
    assert.equal(zoneKindOf('Food bowl'), 'food');
    assert.equal(zoneKindOf('water'), 'water');
    assert.equal(zoneKindOf('litter box'), 'litter');
    assert.equal(zoneKindOf('hammock'), 'hide');
    assert.equal(zoneKindOf('couch'), null);
    assert.equal(zoneKindOf('couch', { couch: 'hide' }), 'hide');
    assert.equal(zoneKindOf('bed', { bed: null }), null);
  });
});

describe('speed normalisation', () => {
  test('speed is in body lengths per second: the same motion twice as close reads the same', () => {
    const far = run((t) => ({ x: 100 + 50 * t, y: 200, w: 100, h: 40 }), 5, 12);
    const near = run((t) => ({ x: 100 + 100 * t, y: 200, w: 200, h: 80 }), 5, 12);
    const bl = Math.hypot(100, 40);
    const expected = 50 / bl;
    const a = mean(far, 'speedBlS');
    const b = mean(near, 'speedBlS');
    assert.ok(Math.abs(a - expected) / expected < 0.02, `far ${a} vs ${expected}`);
    assert.ok(Math.abs(b - expected) / expected < 0.02, `near ${b} vs ${expected}`);
    assert.ok(Math.abs(mean(far, 'straightness') - 1) < 0.01, 'a straight line is straight');
  });

  test('a still ferret with detection jitter has near-zero speed and keeps counting stationary time', () => {
    const fs = run(() => ({ x: 300, y: 300 }), 5, 60, { noisePx: 2, seed: 3 });
    assert.ok(mean(fs, 'speedBlS') < 0.1, `jitter speed ${mean(fs, 'speedBlS')}`);
    assert.ok(fs[fs.length - 1].stationaryS > 59, `stationary ${fs[fs.length - 1].stationaryS}`);
  });

  test('one wild box does not reset stationary time', () => {
    const ex = new TrackFeatureExtractor();
    let f!: TrackFeatures;
    for (let i = 0; i <= 100; i++) {
      const cx = i === 50 ? 400 : 300; // a single misplaced detection
      f = ex.update(makeTrack({ cx, cy: 300, zones: [] }), i * 200);
    }
    assert.ok(f.stationaryS >= 19.9, `stationary ${f.stationaryS}`);
  });
});

describe('turning rate', () => {
  test('a box that jumps faster than any ferret runs is marked as a jump, a dash is not', () => {
    const jump = run((t) => ({ x: t < 3 ? 300 + 40 * t : 800, y: 360 }), 5, 5);
    const at = jump.find((f) => f.jumpMs > -Infinity);
    assert.ok(at, 'the jump is marked');
    assert.ok(Math.abs(at.tMs - 1_700_000_000_000 - 3000) < 250, `marked at ${at.tMs - 1_700_000_000_000} ms`);
    const dash = run((t) => ({ x: 200 + 5 * 128 * t, y: 360 }), 5, 1.5);
    assert.ok(dash.every((f) => f.jumpMs === -Infinity), '5 bl/s is a run, not a jump');
  });

  test('circling at ω rad/s reads ω; a straight walk reads 0', () => {
    const omega = 1.2;
    const circle = run((t) => ({ x: 500 + 150 * Math.cos(omega * t), y: 350 + 150 * Math.sin(omega * t) }), 5, 12);
    const turn = mean(circle, 'turnRateRadS');
    assert.ok(Math.abs(turn - omega) / omega < 0.05, `turn ${turn}`);
    const line = run((t) => ({ x: 100 + 80 * t, y: 300 }), 5, 12);
    assert.ok(mean(line, 'turnRateRadS') < 0.01);
  });

  test('jitter on a still ferret is not turning (steps under a fraction of a body length carry no heading)', () => {
    const fs = run(() => ({ x: 300, y: 300 }), 5, 30, { noisePx: 3, seed: 5 });
    assert.equal(Math.max(...fs.map((f) => f.turnRateRadS)), 0);
  });
});

describe('time windows are real time, not frames', () => {
  const omega = 1.5;
  const path: Path = (t) => ({ x: 500 + 160 * Math.cos(omega * t), y: 350 + 120 * Math.sin(omega * t) + 20 * Math.sin(3 * t) });

  for (const key of ['speedBlS', 'speed2BlS', 'speed10BlS', 'turnRateRadS', 'straightness', 'accelBlS2'] as const) {
    test(`${key}: the same motion at 5 fps and 2 fps (jittered, noisy) gives similar values`, () => {
      const a = mean(run(path, 5, 40, { noisePx: 2, jitter: 0.3, seed: 7 }), key);
      const b = mean(run(path, 2, 40, { noisePx: 2, jitter: 0.3, seed: 8 }), key);
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-9);
      assert.ok(rel < 0.12, `${key}: 5 fps ${a.toFixed(3)} vs 2 fps ${b.toFixed(3)}`);
    });
  }
});

describe('zones and neighbours', () => {
  test('dwell time grows in a zone, survives a sub-second exit, and a lost track keeps its zone', () => {
    const ex = new TrackFeatureExtractor();
    let f!: TrackFeatures;
    for (let i = 0; i <= 50; i++) {
      const zones = i === 25 ? [] : ['bed'];
      f = ex.update(makeTrack({ cx: 300, cy: 300, zones }), i * 200);
    }
    assert.ok(Math.abs(f.dwellS.hide - 10) < 0.01, `dwell ${f.dwellS.hide}`);
    assert.equal(f.zoneName.hide, 'bed');
    f = ex.update(makeTrack({ cx: 600, cy: 300, zones: [], state: 'lost' }), 51 * 200);
    assert.equal(f.inZone.hide, true);
    assert.equal(f.lost, true);
  });

  test('nearest ferret distance is in the described ferret’s body lengths, with that ferret’s speed', () => {
    const a = new TrackFeatureExtractor();
    const b = new TrackFeatureExtractor();
    let fa!: TrackFeatures;
    let fb!: TrackFeatures;
    for (let i = 0; i <= 20; i++) {
      fa = a.update(makeTrack({ cx: 300, cy: 300, w: 100, h: 40, zones: [] }), i * 200);
      fb = b.update(makeTrack({ trackId: '2', cx: 400 + 60 * i * 0.2, cy: 300, w: 100, h: 40, zones: [] }), i * 200);
    }
    fillNeighbourFeatures([fa, fb]);
    const bl = Math.hypot(100, 40);
    assert.ok(Math.abs(fa.nearestFerretBl - (fb.cx - 300) / bl) < 1e-6);
    assert.ok(Math.abs(fa.nearestFerretSpeedBlS - 60 / bl) < 0.02, `neighbour speed ${fa.nearestFerretSpeedBlS}`);
    assert.ok(fb.nearestFerretSpeedBlS < 0.01);
    fillNeighbourFeatures([fa]);
    assert.equal(fa.nearestFerretBl, 20, 'alone: capped distance');
  });
});
