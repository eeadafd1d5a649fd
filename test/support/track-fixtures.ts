// Generated tracking fixtures: REAL ferret crops (Talulah from her labelled photo, and three
// differently coloured ferrets from the photo collection) moving along scripted paths over a REAL
// floor (regions of Talulah's home photos), with crossings, occlusion behind a drawn box, stops,
// an exit and re-entry, and two cameras with a corridor between them. Each camera is written as an
// H.264 mp4 (raw RGB piped into ffmpeg/libx264) plus MOTChallenge ground truth
// (`frame,id,x,y,w,h,1,-1,-1,-1`, frame from 1, id = the ferret).
//
// Fixtures are small (640x360, 10 fps, 20-30 s) and generated once per machine into
// os.tmpdir()/ferretwatch-fixtures/, keyed by TRACK_FIXTURE_VERSION (bump it when a script changes).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../runtime/contracts';
import { decodeImage, type DecodedImage } from '../../runtime/track/image-decode';
import { ffmpegPath } from './media';
import { sharedPath } from './shared';

export const TRACK_FIXTURE_VERSION = 'v2';
export const FIXTURE_WIDTH = 640;
export const FIXTURE_HEIGHT = 360;
export const FIXTURE_FPS = 10;

/** A GT row that fewer than this fraction of the box is visible for is left out (nothing to detect). */
export const MIN_VISIBLE = 0.5;

type NBox = [number, number, number, number];

interface SpriteSource {
  /** Under ../shared. */
  image: string;
  /** Normalised crop [x0, y0, x1, y1], or a YOLO label file (`0 cx cy w h`) under ../shared. */
  crop: NBox | { label: string };
  /** Which way the animal looks in the photo: 1 = right, -1 = left. */
  facing: 1 | -1;
  /** Body length on screen, px. */
  length: number;
}

/**
 * The ferrets. The collection crops are the boxes YOLOv8n (COCO, default class map) found on those
 * photos, written down here so the fixtures do not depend on a model being installed.
 */
export const FERRETS: Record<number, { name: string; sprite: SpriteSource }> = {
  1: {
    name: 'Talulah (champagne sable, her own home photo and label)',
    sprite: {
      image: 'media/ferrets/pet_talulah/images/3d79c875-PXL_20241124_044831438.jpg',
      crop: { label: 'media/ferrets/pet_talulah/labels/3d79c875-PXL_20241124_044831438.txt' },
      facing: 1,
      length: 112,
    },
  },
  2: {
    name: 'albino on grass',
    sprite: { image: 'media/ferrets/collection/81e6e682-1e9d-4ff5-a743-06ed12022bd5/image.jpg', crop: [0.276, 0.243, 0.923, 0.899], facing: -1, length: 96 },
  },
  3: {
    name: 'cinnamon / polecat-coloured on gravel',
    sprite: { image: 'media/ferrets/collection/f457d949-e623-47ce-a1f9-ca9f3bda9ab1/image.jpg', crop: [0.03, 0.082, 1.0, 0.901], facing: -1, length: 112 },
  },
  4: {
    name: 'dark sable with a white face',
    sprite: { image: 'media/ferrets/collection/95e1dd35-f388-4b85-9470-4f72a0b35e7f/image.jpg', crop: [0.149, 0.168, 0.938, 0.883], facing: 1, length: 108 },
  },
};

/** A floor region of a photo (normalised), scaled to the fixture size. */
interface Background {
  image: string;
  region: NBox;
}

const BACKGROUNDS: Record<string, Background> = {
  // Beige carpet with the edge of a wicker basket (Talulah's photo 95b55637, below her).
  carpet: { image: 'media/ferrets/pet_talulah/images/95b55637-PXL_20241124_044953962.jpg', region: [0.1, 0.72, 1.0, 1.0] },
  // The striped rug beside the door (photo f35c3eb2, to the right of her).
  rug: { image: 'media/ferrets/pet_talulah/images/f35c3eb2-PXL_20241124_044757201.jpg', region: [0.62, 0.55, 1.0, 1.0] },
};

/** Keyframes [t (s), cx, cy] in world pixels; linear in between, held after the last. */
type Path = Array<[number, number, number]>;

