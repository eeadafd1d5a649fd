import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rgbToChwFloat } from '../../../runtime/detect/preprocess';

test('HWC rgb24 → CHW float planes in 0..1, into the caller-owned buffer', () => {
  // 2x1 image: pixel 0 = (255, 0, 51), pixel 1 = (0, 102, 255)
  const rgb = Uint8Array.from([255, 0, 51, 0, 102, 255]);
  const out = new Float32Array(6).fill(-1);
  const r = rgbToChwFloat(rgb, 2, 1, out);
  assert.equal(r, out);
  const expect = [1, 0, 0, 0.4, 0.2, 1];
  out.forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-6, `index ${i}: ${v}`));
  assert.throws(() => rgbToChwFloat(rgb, 3, 1, new Float32Array(9)), /expected 9/);
  assert.throws(() => rgbToChwFloat(rgb, 2, 1, new Float32Array(5)), /output buffer/);
});
