// DeepSORT (Wojke, Bewley, Paulus 2017) with real time instead of frame counts, plus a
// "stationary" hold for pets: an animal that vanishes away from the frame edges has most likely
// stopped (a motion detector loses it) or crawled under a blanket, so its track is parked at its
// last box instead of being deleted, and resumes with the same id when something shows up there.
//
// Per update: predict every moving track by the real dt; a matching cascade over confirmed tracks
// by frames since their last update, with appearance cost (nearest cosine distance to the track's
// gallery) gated by Mahalanobis distance (chi² 0.95, 4 dof); IoU matching of tentative tracks and
// of tracks missed for just this frame; re-acquisition of parked and coasting tracks near their
// last measured box; then births and deaths. Without embeddings the cascade uses the Mahalanobis
// distance itself as the cost (what the gate already measures), so motion-only input degrades to
// a Kalman + IoU tracker in the SORT spirit rather than to nothing.

import type { Box, TrackState } from '../contracts';
import { matchWithThreshold } from './assignment';
import { iou } from './iou';
import { GATING_THRESHOLD, KalmanFilter, type KalmanState, boxToXyah, xyahToBox } from './kalman';

export interface TrackerDetection {
  box: Box;
  score: number;
  /** Appearance embedding (any scale; normalised here). */
  embedding?: ArrayLike<number> | null;
  zones?: string[];
  label?: string;
}

export interface DeepSortOptions {
  /** Consecutive hits before a track is confirmed. Default 3. */
  nInit?: number;
  /** Seconds a confirmed track may go unmatched before it is deleted (or parked). Default 5. */
  maxAgeS?: number;
  /** Appearance gate: nearest cosine distance to the gallery. Default 0.25. */
  maxCosineDistance?: number;
  /** Gallery size (embeddings kept) per track. Default 100. */
  budget?: number;
  /** IoU stage gate on 1 − IoU. Default 0.7. */
  maxIouDistance?: number;
  /** How long (s, from its last detection) a parked (stationary) track waits for its object. Default 12 h. */
  stationaryTimeoutS?: number;
  /** Frame size, needed to tell "left through an edge" from "stopped in view"; without it nothing is parked. */
  frameWidth?: number;
  frameHeight?: number;
  /** A last box within this fraction of the frame size from an edge counts as leaving. Default 0.05. */
  edgeMarginFrac?: number;
  /** Re-acquisition near a last box: IoU above this … Default 0.3. */
  reacquireIou?: number;
  /** … or centre distance below this fraction of the box's larger side. Default 0.5. */
  reacquireCentreFrac?: number;
  /** Kalman nominal frame interval (s) at which DeepSORT's per-frame noise applies. Default 1/30. */
  nominalDt?: number;
  /** See KalmanOptions.aspectReference. Default 0.4 (0 = DeepSORT's absolute aspect noise). */
  aspectReference?: number;
  /**
   * Without appearance, a track coasting longer than this is not matched on Mahalanobis distance
   * alone: its covariance has grown so wide that it would claim unrelated detections. It can still
   * be re-acquired near its last box. Default 1.5 s.
   */
  maxMotionCoastS?: number;
  /** Track id prefix; ids are `${prefix}${n}`. Default 't'. */
  idPrefix?: string;
  /** Lifecycle callback (the same events are also in `tracker.events` after each update). */
  onEvent?: (e: TrackEvent) => void;
}

export interface TrackSnapshot {
  trackId: string;
  /** tentative → confirmed; `lost` = confirmed but unmatched this frame (coasting); `stationary` = parked. */
  state: TrackState;
  /** From the Kalman state; the last measured box while stationary. */
  box: Box;
  /** px/s from the Kalman state (zero while stationary). */
  velocity: [number, number];
  hits: number;
  hitStreak: number;
  /** Seconds since the track started. */
  age: number;
  /** Seconds since the last matched detection. */
  timeSinceUpdate: number;
  score: number;
  zones: string[];
  label?: string;
  /** Path length of the filtered centre, px. */
  pathLength: number;
  startTs: number;
  lastUpdateTs: number;
  /** Index into this update's detections matched to the track, or −1. */
  detectionIndex: number;
}

