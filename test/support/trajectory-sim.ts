// A labelled ferret trajectory generator: a small kinematic simulator per behavior, scripted
// scenarios that mix behaviors with realistic durations, and a camera model (fps, jitter,
// dropped frames, missed detections, box noise) that turns the trajectories into the
// TracksPayload frames the behavior engine eats, with per-frame ground truth.
//
// Ground truth follows the behaviors' DEFINITIONS, not the script: a "sleep" step is "resting"
// until the ferret has been still for sleepAfterS; walking to the food bowl is "exploring" until
// the ferret stops at it; "hiding" starts when it steps into the bed zone; "out_of_view" starts
// when its detections stop.
//
// The physics and the camera draw from separate random streams, so the same seed gives the same
// motion at 5 fps and at 2 fps.
import type { Behavior, Track, TracksPayload, Zone } from '../../runtime/contracts';
import { BehaviorEngine, type BehaviorEngineOptions } from '../../runtime/behavior/engine';
import { DEFAULT_RULE_CONFIG } from '../../runtime/behavior/rules';

export const SIM_WIDTH = 1280;
export const SIM_HEIGHT = 720;
/** Nominal body length (box diagonal of a walking ferret) in pixels. */
export const BL_PX = 125;

function rect(x1: number, y1: number, x2: number, y2: number): Array<[number, number]> {
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

/** Zones in 0..1 frame coordinates along the walls; the open floor is in between. */
export const SIM_ZONES: Zone[] = [
  { name: 'food', points: rect(0.02, 0.05, 0.16, 0.3) },
  { name: 'water', points: rect(0.02, 0.42, 0.16, 0.62) },
  { name: 'litter', points: rect(0.84, 0.05, 0.98, 0.35) },
  { name: 'bed', points: rect(0.84, 0.6, 0.98, 0.95) },
];

/** Centre positions the ferrets roam in (px). */
const FLOOR = { x1: 0.26 * SIM_WIDTH, y1: 0.18 * SIM_HEIGHT, x2: 0.74 * SIM_WIDTH, y2: 0.82 * SIM_HEIGHT };

export function pointInPolygon(x: number, y: number, pts: ReadonlyArray<[number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Names of the zones holding the box's bottom-centre (what the detect node reports). */
export function zonesAt(box: [number, number, number, number], zones: readonly Zone[] = SIM_ZONES): string[] {
  const bx = (box[0] + box[2]) / 2 / SIM_WIDTH;
  const by = box[3] / SIM_HEIGHT;
  return zones.filter((z) => !z.mask && pointInPolygon(bx, by, z.points)).map((z) => z.name);
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  next(): number {
    return this.r();
  }
  uniform(a: number, b: number): number {
    return a + (b - a) * this.r();
  }
  normal(sd = 1): number {
    const u = Math.max(1e-12, this.r());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.r()) * sd;
  }
  sign(): number {
    return this.r() < 0.5 ? -1 : 1;
  }
}

export type SimBehavior = 'sleep' | 'rest' | 'explore' | 'play' | 'eat' | 'drink' | 'litter' | 'hide' | 'social' | 'out';

export interface ScriptStep {
  b: SimBehavior;
  durationS: number;
}

export interface FerretScript {
  ferretId: string;
  name: string | null;
  steps: ScriptStep[];
}

export interface SimOptions {
  fps: number;
  seed: number;
  /** Std-dev of the box centre's detection noise, px. */
  noisePx?: number;
  /** Relative std-dev of the box size noise. */
  sizeNoise?: number;
  /** Fraction of frames dropped before tracking (no payload). */
  dropRate?: number;
  /** Frame interval jitter, ± fraction of 1/fps (uniform). */
  fpsJitter?: number;
  /** Fraction of frames in which a visible ferret's detection is missed (the track is "lost"). */
  missRate?: number;
  /** Ground truth's sleeping threshold; keep equal to the engine's sleepAfterS. */
  sleepAfterS?: number;
  startMs?: number;
  camera?: string;
}

export interface SimFrame {
  ts: number;
  /** Null for a dropped frame: the engine only gets tick(ts). */
  payload: TracksPayload | null;
  truth: Record<string, Behavior>;
}

const ZONE_OF: Record<'eat' | 'drink' | 'litter', { zone: string; label: Behavior }> = {
  eat: { zone: 'food', label: 'eating' },
  drink: { zone: 'water', label: 'drinking' },
  litter: { zone: 'litter', label: 'litter' },
};

function zoneCentre(name: string): { x: number; y: number } {
  const z = SIM_ZONES.find((q) => q.name === name) as Zone;
  const xs = z.points.map((p) => p[0]);
  const ys = z.points.map((p) => p[1]);
  return { x: ((Math.min(...xs) + Math.max(...xs)) / 2) * SIM_WIDTH, y: ((Math.min(...ys) + Math.max(...ys)) / 2) * SIM_HEIGHT };
}

/** Two ferrets wrestling: they circle a common centre that drifts across the floor. */
interface SocialPair {
  cx: number;
  cy: number;
  heading: number;
  phi: number;
  omega: number;
  nextReverse: number;
}

class Actor {
  x: number;
  y: number;
  heading: number;
  len = 120;
  wid = 45;
  aspectMul = 1;
  areaMul = 1;
  vx = 0;
  vy = 0;
  visible = true;
  /** Until this time (s) the track is reported "lost" (predicted box), then it disappears. */
  lostUntil = -1;
  trackSeq = 1;
  trackStartS = 0;
  hits = 0;
  stillS = 0;
  label: Behavior = 'resting';
  partner: Actor | null = null;
  pair: SocialPair | null = null;
  private stepIdx = -1;
  private stepEndS = 0;
  private step: ScriptStep | null = null;
  private phase = '';
  private timer = 0;
  private speed = 0;
  private targetSpeed = 0;
  private anchorX = 0;
  private anchorY = 0;
  private offX = 0;
  private offY = 0;
  private hop = 0;
  private reappear: { x: number; y: number; heading: number } | null = null;

  constructor(
    readonly script: FerretScript,
    private readonly rng: Rng,
    private readonly sleepAfterS: number,
  ) {
    this.x = rng.uniform(FLOOR.x1 + 40, FLOOR.x2 - 40);
    this.y = rng.uniform(FLOOR.y1 + 40, FLOOR.y2 - 40);
    this.heading = rng.uniform(-Math.PI, Math.PI);
  }

  get done(): boolean {
    return this.stepIdx >= this.script.steps.length;
  }

  /** Box [x1,y1,x2,y2] of the body (no detection noise). */
  box(): [number, number, number, number] {
    const c = Math.abs(Math.cos(this.heading));
    const s = Math.abs(Math.sin(this.heading));
    let w = this.len * c + this.wid * s;
    let h = (this.len * s + this.wid * c) * 0.8;
    const a = Math.sqrt(this.aspectMul);
    const m = Math.sqrt(this.areaMul);
    w *= a * m;
    h *= m / a;
    return [this.x - w / 2, this.y - h / 2, this.x + w / 2, this.y + h / 2];
  }

  advance(tS: number, dt: number): void {
    while (this.step === null || tS >= this.stepEndS) {
      this.stepIdx++;
      if (this.stepIdx >= this.script.steps.length) return;
      this.step = this.script.steps[this.stepIdx];
      this.stepEndS = tS + this.step.durationS;
      this.begin(tS);
    }
    const px0 = this.x;
    const py0 = this.y;
    switch (this.step.b) {
      case 'explore':
        this.explore(dt, 0.45, 1.0);
        break;
      case 'play':
        this.play(dt);
        break;
      case 'rest':
      case 'sleep':
        this.still(dt);
        break;
      case 'eat':
      case 'drink':
      case 'litter':
        this.dwell(dt, this.step.b);
        break;
      case 'hide':
        this.hide(tS, dt);
        break;
      case 'out':
        this.out(tS, dt);
        break;
      case 'social':
        this.social(dt);
        break;
    }
    this.vx = (this.x - px0) / dt;
    this.vy = (this.y - py0) / dt;
  }

  private begin(tS: number): void {
    const b = (this.step as ScriptStep).b;
    if (!this.visible || this.lostUntil > 0) {
      // Pops back into view where it left: a new track.
      const r = this.reappear ?? { x: (FLOOR.x1 + FLOOR.x2) / 2, y: FLOOR.y2, heading: -Math.PI / 2 };
      this.x = r.x;
      this.y = r.y;
      this.heading = r.heading;
      this.visible = true;
      this.lostUntil = -1;
      this.trackSeq++;
      this.trackStartS = tS;
      this.hits = 0;
      this.stillS = 0;
    }
    this.phase = 'start';
    this.timer = 0;
    this.aspectMul = 1;
    this.areaMul = 1;
    this.len = 120;
    this.wid = 45;
    this.pair = null;
    if (b === 'sleep') {
      this.len = 80;
      this.wid = 62; // curled up
    }
    if (b === 'rest' || b === 'sleep') {
      this.anchorX = this.x;
      this.anchorY = this.y;
      this.offX = 0;
      this.offY = 0;
    }
    this.speed = 0;
    this.targetSpeed = this.rng.uniform(0.5, 0.9) * BL_PX;
  }

  private moved(dt: number, dist: number): void {
    if (dist > 0.5) this.stillS = 0;
    else this.stillS += dt;
  }

  private inFloor(x: number, y: number): boolean {
    return x >= FLOOR.x1 && x <= FLOOR.x2 && y >= FLOOR.y1 && y <= FLOOR.y2;
  }

  /** Turn gradually toward the floor's middle when the next step would leave the floor. */
  private steerInside(dt: number, rate: number): void {
    const nx = this.x + Math.cos(this.heading) * this.speed * dt * 8;
    const ny = this.y + Math.sin(this.heading) * this.speed * dt * 8;
    if (this.inFloor(nx, ny)) return;
    const want = Math.atan2((FLOOR.y1 + FLOOR.y2) / 2 - this.y, (FLOOR.x1 + FLOOR.x2) / 2 - this.x);
    let d = want - this.heading;
    while (d > Math.PI) d -= 2 * Math.PI;
    while (d < -Math.PI) d += 2 * Math.PI;
    this.heading += Math.sign(d) * Math.min(Math.abs(d), rate * dt);
  }

  private go(dt: number): void {
    const dx = Math.cos(this.heading) * this.speed * dt;
    const dy = Math.sin(this.heading) * this.speed * dt;
    this.x += dx;
    this.y += dy;
    this.moved(dt, Math.hypot(dx, dy));
  }

  /** Walk toward (tx, ty) with a slight wobble; true on arrival. */
  private walkTo(dt: number, tx: number, ty: number, speed: number): boolean {
    const d = Math.hypot(tx - this.x, ty - this.y);
    if (d < speed * dt + 1) {
      this.moved(dt, d);
      this.x = tx;
      this.y = ty;
      return true;
    }
    this.heading = Math.atan2(ty - this.y, tx - this.x) + this.rng.normal(0.05);
    this.speed = speed;
    this.go(dt);
    return false;
  }

  private explore(dt: number, minBl: number, maxBl: number): void {
    this.label = 'exploring';
    this.aspectMul = 1;
    this.areaMul = 1;
    if (!this.inFloor(this.x, this.y)) {
      // Coming out of a zone (or back into view): head for the floor first.
      this.heading = Math.atan2((FLOOR.y1 + FLOOR.y2) / 2 - this.y, (FLOOR.x1 + FLOOR.x2) / 2 - this.x);
      this.speed = 0.8 * BL_PX;
      this.go(dt);
      return;
    }
    this.timer -= dt;
    if (this.timer <= 0) {
      // Sniffing stops are short; otherwise a new walking pace every few seconds.
      if (this.phase === 'walk' && this.rng.next() < 0.12) {
        this.phase = 'pause';
        this.timer = this.rng.uniform(0.4, 1.0);
        this.targetSpeed = 0;
      } else {
        this.phase = 'walk';
        this.timer = this.rng.uniform(2, 5);
        this.targetSpeed = this.rng.uniform(minBl, maxBl) * BL_PX;
      }
    }
    this.speed += (this.targetSpeed - this.speed) * Math.min(1, dt * 4);
    this.heading += this.rng.normal(0.5) * Math.sqrt(dt);
    this.steerInside(dt, 2.5);
    this.go(dt);
  }

  private play(dt: number): void {
    this.label = 'playing';
    this.timer -= dt;
    if (this.timer <= 0) {
      this.timer = this.rng.uniform(0.25, 0.6);
      if (this.rng.next() < 0.12) {
        this.phase = 'freeze'; // the war dance's sudden stops
        this.timer = this.rng.uniform(0.15, 0.35);
      } else {
        this.phase = 'dance';
        this.heading += this.rng.sign() * this.rng.uniform(1.3, 2.8);
        this.targetSpeed = this.rng.uniform(2.5, 3.5) * BL_PX;
      }
    }
    this.speed = this.phase === 'freeze' ? 0 : this.targetSpeed;
    this.hop += dt * 2 * Math.PI * 2.5;
    this.aspectMul = 1 + 0.22 * Math.sin(this.hop);
    this.areaMul = 1 + 0.15 * Math.abs(Math.sin(this.hop));
    this.steerInside(dt, 8);
    this.go(dt);
    this.x = Math.min(FLOOR.x2 + 20, Math.max(FLOOR.x1 - 20, this.x));
    this.y = Math.min(FLOOR.y2 + 20, Math.max(FLOOR.y1 - 20, this.y));
  }

  private still(dt: number): void {
    if (this.phase === 'start' && !this.inFloor(this.x, this.y)) this.phase = 'approach';
    if (this.phase === 'approach') {
      // Ferrets do not nap in the food bowl: walk back to the floor first.
      this.label = 'exploring';
      const tx = Math.min(FLOOR.x2 - 30, Math.max(FLOOR.x1 + 30, this.x));
      const ty = Math.min(FLOOR.y2 - 30, Math.max(FLOOR.y1 + 30, this.y));
      if (this.walkTo(dt, tx, ty, 0.8 * BL_PX)) {
        this.phase = 'still';
        this.anchorX = this.x;
        this.anchorY = this.y;
      }
      return;
    }
    this.timer -= dt;
    const sleep = this.step?.b === 'sleep';
    if (this.timer <= 0) {
      // A resting ferret shifts a little now and then; the shifts do not add up (it stays put).
      this.timer = sleep ? this.rng.uniform(20, 60) : this.rng.uniform(3, 10);
      const sd = (sleep ? 0.02 : 0.05) * BL_PX;
      this.offX = this.rng.normal(sd);
      this.offY = this.rng.normal(sd);
      this.aspectMul = 1 + this.rng.normal(sleep ? 0.01 : 0.04);
    }
    const breathe = sleep ? 0.4 : 0.8;
    this.x = this.anchorX + this.offX + this.rng.normal(breathe);
    this.y = this.anchorY + this.offY + this.rng.normal(breathe);
    this.stillS += dt;
    this.label = this.stillS >= this.sleepAfterS ? 'sleeping' : 'resting';
  }

  private dwell(dt: number, b: 'eat' | 'drink' | 'litter'): void {
    const { zone, label } = ZONE_OF[b];
    const c = zoneCentre(zone);
    if (this.phase === 'start' || this.phase === 'approach') {
      this.phase = 'approach';
      this.label = 'exploring';
      // The bottom-centre goes to the zone's centre.
      const h = (this.box()[3] - this.box()[1]) / 2;
      if (this.walkTo(dt, c.x, c.y - h, 0.8 * BL_PX)) {
        this.phase = 'dwell';
        this.anchorX = this.x;
        this.anchorY = this.y;
      }
      return;
    }
    this.label = label;
    // Head dips and small steps around the bowl: an Ornstein–Uhlenbeck wobble.
    this.offX += -this.offX * dt * 0.8 + this.rng.normal(0.06 * BL_PX) * Math.sqrt(dt);
    this.offY += -this.offY * dt * 0.8 + this.rng.normal(0.04 * BL_PX) * Math.sqrt(dt);
    this.x = this.anchorX + this.offX;
    this.y = this.anchorY + this.offY;
    this.areaMul = 1 + 0.05 * Math.sin((this.timer += dt) * 2);
    this.moved(dt, 0);
  }

  private hide(tS: number, dt: number): void {
    const bed = SIM_ZONES.find((z) => z.name === 'bed') as Zone;
    const c = zoneCentre('bed');
    if (this.phase === 'start' || this.phase === 'approach') {
      this.phase = 'approach';
      const b = this.box();
      const h = (b[3] - b[1]) / 2;
      const arrived = this.walkTo(dt, c.x, c.y - h, 0.8 * BL_PX);
      const bb = this.box();
      this.label = pointInPolygon((bb[0] + bb[2]) / 2 / SIM_WIDTH, bb[3] / SIM_HEIGHT, bed.points) ? 'hiding' : 'exploring';
      if (arrived) {
        this.phase = 'settle';
        this.timer = this.rng.uniform(0.8, 1.5);
      }
      return;
    }
    this.label = 'hiding';
    if (this.phase === 'settle') {
      this.timer -= dt;
      if (this.timer <= 0) {
        this.phase = 'gone';
        this.lostUntil = tS + 1.0;
        // It will come out at the bed's edge facing the floor.
        this.reappear = { x: 0.84 * SIM_WIDTH + 10, y: this.y, heading: Math.PI };
      }
    }
    if (this.phase === 'gone' && tS >= this.lostUntil) this.visible = false;
    this.moved(dt, 0);
  }

  private out(tS: number, dt: number): void {
    if (this.phase === 'start' || this.phase === 'approach') {
      this.phase = 'approach';
      this.label = 'exploring';
      const tx = Math.min(FLOOR.x2, Math.max(FLOOR.x1, this.x));
      this.walkTo(dt, tx, SIM_HEIGHT + 100, 0.9 * BL_PX);
      if (this.y > SIM_HEIGHT) {
        // Its detections stop here: from now on it is out of view.
        this.phase = 'gone';
        this.lostUntil = tS + 0.6;
        this.reappear = { x: this.x, y: SIM_HEIGHT - 30, heading: -Math.PI / 2 };
      }
      return;
    }
    this.label = 'out_of_view';
    if (tS >= this.lostUntil) this.visible = false;
    this.moved(dt, 0);
  }

  private social(dt: number): void {
    const p = this.partner as Actor;
    // They rush together first; wrestling (social play by definition) is when they are close.
    this.label = Math.hypot(p.x - this.x, p.y - this.y) <= 2 * BL_PX ? 'social_play' : 'playing';
    if (!this.pair) {
      if (p.pair) this.pair = p.pair;
      else {
        const cx = Math.min(FLOOR.x2 - 60, Math.max(FLOOR.x1 + 60, (this.x + p.x) / 2));
        const cy = Math.min(FLOOR.y2 - 60, Math.max(FLOOR.y1 + 60, (this.y + p.y) / 2));
        this.pair = { cx, cy, heading: this.rng.uniform(-Math.PI, Math.PI), phi: Math.atan2(this.y - cy, this.x - cx), omega: 0, nextReverse: 0 };
        p.pair = this.pair;
      }
    }
    const pr = this.pair;
    const lead = pr === p.pair && this.script.ferretId < p.script.ferretId;
    if (lead) {
      // The leader moves the shared state once per physics step.
      pr.nextReverse -= dt;
      if (pr.nextReverse <= 0) {
        pr.nextReverse = this.rng.uniform(0.5, 1.5);
        const r = 0.55 * BL_PX;
        pr.omega = this.rng.sign() * this.rng.uniform(2.0, 2.6) * BL_PX / r;
      }
      pr.phi += pr.omega * dt;
      pr.heading += this.rng.normal(0.8) * Math.sqrt(dt);
      pr.cx += Math.cos(pr.heading) * 0.5 * BL_PX * dt;
      pr.cy += Math.sin(pr.heading) * 0.5 * BL_PX * dt;
      if (pr.cx < FLOOR.x1 + 60 || pr.cx > FLOOR.x2 - 60 || pr.cy < FLOOR.y1 + 60 || pr.cy > FLOOR.y2 - 60) pr.heading += Math.PI;
      pr.cx = Math.min(FLOOR.x2 - 60, Math.max(FLOOR.x1 + 60, pr.cx));
      pr.cy = Math.min(FLOOR.y2 - 60, Math.max(FLOOR.y1 + 60, pr.cy));
    }
    const r = 0.55 * BL_PX;
    const phi = lead ? pr.phi : pr.phi + Math.PI;
    const tx = pr.cx + r * Math.cos(phi);
    const ty = pr.cy + r * Math.sin(phi);
    // Chase the orbit point fast (they start apart and close in within a fraction of a second).
    const d = Math.hypot(tx - this.x, ty - this.y);
    const maxStep = 4 * BL_PX * dt;
    const k = d > maxStep ? maxStep / d : 1;
    const dx = (tx - this.x) * k;
    const dy = (ty - this.y) * k;
    if (Math.hypot(dx, dy) > 0.5) this.heading = Math.atan2(dy, dx);
    this.x += dx;
    this.y += dy;
    this.moved(dt, Math.hypot(dx, dy));
    this.hop += dt * 2 * Math.PI * 2.2;
    this.aspectMul = 1 + 0.2 * Math.sin(this.hop);
    this.areaMul = 1 + 0.15 * Math.abs(Math.sin(this.hop));
  }
}

/**
 * Runs the scripts and films them. Scripts should have the same total duration; social steps
 * must be at the same times in both scripts.
 */
export function simulate(scripts: FerretScript[], opts: SimOptions): SimFrame[] {
  const physics = new Rng(opts.seed * 7919 + 1);
  const cam = new Rng(opts.seed * 104729 + 17 + Math.round(opts.fps * 1000));
  const sleepAfterS = opts.sleepAfterS ?? DEFAULT_RULE_CONFIG.sleepAfterS;
  const actors = scripts.map((s) => new Actor(s, physics, sleepAfterS));
  if (actors.length >= 2) {
    actors[0].partner = actors[1];
    actors[1].partner = actors[0];
  }
  const noise = opts.noisePx ?? 2;
  const sizeNoise = opts.sizeNoise ?? 0.02;
  const drop = opts.dropRate ?? 0.1;
  const jitter = opts.fpsJitter ?? 0.3;
  const miss = opts.missRate ?? 0.02;
  const startMs = opts.startMs ?? Date.UTC(2024, 0, 15, 9, 0, 0);
  const camera = opts.camera ?? 'cam1';
  const totalS = Math.max(...scripts.map((s) => s.steps.reduce((a, st) => a + st.durationS, 0)));

  const physDt = 0.05;
  let physT = 0;
  const frames: SimFrame[] = [];
  const lastBox = new Map<string, [number, number, number, number]>();
  let frameT = 0;
  let frameId = 0;
  while (frameT < totalS) {
    while (physT + physDt <= frameT + 1e-9) {
      for (const a of actors) a.advance(physT, physDt);
      physT += physDt;
    }
    const ts = Math.round(startMs + frameT * 1000);
    const truth: Record<string, Behavior> = {};
    const tracks: Track[] = [];
    for (const a of actors) {
      if (a.done) continue;
      truth[a.script.ferretId] = a.label;
      if (!a.visible) continue;
      const key = `${a.script.ferretId}#${a.trackSeq}`;
      const lostNow = frameT < a.lostUntil || (a.hits > 2 && cam.next() < miss);
      if (a.lostUntil > 0 && frameT >= a.lostUntil) continue; // already gone (hide/out)
      let box: [number, number, number, number];
      if (lostNow && lastBox.has(key)) {
        box = lastBox.get(key) as [number, number, number, number];
      } else {
        const b = a.box();
        const dx = cam.normal(noise);
        const dy = cam.normal(noise);
        const sw = 1 + cam.normal(sizeNoise);
        const sh = 1 + cam.normal(sizeNoise);
        const cx = (b[0] + b[2]) / 2 + dx;
        const cy = (b[1] + b[3]) / 2 + dy;
        const w = (b[2] - b[0]) * sw;
        const h = (b[3] - b[1]) * sh;
        box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        // Detections are clipped to the frame.
        box = [Math.max(0, box[0]), Math.max(0, box[1]), Math.min(SIM_WIDTH, box[2]), Math.min(SIM_HEIGHT, box[3])];
        if (box[2] - box[0] < 4 || box[3] - box[1] < 4) continue;
        lastBox.set(key, box);
      }
      const real = !lostNow;
      a.hits = real ? a.hits + 1 : 0;
      const speed = Math.hypot(a.vx, a.vy);
      tracks.push({
        trackId: `${a.script.ferretId.slice(-1)}${a.trackSeq}`,
        ferretId: a.script.ferretId,
        name: a.script.name,
        box,
        velocity: [a.vx + cam.normal(5), a.vy + cam.normal(5)],
        state: !real ? 'lost' : a.hits <= 2 && frameT - a.trackStartS < 1 ? 'tentative' : speed < 5 ? 'stationary' : 'confirmed',
        age: frameT - a.trackStartS,
        hitStreak: a.hits,
        zones: zonesAt(box),
        score: real ? 0.8 : 0,
      });
    }
    const dropped = cam.next() < drop;
    frames.push({
      ts,
      payload: dropped ? null : { camera, frameId, ts, width: SIM_WIDTH, height: SIM_HEIGHT, tracks },
      truth,
    });
    frameId++;
    frameT += (1 / opts.fps) * (1 + cam.uniform(-jitter, jitter));
  }
  return frames;
}

/** Track ids are per ferret and per visible stint (a ferret coming back gets a new one). */
export function defaultScenario(): FerretScript[] {
  const s = (b: SimBehavior, durationS: number): ScriptStep => ({ b, durationS });
  const a: ScriptStep[] = [
    s('sleep', 420), // resting for 300 s, then sleeping
    s('explore', 45),
    s('eat', 80),
    s('explore', 30),
    s('play', 20),
    s('explore', 20),
    s('drink', 25),
    s('explore', 15),
    s('litter', 35),
    s('rest', 50),
    s('explore', 20),
    s('play', 15),
    s('social', 25),
    s('explore', 25),
    s('hide', 60),
    s('explore', 30),
    s('out', 40),
    s('explore', 30),
    s('eat', 60),
    s('rest', 90),
    s('sleep', 360), // stillness carries over from the rest: sleeping after 300 s in all
    s('explore', 20),
  ];
  const b: ScriptStep[] = [
    s('rest', 200),
    s('explore', 60),
    s('drink', 30),
    s('explore', 40),
    s('play', 20),
    s('explore', 30),
    s('hide', 120),
    s('explore', 40),
    s('rest', 200),
    s('explore', 20),
    s('rest', 15), // A plays alone nearby; then they wrestle
    s('social', 25),
    s('rest', 120),
    s('litter', 40),
    s('explore', 30),
    s('eat', 90),
    s('explore', 20),
    s('out', 100),
    s('explore', 40),
    s('play', 15),
    s('explore', 20),
    s('rest', 240),
  ];
  return [
    { ferretId: 'ferret-a', name: 'Loki', steps: a },
    { ferretId: 'ferret-b', name: 'Nala', steps: b },
  ];
}

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface LatencyStats {
  mean: number;
  max: number;
  n: number;
  /** hold time + 1 s */
  budgetS: number;
  /** Every measured latency (s), in ground-truth order; Infinity = never emitted. */
  values: number[];
}

export interface EvaluationResult {
  /** Frame-level scores ignoring frames within hold + 1 s after a ground-truth change. */
  perBehavior: Record<string, PRF>;
  macroF1: number;
  /** The same without the exclusion. */
  perBehaviorAll: Record<string, PRF>;
  macroF1All: number;
  /** Ground-truth change → emitted change, seconds, over all measured changes. */
  latencyS: { mean: number; max: number; perBehavior: Record<string, LatencyStats> };
  /** Changes whose latency exceeded hold + 1 s (Infinity = never emitted while the segment lasted). */
  lateChanges: Array<{ ferretId: string; from: string; behavior: string; atS: number; latencyS: number; budgetS: number }>;
  frames: number;
}

export interface EvaluateOptions {
  fps: number;
  seed: number;
  scripts?: FerretScript[];
  sim?: Partial<SimOptions>;
  engine?: BehaviorEngineOptions;
}

function prf(tp: number, fp: number, fn: number): PRF {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: tp + fn };
}

function scores(pairs: Array<[string, string]>): { per: Record<string, PRF>; macro: number } {
  const labels = new Set<string>();
  for (const [t] of pairs) labels.add(t);
  const per: Record<string, PRF> = {};
  let sum = 0;
  for (const l of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [t, p] of pairs) {
      if (t === l && p === l) tp++;
      else if (p === l) fp++;
      else if (t === l) fn++;
    }
    per[l] = prf(tp, fp, fn);
    sum += per[l].f1;
  }
  return { per, macro: labels.size ? sum / labels.size : 0 };
}

