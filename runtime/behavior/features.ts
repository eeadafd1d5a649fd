// Per-track motion features over sliding windows of REAL time. Cameras deliver 2–15 fps with
// jitter and dropped frames, so nothing here counts frames: positions are re-sampled on a grid
// anchored at the newest sample and stepping back `gridStepS`, which makes path lengths and
// headings comparable at 5 fps and 2 fps (noise does not pile up with the frame rate).
// Every distance is in body lengths (the box diagonal averaged over the long window) so a ferret
// near the camera and one far from it move "at the same speed".
import type { Track } from '../contracts';

/**
 * The per-frame feature vector of the sequence-model contract, in this exact order. Changing the
 * order or the meaning breaks trained models: append new features at the end instead.
 *
 *  0 speed_bl_s          path-length speed over the speed window (0.5 s)          [body lengths/s]
 *  1 speed_2s_bl_s       path-length speed over the short window (2 s)            [body lengths/s]
 *  2 speed_10s_bl_s      path-length speed over the long window (10 s)            [body lengths/s]
 *  3 accel_bl_s2         mean |Δvelocity| between grid steps, short window        [body lengths/s²]
 *  4 turn_rate_rad_s     summed |heading change| / time over the short window;    [rad/s]
 *                        steps shorter than minStepBl body lengths carry no heading
 *  5 straightness        displacement / path length over the long window         [0..1, 1 = straight or still]
 *  6 aspect              box width / height of the newest box                     [ratio]
 *  7 aspect_sd           std-dev of ln(width/height) over the short window         [ln units] (hops, rolls)
 *  8 area_sd             std-dev of ln(width·height) over the short window         [ln units] (arching, hops)
 *  9 stationary_s        time the box centre has stayed within stationaryRadiusBl  [s, capped at capS]
 * 10 nearest_ferret_bl   centre distance to the nearest other track, same camera   [body lengths, maxNearestBl if none]
 * 11 nearest_ferret_speed_bl_s  that ferret's speed_2s_bl_s                        [body lengths/s, 0 if none]
 * 12 food_dwell_s        continuous time in a food zone, 0 outside                 [s, capped at capS]
 * 13 water_dwell_s       same for water zones                                     [s]
 * 14 litter_dwell_s      same for litter zones                                    [s]
 * 15 hide_dwell_s        same for hide/bed zones                                  [s]
 * 16 lost                1 when the tracker only predicted this box (no detection) [0/1]
 * 17 dt_s                time since this track's previous frame                   [s]
 *
 * The std-devs are over raw samples (a rate would grow with fps); everything else is on the
 * re-sampled grid.
 */
