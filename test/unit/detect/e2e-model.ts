// A 4x4 "model" whose output is its own input reshaped to [1, 8, 6] and scaled so that the rgb
// bytes we feed come straight back as end-to-end rows: x1, y1, x2, y2, score*255, class.
import type { Letterbox } from '../../../runtime/detect/letterbox';

export const E2E = { inputDims: [1, 3, 4, 4], outputDims: [1, 8, 6], reshapeTo: [1, 8, 6], scale: [255, 255, 255, 255, 1, 255] };
export const NAMES = "{0: 'ferret', 1: 'cat', 2: 'person'}";

export type Row = [number, number, number, number, number, number];

/** rgb24 4x4 frame whose CHW float view (x255) spells out `rows`. */
export function encodeRows(rows: Row[]): Uint8Array {
  const chw = new Uint8Array(48);
  rows.forEach((r, i) => r.forEach((v, k) => (chw[i * 6 + k] = k === 4 ? Math.round(v * 255) : v)));
  const rgb = new Uint8Array(48);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) rgb[p * 3 + c] = chw[c * 16 + p];
  return rgb;
}

// Model space is half the source size: boxes come back doubled.
export const LB: Letterbox = { scale: 0.5, scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, newW: 4, newH: 4, dstW: 4, dstH: 4 };