interface CameraSpec {
  camera: string;
  background: keyof typeof BACKGROUNDS;
  /** World x of the camera's left edge (cameras see [x0, x0 + width) of one long world). */
  x0: number;
  /** Boxes drawn over the animals (furniture), in camera pixels. */
  occluders: Box[];
}

export interface ScenarioSpec {
  name: string;
  seconds: number;
  cameras: CameraSpec[];
  ferrets: Array<{ id: number; path: Path }>;
}

/**
 * One camera, three ferrets, 20 s: an X crossing (Talulah × albino at ~2.5 s), the cinnamon one
 * passing behind a box twice (~3.5 s and ~16 s), Talulah stopping for 5 s, the albino leaving
 * through the left edge at ~6 s and coming back at ~12 s, and a second Talulah × albino crossing
 * at ~15 s.
 */
export const CROSSING: ScenarioSpec = {
  name: 'crossing',
  seconds: 20,
  cameras: [{ camera: 'cam-a', background: 'carpet', x0: 0, occluders: [[270, 270, 370, 350]] }],
  ferrets: [
    { id: 1, path: [[0, 80, 100], [5, 520, 240], [10, 520, 240], [14, 300, 220], [20, 80, 120]] },
    { id: 2, path: [[0, 560, 90], [5, 100, 250], [6.5, -130, 250], [11, -130, 120], [13, 120, 120], [20, 560, 120]] },
    { id: 3, path: [[0, 80, 310], [7, 560, 310], [10, 560, 320], [20, 150, 320]] },
  ],
};

/**
 * Two rooms side by side with a 200 px corridor between them that no camera sees, three ferrets,
 * 30 s, six transits (three of them within two seconds of each other around t = 6 s), a stop, and a
 * box on camera B.
 */
export const TWO_CAMERA: ScenarioSpec = {
  name: 'two-camera',
  seconds: 30,
  cameras: [
    { camera: 'cam-a', background: 'carpet', x0: 0, occluders: [] },
    { camera: 'cam-b', background: 'rug', x0: 840, occluders: [[300, 200, 380, 300]] },
  ],
  ferrets: [
    { id: 1, path: [[0, 100, 150], [5, 600, 150], [8, 1000, 180], [12, 1300, 250], [14, 1300, 250], [18, 900, 250], [21, 560, 200], [26, 200, 120], [30, 400, 300]] },
    { id: 2, path: [[0, 1350, 280], [4, 950, 280], [7, 600, 260], [12, 250, 260], [14, 250, 100], [18, 620, 100], [21, 1000, 120], [30, 1350, 200]] },
    { id: 3, path: [[0, 300, 300], [4, 500, 320], [8, 900, 320], [12, 1200, 100], [15, 1000, 80], [19, 600, 80], [24, 300, 250], [30, 100, 300]] },
  ],
};

export const SCENARIOS: Record<string, ScenarioSpec> = { crossing: CROSSING, 'two-camera': TWO_CAMERA };

export interface GtRow {
  frame: number;
  id: number;
  box: Box;
  /** Visible fraction of the (unclipped) box: inside the frame and not behind an occluder. */
  visibility: number;
}

export interface FixtureCamera {
  camera: string;
  video: string;
  gtFile: string;
  gt: GtRow[];
}

export interface TrackFixture {
  name: string;
  dir: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  cameras: FixtureCamera[];
  /** Ferret id → description. */
  ferrets: Record<number, string>;
}

// ------------------------------------------------------------------ geometry (pure)

/** Position (world cx, cy) and horizontal direction at time t. */
export function pathAt(p: Path, t: number): { x: number; y: number; dir: number } {
  if (t <= p[0][0]) return { x: p[0][1], y: p[0][2], dir: Math.sign(p[1]?.[1] - p[0][1]) || 1 };
  for (let i = 1; i < p.length; i++) {
    const [t1, x1, y1] = p[i];
    if (t <= t1) {
      const [t0, x0, y0] = p[i - 1];
      const f = t1 > t0 ? (t - t0) / (t1 - t0) : 1;
      let dir = Math.sign(x1 - x0);
      // Standing still: keep facing the way it came.
      for (let j = i - 1; dir === 0 && j > 0; j--) dir = Math.sign(p[j][1] - p[j - 1][1]);
      return { x: x0 + (x1 - x0) * f, y: y0 + (y1 - y0) * f, dir: dir || 1 };
    }
  }
  const last = p[p.length - 1];
  return { x: last[1], y: last[2], dir: 1 };
}