export const FEATURE_NAMES = [
  'speed_bl_s',
  'speed_2s_bl_s',
  'speed_10s_bl_s',
  'accel_bl_s2',
  'turn_rate_rad_s',
  'straightness',
  'aspect',
  'aspect_sd',
  'area_sd',
  'stationary_s',
  'nearest_ferret_bl',
  'nearest_ferret_speed_bl_s',
  'food_dwell_s',
  'water_dwell_s',
  'litter_dwell_s',
  'hide_dwell_s',
  'lost',
  'dt_s',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export type ZoneKind = 'food' | 'water' | 'litter' | 'hide';
export const ZONE_KINDS: readonly ZoneKind[] = ['food', 'water', 'litter', 'hide'];

/** Maps a user's zone name to what the zone is for; explicit entries win over the name patterns. */
export type ZoneKindMap = Record<string, ZoneKind | null>;

const ZONE_PATTERNS: Array<[ZoneKind, RegExp]> = [
  ['food', /food|bowl|feed|eat|kibble/i],
  ['water', /water|drink/i],
  ['litter', /litter|toilet|potty/i],
  ['hide', /hide|bed|hammock|tunnel|nest|cube|sleep|blanket/i],
];

export function zoneKindOf(name: string, map?: ZoneKindMap): ZoneKind | null {
  if (map && Object.prototype.hasOwnProperty.call(map, name)) return map[name];
  for (const [kind, re] of ZONE_PATTERNS) if (re.test(name)) return kind;
  return null;
}

export interface FeatureConfig {
  /** Re-sampling step of the position grid. ≥ the slowest frame interval keeps noise fps-independent. */
  gridStepS: number;
  /** Window of speed_bl_s: one grid step, because stop/start latency depends on it. */
  speedWindowS: number;
  /** Window of accel, turn rate and box-shape variability. */
  shortWindowS: number;
  /** Window of speed_10s, straightness and the body length. */
  longWindowS: number;
  /** Steps shorter than this (body lengths) have no meaningful heading: jitter, not turns. */
  minStepBl: number;
  /** The centre may wander this far (body lengths) and still count as stationary (breathing, jitter). */
  stationaryRadiusBl: number;
  /** A move must last this long outside the radius before stationary time resets (one bad box must not wake a sleeper). */
  stationaryConfirmS: number;
  /** Leaving a zone for less than this keeps its dwell time (boxes flicker on zone borders). */
  zoneExitGraceS: number;
  maxNearestBl: number;
  /** A step between two detections faster than this (body lengths/s) is a box jump, not motion. */
  maxStepSpeedBlS: number;
  capS: number;
  zoneKinds?: ZoneKindMap;
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  gridStepS: 0.5,
  speedWindowS: 0.5,
  shortWindowS: 2,
  longWindowS: 10,
  minStepBl: 0.1,
  stationaryRadiusBl: 0.3,
  stationaryConfirmS: 0.4,
  zoneExitGraceS: 1,
  maxNearestBl: 20,
  maxStepSpeedBlS: 12,
  capS: 3600,
};

/** Features of one track at one frame. The extractor reuses this object: copy what you keep. */
export interface TrackFeatures {
  tMs: number;
  speedBlS: number;
  speed2BlS: number;
  speed10BlS: number;
  accelBlS2: number;
  /** |Δvelocity| of the newest grid step pair only (the last second): says whether it is STILL erratic. */
  accelRecentBlS2: number;
  /** Seconds between the two newest real samples: over a longer gap the grid is a straight line and shows no acceleration. */
  sampleGapS: number;
  turnRateRadS: number;
  straightness: number;
  aspect: number;
  aspectSd: number;
  areaSd: number;
  stationaryS: number;
  nearestFerretBl: number;
  nearestFerretSpeedBlS: number;
  dwellS: Record<ZoneKind, number>;
  lost: boolean;
  dtS: number;
  // Not part of the vector, used by the rules and the engine.
  /** Seconds of real history behind the kinematic features (0 for a brand-new track). */
  spanS: number;
  bodyLengthPx: number;
  cx: number;
  cy: number;
  /** Distance since the previous real sample, body lengths. */
  stepBl: number;
  /**
   * Time (ms) of the newest step faster than maxStepSpeedBlS: no ferret moves that fast, so the box
   * jumped (an identity switch, a bad detection). -Infinity when none.
   */
  jumpMs: number;
  /** Which zone kinds hold the box now (or held it at the last real detection, for lost tracks). */
  inZone: Record<ZoneKind, boolean>;
  /** The user's name of the zone per kind, for episodes. */
  zoneName: Record<ZoneKind, string | null>;
}

function emptyKinds<T>(v: T): Record<ZoneKind, T> {
  return { food: v, water: v, litter: v, hide: v };
}

export function emptyFeatures(): TrackFeatures {
  return {
    tMs: 0,
    speedBlS: 0,
    speed2BlS: 0,
    speed10BlS: 0,
    accelBlS2: 0,
    accelRecentBlS2: 0,
    sampleGapS: 0,
    turnRateRadS: 0,
    straightness: 1,
    aspect: 1,
    aspectSd: 0,
    areaSd: 0,
    stationaryS: 0,
    nearestFerretBl: DEFAULT_FEATURE_CONFIG.maxNearestBl,
    nearestFerretSpeedBlS: 0,
    dwellS: emptyKinds(0),
    lost: false,
    dtS: 0,
    spanS: 0,
    bodyLengthPx: 0,
    cx: 0,
    cy: 0,
    stepBl: 0,
    jumpMs: -Infinity,
    inZone: emptyKinds(false),
    zoneName: emptyKinds<string | null>(null),
  };
}

/** Writes the features in FEATURE_NAMES order into `out` (allocated when omitted). */
export function featureVector(f: TrackFeatures, out?: Float32Array): Float32Array {
  const v = out ?? new Float32Array(FEATURE_NAMES.length);
  v[0] = f.speedBlS;
  v[1] = f.speed2BlS;
  v[2] = f.speed10BlS;
  v[3] = f.accelBlS2;
  v[4] = f.turnRateRadS;
  v[5] = f.straightness;
  v[6] = f.aspect;
  v[7] = f.aspectSd;
  v[8] = f.areaSd;
  v[9] = f.stationaryS;
  v[10] = f.nearestFerretBl;
  v[11] = f.nearestFerretSpeedBlS;
  v[12] = f.dwellS.food;
  v[13] = f.dwellS.water;
  v[14] = f.dwellS.litter;
  v[15] = f.dwellS.hide;
  v[16] = f.lost ? 1 : 0;
  v[17] = f.dtS;
  return v;
}

/** Ring buffer of real (detected) samples: time and box. Grows when a fast camera outruns it. */
class SampleHistory {
  private cap: number;
  private head = 0; // index of the oldest
  size = 0;
  t: Float64Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;

  constructor(cap = 128) {
    this.cap = cap;
    this.t = new Float64Array(cap);
    this.x = new Float64Array(cap);
    this.y = new Float64Array(cap);
    this.w = new Float64Array(cap);
    this.h = new Float64Array(cap);
  }

  /** Storage index of the k-th oldest sample. */
  idx(k: number): number {
    return (this.head + k) % this.cap;
  }

  tAt(k: number): number {
    return this.t[this.idx(k)];
  }

  push(t: number, x: number, y: number, w: number, h: number): void {
    if (this.size === this.cap) this.grow();
    const i = this.idx(this.size);
    this.t[i] = t;
    this.x[i] = x;
    this.y[i] = y;
    this.w[i] = w;
    this.h[i] = h;
    this.size++;
  }

  dropOlderThan(tMin: number): void {
    // Keep one sample before tMin so interpolation at the window edge has a left neighbour.
    while (this.size > 2 && this.tAt(1) <= tMin) {
      this.head = (this.head + 1) % this.cap;
      this.size--;
    }
  }

  private grow(): void {
    const n = this.cap * 2;
    const copy = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      for (let k = 0; k < this.size; k++) b[k] = a[this.idx(k)];
      return b;
    };
    this.t = copy(this.t);
    this.x = copy(this.x);
    this.y = copy(this.y);
    this.w = copy(this.w);
    this.h = copy(this.h);
    this.head = 0;
    this.cap = n;
  }

  /** Linear interpolation of the centre at time t (clamped to the stored span). */
  interp(t: number, out: { x: number; y: number }): void {
    const n = this.size;
    if (t <= this.tAt(0)) {
      const i = this.idx(0);
      out.x = this.x[i];
      out.y = this.y[i];
      return;
    }
    let lo = 0;
    let hi = n - 1;
    if (t >= this.tAt(hi)) {
      const i = this.idx(hi);
      out.x = this.x[i];
      out.y = this.y[i];
      return;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.tAt(mid) <= t) lo = mid;
      else hi = mid;
    }
    const a = this.idx(lo);
    const b = this.idx(hi);
    const u = (t - this.t[a]) / (this.t[b] - this.t[a] || 1);
    out.x = this.x[a] + (this.x[b] - this.x[a]) * u;
    out.y = this.y[a] + (this.y[b] - this.y[a]) * u;
  }
}

