// Box outlines and labels drawn straight into an rgb24 buffer (a copy of the frame: frames
// themselves are never modified), for snapshots.
import { glyph, GLYPH_H, GLYPH_W } from './font';

export type Rgb = readonly [number, number, number];

export interface Annotation {
  /** xyxy in the buffer's pixels. */
  box: ArrayLike<number>;
  label: string;
  score?: number;
}

const PALETTE: Rgb[] = [
  [255, 64, 255],
  [0, 200, 255],
  [255, 210, 0],
  [0, 230, 120],
  [255, 90, 90],
  [150, 120, 255],
];

/** Stable colour per label: ferrets orange, motion yellow-green, others from a small palette. */
export function labelColor(label: string): Rgb {
  if (label === 'ferret') return [255, 140, 0];
  if (label === 'motion') return [180, 255, 0];
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** Fill [x1, x2) x [y1, y2), clipped to the buffer. */
export function fillRect(rgb: Uint8Array, w: number, h: number, x1: number, y1: number, x2: number, y2: number, c: Rgb): void {
  const xa = Math.max(0, Math.floor(x1));
  const ya = Math.max(0, Math.floor(y1));
  const xb = Math.min(w, Math.ceil(x2));
  const yb = Math.min(h, Math.ceil(y2));
  for (let y = ya; y < yb; y++) {
    let p = (y * w + xa) * 3;
    for (let x = xa; x < xb; x++, p += 3) {
      rgb[p] = c[0];
      rgb[p + 1] = c[1];
      rgb[p + 2] = c[2];
    }
  }
}

/** Rectangle outline `t` pixels thick, inside the box edges; a box past the frame is drawn at its edge. */
export function strokeRect(rgb: Uint8Array, w: number, h: number, box: ArrayLike<number>, c: Rgb, t = 2): void {
  const cx = (v: number): number => Math.min(w, Math.max(0, Math.round(v)));
  const cy = (v: number): number => Math.min(h, Math.max(0, Math.round(v)));
  const [x1, y1, x2, y2] = [cx(box[0]), cy(box[1]), cx(box[2]), cy(box[3])];
  if (x2 <= x1 || y2 <= y1) return;
  fillRect(rgb, w, h, x1, y1, x2, Math.min(y2, y1 + t), c);
  fillRect(rgb, w, h, x1, Math.max(y1, y2 - t), x2, y2, c);
  fillRect(rgb, w, h, x1, y1, Math.min(x2, x1 + t), y2, c);
  fillRect(rgb, w, h, Math.max(x1, x2 - t), y1, x2, y2, c);
}

/** Text at (x, y) = top-left, each font cell `scale` pixels. Returns the width drawn. */
export function drawText(rgb: Uint8Array, w: number, h: number, x: number, y: number, text: string, c: Rgb, scale = 2): number {
  let cx = Math.round(x);
  const cy = Math.round(y);
  for (const ch of text) {
    const g = glyph(ch);
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (g[gy * GLYPH_W + gx]) fillRect(rgb, w, h, cx + gx * scale, cy + gy * scale, cx + (gx + 1) * scale, cy + (gy + 1) * scale, c);
      }
    }
    cx += (GLYPH_W + 1) * scale;
  }
  return cx - Math.round(x);
}

export function textWidth(text: string, scale = 2): number {
  return [...text].length * (GLYPH_W + 1) * scale;
}

/** Outline every box and put "LABEL 87%" on a coloured tab above it (inside when at the top edge). */
export function annotate(rgb: Uint8Array, w: number, h: number, items: readonly Annotation[], scale = 2): void {
  const pad = scale;
  const tabH = GLYPH_H * scale + 2 * pad;
  for (const it of items) {
    const c = labelColor(it.label);
    strokeRect(rgb, w, h, it.box, c, Math.max(2, scale));
    const text = it.score !== undefined ? `${it.label} ${Math.round(it.score * 100)}%` : it.label;
    const x = Math.max(0, Math.min(w - textWidth(text, scale) - 2 * pad, Math.round(it.box[0])));
    const top = Math.round(it.box[1]) - tabH >= 0 ? Math.round(it.box[1]) - tabH : Math.round(it.box[1]);
    fillRect(rgb, w, h, x, top, x + textWidth(text, scale) + 2 * pad, top + tabH, c);
    drawText(rgb, w, h, x + pad, top + pad, text, [0, 0, 0], scale);
  }
}
