// The real Ultralytics YOLOv8n (COCO, int8) on real pictures. Each picture is decoded once with
// ffmpeg and each inference is ~100 ms, so the set is kept small.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box, Detection } from '../../../runtime/contracts';
import { YoloDetector } from '../../../runtime/detect/detector';
import { decodeImageLetterboxed } from '../../../runtime/detect/image';
import { iou } from '../../../runtime/detect/nms';
import { sharedPath } from '../../support/shared';

const model = sharedPath('models/yolov8n_int8.onnx');

function fmt(dets: Detection[]): string {
  return dets.map((d) => `${d.class} ${d.score.toFixed(2)} [${d.box.map((v) => v.toFixed(0)).join(',')}]`).join('; ');
}

/** Each reference box must be matched by its own detection at IoU >= minIou. */
function assertMatches(dets: Detection[], refs: Box[], minIou: number, what: string): void {
  const used = new Set<number>();
  for (const r of refs) {
    let best = -1;
    let bestIou = 0;
    dets.forEach((d, i) => {
      const v = iou(d.box, r);
      if (!used.has(i) && v > bestIou) [best, bestIou] = [i, v];
    });
    assert.ok(bestIou >= minIou, `${what}: reference [${r.join(',')}] best IoU ${bestIou.toFixed(2)}`);
    used.add(best);
  }
}

// Conf 0.30: with the bilinear letterbox the weakest wanted box is zidane's tie (0.35) and bus's 4th
// person (0.40); the strongest unwanted one is a 0.19 person on zidane.jpg (0.28 with plain
// `bilinear` without full_chroma_int), so 0.30 holds for either resampler.
describe('YOLOv8n int8 on COCO demo images (conf 0.30, all classes kept)', () => {
  let det: YoloDetector | undefined;
  before(async () => {
    if (model.path) det = await YoloDetector.load(model.path, { conf: 0.3, iou: 0.45, classMap: { '*': 'keep' } });
  });
  after(async () => det?.release());

  test('bus.jpg → exactly 4 persons and 1 bus', async (t) => {
    const img = sharedPath('media/images/bus.jpg');
    if (!det || !img.path) return t.skip(model.skip ?? img.skip);
    assert.equal(det.inputWidth, 640);
    assert.deepEqual(det.layout, { layout: 'anchors', numClasses: 80, count: 8400 });
    const { rgb, lb, srcW, srcH } = await decodeImageLetterboxed(img.path, 640);
    assert.deepEqual([srcW, srcH, lb.padX, lb.padY], [810, 1080, 80, 0]);
    const { detections, timings } = await det.detect(rgb, lb, srcW, srcH);
    t.diagnostic(`bus.jpg: ${fmt(detections)}; infer ${timings.inferMs.toFixed(0)} ms`);
    const persons = detections.filter((d) => d.class === 'person');
    const buses = detections.filter((d) => d.class === 'bus');
    assert.equal(persons.length, 4);
    assert.equal(buses.length, 1);
    assert.equal(detections.length, 5);
    // Boxes close to what Ultralytics' YOLOv8n draws on this picture.
    assertMatches(buses, [[17, 231, 802, 768]], 0.85, 'bus');
    assertMatches(persons, [[670, 380, 810, 875], [221, 405, 345, 857], [50, 397, 244, 905], [0, 550, 63, 873]], 0.7, 'person');
  });

  test('inference runs in a worker thread: the event loop keeps turning meanwhile', async (t) => {
    const img = sharedPath('media/images/bus.jpg');
    if (!det || !img.path) return t.skip(model.skip ?? img.skip);
    const { rgb, lb, srcW, srcH } = await decodeImageLetterboxed(img.path, 640);
    let done = false;
    let turns = 0;
    const spin = (): void => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const r = await det.detect(rgb, lb, srcW, srcH);
    done = true;
    // onnxruntime-node's own run() would block the loop for the whole inference (a turn or two).
    assert.ok(turns >= 20, `${turns} event-loop turns during a ${r.timings.inferMs.toFixed(0)} ms inference`);
    assert.ok((r.timings.runMs ?? 0) > 0 && (r.timings.runMs ?? 0) <= r.timings.inferMs + 1);
  });

  test('zidane.jpg → exactly 2 persons and 1 tie', async (t) => {
    const img = sharedPath('media/images/zidane.jpg');
    if (!det || !img.path) return t.skip(model.skip ?? img.skip);
    const { rgb, lb, srcW, srcH } = await decodeImageLetterboxed(img.path, 640);
    assert.deepEqual([srcW, srcH, lb.padX, lb.padY], [1280, 720, 0, 140]);
    const { detections } = await det.detect(rgb, lb, srcW, srcH);
    t.diagnostic(`zidane.jpg: ${fmt(detections)}`);
    assert.deepEqual(detections.map((d) => d.class).sort(), ['person', 'person', 'tie']);
    assertMatches(detections.filter((d) => d.class === 'person'), [[743, 48, 1141, 720], [123, 197, 1112, 711]], 0.7, 'person');
    assertMatches(detections.filter((d) => d.class === 'tie'), [[441, 437, 496, 710]], 0.6, 'tie');
  });
});

describe('pet ferret photos with the default COCO → ferret class map', () => {
  test('recall and precision at IoU >= 0.5, conf 0.25', async (t) => {
    const set = sharedPath('media/ferrets/pet_talulah');
    if (!model.path || !set.path) return t.skip(model.skip ?? set.skip);
    const det = await YoloDetector.load(model.path, { conf: 0.25 });
    try {
      const images = fs.readdirSync(path.join(set.path, 'images')).filter((f) => f.endsWith('.jpg')).sort();
      assert.ok(images.length >= 10);
      let truth = 0;
      let tp = 0;
      let fp = 0;
      const misses: string[] = [];
      for (const f of images) {
        const { rgb, lb, srcW, srcH } = await decodeImageLetterboxed(path.join(set.path, 'images', f), 640);
        const gts: Box[] = fs
          .readFileSync(path.join(set.path, 'labels', f.replace(/\.jpg$/, '.txt')), 'utf8')
          .trim()
          .split('\n')
          .map((l) => {
            const [, cx, cy, w, h] = l.trim().split(/\s+/).map(Number);
            return [(cx - w / 2) * srcW, (cy - h / 2) * srcH, (cx + w / 2) * srcW, (cy + h / 2) * srcH];
          });
        truth += gts.length;
        const { detections } = await det.detect(rgb, lb, srcW, srcH);
        for (const d of detections) assert.equal(d.label, 'ferret', 'the default map only lets ferrets through');
        const used = new Set<number>();
        for (const d of detections) {
          let best = -1;
          let bestIou = 0;
          gts.forEach((g, i) => {
            const v = iou(d.box, g);
            if (!used.has(i) && v > bestIou) [best, bestIou] = [i, v];
          });
          if (bestIou >= 0.5) {
            tp++;
            used.add(best);
          } else fp++;
        }
        if (used.size < gts.length) misses.push(`${f.slice(0, 8)}(${fmt(detections) || 'nothing'})`);
      }
      const recall = tp / truth;
      const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
      const line = `ferret recall ${recall.toFixed(3)} (${tp}/${truth}), precision ${precision.toFixed(3)} (${tp}/${tp + fp}) over ${images.length} photos`;
      console.log(line);
      t.diagnostic(line);
      t.diagnostic(`missed: ${misses.join('; ')}`);
      assert.ok(recall >= 0.5, line);
    } finally {
      await det.release();
    }
  });
});
