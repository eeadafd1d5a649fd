import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../../runtime/contracts';
import { createDefaultEmbedder, createEmbedder, DEFAULT_EMBEDDER_KIND, isReidModelName, resolveReidModelPath } from '../../../runtime/track/embedder';
import { hsvHistogramEmbedding } from '../../../runtime/track/embedding';
import { decodeImage } from '../../../runtime/track/image-decode';
import { sharedSessionCount as sharedEmbedderSessionCount } from '../../../runtime/onnx/session-cache';
import { runFfmpeg } from '../../support/media';
import { sharedPath } from '../../support/shared';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-embedder-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 64x48 frame: left half orange, right half white. */
function frame(): Uint8Array {
  const w = 64;
  const h = 48;
  const img = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      const c = x < 32 ? [230, 120, 30] : [245, 245, 240];
      img.set(c, p);
    }
  }
  return img;
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('createEmbedder("hsv")', () => {
  test('one unit 128-D histogram per box, equal to hsvHistogramEmbedding', async () => {
    const e = await createEmbedder({ kind: 'hsv' });
    assert.equal(e.kind, 'hsv');
    assert.equal(e.dims, 128);
    const img = frame();
    const boxes: Box[] = [[0, 0, 32, 48], [32, 0, 64, 48], [100, 100, 120, 120]];
    const out = await e.embed(img, 64, 48, boxes);
    assert.equal(out.length, 3);
    assert.ok(Math.abs(norm(out[0]) - 1) < 1e-5);
    assert.deepEqual(Array.from(out[0]), Array.from(hsvHistogramEmbedding(img, 64, 48, boxes[0])));
    assert.ok(cos(out[0], out[1]) < 0.5, 'orange and white differ');
    assert.equal(norm(out[2]), 0, 'a box outside the frame has no appearance');
    await assert.rejects(e.embed(new Uint8Array(10), 64, 48, boxes), /bytes/);
    e.release();
  });

  test('the default is the colour histogram', async () => {
    assert.equal(DEFAULT_EMBEDDER_KIND, 'hsv');
    const e = await createDefaultEmbedder();
    assert.equal(e.kind, 'hsv');
  });

  test('unknown kinds are refused', async () => {
    await assert.rejects(createEmbedder({ kind: 'sift' as never }), /unknown embedder kind "sift"/);
  });
});

describe('resolveReidModelPath', () => {
  test('configured, then FERRETWATCH_REID_MODEL, then *reid*/*osnet* in the models dir (not a detector)', () => {
    const models = path.join(dir, 'models');
    fs.mkdirSync(models);
    assert.equal(resolveReidModelPath(undefined, models, {}), undefined);
    fs.writeFileSync(path.join(models, 'yolov8n.onnx'), 'x');
    assert.equal(resolveReidModelPath(undefined, models, {}), undefined, 'a detector is not a ReID model');
    fs.writeFileSync(path.join(models, 'osnet_x0_25.onnx'), 'x');
    assert.equal(resolveReidModelPath(undefined, models, {}), path.join(models, 'osnet_x0_25.onnx'));
    assert.equal(resolveReidModelPath(undefined, models, { FERRETWATCH_REID_MODEL: '/abs/m.onnx' }), '/abs/m.onnx');
    assert.equal(resolveReidModelPath('/abs/n.onnx', models, { FERRETWATCH_REID_MODEL: '/abs/m.onnx' }), '/abs/n.onnx');
    assert.equal(isReidModelName('my-REID.onnx'), true);
    assert.equal(isReidModelName('reid.txt'), false);
  });
});

