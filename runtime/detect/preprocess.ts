// HWC rgb24 → CHW float32 in 0..1, written into a buffer the caller keeps between frames.

const INV255 = new Float32Array(256);
for (let i = 0; i < 256; i++) INV255[i] = i / 255;

/**
 * Fill `out` (length 3*width*height, planes R, G, B) from packed rgb24 `rgb`.
 * A lookup table replaces the division; the loop allocates nothing.
 */
export function rgbToChwFloat(rgb: Uint8Array, width: number, height: number, out: Float32Array): Float32Array {
  const n = width * height;
  if (rgb.length < n * 3) throw new Error(`preprocess: frame has ${rgb.length} bytes, expected ${n * 3} (${width}x${height} rgb24)`);
  if (out.length < n * 3) throw new Error(`preprocess: output buffer has ${out.length} floats, expected ${n * 3}`);
  const lut = INV255;
  const g0 = n;
  const b0 = 2 * n;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = lut[rgb[j]];
    out[g0 + i] = lut[rgb[j + 1]];
    out[b0 + i] = lut[rgb[j + 2]];
  }
  return out;
}
