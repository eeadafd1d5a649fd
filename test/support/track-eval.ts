// Evaluation of tracking on the generated fixtures (track-fixtures.ts) and of the embedders on the
// real ferret photos, shared by test/integration/track-eval.test.ts and bench/track.ts:
// - detections from ground truth (noise, dropped boxes) or from a real detector on the video, each
//   with an embedding computed from the decoded frame;
// - MOT metrics per camera and across cameras, ID switches per 100 frames, transit accuracy;
// - ROC AUC of same-ferret vs different-ferret cosine similarity.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box } from '../../runtime/contracts';
import type { Embedder } from '../../runtime/track/embedder';
import { decodeImage, type DecodedImage } from '../../runtime/track/image-decode';
import { createFerretFinder } from '../../runtime/track/ferret-finder';
import { iou } from '../../runtime/track/iou';
import { matchWithThreshold } from '../../runtime/track/assignment';
import type { OfflineFrame, OfflineResult, OfflineStream } from '../../runtime/track/offline';
import { resizeRgbInto } from '../../runtime/track/crop-resize';
import { letterbox } from '../../runtime/detect/letterbox';
import type { YoloDetector } from '../../runtime/detect/detector';
import type { MotionDetector } from '../../runtime/detect/motion';
import { nms } from '../../runtime/detect/nms';
import { evaluateMot, type MotMetrics, type MotObject } from './mot-metrics';
import { ffmpegPath } from './media';
import { sharedPath } from './shared';
import type { TrackFixture } from './track-fixtures';

// ------------------------------------------------------------------ frames

/** Decode `file` (w x h) frame by frame; `onFrame` may be async (the decoder waits for it). */
export function readVideoFrames(file: string, w: number, h: number, onFrame: (rgb: Uint8Array, index: number) => unknown): Promise<number> {
  const size = w * h * 3;
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    let failed: Error | undefined;
    let chain = Promise.resolve();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= size) {
        const frame = new Uint8Array(pending.subarray(0, size));
        pending = pending.subarray(size);
        const i = index++;
        child.stdout.pause();
        chain = chain
          .then(() => onFrame(frame, i))
          .then(
            () => undefined,
            (e: Error) => {
              failed ??= e;
            },
          )
          .finally(() => child.stdout.resume());
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      chain.then(() => {
        if (failed) reject(failed);
        else if (code !== 0) reject(new Error(`ffmpeg could not decode ${path.basename(file)}: ${stderr.trim()}`));
        else resolve(index);
      }, reject);
    });
  });
}

// ------------------------------------------------------------------ detections

/** mulberry32: small, seedable, good enough for noise. */
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

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
}

export interface GtDetectionOptions {
  /** Std of the centre jitter as a fraction of the box size (default 0.03). */
  centreNoise?: number;
  /** Std of the size jitter as a fraction (default 0.05). */
  sizeNoise?: number;
  /** Fraction of ground-truth boxes dropped (default 0.1). */
  drop?: number;
  seed?: number;
}

const frameTs = (fps: number, i: number) => 1_700_000_000_000 + Math.round((i * 1000) / fps);

/**
 * "A perfect detector with noise": the visible ground-truth boxes, jittered, 10 % dropped, with
 * embeddings computed on the decoded frames at the jittered boxes.
 */
export async function gtDetections(fix: TrackFixture, embedder: Embedder, opts: GtDetectionOptions = {}): Promise<OfflineStream[]> {
  const r = rng(opts.seed ?? 1);
  const cn = opts.centreNoise ?? 0.03;
  const sn = opts.sizeNoise ?? 0.05;
  const drop = opts.drop ?? 0.1;
  const out: OfflineStream[] = [];
  for (const cam of fix.cameras) {
    const byFrame = new Map<number, Box[]>();
    for (const g of cam.gt) {
      if (r() < drop) continue;
      const w = g.box[2] - g.box[0];
      const h = g.box[3] - g.box[1];
      const cx = (g.box[0] + g.box[2]) / 2 + gauss(r) * cn * w;
      const cy = (g.box[1] + g.box[3]) / 2 + gauss(r) * cn * h;
      const nw = w * (1 + gauss(r) * sn);
      const nh = h * (1 + gauss(r) * sn);
      const box: Box = [Math.max(0, cx - nw / 2), Math.max(0, cy - nh / 2), Math.min(fix.width, cx + nw / 2), Math.min(fix.height, cy + nh / 2)];
      let list = byFrame.get(g.frame);
      if (!list) byFrame.set(g.frame, (list = []));
      list.push(box);
    }
    const frames: OfflineFrame[] = [];
    await readVideoFrames(cam.video, fix.width, fix.height, async (rgb, i) => {
      const boxes = byFrame.get(i + 1) ?? [];
      const embs = await embedder.embed(rgb, fix.width, fix.height, boxes);
      frames.push({
        frameId: i + 1,
        ts: frameTs(fix.fps, i),
        width: fix.width,
        height: fix.height,
        detections: boxes.map((box, k) => ({ box, score: 0.5 + 0.45 * r(), label: 'ferret', zones: [], embedding: embs[k] })),
      });
    });
    out.push({ camera: cam.camera, frames });
  }
  return out;
}

