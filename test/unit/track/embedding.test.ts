import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../../../runtime/contracts';
import { cosineDistance, hsvHistogramEmbedding, l2Normalize, meanMinCosineDistance, minCosineDistance } from '../../../runtime/track/embedding';
import { iou, iouCostMatrix } from '../../../runtime/track/iou';
import { gauss, rng } from './synth';

type RGB = [number, number, number];

/** A frame with a textured background and an elliptical "ferret": coat colour, darker mask and legs. */
function scene(w: number, h: number, bg: RGB, box: Box, coat: RGB, accents: RGB, seed: number): Uint8Array {
  const r = rng(seed);
  const img = new Uint8Array(w * h * 3);
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const rx = (box[2] - box[0]) / 2;
  const ry = (box[3] - box[1]) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const e = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      // Body is an ellipse filling ~80 % of the box; its ends (head, tail, legs) carry the accent colour.
      let c: RGB = bg;
      if (e < 0.8) c = Math.abs(x - cx) > rx * 0.7 || y > cy + ry * 0.55 ? accents : coat;
      const n = gauss(r) * 10;
      const p = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) img[p + k] = Math.max(0, Math.min(255, Math.round(c[k] + n)));
    }
  }
  return img;
}

describe('embedding helpers', () => {
  test('normalisation and cosine distances', () => {
    const a = l2Normalize([3, 4]);
    assert.ok(Math.abs(a[0] - 0.6) < 1e-6 && Math.abs(a[1] - 0.8) < 1e-6);
    assert.deepEqual(Array.from(l2Normalize([0, 0])), [0, 0]);
    assert.ok(Math.abs(cosineDistance([1, 0], [0, 2]) - 1) < 1e-12);
    assert.ok(Math.abs(cosineDistance([1, 1], [2, 2])) < 1e-12);
    assert.ok(Math.abs(cosineDistance([1, 0], [-1, 0]) - 2) < 1e-12);
    const gallery = [l2Normalize([1, 0]), l2Normalize([0, 1])];
    assert.ok(Math.abs(minCosineDistance(gallery, l2Normalize([1, 0.1])) - (1 - 1 / Math.hypot(1, 0.1))) < 1e-6);
    assert.equal(minCosineDistance([], [1, 0]), Infinity);
    assert.ok(Math.abs(meanMinCosineDistance([l2Normalize([1, 0]), l2Normalize([0, 1])], gallery)) < 1e-6);
    assert.equal(meanMinCosineDistance([], gallery), Infinity);
  });

  test('iou and its cost matrix', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [10, 0, 20, 10]), 0);
    assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 15, 10]) - 50 / 150) < 1e-12);
    assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
    const m = iouCostMatrix([[0, 0, 10, 10], [100, 100, 110, 110]], [[0, 0, 10, 10], [5, 0, 15, 10], [300, 0, 310, 10]]);
    assert.equal(m.length, 6);
    assert.equal(m[0], 0);
    assert.ok(Math.abs(m[1] - (1 - 50 / 150)) < 1e-12);
    assert.equal(m[5], 1);
  });

  test('HSV histogram separates an albino from a sable, on any background', () => {
    const W = 320;
    const H = 240;
    const albino: [RGB, RGB] = [[240, 234, 218], [235, 200, 195]]; // cream coat, pink nose/ears
    const sable: [RGB, RGB] = [[110, 78, 50], [45, 32, 25]]; // brown coat, dark mask and legs
    const carpet: RGB = [150, 120, 90];
    const blanket: RGB = [60, 90, 160];
    const b1: Box = [40, 60, 200, 130];
    const b2: Box = [120, 100, 240, 150];
    // The detection box is looser than the animal (pad px of background on each side), as detectors' are.
    const emb = (bg: RGB, box: Box, coat: [RGB, RGB], seed: number, pad = 0) =>
      hsvHistogramEmbedding(scene(W, H, bg, box, coat[0], coat[1], seed), W, H, [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]);
    const a1 = emb(carpet, b1, albino, 1);
    const a2 = emb(blanket, b2, albino, 2, 20);
    const s1 = emb(carpet, b2, sable, 3, 20);
    const s2 = emb(blanket, b1, sable, 4);
    assert.equal(a1.length, 128);
    let n = 0;
    for (const x of a1) n += x * x;
    assert.ok(Math.abs(n - 1) < 1e-5, 'unit norm');
    const same = [cosineDistance(a1, a2), cosineDistance(s1, s2)];
    const diff = [cosineDistance(a1, s1), cosineDistance(a1, s2), cosineDistance(a2, s1), cosineDistance(a2, s2)];
    console.log(`# hsv: same coat ${same.map((d) => d.toFixed(3)).join(', ')}; albino vs sable ${diff.map((d) => d.toFixed(3)).join(', ')}`);
    for (const d of same) assert.ok(d < 0.2, `same coat across backgrounds and box looseness: ${d}`);
    for (const d of diff) assert.ok(d > 0.6, `albino vs sable: ${d}`);
  });

  test('big crops are sampled with a stride and degenerate boxes give a zero vector', () => {
    const W = 1920;
    const H = 1080;
    const img = new Uint8Array(W * H * 3).fill(128);
    const t0 = process.hrtime.bigint();
    const e = hsvHistogramEmbedding(img, W, H, [0, 0, W, H]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`# hsv full-HD crop: ${ms.toFixed(2)} ms`);
    // Grey: achromatic hue bin 0, saturation bin 0, value bin 2 (128/255) → index 0·16 + 0·4 + 2.
    assert.ok(Math.abs(e[2] - 1) < 1e-6, 'grey goes to the achromatic hue bin, one (s, v) cell');
    assert.ok(hsvHistogramEmbedding(img, W, H, [10, 10, 10, 50]).every((x) => x === 0));
    assert.ok(hsvHistogramEmbedding(img, W, H, [-50, -50, -10, -10]).every((x) => x === 0), 'outside the frame');
  });
});
