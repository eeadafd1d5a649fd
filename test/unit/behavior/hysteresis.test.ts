import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Hysteresis } from '../../../runtime/behavior/hysteresis';
import { BehaviorEngine } from '../../../runtime/behavior/engine';
import type { Candidate } from '../../../runtime/behavior/rules';
import { makePayload, makeTrack, mulberry32 } from '../../support/trajectory-sim';

const c = (behavior: string, confidence = 0.8): Candidate => ({ behavior, confidence, zone: null });

describe('hysteresis', () => {
  test('a new behavior replaces the current one only after its hold time, dated from when its evidence began', () => {
    const h = new Hysteresis({ holdS: { playing: 1.5 } });
    assert.equal(h.update(0, c('exploring'))?.behavior, 'exploring', 'first evidence is taken at once');
    let change = null;
    let t = 0;
    for (t = 200; t <= 1400 && !change; t += 200) change = h.update(t, c('playing'));
    assert.equal(change, null, 'not before 1.5 s of evidence');
    for (; !change; t += 200) change = h.update(t, c('playing'));
    assert.equal(change.behavior, 'playing');
    assert.equal(change.previous, 'exploring');
    assert.equal(change.since, 0, 'the evidence began with the frame before the first playing frame');
    assert.equal(t - 200, 1600, 'switched on the frame that completed 1.5 s');
  });

  test('hold 0 switches immediately; null candidates change nothing', () => {
    const h = new Hysteresis({ holdS: { sleeping: 0 } });
    h.update(0, c('resting'));
    assert.equal(h.update(1000, null), null);
    assert.equal(h.current, 'resting');
    assert.equal(h.update(1200, c('sleeping'))?.behavior, 'sleeping');
  });

  test('the first frame of a new candidate vouches for the speed window (0.5 s), not just the frame interval', () => {
    const h = new Hysteresis({ holdS: { exploring: 2 } });
    h.update(0, c('resting'));
    for (let t = 200; t <= 10_000; t += 200) h.update(t, c('resting'));
    let change = null;
    let t = 10_200;
    for (; !change; t += 200) change = h.update(t, c('exploring'));
    // 0.5 s for the first frame + 0.2 s per frame: 2 s on the ninth frame.
    assert.equal(t - 200, 10_200 + 8 * 200);
    assert.equal(change.since, 9700, 'dated from the start of what the first frame measured');
  });

  test('a third behavior neither feeds nor starves a challenger; the current one does', () => {
    const h = new Hysteresis({ holdS: { exploring: 2, resting: 2.5 } });
    for (let t = 0; t <= 10_000; t += 200) h.update(t, c('sleeping'));
    h.update(10_200, c('exploring'));
    h.update(10_400, c('exploring'));
    h.update(10_600, c('resting')); // a pause while waking up
    assert.ok(Math.abs((h.pending('exploring')?.seconds ?? 0) - 0.7) < 1e-9);
    h.update(10_800, c('sleeping'));
    assert.ok(Math.abs((h.pending('exploring')?.seconds ?? 0) - 0.3) < 1e-9, 'the current state leaks it at twice the rate');
  });

  test('a winning challenger is carried through a missed detection, for at most as long as it was seen', () => {
    const h = new Hysteresis({ holdS: { exploring: 2 } });
    for (let t = 0; t <= 10_000; t += 200) h.update(t, c('resting'));
    for (let t = 10_200; t <= 11_400; t += 200) assert.equal(h.update(t, c('exploring')), null);
    // 1.7 s so far; the track is lost for a moment: the walk goes on.
    assert.equal(h.carry(11_600), null);
    assert.equal(h.carry(11_800)?.behavior, 'exploring');
    // One stray frame and a gap: not enough to switch.
    const g = new Hysteresis({ holdS: { playing: 1.5 } });
    for (let t = 0; t <= 10_000; t += 200) g.update(t, c('exploring'));
    g.update(10_200, c('playing'));
    for (let t = 10_400; t <= 11_200; t += 200) assert.equal(g.carry(t), null, `carried at ${t}`);
    assert.ok((g.pending('playing')?.seconds ?? 0) <= 1.0 + 1e-9);
    assert.equal(g.current, 'exploring');
  });

  test('a frame after a gap is credited with the gap up to maxDtS (2 s)', () => {
    const h = new Hysteresis({ holdS: { exploring: 2 } });
    h.update(0, c('resting'));
    h.update(500, c('resting'));
    assert.equal(h.update(2300, c('exploring')), null, '1.8 s: not yet');
    assert.equal(h.update(2800, c('exploring'))?.since, 500);
    const capped = new Hysteresis({ holdS: { exploring: 2 } });
    capped.update(0, c('resting'));
    assert.equal(capped.update(10_000, c('exploring'))?.since, 8000, 'a 10 s stall counts as 2 s');
  });

  test('a noisy 50/50 boundary does not flicker, while a clean change still goes through', () => {
    const rnd = mulberry32(42);
    const h = new Hysteresis();
    h.update(0, c('resting'));
    let changes = 0;
    let naive = 0;
    let prev = 'resting';
    for (let i = 1; i <= 3000; i++) {
      const b = rnd() < 0.5 ? 'exploring' : 'resting';
      if (b !== prev) naive++;
      prev = b;
      if (h.update(i * 200, c(b))) changes++;
    }
    assert.ok(naive > 1000, 'the raw candidates flicker');
    assert.ok(changes <= 2, `${changes} state changes over 10 minutes of a 50/50 boundary`);
    // 80 % clean evidence switches after hold / (0.8 − 0.2).
    let switched = false;
    for (let i = 3001; i <= 3100 && !switched; i++) switched = h.update(i * 200, c(i % 5 === 0 ? h.current! : 'playing')) !== null;
    assert.ok(switched);
  });

  test('a candidate whose window vouches for vouchS has at least that much evidence, even after undecided frames', () => {
    const h = new Hysteresis({ holdS: { playing: 1.5 } });
    for (let t = 0; t <= 10_000; t += 500) h.update(t, c('exploring'));
    // 2 fps: one undecided frame, then a frame whose whole 2 s window shows a romp.
    assert.equal(h.update(10_500, null), null);
    const change = h.update(11_000, { ...c('playing'), vouchS: 1.5 });
    assert.equal(change?.behavior, 'playing', 'the window already shows 1.5 s of play');
    assert.equal(change?.since, 9_500, 'dated from where the vouched evidence begins');
    // Without the vouch the same frame is only 1 s (the interval back to the last decided frame).
    const g = new Hysteresis({ holdS: { playing: 1.5 } });
    for (let t = 0; t <= 10_000; t += 500) g.update(t, c('exploring'));
    g.update(10_500, null);
    assert.equal(g.update(11_000, c('playing')), null);
  });

  test('an engine fed a track hovering at the move-speed threshold emits few changes', () => {
    const engine = new BehaviorEngine();
    const rnd = mulberry32(9);
    let x = 400;
    let changes = 0;
    for (let i = 0; i < 5 * 120; i++) {
      // Speed wanders around the 0.25 bl/s threshold (body length ≈ 128 px → ~32 px/s).
      x += (rnd() < 0.5 ? 0.15 : 0.35) * 128 * 0.2 * (rnd() < 0.5 ? 1 : 0.6);
      if (x > 800) x = 400;
      const out = engine.ingest(makePayload(i * 200, [makeTrack({ cx: x, cy: 360, zones: [] })]));
      changes += out.changes.length;
    }
    assert.ok(changes <= 6, `${changes} changes in 2 minutes at the boundary`);
  });
});