function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

function intersect(a: Box, b: Box): Box {
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}

/** Visible fraction of `box` in a w x h frame with `occluders` in front (occluders assumed disjoint). */
export function visibility(box: Box, w: number, h: number, occluders: ReadonlyArray<Box>): number {
  const full = area(box);
  if (full <= 0) return 0;
  const inFrame = intersect(box, [0, 0, w, h]);
  let vis = area(inFrame);
  for (const o of occluders) vis -= area(intersect(inFrame, o));
  return Math.max(0, vis) / full;
}

// ------------------------------------------------------------------ images

interface Sprite {
  w: number;
  h: number;
  rgb: Uint8Array;
  /** Matte 0..1: the animal, not the grass or gravel it was photographed on. */
  alpha: Float32Array;
  facing: 1 | -1;
  /** Tight box of the matte (alpha > 0.5) within the sprite: the ground-truth box. */
  tight: Box;
}

function cropResize(img: DecodedImage, crop: NBox, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const x0 = crop[0] * img.width;
  const y0 = crop[1] * img.height;
  const sx = ((crop[2] - crop[0]) * img.width) / outW;
  const sy = ((crop[3] - crop[1]) * img.height) / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, y0 + (y + 0.5) * sy - 0.5));
    const j0 = Math.floor(fy);
    const j1 = Math.min(img.height - 1, j0 + 1);
    const wy = fy - j0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, x0 + (x + 0.5) * sx - 0.5));
      const i0 = Math.floor(fx);
      const i1 = Math.min(img.width - 1, i0 + 1);
      const wx = fx - i0;
      for (let k = 0; k < 3; k++) {
        const a = img.rgb[(j0 * img.width + i0) * 3 + k];
        const b = img.rgb[(j0 * img.width + i1) * 3 + k];
        const c = img.rgb[(j1 * img.width + i0) * 3 + k];
        const d = img.rgb[(j1 * img.width + i1) * 3 + k];
        out[(y * outW + x) * 3 + k] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (c * (1 - wx) + d * wx) * wy);
      }
    }
  }
  return out;
}

function readLabelCrop(file: string): NBox {
  const [, cx, cy, w, h] = fs.readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

const BINS = 12;
const colourBin = (rgb: Uint8Array, p: number) => ((((rgb[p] * BINS) >> 8) * BINS + ((rgb[p + 1] * BINS) >> 8)) * BINS + ((rgb[p + 2] * BINS) >> 8));

function boxBlur(a: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) {
        for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) {
          s += a[j * w + i];
          n++;
        }
      }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

/**
 * Cut the animal out of its photo: colour histograms of the photo around the box (background) and
 * of the box's core (animal), a centred elliptical prior, a few rounds of "posterior, smooth,
 * re-estimate" (GrabCut without the graph cut), then holes enclosed by the animal are filled.
 */
