// Summary statistics for benchmark samples. Percentiles use linear interpolation between closest
// ranks (numpy's default), so p50 of an even-sized sample is the mean of the middle two.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** The p-th percentile (0..100) of xs; NaN for an empty sample. Non-finite values are ignored. */
export function percentile(xs: readonly number[], p: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export function summarize(xs: readonly number[]): Summary {
  const s = xs.filter(Number.isFinite);
  if (s.length === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, max: NaN, mean: NaN };
  return {
    n: s.length,
    min: Math.min(...s),
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    max: Math.max(...s),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/** Round to `digits` decimals (for JSON output that people read). */
export function round(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** { p50, p95 } rounded, the shape benchmark JSON files use. */
export function p50p95(xs: readonly number[], digits = 0): { p50: number; p95: number } {
  return { p50: round(percentile(xs, 50), digits), p95: round(percentile(xs, 95), digits) };
}