function wrapAngle(a: number): number {
  while (a > Math.PI) a -= 2 * Math.PI;
  while (a < -Math.PI) a += 2 * Math.PI;
  return a;
}

/**
 * Feature state of one track. `update` is called once per frame the track appears in; the
 * neighbour features are filled afterwards by `fillNeighbourFeatures`, because they need every
 * track of the frame.
 */
export class TrackFeatureExtractor {
  readonly features: TrackFeatures = emptyFeatures();
  private readonly cfg: FeatureConfig;
  private readonly hist = new SampleHistory();
  private lastFrameMs: number | null = null;
  private anchorX = 0;
  private anchorY = 0;
  private anchorN = 0;
  private stationarySince = 0;
  private outsideSince: number | null = null;
  private readonly zoneSince = emptyKinds<number | null>(null);
  private readonly zoneLastIn = emptyKinds<number | null>(null);
  // Scratch for the grid, reused every frame.
  private gx = new Float64Array(32);
  private gy = new Float64Array(32);
  private readonly pt = { x: 0, y: 0 };

  constructor(cfg: Partial<FeatureConfig> = {}) {
    this.cfg = { ...DEFAULT_FEATURE_CONFIG, ...cfg };
    this.features.nearestFerretBl = this.cfg.maxNearestBl;
  }