export type TrackEndReason = 'max-age' | 'stationary-timeout' | 'reset';

export interface TrackEvent {
  event: 'track-start' | 'track-end';
  trackId: string;
  /** Time of the update that raised the event. */
  ts: number;
  startTs: number;
  lastUpdateTs: number;
  /** track-end: seconds from start to the last matched detection. */
  durationS?: number;
  pathLengthPx?: number;
  reason?: TrackEndReason;
  box: Box;
  label?: string;
  /** track-end: copies of the track's gallery embeddings (unit vectors). */
  gallery?: Float32Array[];
}

type InternalState = 'tentative' | 'confirmed' | 'stationary';

const FORBIDDEN = Infinity;

class TrackRecord {
  state: InternalState = 'tentative';
  hits = 1;
  hitStreak = 1;
  timeSinceUpdate = 0;
  framesSinceUpdate = 0;
  pathLength = 0;
  lastUpdateTs: number;
  lastBox: Box;
  predBox: Box = [0, 0, 0, 0];
  lastCx: number;
  lastCy: number;
  detectionIndex = -1;
  gallery: Float32Array | null = null;
  galleryDim = 0;
  galleryCount = 0;
  galleryHead = 0;

  constructor(
    readonly id: string,
    readonly kf: KalmanState,
    readonly startTs: number,
    box: Box,
    public score: number,
    public zones: string[],
    public label: string | undefined,
  ) {
    this.lastUpdateTs = startTs;
    this.lastBox = [box[0], box[1], box[2], box[3]];
    this.lastCx = kf.mean[0];
    this.lastCy = kf.mean[1];
  }

  addEmbedding(e: ArrayLike<number>, scale: number, budget: number): void {
    if (!this.gallery || this.galleryDim !== e.length) {
      this.gallery = new Float32Array(budget * e.length);
      this.galleryDim = e.length;
      this.galleryCount = 0;
      this.galleryHead = 0;
    }
    const off = this.galleryHead * this.galleryDim;
    for (let i = 0; i < this.galleryDim; i++) this.gallery[off + i] = e[i] * scale;
    this.galleryHead = (this.galleryHead + 1) % budget;
    if (this.galleryCount < budget) this.galleryCount++;
  }

  /** Nearest cosine distance of (e · scale) to the gallery; NaN when not comparable. */
  minCosine(e: ArrayLike<number>, scale: number): number {
    const g = this.gallery;
    if (!g || this.galleryCount === 0 || this.galleryDim !== e.length) return NaN;
    const dim = this.galleryDim;
    const dim4 = dim & ~3;
    let best = -Infinity;
    // The hot loop of the matching cascade (gallery × dims per gated pair): four partial sums.
    for (let k = 0; k < this.galleryCount; k++) {
      const off = k * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < dim4; i += 4) {
        s0 += g[off + i] * e[i];
        s1 += g[off + i + 1] * e[i + 1];
        s2 += g[off + i + 2] * e[i + 2];
        s3 += g[off + i + 3] * e[i + 3];
      }
      for (; i < dim; i++) s0 += g[off + i] * e[i];
      const s = s0 + s1 + s2 + s3;
      if (s > best) best = s;
    }
    return 1 - best * scale;
  }

  galleryViews(limit = Infinity): Float32Array[] {
    const out: Float32Array[] = [];
    if (!this.gallery) return out;
    const cap = this.gallery.length / this.galleryDim;
    const n = Math.min(this.galleryCount, limit);
    // Newest first.
    for (let k = 0; k < n; k++) {
      const slot = (((this.galleryHead - 1 - k) % cap) + cap) % cap;
      out.push(this.gallery.subarray(slot * this.galleryDim, (slot + 1) * this.galleryDim));
    }
    return out;
  }
}

export class DeepSortTracker {
  readonly nInit: number;
  readonly maxAgeS: number;
  readonly maxCosineDistance: number;
  readonly budget: number;
  readonly maxIouDistance: number;
  readonly stationaryTimeoutS: number;
  readonly edgeMarginFrac: number;
  readonly reacquireIou: number;
  readonly reacquireCentreFrac: number;
  readonly maxMotionCoastS: number;
  frameWidth: number;
  frameHeight: number;
  /** Lifecycle events raised by the last update(). */
  events: TrackEvent[] = [];

