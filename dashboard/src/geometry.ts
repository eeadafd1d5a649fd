// Pure layout arithmetic: grid columns, where the picture sits inside its element, where a box lands.
import type { Box } from './types';

/** 1 → 1 column, 2–4 → 2, 5–9 → 3, more → 4. */
export function gridColumns(n: number): number {
  return Math.max(1, Math.min(4, Math.ceil(Math.sqrt(Math.max(1, n)))));
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The picture's rectangle inside an element of elW × elH with `object-fit: contain`. */
export function contentRect(elW: number, elH: number, videoW: number, videoH: number): Rect {
  if (!(videoW > 0 && videoH > 0 && elW > 0 && elH > 0)) return { x: 0, y: 0, w: elW, h: elH };
  const scale = Math.min(elW / videoW, elH / videoH);
  const w = videoW * scale;
  const h = videoH * scale;
  return { x: (elW - w) / 2, y: (elH - h) / 2, w, h };
}

/** A box in source-frame pixels (of a srcW × srcH frame) → element pixels. */
export function mapBox(box: Box, srcW: number, srcH: number, r: Rect): Rect {
  const sx = r.w / (srcW || 1);
  const sy = r.h / (srcH || 1);
  return { x: r.x + box[0] * sx, y: r.y + box[1] * sy, w: (box[2] - box[0]) * sx, h: (box[3] - box[1]) * sy };
}

export function contains(r: Rect, x: number, y: number, pad = 0): boolean {
  return x >= r.x - pad && x <= r.x + r.w + pad && y >= r.y - pad && y <= r.y + r.h + pad;
}

/** A square crop around a box, padded, clamped to the image (for ferret photos). */
export function squareCrop(box: Box, imgW: number, imgH: number, pad = 0.15): Rect {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  let side = Math.max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * pad);
  side = Math.min(side, imgW, imgH);
  const x = Math.min(Math.max(0, cx - side / 2), imgW - side);
  const y = Math.min(Math.max(0, cy - side / 2), imgH - side);
  return { x, y, w: side, h: side };
}