  /** The time of the newest real detection, or null before the first. */
  get lastSampleMs(): number | null {
    return this.hist.size ? this.hist.tAt(this.hist.size - 1) : null;
  }

  update(track: Track, tMs: number): TrackFeatures {
    const f = this.features;
    const cfg = this.cfg;
    f.dtS = this.lastFrameMs === null ? 0 : Math.max(0, (tMs - this.lastFrameMs) / 1000);
    this.lastFrameMs = tMs;
    f.tMs = tMs;
    f.lost = track.state === 'lost';

    if (f.lost) {
      // A predicted box is the tracker's guess, not a measurement: keep the kinematics of the last
      // detection and the zones it was in (a ferret lost inside its bed is hiding, wherever the
      // prediction drifts to).
      f.stepBl = 0;
      this.updateZones(track.zones, tMs, true);
      return f;
    }

    const [x1, y1, x2, y2] = track.box;
    const w = Math.max(1, x2 - x1);
    const h = Math.max(1, y2 - y1);
    const cx = (x1 + x2) / 2;
    const cy = (y1 + y2) / 2;
    const prevX = f.cx;
    const prevY = f.cy;
    const hadPrev = this.hist.size > 0;
    this.hist.push(tMs, cx, cy, w, h);
    this.hist.dropOlderThan(tMs - cfg.longWindowS * 1000);
    f.cx = cx;
    f.cy = cy;
    f.aspect = w / h;

    const bl = this.bodyLength();
    f.bodyLengthPx = bl;
    f.stepBl = hadPrev ? Math.hypot(cx - prevX, cy - prevY) / bl : 0;
    f.spanS = (tMs - this.hist.tAt(0)) / 1000;
    f.sampleGapS = this.hist.size > 1 ? (tMs - this.hist.tAt(this.hist.size - 2)) / 1000 : 0;
    if (f.sampleGapS > 0 && f.stepBl / f.sampleGapS > cfg.maxStepSpeedBlS) f.jumpMs = tMs;

    this.updateStationary(cx, cy, bl, tMs, !hadPrev);
    this.updateKinematics(tMs, bl);
    this.updateShape(tMs);
    this.updateZones(track.zones, tMs, false);
    return f;
  }

  /** Mean box diagonal over the kept history: hops and curls change the box, not the ferret. */
  private bodyLength(): number {
    const hs = this.hist;
    let sum = 0;
    for (let k = 0; k < hs.size; k++) {
      const i = hs.idx(k);
      sum += Math.hypot(hs.w[i], hs.h[i]);
    }
    return Math.max(1, sum / hs.size);
  }