export type FrameDetectorLike = { kind: 'yolo'; det: YoloDetector } | { kind: 'motion'; det: MotionDetector };

/**
 * A real detector on the decoded video, embeddings at its boxes. Returns the streams and the
 * detector ms/frame. YOLO detections are kept when `keep` says so (default: label "ferret").
 */
export async function detectorDetections(
  fix: TrackFixture,
  d: FrameDetectorLike,
  embedder: Embedder,
  keep: (label: string) => boolean = (l) => l === 'ferret',
): Promise<{ streams: OfflineStream[]; detectMsPerFrame: number }> {
  const out: OfflineStream[] = [];
  let ms = 0;
  let n = 0;
  for (const cam of fix.cameras) {
    if (d.kind === 'motion') d.det.reset();
    const frames: OfflineFrame[] = [];
    let lbBuf: Uint8Array | undefined;
    await readVideoFrames(cam.video, fix.width, fix.height, async (rgb, i) => {
      const t0 = performance.now();
      let boxes: Array<{ box: Box; score: number; label: string }>;
      if (d.kind === 'yolo') {
        const lb = letterbox(fix.width, fix.height, d.det.inputWidth, d.det.inputHeight);
        lbBuf ??= new Uint8Array(d.det.inputWidth * d.det.inputHeight * 3);
        resizeRgbInto(rgb, fix.width, fix.height, lb.newW, lb.newH, lbBuf, lb.dstW, lb.dstH, lb.padX, lb.padY, 114);
        const res = await d.det.detect(lbBuf, lb, fix.width, fix.height);
        boxes = res.detections.filter((x) => keep(x.label)).map((x) => ({ box: x.box, score: x.score, label: x.label }));
      } else {
        boxes = d.det.process(rgb, fix.width, fix.height, 3).map((m) => ({ box: m.box, score: m.score, label: 'motion' }));
      }
      ms += performance.now() - t0;
      n++;
      const embs = await embedder.embed(rgb, fix.width, fix.height, boxes.map((b) => b.box));
      frames.push({
        frameId: i + 1,
        ts: frameTs(fix.fps, i),
        width: fix.width,
        height: fix.height,
        detections: boxes.map((b, k) => ({ ...b, zones: [], embedding: embs[k] })),
      });
    });
    out.push({ camera: cam.camera, frames });
  }
  return { streams: out, detectMsPerFrame: n ? ms / n : 0 };
}

/**
 * Detections of some labels only, relabelled "ferret", with NMS across them (what a class map that
 * maps those classes to "ferret" gives), from a run that kept every class.
 */
export function selectLabels(streams: ReadonlyArray<OfflineStream>, labels: ReadonlySet<string>, nmsIou = 0.45): OfflineStream[] {
  return streams.map((s) => ({
    camera: s.camera,
    frames: s.frames.map((f) => {
      const cands = f.detections.filter((d) => d.label !== undefined && labels.has(d.label)).map((d) => ({ ...d, classId: 0, label: 'ferret' }));
      return { ...f, detections: nms(cands, { iou: nmsIou }) };
    }),
  }));
}

// ------------------------------------------------------------------ scoring

export interface TransitResult {
  ferret: number;
  from: string;
  to: string;
  /** Frame (1-based) the ferret first shows on the new camera. */
  frame: number;
  before: number | null;
  after: number | null;
  correct: boolean;
}

export interface FixtureScore {
  perCamera: Record<string, MotMetrics>;
  /** All cameras as one sequence: IDF1 here also needs the same id for a ferret on every camera. */
  combined: MotMetrics;
  frames: number;
  idswPer100Frames: number;
  transits: TransitResult[];
  transitAccuracy: number | null;
}

/** Per frame, the hypothesis id matched (IoU ≥ 0.5, one-to-one) to each GT id. */
function matchesByFrame(gt: ReadonlyArray<MotObject>, hyp: ReadonlyArray<MotObject>): Map<number, Map<number, number>> {
  const g = new Map<number, MotObject[]>();
  const hh = new Map<number, MotObject[]>();
  for (const r of gt) (g.get(r.frame) ?? g.set(r.frame, []).get(r.frame)!).push(r);
  for (const r of hyp) (hh.get(r.frame) ?? hh.set(r.frame, []).get(r.frame)!).push(r);
  const out = new Map<number, Map<number, number>>();
  for (const [f, gs] of g) {
    const hs = hh.get(f) ?? [];
    const m = new Map<number, number>();
    if (hs.length) {
      const cost = new Float64Array(gs.length * hs.length);
      for (let i = 0; i < gs.length; i++) for (let j = 0; j < hs.length; j++) cost[i * hs.length + j] = 1 - iou(gs[i].box, hs[j].box);
      for (const [i, j] of matchWithThreshold(cost, 0.5, gs.length, hs.length).matches) m.set(Number(gs[i].id), Number(hs[j].id));
    }
    out.set(f, m);
  }
  return out;
}

