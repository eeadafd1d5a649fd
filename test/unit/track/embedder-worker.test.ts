// The ReID embedder runs OSNet in a worker thread: the event loop keeps turning during a batch,
// the numbers are onnxruntime's on the main thread, and a crashed worker is replaced.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { Box } from '../../../runtime/contracts';
import { createEmbedder } from '../../../runtime/track/embedder';
import { cropResizeToChw, IMAGENET, ResizeScratch } from '../../../runtime/track/crop-resize';
import { l2NormalizeInPlace } from '../../../runtime/track/embedding';
import { decodeImage, type DecodedImage } from '../../../runtime/track/image-decode';
import { killSessionWorker, sharedSessionCount } from '../../../runtime/onnx/session-cache';
import { sharedPath } from '../../support/shared';

const model = sharedPath('models/osnet_x0_25_msmt17.onnx');
const photo = sharedPath('media/ferrets/collection/f457d949-e623-47ce-a1f9-ca9f3bda9ab1/image.jpg');

/** n different boxes spread over the image. */
function boxes(img: DecodedImage, n: number): Box[] {
  const out: Box[] = [];
  for (let i = 0; i < n; i++) {
    const x = ((i * 37) % 50) / 100;
    const y = ((i * 23) % 40) / 100;
    out.push([x * img.width, y * img.height, (x + 0.4 + (i % 3) * 0.05) * img.width, (y + 0.5) * img.height]);
  }
  return out;
}

describe('ReID embedder in a worker thread (real OSNet)', () => {
  test('the event loop keeps turning while a batch of 16 crops runs', async (t) => {
    if (!model.path || !photo.path) return t.skip(model.skip ?? photo.skip);
    const img = await decodeImage(photo.path, { maxSide: 640 });
    const e = await createEmbedder({ kind: 'reid', modelPath: model.path });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await e.embed(img.rgb, img.width, img.height, boxes(img, 2)); // warm-up
      ticks = 0;
      const out = await e.embed(img.rgb, img.width, img.height, boxes(img, 16));
      assert.equal(out.length, 16);
      // On the main thread the ~50 ms run is one block: the 5 ms timer fires at most once.
      assert.ok(ticks >= 3, `timer ticked ${ticks} times during the batch`);
    } finally {
      clearInterval(timer);
      e.release();
    }
  });

  test('embeddings equal onnxruntime on the main thread (within 1e-5)', async (t) => {
    if (!model.path || !photo.path) return t.skip(model.skip ?? photo.skip);
    const img = await decodeImage(photo.path, { maxSide: 640 });
    const bs = boxes(img, 4);
    const e = await createEmbedder({ kind: 'reid', modelPath: model.path });
    const main = await ort.InferenceSession.create(model.path, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    try {
      const got = await e.embed(img.rgb, img.width, img.height, bs);
      const [, , h, w] = (main.inputMetadata[0] as ort.InferenceSession.TensorValueMetadata).shape as number[];
      const per = 3 * w * h;
      const input = new Float32Array(bs.length * per);
      const scratch = new ResizeScratch();
      bs.forEach((b, i) => cropResizeToChw(img.rgb, img.width, img.height, b, w, h, input, i * per, IMAGENET, scratch));
      const ref = (await main.run({ [main.inputNames[0]]: new ort.Tensor('float32', input, [bs.length, 3, h, w]) }))[main.outputNames[0]].data as Float32Array;
      for (let i = 0; i < bs.length; i++) {
        const r = ref.slice(i * e.dims, (i + 1) * e.dims);
        l2NormalizeInPlace(r);
        let max = 0;
        for (let j = 0; j < e.dims; j++) max = Math.max(max, Math.abs(r[j] - got[i][j]));
        assert.ok(max < 1e-5, `box ${i}: max difference ${max}`);
      }
    } finally {
      await main.release();
      e.release();
    }
  });

  test('a worker killed mid-run rejects the run naming the model; the same embedder then works on a fresh worker', async (t) => {
    if (!model.path || !photo.path) return t.skip(model.skip ?? photo.skip);
    const img = await decodeImage(photo.path, { maxSide: 640 });
    const e = await createEmbedder({ kind: 'reid', modelPath: model.path });
    try {
      const pending = [16, 4].map((n) => e.embed(img.rgb, img.width, img.height, boxes(img, n)));
      assert.equal(await killSessionWorker(model.path, 1), true);
      // The batch under way may still finish (a crash lands between native runs); the queued one fails.
      const [first, second] = await Promise.allSettled(pending);
      if (first.status === 'fulfilled') assert.equal(first.value.length, 16);
      else assert.match((first.reason as Error).message, /osnet_x0_25_msmt17\.onnx/);
      assert.equal(second.status, 'rejected');
      assert.match((second as PromiseRejectedResult).reason.message, /osnet_x0_25_msmt17\.onnx/);
      assert.equal(sharedSessionCount(), 0);
      // No redeploy: the embedder the tracker holds revives on its next frame.
      const [v] = await e.embed(img.rgb, img.width, img.height, boxes(img, 1));
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, 'a unit vector from the new worker');
      assert.equal(sharedSessionCount(), 1);
      const fresh = await createEmbedder({ kind: 'reid', modelPath: model.path });
      try {
        assert.equal(sharedSessionCount(), 1, 'a new user shares the revived worker');
        const [w] = await fresh.embed(img.rgb, img.width, img.height, boxes(img, 1));
        assert.deepEqual([...w], [...v]);
      } finally {
        fresh.release();
      }
    } finally {
      e.release();
    }
    assert.equal(sharedSessionCount(), 0);
  });
});
