import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { letterbox, letterboxBox, letterboxFilter, unletterboxBox } from '../../../runtime/detect/letterbox';
import { decodeImageLetterboxed, decodeImageRaw, parseInputVideoSize } from '../../../runtime/detect/image';
import { makeRectPng, tempDir } from './ffmpeg-fixtures';

describe('letterbox geometry', () => {
  test('portrait, landscape and odd sizes round like ffmpeg', () => {
    assert.deepEqual(pick(letterbox(810, 1080, 640, 640)), { newW: 480, newH: 640, padX: 80, padY: 0 });
    assert.deepEqual(pick(letterbox(1280, 720, 640, 640)), { newW: 640, newH: 360, padX: 0, padY: 140 });
    // 640*251/427 = 376.2 → 376; (640-376)/2 = 132
    assert.deepEqual(pick(letterbox(427, 251, 640, 640)), { newW: 640, newH: 376, padX: 0, padY: 132 });
    // 640*333/999 = 213.3 → 213; (640-213)/2 = 213.5 → 213 (pad truncates)
    assert.deepEqual(pick(letterbox(333, 999, 640, 640)), { newW: 213, newH: 640, padX: 213, padY: 0 });
    assert.throws(() => letterbox(0, 10, 640, 640), /positive/);
  });

  test('source → model → source round trip and clipping', () => {
    const lb = letterbox(427, 251, 640, 640);
    const box: [number, number, number, number] = [10.5, 20, 300, 250];
    const back = unletterboxBox(letterboxBox(box, lb), lb, 427, 251);
    back.forEach((v, i) => assert.ok(Math.abs(v - box[i]) < 1e-9, `coord ${i}: ${v} vs ${box[i]}`));
    // A model box spilling into the gray bars is clipped to the frame.
    assert.deepEqual(unletterboxBox([-20, 0, 700, 640], lb, 427, 251), [0, 0, 427, 251]);
  });

  test('filter string', () => {
    assert.equal(
      letterboxFilter(640, 480),
      'scale=640:480:force_original_aspect_ratio=decrease:flags=bilinear+accurate_rnd+full_chroma_int,format=rgb24,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=0x727272',
    );
  });

  test('parses the source size from ffmpeg stderr, swapping for a 90° display matrix', () => {
    const jpg = 'Input #0, image2, from \'a.jpg\':\n  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 810x1080 [SAR 1:1 DAR 3:4], 25 fps\nStream mapping:';
    assert.deepEqual(parseInputVideoSize(jpg), { width: 810, height: 1080 });
    const mp4 =
      "Input #0, mov,mp4, from 'v.mp4':\n  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv), 1920x1080, 30 fps\n" +
      '    Side data:\n      displaymatrix: rotation of -90.00 degrees\n  Stream #0:1[0x2](und): Audio: aac\nOutput #0, rawvideo';
    assert.deepEqual(parseInputVideoSize(mp4), { width: 1080, height: 1920 });
    assert.equal(parseInputVideoSize('Input #0\n  Stream #0:0: Audio: aac'), undefined);
  });
});

describe('letterbox matches what ffmpeg really draws', () => {
  const dir = tempDir('lb');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const GRAY = 114;
  const sizes: Array<[number, number]> = [
    [427, 251],
    [333, 999],
    [810, 1080],
    [641, 480],
    [100, 60],
  ];
  for (const [w, h] of sizes) {
    test(`${w}x${h} → 640x640: gray bars where predicted, rectangle maps back`, async () => {
      const rect: [number, number, number, number] = [Math.round(w * 0.25), Math.round(h * 0.3), Math.round(w * 0.4), Math.round(h * 0.5)];
      const png = makeRectPng(dir, w, h, rect);
      const img = await decodeImageLetterboxed(png, 640);
      assert.equal(img.srcW, w);
      assert.equal(img.srcH, h);
      const { lb, rgb } = img;
      assert.deepEqual(lb, letterbox(w, h, 640, 640));
      const px = (x: number, y: number): number[] => Array.from(rgb.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3));
      const isGray = (x: number, y: number): boolean => px(x, y).every((v) => v === GRAY);
      const midY = lb.padY + 1;
      const midX = lb.padX + 1;
      // Content starts exactly at padX/padY and ends at pad + new size; the bars are exactly gray 114.
      if (lb.padX > 0) assert.ok(isGray(lb.padX - 1, midY) && !isGray(lb.padX, midY), `left bar ends at x=${lb.padX}`);
      if (lb.padX + lb.newW < 640) {
        assert.ok(!isGray(lb.padX + lb.newW - 1, midY) && isGray(lb.padX + lb.newW, midY), `right bar starts at x=${lb.padX + lb.newW}`);
      }
      if (lb.padY > 0) assert.ok(isGray(midX, lb.padY - 1) && !isGray(midX, lb.padY), `top bar ends at y=${lb.padY}`);
      if (lb.padY + lb.newH < 640) {
        assert.ok(!isGray(midX, lb.padY + lb.newH - 1) && isGray(midX, lb.padY + lb.newH), `bottom bar starts at y=${lb.padY + lb.newH}`);
      }
      // Find the white rectangle in model space and map it back to source pixels.
      let x1 = 640, y1 = 640, x2 = -1, y2 = -1;
      for (let y = 0; y < 640; y++) {
        for (let x = 0; x < 640; x++) {
          if (rgb[(y * 640 + x) * 3] > 127 && !isGray(x, y)) {
            if (x < x1) x1 = x;
            if (x > x2) x2 = x;
            if (y < y1) y1 = y;
            if (y > y2) y2 = y;
          }
        }
      }
      const back = unletterboxBox([x1, y1, x2 + 1, y2 + 1], lb, w, h);
      const truth = [rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3]];
      // Edges land within a model pixel (threshold crossing), i.e. 1/scale source pixels.
      const tol = 1 / lb.scale + 0.5;
      back.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) <= tol, `edge ${i}: ${v.toFixed(2)} vs ${truth[i]} (tol ${tol.toFixed(2)})`));
    });
  }

  test('decodeImageRaw returns the native pixels', async () => {
    const png = makeRectPng(dir, 97, 61, [10, 20, 30, 15]);
    const raw = await decodeImageRaw(png);
    assert.equal(raw.width, 97);
    assert.equal(raw.height, 61);
    assert.equal(raw.rgb.length, 97 * 61 * 3);
    const at = (x: number, y: number): number[] => Array.from(raw.rgb.subarray((y * 97 + x) * 3, (y * 97 + x) * 3 + 3));
    assert.deepEqual(at(25, 27), [255, 255, 255]);
    assert.deepEqual(at(9, 27), [0, 0, 0]);
    assert.deepEqual(at(40, 27), [0, 0, 0]);
  });

  test('a missing image is a plain error naming it', async () => {
    await assert.rejects(decodeImageLetterboxed('/nonexistent/nothing-here.jpg'), /nothing-here\.jpg/);
  });
});

function pick(lb: ReturnType<typeof letterbox>): { newW: number; newH: number; padX: number; padY: number } {
  return { newW: lb.newW, newH: lb.newH, padX: lb.padX, padY: lb.padY };
}
