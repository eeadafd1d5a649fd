import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { YoloDetector, sharedSessionCount } from '../../../runtime/detect/detector';
import { buildTinyOnnx } from './onnx-builder';
import { makeJpeg, tempDir } from './ffmpeg-fixtures';
import { E2E, LB, NAMES, encodeRows } from './e2e-model';

const close = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]) < 0.01);

describe('YoloDetector with synthetic ONNX models', () => {
  const dir = tempDir('det');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, buf: Buffer): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, buf);
    return f;
  };
  const e2e = write('e2e.onnx', buildTinyOnnx({ ...E2E, metadata: { names: NAMES } }));
  const frame = encodeRows([
    [10, 10, 50, 50, 0.9, 0], // ferret
    [12, 12, 52, 52, 0.8, 1], // cat on top of the ferret
    [100, 100, 150, 150, 0.3, 2], // person below conf
    [200, 10, 240, 60, 0.7, 2], // person
    [60, 60, 90, 90, 0.6, 7], // a class the names do not cover
  ]);

  test('end-to-end layout: input size from the model, default map keeps a custom model’s classes', async () => {
    const det = await YoloDetector.load(e2e);
    try {
      assert.equal(det.inputWidth, 4);
      assert.equal(det.inputHeight, 4);
      assert.equal(det.layout?.layout, 'end2end');
      assert.deepEqual(det.classNames, ['ferret', 'cat', 'person']);
      const { detections, timings } = await det.detect(frame, LB, 512, 512);
      assert.deepEqual(
        detections.map((d) => `${d.label}/${d.class}/${d.classId}`),
        ['ferret/ferret/0', 'cat/cat/1', 'person/person/2', 'class_7/class_7/7'],
      );
      assert.ok(close(detections[0].box, [20, 20, 100, 100]), JSON.stringify(detections[0].box));
      assert.ok(Math.abs(detections[0].score - 0.9) < 0.01);
      assert.deepEqual(detections[0].zones, []);
      assert.ok(timings.inferMs >= 0 && timings.preMs >= 0 && timings.postMs >= 0);
    } finally {
      await det.release();
    }
  });

  test('a class map merges classes into one label and NMS runs per label', async () => {
    const det = await YoloDetector.load(e2e, { classMap: { ferret: 'ferret', cat: 'ferret' } });
    try {
      const { detections } = await det.detect(frame, LB, 512, 512);
      assert.deepEqual(
        detections.map((d) => `${d.label}/${d.class}`),
        ['ferret/ferret'],
      );
      det.conf = 0.75;
      det.iou = 0.99;
      assert.equal((await det.detect(frame, LB, 512, 512)).detections.length, 2);
    } finally {
      await det.release();
    }
  });

  test('one shared session per (file, threads), freed with the last release', async () => {
    const before = sharedSessionCount();
    const a = await YoloDetector.load(e2e, { threads: 1 });
    const b = await YoloDetector.load(e2e, { threads: 1 });
    assert.equal(sharedSessionCount(), before + 1);
    const c = await YoloDetector.load(e2e, { threads: 2 });
    assert.equal(sharedSessionCount(), before + 2);
    await a.release();
    await a.release(); // twice is harmless
    assert.equal(sharedSessionCount(), before + 2);
    assert.equal((await b.detect(frame, LB, 512, 512)).detections.length, 4);
    await b.release();
    await c.release();
    assert.equal(sharedSessionCount(), before);
    await assert.rejects(b.detect(frame, LB, 512, 512), /released/);
  });

  test('concurrent detect() calls never mix up their frames', async () => {
    const a = await YoloDetector.load(e2e);
    const b = await YoloDetector.load(e2e);
    try {
      const jobs = Array.from({ length: 8 }, (_, i) => {
        const f = encodeRows([[i * 10, i * 5, i * 10 + 20, i * 5 + 30, 0.9, 0]]);
        return (i % 2 ? a : b).detect(f, LB, 512, 512).then((r) => ({ i, r }));
      });
      for (const { i, r } of await Promise.all(jobs)) {
        assert.equal(r.detections.length, 1, `job ${i}`);
        assert.ok(close(r.detections[0].box, [i * 20, i * 10, i * 20 + 40, i * 10 + 60]), `job ${i}: ${JSON.stringify(r.detections[0].box)}`);
      }
    } finally {
      await a.release();
      await b.release();
    }
  });

  test('class names come from a labels file next to the model when metadata has none', async () => {
    const f = write('kit.onnx', buildTinyOnnx(E2E));
    fs.writeFileSync(path.join(dir, 'kit.labels.txt'), 'Talulah\n');
    const det = await YoloDetector.load(f);
    try {
      assert.deepEqual(det.classNames, ['Talulah']);
      assert.deepEqual(det.labels, ['ferret']); // single class → ferret
      const { detections } = await det.detect(frame, LB, 512, 512);
      assert.deepEqual(
        detections.map((d) => `${d.label}/${d.class}`),
        ['ferret/Talulah'],
      );
    } finally {
      await det.release();
    }
  });

  test('plain-words errors that name the file', async () => {
    const before = sharedSessionCount();
    await assert.rejects(YoloDetector.load(path.join(dir, 'missing.onnx')), /model file missing\.onnx not found/);
    const jpg = makeJpeg(path.join(dir, 'cam.jpg'));
    const renamed = path.join(dir, 'ferret.onnx');
    fs.renameSync(jpg, renamed);
    await assert.rejects(YoloDetector.load(renamed), /ferret\.onnx is not an ONNX model: it looks like a JPEG image/);
    const good = buildTinyOnnx(E2E);
    await assert.rejects(YoloDetector.load(write('half.onnx', good.subarray(0, good.length - 8))), /half\.onnx is truncated or corrupt/);
    const badOp = Buffer.from(buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 3, 4, 4] }).toString('latin1').replace(/Identity/g, 'Identitx'), 'latin1');
    await assert.rejects(YoloDetector.load(write('badop.onnx', badOp)), /badop\.onnx could not be loaded by onnxruntime/);
    const fourD = write('seg.onnx', buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 3, 4, 4] }));
    await assert.rejects(YoloDetector.load(fourD), /seg\.onnx is not a YOLO detection model: output shape \[1, 3, 4, 4\] has 4 dimensions/);
    const twoD = write('cls.onnx', buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 48], reshapeTo: [1, 48] }));
    await assert.rejects(YoloDetector.load(twoD), /cls\.onnx is not a YOLO detection model: output shape \[1, 48\]/);
    const gray = write('gray.onnx', buildTinyOnnx({ inputDims: [1, 1, 4, 4], outputDims: [1, 1, 4, 4] }));
    await assert.rejects(YoloDetector.load(gray), /gray\.onnx: input "images" is float32 \[1, 1, 4, 4\]; expected a float32 image input/);
    assert.equal(sharedSessionCount(), before, 'failed loads leave no session behind');
  });

  test('a frame of the wrong size is refused', async () => {
    const det = await YoloDetector.load(e2e);
    try {
      await assert.rejects(det.detect(new Uint8Array(10), LB, 512, 512), /10 bytes; e2e\.onnx needs 4x4 rgb24 \(48 bytes\)/);
    } finally {
      await det.release();
    }
  });
});
