// Decoders for the two output layouts Ultralytics exports to ONNX:
//   [1, 4+nc, N]  YOLOv8 / YOLO11: per anchor cx,cy,w,h then nc class scores (sigmoid-ed); needs NMS.
//   [1, N, 6]     YOLOv10 / YOLO26 end-to-end: x1,y1,x2,y2,score,class per row; already NMS-free.
// Boxes come out in model-input pixels (the letterboxed frame), xyxy.
import type { Box } from '../contracts';

export type YoloLayout = 'anchors' | 'end2end';

export interface Candidate {
  box: Box;
  score: number;
  classId: number;
}

export interface LayoutInfo {
  layout: YoloLayout;
  /** Number of classes for 'anchors'; undefined for 'end2end' (the model does not say). */
  numClasses?: number;
  /** Anchors (N) for 'anchors', rows for 'end2end'. */
  count: number;
}

const EXPECTED = 'expected [1, 4+classes, anchors] (YOLOv8/YOLO11) or [1, N, 6] (YOLOv10/YOLO26 end-to-end)';

function fmt(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

/**
 * Work out the layout from the output dims. Throws a plain-words Error for anything else.
 * [1, N, 6] wins the tie with [1, 6, N]: six anchors is not a real detection head.
 */
export function detectLayout(dims: readonly (number | string)[]): LayoutInfo {
  if (dims.length !== 3) {
    throw new Error(`output shape ${fmt(dims)} has ${dims.length} dimensions; ${EXPECTED}`);
  }
  if (dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new Error(`output shape ${fmt(dims)} has unknown or empty dimensions; ${EXPECTED}`);
  }
  const [b, d1, d2] = dims as number[];
  if (b !== 1) throw new Error(`output shape ${fmt(dims)} has batch ${b}; only batch 1 is supported (${EXPECTED})`);
  if (d2 === 6) return { layout: 'end2end', count: d1 };
  if (d1 >= 5) return { layout: 'anchors', numClasses: d1 - 4, count: d2 };
  throw new Error(`output shape ${fmt(dims)} leaves ${d1 - 4} classes after the 4 box rows; ${EXPECTED}`);
}

// Per-anchor best score / class, reused across frames: decoding is synchronous, so one scratch
// pair is enough for the whole process.
let bestScore = new Float32Array(0);
let bestClass = new Int32Array(0);

/**
 * Decode a raw output tensor into candidates with score >= conf (no NMS here).
 * For the anchor layout the class rows are scanned row by row (sequential memory) into the scratch
 * arrays; only anchors above the threshold allocate a Candidate.
 */
export function decodeYolo(data: Float32Array, dims: readonly (number | string)[], conf: number): Candidate[] {
  const info = detectLayout(dims);
  const [, d1, d2] = dims as number[];
  if (data.length !== d1 * d2) {
    throw new Error(`output holds ${data.length} values but its shape ${fmt(dims)} needs ${d1 * d2}`);
  }
  return info.layout === 'anchors' ? decodeAnchors(data, info.numClasses as number, d2, conf) : decodeEnd2End(data, d1, conf);
}

function decodeAnchors(data: Float32Array, nc: number, n: number, conf: number): Candidate[] {
  if (bestScore.length < n) {
    bestScore = new Float32Array(n);
    bestClass = new Int32Array(n);
  }
  const bs = bestScore;
  const bc = bestClass;
  bs.fill(-Infinity, 0, n);
  for (let c = 0; c < nc; c++) {
    const row = (4 + c) * n;
    for (let i = 0; i < n; i++) {
      const v = data[row + i];
      if (v > bs[i]) {
        bs[i] = v;
        bc[i] = c;
      }
    }
  }
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const s = bs[i];
    if (!(s >= conf)) continue;
    const cx = data[i];
    const cy = data[n + i];
    const hw = data[2 * n + i] / 2;
    const hh = data[3 * n + i] / 2;
    out.push({ box: [cx - hw, cy - hh, cx + hw, cy + hh], score: s, classId: bc[i] });
  }
  return out;
}

function decodeEnd2End(data: Float32Array, rows: number, conf: number): Candidate[] {
  const out: Candidate[] = [];
  for (let r = 0, o = 0; r < rows; r++, o += 6) {
    const s = data[o + 4];
    if (!(s >= conf)) continue;
    out.push({ box: [data[o], data[o + 1], data[o + 2], data[o + 3]], score: s, classId: Math.round(data[o + 5]) });
  }
  return out;
}
