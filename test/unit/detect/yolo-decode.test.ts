import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeYolo, detectLayout } from '../../../runtime/detect/yolo-decode';

/** [1, 4+nc, n] tensor from per-anchor rows {cx, cy, w, h, scores[]}. */
function anchorsTensor(nc: number, n: number, anchors: Array<{ i: number; box: number[]; scores: number[] }>): Float32Array {
  const t = new Float32Array((4 + nc) * n);
  for (const a of anchors) {
    for (let r = 0; r < 4; r++) t[r * n + a.i] = a.box[r];
    a.scores.forEach((s, c) => (t[(4 + c) * n + a.i] = s));
  }
  return t;
}

describe('YOLO output decoding', () => {
  test('[1, 4+nc, N]: cx,cy,w,h → xyxy, best class, threshold before NMS', () => {
    const nc = 3;
    const n = 10;
    const t = anchorsTensor(nc, n, [
      { i: 0, box: [100, 50, 20, 10], scores: [0.1, 0.9, 0.2] },
      { i: 4, box: [10, 10, 4, 4], scores: [0.3, 0.1, 0.05] }, // below 0.35
      { i: 9, box: [320, 320, 64, 32], scores: [0.2, 0.1, 0.5] },
    ]);
    const c = decodeYolo(t, [1, 4 + nc, n], 0.35);
    assert.equal(c.length, 2);
    assert.deepEqual(c[0].box, [90, 45, 110, 55]);
    assert.equal(c[0].classId, 1);
    assert.ok(Math.abs(c[0].score - 0.9) < 1e-6);
    assert.deepEqual(c[1].box, [288, 304, 352, 336]);
    assert.equal(c[1].classId, 2);
    // Lower threshold lets the weak anchor through.
    assert.equal(decodeYolo(t, [1, 4 + nc, n], 0.25).length, 3);
  });

  test('[1, 4+nc, N] works for a single-class model (84 → 5 rows)', () => {
    const t = anchorsTensor(1, 4, [{ i: 2, box: [50, 50, 10, 10], scores: [0.8] }]);
    const c = decodeYolo(t, [1, 5, 4], 0.5);
    assert.deepEqual(c, [{ box: [45, 45, 55, 55], score: c[0].score, classId: 0 }]);
  });

  test('[1, N, 6] end-to-end rows: x1,y1,x2,y2,score,class', () => {
    const rows = [
      [10, 20, 30, 40, 0.9, 15],
      [0, 0, 5, 5, 0.1, 2],
      [50, 60, 70, 80, 0.5, 0],
    ];
    const t = Float32Array.from(rows.flat());
    const c = decodeYolo(t, [1, 3, 6], 0.35);
    assert.equal(c.length, 2);
    assert.deepEqual(c[0].box, [10, 20, 30, 40]);
    assert.equal(c[0].classId, 15);
    assert.equal(c[1].classId, 0);
    assert.equal(detectLayout([1, 300, 6]).layout, 'end2end');
    assert.deepEqual(detectLayout([1, 84, 8400]), { layout: 'anchors', numClasses: 80, count: 8400 });
  });

  test('wrong shapes are refused with the shape and what was expected', () => {
    const cases: Array<[Array<number | string>, RegExp]> = [
      [[1, 3], /\[1, 3\].*2 dimensions/],
      [[1, 84], /\[1, 84\].*expected \[1, 4\+classes, anchors\]/],
      [[1, 4, 100], /\[1, 4, 100\] leaves 0 classes/],
      [[2, 84, 8400], /batch 2/],
      [[1, 'classes', 8400], /unknown or empty/],
      [[1, 3, 640, 640], /4 dimensions/],
    ];
    for (const [dims, re] of cases) assert.throws(() => detectLayout(dims), re, `dims ${dims.join('x')}`);
    assert.throws(() => decodeYolo(new Float32Array(10), [1, 84, 8400], 0.25), /holds 10 values.*needs 705600/);
  });
});
