// Class-aware non-maximum suppression over xyxy boxes.

export interface Scored {
  box: ArrayLike<number>;
  score: number;
  classId: number;
}

/** Intersection over union of two xyxy boxes; 0 when either is empty. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (a[2] - a[0]) * (a[3] - a[1]);
  const areaB = (b[2] - b[0]) * (b[3] - b[1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

export interface NmsOptions<T> {
  /** Suppress a box whose IoU with a kept box of the same group is above this. */
  iou: number;
  /** Keep at most this many boxes overall (highest scores first). */
  maxDet?: number;
  /**
   * Group key; boxes only suppress boxes of the same group. Defaults to classId. The detector passes
   * the mapped label so that a "cat" and a "dog" box on the same ferret do not both survive.
   */
  groupOf?: (item: T) => number | string;
}

/** Sorts once by score, then keeps each box unless a kept box of its group overlaps it too much. */
export function nms<T extends Scored>(items: readonly T[], opts: NmsOptions<T>): T[] {
  const maxDet = opts.maxDet ?? 300;
  const groupOf = opts.groupOf ?? ((t: T) => t.classId);
  const sorted = items.slice().sort((p, q) => q.score - p.score);
  const keptByGroup = new Map<number | string, T[]>();
  const kept: T[] = [];
  for (const cand of sorted) {
    if (kept.length >= maxDet) break;
    const g = groupOf(cand);
    let same = keptByGroup.get(g);
    if (!same) {
      same = [];
      keptByGroup.set(g, same);
    }
    let suppressed = false;
    for (const k of same) {
      if (iou(k.box, cand.box) > opts.iou) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    same.push(cand);
    kept.push(cand);
  }
  return kept;
}