describe('createEmbedder("reid") errors', () => {
  test('a missing model names the file and what to do', async () => {
    await assert.rejects(createEmbedder({ kind: 'reid', modelPath: path.join(dir, 'nope-osnet.onnx') }), /nope-osnet\.onnx does not exist.*FERRETWATCH_REID_MODEL/);
  });

  test('a corrupt model says so', async () => {
    const bad = path.join(dir, 'broken_osnet.onnx');
    fs.writeFileSync(bad, Buffer.from('this is not a protobuf'));
    await assert.rejects(createEmbedder({ kind: 'reid', modelPath: bad }), /broken_osnet\.onnx could not be loaded by onnxruntime \(corrupt/);
    assert.equal(sharedEmbedderSessionCount(), 0, 'a failed load leaves no cached session');
  });
});

describe('createEmbedder("reid") with the real OSNet model', () => {
  const model = sharedPath('models/osnet_x0_25_msmt17.onnx');

  test('512-D unit vectors; one batched run equals per-box runs; one shared session', async (t) => {
    if (!model.path) return t.skip(model.skip);
    const a = await createEmbedder({ kind: 'reid', modelPath: model.path });
    const b = await createEmbedder({ kind: 'reid', modelPath: model.path });
    try {
      assert.equal(a.kind, 'reid');
      assert.equal(a.dims, 512);
      assert.equal(sharedEmbedderSessionCount(), 1, 'two embedders, one session');
      const img = frame();
      const boxes: Box[] = [[0, 0, 32, 48], [32, 0, 64, 48], [8, 4, 56, 44], [-10, -10, -1, -1]];
      const batched = await a.embed(img, 64, 48, boxes);
      assert.equal(batched.length, 4);
      for (const v of batched.slice(0, 3)) assert.ok(Math.abs(norm(v) - 1) < 1e-4);
      assert.equal(norm(batched[3]), 0, 'outside the frame: zero vector');
      for (let i = 0; i < 3; i++) {
        const [single] = await b.embed(img, 64, 48, [boxes[i]]);
        assert.ok(cos(single, batched[i]) > 0.9999, `box ${i}: batched and single runs agree`);
      }
      assert.ok(cos(batched[0], batched[1]) < cos(batched[0], batched[0]) - 0.05);
      assert.deepEqual(await a.embed(img, 64, 48, []), []);
    } finally {
      a.release();
      b.release();
    }
  });

  test('a real photo crop: the same crop embeds the same, a shifted crop stays close', async (t) => {
    const photo = sharedPath('media/ferrets/collection/f457d949-e623-47ce-a1f9-ca9f3bda9ab1/image.jpg');
    if (!model.path || !photo.path) return t.skip(model.skip ?? photo.skip);
    const e = await createEmbedder({ kind: 'reid', modelPath: model.path });
    try {
      const img = await decodeImage(photo.path, { maxSide: 640 });
      const box: Box = [0.03 * img.width, 0.08 * img.height, img.width, 0.9 * img.height];
      const shifted: Box = [box[0] + 10, box[1] + 5, box[2] - 10, box[3]];
      const [x, y, z] = await e.embed(img.rgb, img.width, img.height, [box, box, shifted]);
      assert.ok(cos(x, y) > 0.9999);
      assert.ok(cos(x, z) > 0.8, `shifted crop cosine ${cos(x, z).toFixed(3)}`);
    } finally {
      e.release();
    }
  });
});

describe('decodeImage', () => {
  test('files and bytes, downscaled to maxSide keeping the aspect; garbage is an error', async () => {
    const png = path.join(dir, 'red.png');
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=400x100', '-frames:v', '1', '-y', png]);
    const a = await decodeImage(png, { maxSide: 200 });
    assert.deepEqual([a.width, a.height], [200, 50]);
    assert.ok(a.rgb[0] > 200 && a.rgb[1] < 40, 'red');
    const b = await decodeImage(fs.readFileSync(png), { maxSide: 1000 });
    assert.deepEqual([b.width, b.height], [400, 100], 'never upscaled');
    await assert.rejects(decodeImage(Buffer.from('not a picture at all')), /could not decode image \(20 bytes\)/);
    await assert.rejects(decodeImage(Buffer.alloc(0)), /empty/);
  });
});