  /**
   * Stillness: the centre stays within stationaryRadiusBl of an anchor. The anchor is the mean of
   * the positions since it was set, so it settles where the ferret actually lay down rather than
   * where the last step of its walk happened to be (which would leave it near the radius's edge).
   */
  private updateStationary(cx: number, cy: number, bl: number, tMs: number, first: boolean): void {
    const f = this.features;
    if (first) {
      this.resetAnchor(cx, cy);
      this.stationarySince = tMs;
      this.outsideSince = null;
    } else if (Math.hypot(cx - this.anchorX, cy - this.anchorY) > this.cfg.stationaryRadiusBl * bl) {
      if (this.outsideSince === null) this.outsideSince = tMs;
      if (tMs - this.outsideSince >= this.cfg.stationaryConfirmS * 1000) {
        // It moved: stillness (if any) begins no later than when it left the old spot. Dating it
        // from the confirmation instead would make sleep come late by the confirmation delay.
        this.resetAnchor(cx, cy);
        this.stationarySince = this.outsideSince;
        this.outsideSince = null;
      }
    } else {
      this.outsideSince = null;
      this.anchorN++;
      this.anchorX += (cx - this.anchorX) / this.anchorN;
      this.anchorY += (cy - this.anchorY) / this.anchorN;
    }
    f.stationaryS = Math.min(this.cfg.capS, (tMs - this.stationarySince) / 1000);
  }

  private resetAnchor(cx: number, cy: number): void {
    this.anchorX = cx;
    this.anchorY = cy;
    this.anchorN = 1;
  }

  /** Fills gx/gy with the grid, newest first; returns the number of points (≥ 1). */
  private grid(tMs: number, windowS: number): number {
    const step = this.cfg.gridStepS * 1000;
    const oldest = this.hist.tAt(0);
    const span = Math.min(windowS * 1000, tMs - oldest);
    const n = Math.floor(span / step + 1e-6) + 1;
    if (n > this.gx.length) {
      this.gx = new Float64Array(n * 2);
      this.gy = new Float64Array(n * 2);
    }
    for (let j = 0; j < n; j++) {
      this.hist.interp(tMs - j * step, this.pt);
      this.gx[j] = this.pt.x;
      this.gy[j] = this.pt.y;
    }
    return n;
  }

  private pathLength(n: number): number {
    let p = 0;
    for (let j = 1; j < n; j++) p += Math.hypot(this.gx[j - 1] - this.gx[j], this.gy[j - 1] - this.gy[j]);
    return p;
  }

  private updateKinematics(tMs: number, bl: number): void {
    const f = this.features;
    const stepS = this.cfg.gridStepS;

    let n = this.grid(tMs, this.cfg.speedWindowS);
    f.speedBlS = n > 1 ? this.pathLength(n) / bl / ((n - 1) * stepS) : 0;

    n = this.grid(tMs, this.cfg.longWindowS);
    if (n > 1) {
      const path = this.pathLength(n);
      f.speed10BlS = path / bl / ((n - 1) * stepS);
      const disp = Math.hypot(this.gx[0] - this.gx[n - 1], this.gy[0] - this.gy[n - 1]);
      // A still ferret has no path: call it straight rather than 0/0 (it is not turning).
      f.straightness = path < this.cfg.minStepBl * bl ? 1 : Math.min(1, disp / path);
    } else {
      f.speed10BlS = 0;
      f.straightness = 1;
    }

    n = this.grid(tMs, this.cfg.shortWindowS);
    let accel = 0;
    let turn = 0;
    let prevHeading: number | null = null;
    const minStep = this.cfg.minStepBl * bl;
    for (let j = 1; j < n; j++) {
      // Step j runs from grid point j (older) to j-1 (newer).
      const dx = this.gx[j - 1] - this.gx[j];
      const dy = this.gy[j - 1] - this.gy[j];
      if (j > 1) {
        const pdx = this.gx[j - 2] - this.gx[j - 1];
        const pdy = this.gy[j - 2] - this.gy[j - 1];
        const a = Math.hypot(pdx - dx, pdy - dy) / stepS / stepS;
        if (j === 2) f.accelRecentBlS2 = a / bl;
        accel += a;
      }
      if (Math.hypot(dx, dy) >= minStep) {
        const heading = Math.atan2(dy, dx);
        if (prevHeading !== null) turn += Math.abs(wrapAngle(prevHeading - heading));
        prevHeading = heading;
      }
    }
    f.speed2BlS = n > 1 ? this.pathLength(n) / bl / ((n - 1) * stepS) : 0;
    f.accelBlS2 = n > 2 ? accel / (n - 2) / bl : 0;
    if (n <= 2) f.accelRecentBlS2 = 0;
    // n points make n-1 steps and n-2 heading changes, which span (n-2) steps of time.
    f.turnRateRadS = n > 2 ? turn / ((n - 2) * stepS) : 0;
  }