function matte(img: DecodedImage, crop: NBox, w: number, h: number): Float32Array {
  const mx = (crop[2] - crop[0]) * 0.15;
  const my = (crop[3] - crop[1]) * 0.15;
  const ew = Math.round(w * 1.3);
  const eh = Math.round(h * 1.3);
  const ex = cropResize(img, [crop[0] - mx, crop[1] - my, crop[2] + mx, crop[3] + my], ew, eh);
  const ox = Math.round(w * 0.15);
  const oy = Math.round(h * 0.15);
  const rgb = cropResize(img, crop, w, h);
  const bg = new Float64Array(BINS ** 3).fill(0.5);
  let nb = 0;
  for (let y = 0; y < eh; y++) {
    for (let x = 0; x < ew; x++) {
      if (x >= ox && x < ox + w && y >= oy && y < oy + h) continue;
      bg[colourBin(ex, (y * ew + x) * 3)]++;
      nb++;
    }
  }
  nb += 0.5 * bg.length;
  const prior = new Float32Array(w * h);
  let alpha: Float32Array = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x + 0.5 - w / 2) / (w / 2);
      const dy = (y + 0.5 - h / 2) / (h / 2);
      const r2 = dx * dx + dy * dy;
      prior[y * w + x] = r2 < 1 ? 0.75 - 0.5 * r2 : 0.02;
      alpha[y * w + x] = r2 < 0.49 ? 1 : 0;
    }
  }
  const fg = new Float64Array(BINS ** 3);
  for (let it = 0; it < 4; it++) {
    fg.fill(0.5);
    let nf = 0.5 * fg.length;
    for (let i = 0; i < w * h; i++) {
      if (alpha[i] > 0.5) {
        fg[colourBin(rgb, i * 3)]++;
        nf++;
      }
    }
    for (let i = 0; i < w * h; i++) {
      const k = colourBin(rgb, i * 3);
      const pf = (fg[k] / nf) * prior[i];
      const pb = (bg[k] / nb) * (1 - prior[i]);
      alpha[i] = pf / (pf + pb);
    }
    alpha = boxBlur(alpha, w, h, 3);
  }
  for (let i = 0; i < w * h; i++) alpha[i] = Math.min(1, Math.max(0, (alpha[i] - 0.35) / 0.3));
  // Fill holes: background reachable from the border stays, enclosed background becomes animal.
  const reached = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let x = 0; x < w; x++) stack.push(x, (h - 1) * w + x);
  for (let y = 0; y < h; y++) stack.push(y * w, y * w + w - 1);
  while (stack.length) {
    const i = stack.pop()!;
    if (reached[i] || alpha[i] > 0.5) continue;
    reached[i] = 1;
    const x = i % w;
    const y = (i - x) / w;
    if (x > 0) stack.push(i - 1);
    if (x < w - 1) stack.push(i + 1);
    if (y > 0) stack.push(i - w);
    if (y < h - 1) stack.push(i + w);
  }
  for (let i = 0; i < w * h; i++) if (!reached[i] && alpha[i] <= 0.5) alpha[i] = 1;
  return alpha;
}

async function loadSprite(s: SpriteSource): Promise<Sprite> {
  const file = sharedPath(s.image).path!;
  const crop = Array.isArray(s.crop) ? s.crop : readLabelCrop(sharedPath(s.crop.label).path!);
  const img = await decodeImage(file, { maxSide: 1600 });
  const aspect = ((crop[2] - crop[0]) * img.width) / ((crop[3] - crop[1]) * img.height);
  const w = s.length;
  const h = Math.round(Math.min(80, Math.max(44, w / aspect)));
  const rgb = cropResize(img, crop, w, h);
  // The matte is cut at twice the size, then averaged down: smoother edges.
  const big = matte(img, crop, 2 * w, 2 * h);
  const alpha = new Float32Array(w * h);
  let tight: Box = [w, h, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = (big[2 * y * 2 * w + 2 * x] + big[2 * y * 2 * w + 2 * x + 1] + big[(2 * y + 1) * 2 * w + 2 * x] + big[(2 * y + 1) * 2 * w + 2 * x + 1]) / 4;
      alpha[y * w + x] = a;
      if (a > 0.5) tight = [Math.min(tight[0], x), Math.min(tight[1], y), Math.max(tight[2], x + 1), Math.max(tight[3], y + 1)];
    }
  }
  return { w, h, rgb, alpha, facing: s.facing, tight };
}

async function loadBackground(b: Background, w: number, h: number): Promise<Uint8Array> {
  const img = await decodeImage(sharedPath(b.image).path!, { maxSide: 1600 });
  return cropResize(img, b.region, w, h);
}

/** Where a sprite centred at (cx, cy) is drawn (camera pixels). */
function spriteBox(s: Sprite, cx: number, cy: number): Box {
  const x0 = Math.round(cx - s.w / 2);
  const y0 = Math.round(cy - s.h / 2);
  return [x0, y0, x0 + s.w, y0 + s.h];
}

