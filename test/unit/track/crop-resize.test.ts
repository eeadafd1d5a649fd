import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { clipBox, cropResizeToChw, IMAGENET, resizeRgbInto } from '../../../runtime/track/crop-resize';
import { parsePpm } from '../../../runtime/track/image-decode';

/** w x h rgb24 where R = x, G = y, B = 200. */
function gradient(w: number, h: number): Uint8Array {
  const img = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      img[(y * w + x) * 3] = x;
      img[(y * w + x) * 3 + 1] = y;
      img[(y * w + x) * 3 + 2] = 200;
    }
  }
  return img;
}

describe('cropResizeToChw', () => {
  test('normalises with the ImageNet mean/std into R, G, B planes at the offset', () => {
    const img = new Uint8Array(10 * 10 * 3).fill(128);
    const out = new Float32Array(2 + 3 * 4 * 8).fill(-99);
    assert.equal(cropResizeToChw(img, 10, 10, [2, 2, 8, 8], 4, 8, out, 2), true);
    assert.equal(out[0], -99, 'nothing written before the offset');
    for (let c = 0; c < 3; c++) {
      const want = (128 / 255 - IMAGENET.mean[c]) / IMAGENET.std[c];
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(out[2 + c * 32 + i] - want) < 1e-5, `plane ${c}`);
    }
  });

  test('samples bilinearly at pixel centres (a 2x downscale of a ramp averages neighbours)', () => {
    const img = gradient(100, 50);
    const out = new Float32Array(3 * 10 * 5);
    const plain = { mean: [0, 0, 0] as const, std: [1 / 255, 1 / 255, 1 / 255] as const }; // value = pixel
    cropResizeToChw(img, 100, 50, [10, 20, 30, 30], 10, 5, out, 0, plain);
    // Output x maps to source 10 + 2x + 0.5: R = that; output y to 20 + 2y + 0.5.
    for (let x = 0; x < 10; x++) assert.ok(Math.abs(out[x] - (10 + 2 * x + 0.5)) < 1e-3, `R at ${x}: ${out[x]}`);
    for (let y = 0; y < 5; y++) assert.ok(Math.abs(out[50 + y * 10] - (20 + 2 * y + 0.5)) < 1e-3, `G at ${y}`);
    assert.ok(Math.abs(out[100] - 200) < 1e-3);
  });

  test('a box partly outside is clipped; one fully outside writes zeros and returns false', () => {
    assert.deepEqual(clipBox([-5, -5, 5, 5], 10, 10), [0, 0, 5, 5]);
    assert.equal(clipBox([20, 20, 30, 30], 10, 10), null);
    const img = gradient(10, 10);
    const out = new Float32Array(3 * 4).fill(7);
    assert.equal(cropResizeToChw(img, 10, 10, [20, 20, 30, 30], 2, 2, out, 0), false);
    assert.deepEqual(Array.from(out), new Array(12).fill(0));
  });
});

describe('resizeRgbInto', () => {
  test('letterboxes: scaled picture at the pad offset, gray elsewhere', () => {
    const src = new Uint8Array(4 * 2 * 3).fill(50);
    const dst = new Uint8Array(8 * 8 * 3);
    resizeRgbInto(src, 4, 2, 8, 4, dst, 8, 8, 0, 2, 114);
    assert.equal(dst[0], 114);
    assert.equal(dst[(2 * 8 + 0) * 3], 50);
    assert.equal(dst[(5 * 8 + 7) * 3 + 2], 50);
    assert.equal(dst[(6 * 8 + 0) * 3], 114);
    assert.throws(() => resizeRgbInto(src, 4, 2, 8, 4, new Uint8Array(10), 8, 8), /destination/);
  });
});

describe('parsePpm', () => {
  test('reads P6 with comments; refuses other formats and truncated data', () => {
    const body = Buffer.from([1, 2, 3, 4, 5, 6]);
    const ppm = Buffer.concat([Buffer.from('P6\n# made by a test\n2 1\n255\n'), body]);
    const img = parsePpm(ppm);
    assert.deepEqual([img.width, img.height, ...img.rgb], [2, 1, 1, 2, 3, 4, 5, 6]);
    assert.throws(() => parsePpm(Buffer.from('P5\n2 1\n255\n\x00\x00')), /P6/);
    assert.throws(() => parsePpm(Buffer.concat([Buffer.from('P6 2 2 255\n'), body])), /truncated/);
  });
});
