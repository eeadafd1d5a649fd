import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { iou, nms } from '../../../runtime/detect/nms';

type B = [number, number, number, number];
const c = (box: B, score: number, classId: number, label = `c${classId}`) => ({ box, score, classId, label });

describe('NMS', () => {
  test('iou of xyxy boxes', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [10, 0, 20, 10]), 0);
    assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 15, 10]) - 50 / 150) < 1e-12);
    assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
  });

  test('suppresses overlaps within a class, keeps the best first', () => {
    const out = nms([c([0, 0, 10, 10], 0.6, 0), c([1, 1, 11, 11], 0.9, 0), c([50, 50, 60, 60], 0.5, 0)], { iou: 0.45 });
    assert.deepEqual(
      out.map((d) => d.score),
      [0.9, 0.5],
    );
  });

  test('class-aware: overlapping boxes of different classes are both kept', () => {
    const out = nms([c([0, 0, 10, 10], 0.9, 0), c([0, 0, 10, 10], 0.8, 1)], { iou: 0.45 });
    assert.equal(out.length, 2);
  });

  test('groupOf merges classes that share a label; maxDet caps the output', () => {
    const items = [c([0, 0, 10, 10], 0.9, 15, 'ferret'), c([0, 0, 10, 9], 0.8, 16, 'ferret'), c([20, 20, 30, 30], 0.7, 1, 'x')];
    assert.equal(nms(items, { iou: 0.45, groupOf: (d) => d.label }).length, 2);
    assert.deepEqual(
      nms(items, { iou: 0.45, maxDet: 1 }).map((d) => d.score),
      [0.9],
    );
  });
});