/** The animal's own box when the sprite is drawn at `at` (mirrored with the sprite). */
function animalBox(s: Sprite, at: Box, flip: boolean): Box {
  const [l, t, r, b] = s.tight;
  return flip ? [at[0] + s.w - r, at[1] + t, at[0] + s.w - l, at[1] + b] : [at[0] + l, at[1] + t, at[0] + r, at[1] + b];
}

function drawSprite(frame: Uint8Array, w: number, h: number, s: Sprite, box: Box, flip: boolean): void {
  for (let y = 0; y < s.h; y++) {
    const fy = box[1] + y;
    if (fy < 0 || fy >= h) continue;
    for (let x = 0; x < s.w; x++) {
      const fx = box[0] + x;
      if (fx < 0 || fx >= w) continue;
      const sx = flip ? s.w - 1 - x : x;
      const a = s.alpha[y * s.w + sx];
      if (a <= 0) continue;
      const p = (fy * w + fx) * 3;
      const q = (y * s.w + sx) * 3;
      for (let k = 0; k < 3; k++) frame[p + k] = Math.round(frame[p + k] * (1 - a) + s.rgb[q + k] * a);
    }
  }
}

/** A wooden box: planks, a dark rim. */
function drawOccluder(frame: Uint8Array, w: number, h: number, o: Box): void {
  for (let y = Math.max(0, o[1]); y < Math.min(h, o[3]); y++) {
    for (let x = Math.max(0, o[0]); x < Math.min(w, o[2]); x++) {
      const rim = x - o[0] < 3 || o[2] - x <= 3 || y - o[1] < 3 || o[3] - y <= 3;
      const seam = (x - o[0]) % 20 === 0;
      const shade = rim || seam ? 0.55 : 0.9 + 0.1 * Math.sin((y - o[1]) * 0.7 + (x - o[0]) * 0.05);
      const p = (y * w + x) * 3;
      frame[p] = Math.round(150 * shade);
      frame[p + 1] = Math.round(100 * shade);
      frame[p + 2] = Math.round(58 * shade);
    }
  }
}

// ------------------------------------------------------------------ generation

