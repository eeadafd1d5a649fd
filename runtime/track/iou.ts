// Intersection over union of [x1,y1,x2,y2] boxes, and the (1 − IoU) cost matrix used for matching.

import type { Box } from '../contracts';

export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Row-major (rows = a, cols = b) matrix of 1 − IoU, written to out when given. */
export function iouCostMatrix(a: ReadonlyArray<Box | ArrayLike<number>>, b: ReadonlyArray<Box | ArrayLike<number>>, out?: Float64Array): Float64Array {
  const m = out && out.length >= a.length * b.length ? out : new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) m[i * b.length + j] = 1 - iou(a[i], b[j]);
  return m;
}