  private updateShape(tMs: number): void {
    const f = this.features;
    const hs = this.hist;
    const tMin = tMs - this.cfg.shortWindowS * 1000;
    let n = 0;
    let sa = 0;
    let saa = 0;
    let sr = 0;
    let srr = 0;
    for (let k = hs.size - 1; k >= 0 && hs.tAt(k) >= tMin; k--) {
      const i = hs.idx(k);
      const a = Math.log(hs.w[i] / hs.h[i]);
      const r = Math.log(hs.w[i] * hs.h[i]);
      sa += a;
      saa += a * a;
      sr += r;
      srr += r * r;
      n++;
    }
    if (n < 3) {
      f.aspectSd = 0;
      f.areaSd = 0;
      return;
    }
    f.aspectSd = Math.sqrt(Math.max(0, (saa - (sa * sa) / n) / (n - 1)));
    f.areaSd = Math.sqrt(Math.max(0, (srr - (sr * sr) / n) / (n - 1)));
  }

  private updateZones(zones: string[], tMs: number, lost: boolean): void {
    const f = this.features;
    const cfg = this.cfg;
    for (const kind of ZONE_KINDS) {
      let name: string | null = null;
      for (const z of zones) {
        if (zoneKindOf(z, cfg.zoneKinds) === kind) {
          name = z;
          break;
        }
      }
      // Lost: the prediction may drift out of the zone; the last real detection's zones stand.
      const inside = name !== null || (lost && f.inZone[kind]);
      if (inside) {
        if (name !== null) f.zoneName[kind] = name;
        const last = this.zoneLastIn[kind];
        if (this.zoneSince[kind] === null || last === null || tMs - last > cfg.zoneExitGraceS * 1000) {
          this.zoneSince[kind] = tMs;
        }
        this.zoneLastIn[kind] = tMs;
        f.inZone[kind] = true;
        f.dwellS[kind] = Math.min(cfg.capS, (tMs - (this.zoneSince[kind] as number)) / 1000);
      } else {
        f.inZone[kind] = false;
        f.dwellS[kind] = 0;
      }
    }
  }
}

/**
 * Fills nearest_ferret_bl and nearest_ferret_speed_bl_s for every track of one camera frame.
 * Distances are in the body length of the track being described.
 */
export function fillNeighbourFeatures(tracks: readonly TrackFeatures[], maxNearestBl = DEFAULT_FEATURE_CONFIG.maxNearestBl): void {
  for (let i = 0; i < tracks.length; i++) {
    const a = tracks[i];
    let best = Infinity;
    let bestSpeed = 0;
    for (let j = 0; j < tracks.length; j++) {
      if (j === i) continue;
      const b = tracks[j];
      if (b.bodyLengthPx === 0) continue; // never detected yet
      const d = Math.hypot(a.cx - b.cx, a.cy - b.cy);
      if (d < best) {
        best = d;
        bestSpeed = b.speed2BlS;
      }
    }
    if (best === Infinity || a.bodyLengthPx === 0) {
      a.nearestFerretBl = maxNearestBl;
      a.nearestFerretSpeedBlS = 0;
    } else {
      a.nearestFerretBl = Math.min(maxNearestBl, best / a.bodyLengthPx);
      a.nearestFerretSpeedBlS = bestSpeed;
    }
  }
}
