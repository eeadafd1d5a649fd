// FrameRateWatch: the ferret-behavior node's "tracks come too slowly to time play" warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRateWatch, type FrameRateEvent } from '../../../runtime/behavior/frame-rate';
import { mulberry32 } from '../../support/trajectory-sim';

/** Feeds `n` frames of `camera` at `fps` with ±jitter (fraction) and a drop rate; returns the events. */
function feed(w: FrameRateWatch, camera: string, t0: number, fps: number, n: number, jitter = 0, drop = 0, seed = 1): { events: FrameRateEvent[]; t: number } {
  const rnd = mulberry32(seed);
  const events: FrameRateEvent[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += (1000 / fps) * (1 + jitter * (2 * rnd() - 1));
    if (rnd() < drop) continue;
    const e = w.observe(camera, Math.round(t));
    if (e) events.push(e);
  }
  return { events, t };
}

test('5 fps with jitter and drops: never low; the estimate is the camera rate', () => {
  const w = new FrameRateWatch();
  const { events } = feed(w, 'cam1', 0, 5, 600, 0.3, 0.1);
  assert.deepEqual(events, []);
  const fps = w.fps('cam1') as number;
  assert.ok(fps > 4.3 && fps < 5.7, String(fps));
});

test('2 fps: one low event after a window of frames, none after; back at 5 fps: one recovery', () => {
  const w = new FrameRateWatch();
  const a = feed(w, 'cam1', 0, 2, 200, 0.3, 0.1);
  assert.equal(a.events.length, 1);
  assert.equal(a.events[0].low, true);
  assert.equal(a.events[0].camera, 'cam1');
  assert.ok(Math.abs(a.events[0].fps - 2) < 0.5, String(a.events[0].fps));
  const b = feed(w, 'cam1', a.t, 5, 100, 0.3, 0.1);
  assert.equal(b.events.length, 1);
  assert.equal(b.events[0].low, false);
});

test('cameras are watched apart; a stall, repeats and out-of-order payloads are not a frame rate', () => {
  const w = new FrameRateWatch();
  let t = 0;
  const events: FrameRateEvent[] = [];
  for (let i = 0; i < 200; i++) {
    t += 200;
    // cam1 at 5 fps with a 30 s stall in the middle; cam2 at 1 fps.
    if (i === 100) t += 30_000;
    for (const e of [w.observe('cam1', t), w.observe('cam1', t), w.observe('cam1', t - 100), i % 5 === 0 ? w.observe('cam2', t) : null]) if (e) events.push(e);
  }
  assert.deepEqual(
    events.map((e) => [e.camera, e.low]),
    [['cam2', true]],
  );
});

test('a rate on the line does not flap', () => {
  const w = new FrameRateWatch({ minFps: 4, windowFrames: 10 });
  const events: FrameRateEvent[] = [];
  let t = 0;
  // Alternating 3.9 and 4.1 fps stretches: low once, and 4.1 < 4 × 1.1 does not count as back.
  for (let k = 0; k < 10; k++) {
    const fps = k % 2 ? 4.1 : 3.9;
    for (let i = 0; i < 30; i++) {
      t += 1000 / fps;
      const e = w.observe('cam1', t);
      if (e) events.push(e);
    }
  }
  assert.equal(events.length, 1);
  assert.equal(events[0].low, true);
});