function majority(xs: number[]): number | null {
  if (!xs.length) return null;
  const c = new Map<number, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c].sort((a, b) => b[1] - a[1])[0][0];
}

/**
 * Score offline results against a fixture. A transit is a ferret's visibility moving from one
 * camera to another; it is correct when the identity it mostly had in its last 2 s on the old
 * camera is the identity it mostly gets in its first 3 s on the new one.
 */
export function scoreFixture(fix: TrackFixture, result: OfflineResult): FixtureScore {
  const perCamera: Record<string, MotMetrics> = {};
  const allGt: MotObject[] = [];
  const allHyp: MotObject[] = [];
  const matched = new Map<string, Map<number, Map<number, number>>>();
  fix.cameras.forEach((cam, ci) => {
    const gt: MotObject[] = cam.gt.map((g) => ({ frame: g.frame, id: g.id, box: g.box }));
    const hyp: MotObject[] = (result.rows.get(cam.camera) ?? []).map((r) => ({ frame: r.frame, id: r.id, box: r.box }));
    perCamera[cam.camera] = evaluateMot(gt, hyp);
    const off = ci * 1_000_000;
    for (const g of gt) allGt.push({ ...g, frame: g.frame + off });
    for (const h of hyp) allHyp.push({ ...h, frame: h.frame + off });
    matched.set(cam.camera, matchesByFrame(gt, hyp));
  });
  const combined = evaluateMot(allGt, allHyp);
  const frames = fix.frames * fix.cameras.length;

  // Visibility segments per ferret, in time order; a gap of ≤ 2 s on the same camera is one segment.
  const gap = 2 * fix.fps;
  const segs: Array<{ id: number; camera: string; start: number; end: number }> = [];
  for (const cam of fix.cameras) {
    const byId = new Map<number, number[]>();
    for (const g of cam.gt) (byId.get(g.id) ?? byId.set(g.id, []).get(g.id)!).push(g.frame);
    for (const [id, fs_] of byId) {
      fs_.sort((a, b) => a - b);
      let s = fs_[0];
      let prev = fs_[0];
      for (const f of fs_.slice(1)) {
        if (f - prev > gap) {
          segs.push({ id, camera: cam.camera, start: s, end: prev });
          s = f;
        }
        prev = f;
      }
      segs.push({ id, camera: cam.camera, start: s, end: prev });
    }
  }
  const transits: TransitResult[] = [];
  const ids = [...new Set(segs.map((s) => s.id))];
  for (const id of ids) {
    const mine = segs.filter((s) => s.id === id).sort((a, b) => a.start - b.start);
    for (let i = 1; i < mine.length; i++) {
      const a = mine[i - 1];
      const b = mine[i];
      if (a.camera === b.camera) continue;
      const before: number[] = [];
      for (let f = Math.max(a.start, a.end - 2 * fix.fps); f <= a.end; f++) {
        const h = matched.get(a.camera)!.get(f)?.get(id);
        if (h !== undefined) before.push(h);
      }
      const after: number[] = [];
      for (let f = b.start; f <= Math.min(b.end, b.start + 3 * fix.fps); f++) {
        const h = matched.get(b.camera)!.get(f)?.get(id);
        if (h !== undefined) after.push(h);
      }
      const bm = majority(before);
      const am = majority(after);
      transits.push({ ferret: id, from: a.camera, to: b.camera, frame: b.start, before: bm, after: am, correct: bm !== null && bm === am });
    }
  }
  transits.sort((a, b) => a.frame - b.frame);
  const idsw = Object.values(perCamera).reduce((s, m) => s + m.idsw, 0);
  return {
    perCamera,
    combined,
    frames,
    idswPer100Frames: (100 * idsw) / frames,
    transits,
    transitAccuracy: transits.length ? transits.filter((t) => t.correct).length / transits.length : null,
  };
}

// ------------------------------------------------------------------ embedders on the photos

export interface Still {
  group: 'talulah' | 'collection';
  name: string;
  img: DecodedImage;
  box: Box;
  /** Where the box came from: the label file, a YOLO detection, or the whole picture. */
  boxSource: 'label' | 'yolo' | 'whole';
}

