// Appearance embeddings: L2 normalisation, cosine distances, and the cheap default embedder — a
// centre-weighted HSV colour histogram of the detection crop. It cannot tell two sables apart,
// but it separates coat colours (albino / cream vs sable / dark) at a few microseconds per crop.

import type { Box } from '../contracts';

export type Vector = Float32Array | Float64Array | ArrayLike<number>;

/** New Float32Array scaled to unit L2 norm (all-zero input stays zero). */
export function l2Normalize(v: Vector): Float32Array {
  const out = Float32Array.from(v as ArrayLike<number>);
  l2NormalizeInPlace(out);
  return out;
}

export function l2NormalizeInPlace(v: Float32Array | Float64Array | number[]): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  if (s <= 0) return;
  const k = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] *= k;
}

export function dot(a: Vector, b: Vector): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** 1 − cos(a, b) for arbitrary vectors (0 same direction, 2 opposite). */
export function cosineDistance(a: Vector, b: Vector): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa <= 0 || bb <= 0) return 1;
  return 1 - ab / Math.sqrt(aa * bb);
}

/**
 * Smallest 1 − a·g over a gallery of unit vectors (DeepSORT's nearest-neighbour metric). Gallery
 * entries of another length (made by another embedder) are not comparable and are skipped, so a
 * gallery with none of `a`'s length is at distance Infinity.
 */
export function minCosineDistance(gallery: ReadonlyArray<Vector>, a: Vector): number {
  let best = Infinity;
  for (const g of gallery) {
    if (g.length !== a.length) continue;
    const d = 1 - dot(g, a);
    if (d < best) best = d;
  }
  return best;
}

/** Mean over `samples` of their nearest distance in `gallery` (unit vectors). Infinity when either is empty. */
export function meanMinCosineDistance(samples: ReadonlyArray<Vector>, gallery: ReadonlyArray<Vector>): number {
  if (samples.length === 0 || gallery.length === 0) return Infinity;
  let s = 0;
  for (const x of samples) s += minCosineDistance(gallery, x);
  return s / samples.length;
}

export interface HsvHistogramOptions {
  /** Bins on hue, saturation, value. Default 8 x 4 x 4 (128-D). */
  hBins?: number;
  sBins?: number;
  vBins?: number;
  /** Roughly how many pixels to sample at most; the stride is chosen from it. Default 4096. */
  maxSamples?: number;
}

/**
 * HSV histogram of the crop `box` of a packed RGB24 frame, each pixel weighted by an elliptical
 * biweight kernel (1 − r²)² centred on the box so the animal outweighs the background at the
 * edges of a loose box, then L2-normalised. Hue is joint with saturation and value; pixels in the lowest
 * saturation bin (white, grey, black, where hue is noise) are pooled into one hue bin.
 */
export function hsvHistogramEmbedding(rgb: Uint8Array, width: number, height: number, box: Box, opts: HsvHistogramOptions = {}): Float32Array {
  const hb = opts.hBins ?? 8;
  const sb = opts.sBins ?? 4;
  const vb = opts.vBins ?? 4;
  const hist = new Float32Array(hb * sb * vb);
  const x0 = Math.max(0, Math.floor(box[0]));
  const y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(width, Math.ceil(box[2]));
  const y1 = Math.min(height, Math.ceil(box[3]));
  const bw = x1 - x0;
  const bh = y1 - y0;
  if (bw <= 0 || bh <= 0) return hist;
  const stride = Math.max(1, Math.floor(Math.sqrt((bw * bh) / (opts.maxSamples ?? 4096))));
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const rx = Math.max(1, (box[2] - box[0]) / 2);
  const ry = Math.max(1, (box[3] - box[1]) / 2);
  const svb = sb * vb;
  for (let y = y0 + (stride >> 1); y < y1; y += stride) {
    const dy = (y + 0.5 - cy) / ry;
    const dy2 = dy * dy;
    if (dy2 >= 1) continue;
    let p = (y * width + x0 + (stride >> 1)) * 3;
    for (let x = x0 + (stride >> 1); x < x1; x += stride, p += 3 * stride) {
      const dx = (x + 0.5 - cx) / rx;
      const k = 1 - dx * dx - dy2;
      if (k <= 0) continue;
      const w = k * k;
      const r = rgb[p];
      const g = rgb[p + 1];
      const b = rgb[p + 2];
      const max = r > g ? (r > b ? r : b) : g > b ? g : b;
      const min = r < g ? (r < b ? r : b) : g < b ? g : b;
      const c = max - min;
      let hue = 0; // 0..6
      if (c > 0) {
        if (max === r) hue = ((g - b) / c + 6) % 6;
        else if (max === g) hue = (b - r) / c + 2;
        else hue = (r - g) / c + 4;
      }
      const sat = max > 0 ? c / max : 0;
      const val = max / 255;
      const si = Math.min(sb - 1, Math.floor(sat * sb));
      // Hue of near-grey pixels is noise: they all share hue bin 0.
      const hi = si === 0 ? 0 : Math.min(hb - 1, Math.floor((hue / 6) * hb));
      const vi = Math.min(vb - 1, Math.floor(val * vb));
      hist[hi * svb + si * vb + vi] += w;
    }
  }
  l2NormalizeInPlace(hist);
  return hist;
}