  private readonly kf: KalmanFilter;
  private readonly idPrefix: string;
  private readonly onEvent?: (e: TrackEvent) => void;
  private tracks: TrackRecord[] = [];
  private nextId = 1;
  private lastTs: number | undefined;
  // Per-update scratch.
  private detXyah = new Float64Array(0);
  private gd = new Float64Array(0);
  private cost = new Float64Array(0);

  constructor(opts: DeepSortOptions = {}) {
    this.nInit = opts.nInit ?? 3;
    this.maxAgeS = opts.maxAgeS ?? 5;
    this.maxCosineDistance = opts.maxCosineDistance ?? 0.25;
    this.budget = Math.max(1, opts.budget ?? 100);
    this.maxIouDistance = opts.maxIouDistance ?? 0.7;
    this.stationaryTimeoutS = opts.stationaryTimeoutS ?? 12 * 3600;
    this.frameWidth = opts.frameWidth ?? 0;
    this.frameHeight = opts.frameHeight ?? 0;
    this.edgeMarginFrac = opts.edgeMarginFrac ?? 0.05;
    this.reacquireIou = opts.reacquireIou ?? 0.3;
    this.reacquireCentreFrac = opts.reacquireCentreFrac ?? 0.5;
    this.maxMotionCoastS = opts.maxMotionCoastS ?? 1.5;
    this.kf = new KalmanFilter({ nominalDt: opts.nominalDt, aspectReference: opts.aspectReference });
    this.idPrefix = opts.idPrefix ?? 't';
    this.onEvent = opts.onEvent;
  }

  /** Number of live tracks of any state. */
  get size(): number {
    return this.tracks.length;
  }

  /** The track's gallery (unit vectors), newest first, at most `limit` of them (views into the tracker's storage: copy to keep). */
  getGallery(trackId: string, limit = Infinity): Float32Array[] {
    return this.tracks.find((t) => t.id === trackId)?.galleryViews(limit) ?? [];
  }

  /** Drop every track (track-end with reason "reset" for confirmed ones). */
  reset(ts: number): TrackEvent[] {
    this.events = [];
    for (const t of this.tracks) if (t.state !== 'tentative') this.emitEnd(t, ts, 'reset');
    this.tracks = [];
    this.lastTs = undefined;
    return this.events;
  }