/**
 * The real photos: Talulah's 17 with their labelled boxes, and the collection (36 photos of other
 * ferrets) with the box the YOLO model finds (default class map) or the whole picture.
 * Undefined (with a printed reason) when the data is missing.
 */
export async function loadStills(opts: { detectionModel?: string | null; maxSide?: number } = {}): Promise<Still[] | { skip: string }> {
  const tal = sharedPath('media/ferrets/pet_talulah');
  const col = sharedPath('media/ferrets/collection');
  if (!tal.path || !col.path) return { skip: (tal.skip ?? col.skip)! };
  const maxSide = opts.maxSide ?? 1024;
  const out: Still[] = [];
  const imgDir = path.join(tal.path, 'images');
  for (const f of fs.readdirSync(imgDir).filter((x) => /\.jpe?g$/i.test(x)).sort()) {
    const label = path.join(tal.path, 'labels', f.replace(/\.jpe?g$/i, '.txt'));
    if (!fs.existsSync(label)) continue;
    const img = await decodeImage(path.join(imgDir, f), { maxSide });
    const [, cx, cy, w, h] = fs.readFileSync(label, 'utf8').trim().split(/\s+/).map(Number);
    out.push({ group: 'talulah', name: f, img, box: [(cx - w / 2) * img.width, (cy - h / 2) * img.height, (cx + w / 2) * img.width, (cy + h / 2) * img.height], boxSource: 'label' });
  }
  const finder = await createFerretFinder({ modelPath: opts.detectionModel === undefined ? sharedPath('models/yolov8n_int8.onnx').path ?? null : opts.detectionModel });
  try {
    for (const d of fs.readdirSync(col.path).sort()) {
      const file = path.join(col.path, d, 'image.jpg');
      if (!fs.existsSync(file)) continue;
      const img = await decodeImage(file, { maxSide });
      const found = await finder.find(img);
      out.push({ group: 'collection', name: d, img, box: found.box, boxSource: found.source });
    }
  } finally {
    await finder.release();
  }
  return out;
}

/** Probability that a random positive scores above a random negative (ties count half). */
export function rocAuc(pos: ReadonlyArray<number>, neg: ReadonlyArray<number>): number {
  if (!pos.length || !neg.length) return NaN;
  // Rank-sum (Mann-Whitney U) with average ranks for ties.
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].p) rankSum += avg;
    i = j + 1;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

export interface AucResult {
  kind: string;
  auc: number;
  /** Negatives only Talulah × collection / only collection × collection. */
  aucTalulahVsOthers: number;
  aucOthersVsOthers: number;
  positives: number;
  negatives: number;
  meanSamePair: number;
  meanDifferentPair: number;
  /** Cosine-distance threshold at the equal error rate, and that rate. */
  eerDistance: number;
  eer: number;
  msPerCrop: number;
}

/** Same ferret = Talulah × Talulah; different = Talulah × collection and collection × collection (different photos). */
export async function embedderAuc(embedder: Embedder, stills: ReadonlyArray<Still>): Promise<AucResult> {
  const t0 = performance.now();
  const embs: Float32Array[] = [];
  for (const s of stills) embs.push((await embedder.embed(s.img.rgb, s.img.width, s.img.height, [s.box]))[0]);
  const msPerCrop = (performance.now() - t0) / Math.max(1, stills.length);
  const pos: number[] = [];
  const negTC: number[] = [];
  const negCC: number[] = [];
  for (let i = 0; i < stills.length; i++) {
    for (let j = i + 1; j < stills.length; j++) {
      let s = 0;
      for (let k = 0; k < embs[i].length; k++) s += embs[i][k] * embs[j][k];
      const a = stills[i].group;
      const b = stills[j].group;
      if (a === 'talulah' && b === 'talulah') pos.push(s);
      else if (a === 'collection' && b === 'collection') negCC.push(s);
      else negTC.push(s);
    }
  }
  const neg = [...negTC, ...negCC];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // Equal error rate: the distance threshold where missed same-pairs and accepted different-pairs balance.
  let eer = 1;
  let eerDistance = 0;
  for (let d = 0; d <= 2; d += 0.005) {
    const fnr = pos.filter((s) => 1 - s > d).length / pos.length;
    const fpr = neg.filter((s) => 1 - s <= d).length / neg.length;
    if (Math.max(fnr, fpr) < eer) {
      eer = Math.max(fnr, fpr);
      eerDistance = d;
    }
  }
  return {
    kind: embedder.kind,
    auc: rocAuc(pos, neg),
    aucTalulahVsOthers: rocAuc(pos, negTC),
    aucOthersVsOthers: rocAuc(pos, negCC),
    positives: pos.length,
    negatives: neg.length,
    meanSamePair: mean(pos),
    meanDifferentPair: mean(neg),
    eerDistance,
    eer,
    msPerCrop,
  };
}