/**
 * Simulates the scenario at `fps`, runs the behavior engine over it (rules only unless
 * engine options say otherwise) and scores it. Macro-F1 averages over the behaviors present in
 * the ground truth.
 */
export function evaluateBehavior(opts: EvaluateOptions): EvaluationResult {
  const scripts = opts.scripts ?? defaultScenario();
  const engine = new BehaviorEngine(opts.engine);
  const sleepAfterS = opts.engine?.rules?.sleepAfterS ?? DEFAULT_RULE_CONFIG.sleepAfterS;
  const frames = simulate(scripts, { sleepAfterS, ...opts.sim, fps: opts.fps, seed: opts.seed });
  const ids = scripts.map((s) => s.ferretId);
  const pred: Record<string, string[]> = {};
  const truth: Record<string, string[]> = {};
  const emitted: Record<string, Array<{ ts: number; behavior: string }>> = {};
  for (const id of ids) {
    pred[id] = [];
    truth[id] = [];
    emitted[id] = [];
  }
  for (const fr of frames) {
    const out = fr.payload ? engine.ingest(fr.payload) : engine.tick(fr.ts);
    for (const c of out.changes) emitted[c.ferretId]?.push({ ts: fr.ts, behavior: c.behavior });
    for (const id of ids) {
      const t = fr.truth[id];
      if (t === undefined) continue;
      truth[id].push(t);
      pred[id].push(engine.state(id)?.behavior ?? 'out_of_view');
    }
  }

  const all: Array<[string, string]> = [];
  const kept: Array<[string, string]> = [];
  const latencies: Record<string, number[]> = {};
  const late: EvaluationResult['lateChanges'] = [];
  const t0 = frames[0].ts;
  for (const id of ids) {
    const tr = truth[id];
    const pr = pred[id];
    const times = frames.filter((f) => f.truth[id] !== undefined).map((f) => f.ts);
    let excludeUntil = -Infinity;
    for (let i = 0; i < tr.length; i++) {
      if (i > 0 && tr[i] !== tr[i - 1]) {
        const budget = engine.holdS(tr[i]) + 1;
        excludeUntil = times[i] + budget * 1000;
        // Latency is owed only for segments long enough to be recognised at all.
        let j = i;
        while (j < tr.length && tr[j] === tr[i]) j++;
        const segEnd = j < tr.length ? times[j] : times[times.length - 1];
        if (segEnd - times[i] >= budget * 1000) {
          let lat: number;
          if (pr[i - 1] === tr[i]) lat = 0;
          else {
            const hit = emitted[id].find((e) => e.behavior === tr[i] && e.ts >= times[i - 1] && e.ts <= segEnd);
            lat = hit ? Math.max(0, (hit.ts - times[i]) / 1000) : Infinity;
          }
          (latencies[tr[i]] ??= []).push(lat);
          if (lat > budget + 1e-9) late.push({ ferretId: id, from: tr[i - 1], behavior: tr[i], atS: (times[i] - t0) / 1000, latencyS: lat, budgetS: budget });
        }
      }
      all.push([tr[i], pr[i]]);
      if (times[i] >= excludeUntil) kept.push([tr[i], pr[i]]);
    }
  }
  const withEx = scores(kept);
  const noEx = scores(all);
  const perLat: Record<string, LatencyStats> = {};
  const flat: number[] = [];
  for (const [b, ls] of Object.entries(latencies)) {
    const finite = ls.filter(Number.isFinite);
    perLat[b] = {
      mean: finite.length ? finite.reduce((a, x) => a + x, 0) / finite.length : NaN,
      max: Math.max(...ls),
      n: ls.length,
      budgetS: engine.holdS(b) + 1,
      values: ls,
    };
    flat.push(...ls);
  }
  const finiteAll = flat.filter(Number.isFinite);
  return {
    perBehavior: withEx.per,
    macroF1: withEx.macro,
    perBehaviorAll: noEx.per,
    macroF1All: noEx.macro,
    latencyS: {
      mean: finiteAll.length ? finiteAll.reduce((a, x) => a + x, 0) / finiteAll.length : NaN,
      max: flat.length ? Math.max(...flat) : 0,
      perBehavior: perLat,
    },
    lateChanges: late,
    frames: frames.length,
  };
}

/** A hand-made track for unit tests: a box of w×h centred at (cx, cy). */
export function makeTrack(over: Partial<Track> & { cx: number; cy: number; w?: number; h?: number }): Track {
  const w = over.w ?? 120;
  const h = over.h ?? 45;
  const box: [number, number, number, number] = [over.cx - w / 2, over.cy - h / 2, over.cx + w / 2, over.cy + h / 2];
  return {
    trackId: over.trackId ?? '1',
    ferretId: over.ferretId === undefined ? 'ferret-a' : over.ferretId,
    name: over.name ?? null,
    box,
    velocity: over.velocity ?? [0, 0],
    state: over.state ?? 'confirmed',
    age: over.age ?? 10,
    hitStreak: over.hitStreak ?? 10,
    zones: over.zones ?? zonesAt(box),
    score: over.score ?? 0.8,
  };
}

export function makePayload(ts: number, tracks: Track[], camera = 'cam1', frameId = 0): TracksPayload {
  return { camera, frameId, ts, width: SIM_WIDTH, height: SIM_HEIGHT, tracks };
}