  /**
   * One frame of detections at wall-clock `ts` (ms). Returns a snapshot of every live track
   * (tentative, confirmed, lost, stationary); consumers usually show confirmed/lost/stationary.
   */
  update(detections: ReadonlyArray<TrackerDetection>, ts: number, frame?: { width: number; height: number }): TrackSnapshot[] {
    this.events = [];
    if (frame && frame.width > 0 && frame.height > 0) {
      this.frameWidth = frame.width;
      this.frameHeight = frame.height;
    }
    // A clock stepping backwards costs one frame of prediction (dt = 0), then time runs on from it.
    const dt = this.lastTs === undefined ? 0 : Math.max(0, (ts - this.lastTs) / 1000);
    this.lastTs = ts;

    for (const t of this.tracks) {
      if (t.state !== 'stationary') this.kf.predict(t.kf, dt);
      t.timeSinceUpdate += dt;
      t.framesSinceUpdate++;
      t.detectionIndex = -1;
      xyahToBox(t.kf.mean, t.predBox);
    }

    // Detections: packed (cx, cy, a, h) and the inverse norm of each embedding.
    const nD = detections.length;
    if (this.detXyah.length < nD * 4) this.detXyah = new Float64Array(nD * 8);
    const xyah = this.detXyah;
    const valid = new Uint8Array(nD);
    const invNorm = new Float64Array(nD);
    for (let j = 0; j < nD; j++) {
      const d = detections[j];
      const b = d.box;
      valid[j] = b[2] - b[0] > 0 && b[3] - b[1] > 0 && b.every(Number.isFinite) ? 1 : 0;
      const w = b[2] - b[0];
      const h = b[3] - b[1];
      xyah[j * 4] = b[0] + w / 2;
      xyah[j * 4 + 1] = b[1] + h / 2;
      xyah[j * 4 + 2] = h > 0 ? w / h : 0;
      xyah[j * 4 + 3] = h;
      const e = d.embedding;
      if (e && e.length) {
        let s = 0;
        for (let i = 0; i < e.length; i++) s += e[i] * e[i];
        invNorm[j] = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
    }
    const detTrack = new Int32Array(nD).fill(-1);
    for (let j = 0; j < nD; j++) if (!valid[j]) detTrack[j] = -2; // never matched, never born

    this.matchingCascade(detections, invNorm, detTrack);
    this.iouStage(detections, detTrack);
    this.reacquire(detections, invNorm, detTrack);

    // Apply matches.
    for (let j = 0; j < nD; j++) {
      const ti = detTrack[j];
      if (ti >= 0) this.applyMatch(this.tracks[ti], detections[j], j, invNorm[j], ts);
    }
    // Misses and deaths.
    const survivors: TrackRecord[] = [];
    for (const t of this.tracks) {
      if (t.detectionIndex >= 0) {
        survivors.push(t);
        continue;
      }
      t.hitStreak = 0;
      if (t.state === 'tentative') continue; // DeepSORT: a tentative track missed once is dropped
      if (t.state === 'stationary') {
        if (t.timeSinceUpdate > this.stationaryTimeoutS) this.emitEnd(t, ts, 'stationary-timeout');
        else survivors.push(t);
        continue;
      }
      if (t.timeSinceUpdate > this.maxAgeS) {
        if (this.canPark(t)) {
          this.park(t);
          survivors.push(t);
        } else this.emitEnd(t, ts, 'max-age');
        continue;
      }
      survivors.push(t);
    }
    this.tracks = survivors;
    // Births.
    for (let j = 0; j < nD; j++) {
      if (detTrack[j] !== -1) continue;
      const d = detections[j];
      const state = this.kf.initiate(xyah.subarray(j * 4, j * 4 + 4));
      const t = new TrackRecord(`${this.idPrefix}${this.nextId++}`, state, ts, d.box, d.score, d.zones ?? [], d.label);
      t.detectionIndex = j;
      if (d.embedding && invNorm[j] > 0) t.addEmbedding(d.embedding, invNorm[j], this.budget);
      xyahToBox(t.kf.mean, t.predBox);
      if (this.nInit <= 1) this.confirm(t, ts);
      this.tracks.push(t);
    }
    return this.tracks.map((t) => this.snapshot(t, ts));
  }

  private matchingCascade(dets: ReadonlyArray<TrackerDetection>, invNorm: Float64Array, detTrack: Int32Array): void {
    const nD = dets.length;
    const cand: number[] = [];
    for (let i = 0; i < this.tracks.length; i++) if (this.tracks[i].state === 'confirmed') cand.push(i);
    if (cand.length === 0 || nD === 0) return;
    // Full cost (normalised so that the acceptance threshold is 1) for every candidate × detection.
    const full = this.scratchCost(cand.length * nD);
    if (this.gd.length < nD) this.gd = new Float64Array(nD * 2);
    const gd = this.gd;
    for (let r = 0; r < cand.length; r++) {
      const t = this.tracks[cand[r]];
      this.kf.gatingDistances(t.kf, this.detXyah, nD, gd);
      for (let j = 0; j < nD; j++) {
        let c: number;
        if (!(gd[j] <= GATING_THRESHOLD)) c = FORBIDDEN;
        else {
          const e = dets[j].embedding;
          const cos = e && invNorm[j] > 0 ? t.minCosine(e, invNorm[j]) : NaN;
          // Appearance when both sides have it, else the motion distance the gate measures.
          if (cos === cos) c = cos / this.maxCosineDistance;
          else c = t.timeSinceUpdate <= this.maxMotionCoastS ? gd[j] / GATING_THRESHOLD : FORBIDDEN;
        }
        full[r * nD + j] = c;
      }
    }
    // Levels: frames since update, youngest first (DeepSORT's priority to recently seen tracks).
    const order = cand.map((_, r) => r).sort((a, b) => this.tracks[cand[a]].framesSinceUpdate - this.tracks[cand[b]].framesSinceUpdate);
    let k = 0;
    while (k < order.length) {
      const level = this.tracks[cand[order[k]]].framesSinceUpdate;
      const rows: number[] = [];
      while (k < order.length && this.tracks[cand[order[k]]].framesSinceUpdate === level) rows.push(order[k++]);
      const cols: number[] = [];
      for (let j = 0; j < nD; j++) if (detTrack[j] === -1) cols.push(j);
      if (cols.length === 0) break;
      const sub = new Float64Array(rows.length * cols.length);
      for (let r = 0; r < rows.length; r++) for (let c = 0; c < cols.length; c++) sub[r * cols.length + c] = full[rows[r] * nD + cols[c]];
      for (const [r, c] of matchWithThreshold(sub, 1, rows.length, cols.length).matches) detTrack[cols[c]] = cand[rows[r]];
    }
  }

  /** Parked tracks and tracks coasting for more than a frame, against their last measured box. */
  private reacquire(dets: ReadonlyArray<TrackerDetection>, invNorm: Float64Array, detTrack: Int32Array): void {
    const matched = new Set<number>();
    for (const ti of detTrack) if (ti >= 0) matched.add(ti);
    const rows: number[] = [];
    for (let i = 0; i < this.tracks.length; i++) {
      const t = this.tracks[i];
      if (matched.has(i)) continue;
      if (t.state === 'stationary' || (t.state === 'confirmed' && t.framesSinceUpdate > 1)) rows.push(i);
    }
    const cols: number[] = [];
    for (let j = 0; j < dets.length; j++) if (detTrack[j] === -1) cols.push(j);
    if (rows.length === 0 || cols.length === 0) return;
    const cost = new Float64Array(rows.length * cols.length);
    for (let r = 0; r < rows.length; r++) {
      const t = this.tracks[rows[r]];
      const lb = t.lastBox;
      const size = Math.max(lb[2] - lb[0], lb[3] - lb[1]);
      for (let c = 0; c < cols.length; c++) {
        const d = dets[cols[c]];
        const ov = iou(lb, d.box);
        const dx = (d.box[0] + d.box[2] - lb[0] - lb[2]) / 2;
        const dy = (d.box[1] + d.box[3] - lb[1] - lb[3]) / 2;
        const near = ov > this.reacquireIou || Math.hypot(dx, dy) < this.reacquireCentreFrac * size;
        const e = d.embedding;
        const cos = e && invNorm[cols[c]] > 0 ? t.minCosine(e, invNorm[cols[c]]) : NaN;
        let ok: boolean;
        if (cos === cos) {
          // Appearance decides far away; near the spot a partly covered animal gets some slack.
          ok = cos <= this.maxCosineDistance || (near && cos <= 1.5 * this.maxCosineDistance);
        } else ok = near;
        cost[r * cols.length + c] = ok ? 1 - ov + (cos === cos ? cos / this.maxCosineDistance : 0) : FORBIDDEN;
      }
    }
    for (const [r, c] of matchWithThreshold(cost, 1e9, rows.length, cols.length).matches) detTrack[cols[c]] = rows[r];
  }

  private iouStage(dets: ReadonlyArray<TrackerDetection>, detTrack: Int32Array): void {
    const matched = new Set<number>();
    for (const ti of detTrack) if (ti >= 0) matched.add(ti);
    const rows: number[] = [];
    for (let i = 0; i < this.tracks.length; i++) {
      const t = this.tracks[i];
      if (matched.has(i)) continue;
      if (t.state === 'tentative' || (t.state === 'confirmed' && t.framesSinceUpdate === 1)) rows.push(i);
    }
    const cols: number[] = [];
    for (let j = 0; j < dets.length; j++) if (detTrack[j] === -1) cols.push(j);
    if (rows.length === 0 || cols.length === 0) return;
    const cost = new Float64Array(rows.length * cols.length);
    for (let r = 0; r < rows.length; r++) {
      const pb = this.tracks[rows[r]].predBox;
      for (let c = 0; c < cols.length; c++) cost[r * cols.length + c] = 1 - iou(pb, dets[cols[c]].box);
    }
    for (const [r, c] of matchWithThreshold(cost, this.maxIouDistance, rows.length, cols.length).matches) detTrack[cols[c]] = rows[r];
  }

  private applyMatch(t: TrackRecord, d: TrackerDetection, j: number, invNorm: number, ts: number): void {
    const z = this.detXyah.subarray(j * 4, j * 4 + 4);
    // A parked track restarts its motion at the detection (its state was frozen). A coasting track
    // re-acquired near its last box is corrected normally: its grown covariance lets the
    // measurement win while the velocity is kept as evidence.
    if (t.state === 'stationary') this.kf.initiate(z, t.kf);
    else this.kf.update(t.kf, z);
    const cx = t.kf.mean[0];
    const cy = t.kf.mean[1];
    t.pathLength += Math.hypot(cx - t.lastCx, cy - t.lastCy);
    t.lastCx = cx;
    t.lastCy = cy;
    t.hits++;
    t.hitStreak++;
    t.timeSinceUpdate = 0;
    t.framesSinceUpdate = 0;
    t.lastUpdateTs = ts;
    t.detectionIndex = j;
    t.score = d.score;
    t.zones = d.zones ?? [];
    if (d.label !== undefined) t.label = d.label;
    t.lastBox[0] = d.box[0];
    t.lastBox[1] = d.box[1];
    t.lastBox[2] = d.box[2];
    t.lastBox[3] = d.box[3];
    if (d.embedding && invNorm > 0) t.addEmbedding(d.embedding, invNorm, this.budget);
    if (t.state === 'stationary') t.state = 'confirmed';
    else if (t.state === 'tentative' && t.hits >= this.nInit) this.confirm(t, ts);
  }

  private confirm(t: TrackRecord, ts: number): void {
    t.state = 'confirmed';
    this.emit({ event: 'track-start', trackId: t.id, ts, startTs: t.startTs, lastUpdateTs: t.lastUpdateTs, box: [...t.lastBox] as Box, label: t.label });
  }

  private canPark(t: TrackRecord): boolean {
    if (!(this.stationaryTimeoutS > 0) || !(this.frameWidth > 0 && this.frameHeight > 0)) return false;
    const mx = this.edgeMarginFrac * this.frameWidth;
    const my = this.edgeMarginFrac * this.frameHeight;
    const b = t.lastBox;
    return b[0] > mx && b[1] > my && b[2] < this.frameWidth - mx && b[3] < this.frameHeight - my;
  }

  private park(t: TrackRecord): void {
    t.state = 'stationary';
    boxToXyah(t.lastBox, t.kf.mean);
    this.kf.initiate(t.kf.mean, t.kf); // zero velocity, a fresh (frozen) covariance at the last box
  }

  private emitEnd(t: TrackRecord, ts: number, reason: TrackEndReason): void {
    this.emit({
      event: 'track-end',
      trackId: t.id,
      ts,
      startTs: t.startTs,
      lastUpdateTs: t.lastUpdateTs,
      durationS: (t.lastUpdateTs - t.startTs) / 1000,
      pathLengthPx: t.pathLength,
      reason,
      box: [...t.lastBox] as Box,
      label: t.label,
      gallery: t.galleryViews().map((g) => Float32Array.from(g)),
    });
  }

  private emit(e: TrackEvent): void {
    this.events.push(e);
    this.onEvent?.(e);
  }

  private snapshot(t: TrackRecord, ts: number): TrackSnapshot {
    const parked = t.state === 'stationary';
    const m = t.kf.mean;
    const state: TrackState = t.state === 'confirmed' && t.framesSinceUpdate > 0 ? 'lost' : t.state;
    return {
      trackId: t.id,
      state,
      box: parked ? [t.lastBox[0], t.lastBox[1], t.lastBox[2], t.lastBox[3]] : xyahToBox(m),
      velocity: parked ? [0, 0] : [m[4], m[5]],
      hits: t.hits,
      hitStreak: t.hitStreak,
      age: (ts - t.startTs) / 1000,
      timeSinceUpdate: t.timeSinceUpdate,
      score: t.score,
      zones: t.zones,
      label: t.label,
      pathLength: t.pathLength,
      startTs: t.startTs,
      lastUpdateTs: t.lastUpdateTs,
      detectionIndex: t.detectionIndex,
    };
  }

  private scratchCost(n: number): Float64Array {
    if (this.cost.length < n) this.cost = new Float64Array(n * 2);
    return this.cost;
  }
}