function encoder(out: string, w: number, h: number, fps: number) {
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-r', String(fps), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-g', String(fps * 2), '-threads', '1',
    out,
  ];
  const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg (libx264) exited with ${code}: ${stderr.trim()}`))));
  });
  let failed: Error | undefined;
  child.stdin.on('error', (e) => (failed = e));
  return {
    write: (buf: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        if (failed) reject(failed);
        else if (child.stdin.write(buf)) resolve();
        else child.stdin.once('drain', resolve);
      }),
    end: async () => {
      child.stdin.end();
      await done;
    },
  };
}

export function formatGt(rows: ReadonlyArray<GtRow>): string {
  const r = (x: number) => Math.round(x * 100) / 100;
  return rows.map((g) => `${g.frame},${g.id},${r(g.box[0])},${r(g.box[1])},${r(g.box[2] - g.box[0])},${r(g.box[3] - g.box[1])},1,-1,-1,-1`).join('\n') + '\n';
}

/** Ground truth of a scenario without rendering anything (the sprite sizes are needed). */
function groundTruth(spec: ScenarioSpec, sprites: Map<number, Sprite>, w: number, h: number, fps: number): Map<string, GtRow[]> {
  const out = new Map<string, GtRow[]>(spec.cameras.map((c) => [c.camera, []]));
  const frames = Math.round(spec.seconds * fps);
  for (let f = 0; f < frames; f++) {
    const t = f / fps;
    for (const cam of spec.cameras) {
      for (const fer of spec.ferrets) {
        const p = pathAt(fer.path, t);
        const s = sprites.get(fer.id)!;
        const box = animalBox(s, spriteBox(s, p.x - cam.x0, p.y), p.dir !== s.facing);
        const vis = visibility(box, w, h, cam.occluders);
        if (vis < MIN_VISIBLE) continue;
        const clipped = intersect(box, [0, 0, w, h]);
        out.get(cam.camera)!.push({ frame: f + 1, id: fer.id, box: clipped, visibility: vis });
      }
    }
  }
  return out;
}

async function generate(spec: ScenarioSpec, dir: string): Promise<void> {
  const w = FIXTURE_WIDTH;
  const h = FIXTURE_HEIGHT;
  const fps = FIXTURE_FPS;
  const sprites = new Map<number, Sprite>();
  for (const f of spec.ferrets) sprites.set(f.id, await loadSprite(FERRETS[f.id].sprite));
  const gt = groundTruth(spec, sprites, w, h, fps);
  const frames = Math.round(spec.seconds * fps);
  for (const cam of spec.cameras) {
    const bg = await loadBackground(BACKGROUNDS[cam.background], w, h);
    const enc = encoder(path.join(dir, `${cam.camera}.mp4`), w, h, fps);
    const frame = new Uint8Array(w * h * 3);
    for (let f = 0; f < frames; f++) {
      const t = f / fps;
      frame.set(bg);
      // Painter's order: the lower on screen, the nearer the camera.
      const placed = spec.ferrets
        .map((fer) => {
          const p = pathAt(fer.path, t);
          const s = sprites.get(fer.id)!;
          return { s, box: spriteBox(s, p.x - cam.x0, p.y), flip: p.dir !== s.facing };
        })
        .sort((a, b) => a.box[3] - b.box[3]);
      for (const { s, box, flip } of placed) drawSprite(frame, w, h, s, box, flip);
      for (const o of cam.occluders) drawOccluder(frame, w, h, o);
      await enc.write(frame);
    }
    await enc.end();
    fs.writeFileSync(path.join(dir, `${cam.camera}.gt.txt`), formatGt(gt.get(cam.camera)!));
  }
  const meta = {
    version: TRACK_FIXTURE_VERSION,
    name: spec.name,
    width: w,
    height: h,
    fps,
    frames,
    cameras: spec.cameras.map((c) => c.camera),
    ferrets: Object.fromEntries(spec.ferrets.map((f) => [f.id, FERRETS[f.id].name])),
    gt: Object.fromEntries([...gt].map(([c, rows]) => [c, rows])),
  };
  fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(meta));
}

/** Where fixtures are cached. */
export function trackFixturesDir(): string {
  return path.join(os.tmpdir(), 'ferretwatch-fixtures');
}

/** The images a scenario needs under ../shared; a reason to skip when one is missing. */
export function fixtureSkipReason(): string | undefined {
  for (const f of Object.values(FERRETS)) {
    const r = sharedPath(f.sprite.image);
    if (!r.path) return r.skip;
  }
  for (const b of Object.values(BACKGROUNDS)) {
    const r = sharedPath(b.image);
    if (!r.path) return r.skip;
  }
  return undefined;
}

/**
 * The fixture `name` ('crossing' or 'two-camera'), generated on first use and cached. Concurrent
 * callers (test files in parallel) each generate into a private directory; the first rename wins.
 */
export async function ensureTrackFixture(name: keyof typeof SCENARIOS | string): Promise<TrackFixture> {
  const spec = SCENARIOS[name];
  if (!spec) throw new Error(`unknown tracking fixture ${name}`);
  const dir = path.join(trackFixturesDir(), `track-${TRACK_FIXTURE_VERSION}-${spec.name}`);
  if (!fs.existsSync(path.join(dir, 'scenario.json'))) {
    fs.mkdirSync(trackFixturesDir(), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    try {
      await generate(spec, tmp);
      try {
        fs.renameSync(tmp, dir);
      } catch {
        // Another process finished first: use its copy.
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8')) as {
    width: number;
    height: number;
    fps: number;
    frames: number;
    cameras: string[];
    ferrets: Record<number, string>;
    gt: Record<string, GtRow[]>;
  };
  return {
    name: spec.name,
    dir,
    width: meta.width,
    height: meta.height,
    fps: meta.fps,
    frames: meta.frames,
    ferrets: meta.ferrets,
    cameras: meta.cameras.map((c) => ({ camera: c, video: path.join(dir, `${c}.mp4`), gtFile: path.join(dir, `${c}.gt.txt`), gt: meta.gt[c] })),
  };
}
