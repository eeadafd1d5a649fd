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
