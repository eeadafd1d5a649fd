// Synthetic tracking scenarios for the tracker tests: objects with a box as a function of time,
// noisy and dropped detections, optional appearance vectors, and ground truth to score against.
import type { Box } from '../../../runtime/contracts';
import { DeepSortTracker, type TrackerDetection, type TrackSnapshot } from '../../../runtime/track/deepsort';
import { evaluateMot, type MotMetrics, type MotObject } from '../../support/mot-metrics';

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gauss(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export interface SynthObject {
  id: number;
  /** Box at time t (s), or null when absent (not in ground truth, no detection). */
  box: (t: number) => Box | null;
  /** Visible in ground truth but not detected (stopped under a motion detector, hidden…). */
  undetected?: (t: number) => boolean;
  /** Depth order for occlusion: a higher value is in front. */
  depth?: number;
  appearance?: number[];
}

export interface SynthFrame {
  ts: number;
  dets: TrackerDetection[];
  gt: Array<{ id: number; box: Box }>;
}

export interface SynthOptions {
  durationS: number;
  /** Frame interval (s), or a function giving the next one. */
  dt: number | ((r: () => number) => number);
  noisePx?: number;
  dropRate?: number;
  /** An object whose box is covered by a front object at IoU ≥ this is not detected. */
  occlusionIou?: number;
  embeddingNoise?: number;
  seed?: number;
}

function overlap(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  return (iw * ih) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih);
}

export function synthesize(objects: SynthObject[], o: SynthOptions): SynthFrame[] {
  const r = rng(o.seed ?? 1);
  const frames: SynthFrame[] = [];
  let t = 0;
  while (t <= o.durationS + 1e-9) {
    const gt: Array<{ id: number; box: Box; obj: SynthObject }> = [];
    for (const ob of objects) {
      const b = ob.box(t);
      if (b) gt.push({ id: ob.id, box: b, obj: ob });
    }
    const dets: TrackerDetection[] = [];
    for (const g of gt) {
      if (g.obj.undetected?.(t)) continue;
      if (r() < (o.dropRate ?? 0)) continue;
      if (o.occlusionIou !== undefined && gt.some((h) => h !== g && (h.obj.depth ?? 0) > (g.obj.depth ?? 0) && overlap(h.box, g.box) >= o.occlusionIou!)) continue;
      const n = o.noisePx ?? 0;
      const box: Box = [g.box[0] + gauss(r) * n, g.box[1] + gauss(r) * n, g.box[2] + gauss(r) * n, g.box[3] + gauss(r) * n];
      const det: TrackerDetection = { box, score: 0.9 };
      if (g.obj.appearance) det.embedding = g.obj.appearance.map((x) => x + gauss(r) * (o.embeddingNoise ?? 0));
      dets.push(det);
    }
    // Detector output order carries no identity.
    for (let i = dets.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [dets[i], dets[j]] = [dets[j], dets[i]];
    }
    frames.push({ ts: Math.round(t * 1000), dets, gt: gt.map(({ id, box }) => ({ id, box })) });
    t += typeof o.dt === 'number' ? o.dt : o.dt(r);
  }
  return frames;
}

/** Linear motion between waypoints [t, cx, cy] with a fixed box size. */
export function path(w: number, h: number, pts: Array<[number, number, number]>): (t: number) => Box | null {
  return (t) => {
    if (t < pts[0][0] || t > pts[pts.length - 1][0]) return null;
    let k = 0;
    while (k < pts.length - 2 && t > pts[k + 1][0]) k++;
    const [t0, x0, y0] = pts[k];
    const [t1, x1, y1] = pts[k + 1];
    const u = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
    const cx = x0 + (x1 - x0) * u;
    const cy = y0 + (y1 - y0) * u;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  };
}

export interface RunResult {
  metrics: MotMetrics;
  frames: number;
  idswPer100: number;
  snapshots: TrackSnapshot[][];
}

/**
 * Run a tracker over frames. Hypotheses are confirmed tracks, including ones coasting through a
 * short gap (≤ maxCoastS, like DeepSORT's output of tracks missed for at most a frame or so);
 * longer-coasting and parked tracks are shown differently to a user and are not detections.
 */
export function runTracker(tracker: DeepSortTracker, frames: SynthFrame[], frame?: { width: number; height: number }, maxCoastS = 0.5): RunResult {
  const gt: MotObject[] = [];
  const hyp: MotObject[] = [];
  const snapshots: TrackSnapshot[][] = [];
  frames.forEach((f, k) => {
    const snaps = tracker.update(f.dets, f.ts, frame);
    snapshots.push(snaps);
    for (const g of f.gt) gt.push({ frame: k + 1, id: g.id, box: g.box });
    for (const s of snaps) if (s.state === 'confirmed' || (s.state === 'lost' && s.timeSinceUpdate <= maxCoastS)) hyp.push({ frame: k + 1, id: s.trackId, box: s.box });
  });
  const metrics = evaluateMot(gt, hyp);
  return { metrics, frames: frames.length, idswPer100: (100 * metrics.idsw) / frames.length, snapshots };
}

/**
 * A random appearance vector of `dim` entries, 1 + N(0, 1) each: two of them are at cosine
 * distance ≈ 0.5, like OSNet embeddings of different people (0.46-0.6 on MOT17 crops).
 */
export function randomAppearance(r: () => number, dim: number): number[] {
  return Array.from({ length: dim }, () => 1 + gauss(r));
}
