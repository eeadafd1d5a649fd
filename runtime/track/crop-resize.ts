// Bilinear crop-and-resize of a packed RGB24 frame, in JS, into buffers the caller keeps: the ReID
// input (normalised CHW float planes) and plain RGB24 (letterboxing a decoded photo for YOLO).
// Sampling follows the half-pixel-centre convention of cv2.resize / torchvision (align_corners =
// false), so a crop resized here looks like the crops the ReID model was trained on.

import type { Box } from '../contracts';

export interface Normalisation {
  /** Per-channel mean and std on the 0..1 scale (R, G, B). */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const IMAGENET: Normalisation = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Scratch tables reused between crops (one per embedder), so a frame's crops allocate nothing. */
export class ResizeScratch {
  x0 = new Int32Array(0);
  x1 = new Int32Array(0);
  fx = new Float32Array(0);

  ensure(n: number): void {
    if (this.x0.length < n) {
      this.x0 = new Int32Array(n);
      this.x1 = new Int32Array(n);
      this.fx = new Float32Array(n);
    }
  }
}

/** Box clipped to the frame, or null when nothing of it is inside. */
export function clipBox(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, Math.min(width, box[0]));
  const y0 = Math.max(0, Math.min(height, box[1]));
  const x1 = Math.max(0, Math.min(width, box[2]));
  const y1 = Math.max(0, Math.min(height, box[3]));
  if (!(x1 - x0 >= 1 && y1 - y0 >= 1)) return null;
  return [x0, y0, x1, y1];
}

/**
 * Resample `box` of `rgb` (width x height) to outW x outH and write it as three normalised float
 * planes (R, G, B) at `out[offset…]`: ((v / 255) − mean) / std. Returns false (and writes zeros)
 * when the box has no pixel inside the frame.
 */
export function cropResizeToChw(
  rgb: Uint8Array,
  width: number,
  height: number,
  box: Box,
  outW: number,
  outH: number,
  out: Float32Array,
  offset: number,
  norm: Normalisation = IMAGENET,
  scratch: ResizeScratch = new ResizeScratch(),
): boolean {
  const plane = outW * outH;
  const c = clipBox(box, width, height);
  if (!c) {
    out.fill(0, offset, offset + 3 * plane);
    return false;
  }
  const sx = (c[2] - c[0]) / outW;
  const sy = (c[3] - c[1]) / outH;
  scratch.ensure(outW);
  const { x0: tx0, x1: tx1, fx: tfx } = scratch;
  for (let x = 0; x < outW; x++) {
    let src = c[0] + (x + 0.5) * sx - 0.5;
    if (src < 0) src = 0;
    if (src > width - 1) src = width - 1;
    const i0 = Math.floor(src);
    tx0[x] = i0 * 3;
    tx1[x] = Math.min(width - 1, i0 + 1) * 3;
    tfx[x] = src - i0;
  }
  // Fold /255, mean and std into one multiply-add per channel.
  const kR = 1 / (255 * norm.std[0]);
  const kG = 1 / (255 * norm.std[1]);
  const kB = 1 / (255 * norm.std[2]);
  const bR = -norm.mean[0] / norm.std[0];
  const bG = -norm.mean[1] / norm.std[1];
  const bB = -norm.mean[2] / norm.std[2];
  const oR = offset;
  const oG = offset + plane;
  const oB = offset + 2 * plane;
  const rowBytes = width * 3;
  for (let y = 0; y < outH; y++) {
    let src = c[1] + (y + 0.5) * sy - 0.5;
    if (src < 0) src = 0;
    if (src > height - 1) src = height - 1;
    const j0 = Math.floor(src);
    const fy = src - j0;
    const r0 = j0 * rowBytes;
    const r1 = Math.min(height - 1, j0 + 1) * rowBytes;
    const o = y * outW;
    for (let x = 0; x < outW; x++) {
      const a = r0 + tx0[x];
      const b = r0 + tx1[x];
      const d = r1 + tx0[x];
      const e = r1 + tx1[x];
      const fx = tfx[x];
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[oR + o + x] = (rgb[a] * w00 + rgb[b] * w01 + rgb[d] * w10 + rgb[e] * w11) * kR + bR;
      out[oG + o + x] = (rgb[a + 1] * w00 + rgb[b + 1] * w01 + rgb[d + 1] * w10 + rgb[e + 1] * w11) * kG + bG;
      out[oB + o + x] = (rgb[a + 2] * w00 + rgb[b + 2] * w01 + rgb[d + 2] * w10 + rgb[e + 2] * w11) * kB + bB;
    }
  }
  return true;
}

/**
 * Bilinear resize of the whole frame into outW x outH RGB24 placed at (padX, padY) of a dstW x dstH
 * canvas filled with `fill` — a letterbox built in JS, for a picture that is already decoded.
 */
export function resizeRgbInto(
  rgb: Uint8Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
  dst: Uint8Array,
  dstW: number,
  dstH: number,
  padX = 0,
  padY = 0,
  fill = 114,
): Uint8Array {
  if (dst.length < dstW * dstH * 3) throw new Error(`resizeRgbInto: destination has ${dst.length} bytes, needs ${dstW * dstH * 3}`);
  dst.fill(fill, 0, dstW * dstH * 3);
  const sx = width / outW;
  const sy = height / outH;
  const rowBytes = width * 3;
  for (let y = 0; y < outH; y++) {
    let srcY = (y + 0.5) * sy - 0.5;
    if (srcY < 0) srcY = 0;
    const j0 = Math.min(height - 1, Math.floor(srcY));
    const fy = srcY - j0;
    const r0 = j0 * rowBytes;
    const r1 = Math.min(height - 1, j0 + 1) * rowBytes;
    let p = ((y + padY) * dstW + padX) * 3;
    for (let x = 0; x < outW; x++, p += 3) {
      let srcX = (x + 0.5) * sx - 0.5;
      if (srcX < 0) srcX = 0;
      const i0 = Math.min(width - 1, Math.floor(srcX));
      const fx = srcX - i0;
      const a = r0 + i0 * 3;
      const b = r0 + Math.min(width - 1, i0 + 1) * 3;
      const d = r1 + i0 * 3;
      const e = r1 + Math.min(width - 1, i0 + 1) * 3;
      for (let k = 0; k < 3; k++) {
        const top = rgb[a + k] + (rgb[b + k] - rgb[a + k]) * fx;
        const bot = rgb[d + k] + (rgb[e + k] - rgb[d + k]) * fx;
        dst[p + k] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return dst;
}
