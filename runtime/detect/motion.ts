// Model-free motion detector: a small gray grid, a running background, a thresholded difference,
// a morphological close and connected components. It is the default detector when no model is
// configured and is cheap enough to run on every frame (about a millisecond at 640x640).
import type { Box, Detection } from '../contracts';
import { unletterboxBox, type Letterbox } from './letterbox';
import type { DetectResult, FrameDetector } from './detector-types';

export interface MotionOptions {
  /** Width of the analysis grid; the frame is block-averaged down to about this (default 160). */
  gridWidth?: number;
  /** Gray-level difference (0..255) from the background that counts as change (default 25). */
  threshold?: number;
  /** Background learning rate on unchanged cells (default 0.05). */
  alpha?: number;
  /**
   * Learning rate on changed cells (default 0.005). Small, so a moving thing does not leave a
   * ghost trail behind it, but not zero, so something that stops is absorbed within a minute or so.
   */
  alphaMotion?: number;
  /** Smallest box kept, as a fraction of the frame area (default 0.0005). */
  minAreaFrac?: number;
  /** More changed cells than this fraction means a global change (lights, exposure): re-seed (default 0.5). */
  maxChangedFrac?: number;
  /** Closing radius in grid cells that joins nearby blobs (default 1). */
  closeRadius?: number;
  /** At most this many boxes, largest first (default 20). */
  maxBoxes?: number;
  /**
   * A changed cell that has stayed still (frame to frame) this many frames is taken into the
   * background at once (default 15). This clears the ghost a thing leaves where it stood when the
   * background was seeded, and makes something that stops stop counting as motion.
   */
  absorbAfter?: number;
}

export interface MotionBox {
  /** Frame pixels, xyxy. */
  box: Box;
  /** Fraction of the box's grid cells that changed. */
  score: number;
  /** Changed grid cells in the blob. */
  cells: number;
}

export class MotionDetector implements FrameDetector {
  readonly kind = 'motion' as const;
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** True when the last frame was skipped as a global change (and the background re-seeded). */
  lastWasGlobalChange = false;
  private readonly o: Required<MotionOptions>;
  private factor = 0;
  private gw = 0;
  private gh = 0;
  private frameW = 0;
  private frameH = 0;
  private gray = new Float32Array(0);
  private prev = new Float32Array(0);
  private still = new Uint16Array(0);
  private bg: Float32Array | null = null;
  private mask = new Uint8Array(0);
  private closed = new Uint8Array(0);
  private tmp = new Uint8Array(0);
  private labels = new Int32Array(0);
  private parent = new Int32Array(0);
  private acc = new Float64Array(0);

  constructor(opts: MotionOptions = {}, inputWidth = 640, inputHeight = 640) {
    this.o = {
      gridWidth: opts.gridWidth ?? 160,
      threshold: opts.threshold ?? 25,
      alpha: opts.alpha ?? 0.05,
      alphaMotion: opts.alphaMotion ?? 0.005,
      minAreaFrac: opts.minAreaFrac ?? 0.0005,
      maxChangedFrac: opts.maxChangedFrac ?? 0.5,
      closeRadius: opts.closeRadius ?? 1,
      maxBoxes: opts.maxBoxes ?? 20,
      absorbAfter: opts.absorbAfter ?? 15,
    };
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
  }

  /** Forget the background (e.g. after the camera moved or the stream restarted). */
  reset(): void {
    this.bg = null;
  }

  /** Motion boxes in frame pixels for one rgb24 (channels 3) or gray (channels 1) frame. */
  process(frame: Uint8Array, width: number, height: number, channels: 1 | 3 = 3): MotionBox[] {
    if (frame.length < width * height * channels) {
      throw new Error(`motion: frame has ${frame.length} bytes, expected ${width * height * channels} (${width}x${height}x${channels})`);
    }
    this.ensureGrid(width, height);
    this.downscale(frame, width, channels);
    const n = this.gw * this.gh;
    this.lastWasGlobalChange = false;
    if (!this.bg) {
      this.bg = Float32Array.from(this.gray);
      this.still.fill(0);
      this.swapGray();
      return [];
    }
    const changed = this.diffAndLearn();
    this.swapGray();
    if (changed === 0) return [];
    if (changed > this.o.maxChangedFrac * n) {
      this.bg.set(this.prev);
      this.still.fill(0);
      this.lastWasGlobalChange = true;
      return [];
    }
    this.close();
    return this.components();
  }

  /** The current grid becomes `prev` for the next frame's stillness test, without copying. */
  private swapGray(): void {
    const t = this.prev;
    this.prev = this.gray;
    this.gray = t;
  }

  async detect(rgb: Uint8Array, lb: Letterbox, srcW: number, srcH: number): Promise<DetectResult> {
    const t0 = performance.now();
    const boxes = this.process(rgb, lb.dstW, lb.dstH, 3);
    const t1 = performance.now();
    const detections: Detection[] = boxes.map((m) => ({
      box: unletterboxBox(m.box, lb, srcW, srcH),
      score: m.score,
      label: 'motion',
      class: 'motion',
      classId: -1,
      zones: [],
    }));
    const t2 = performance.now();
    return { detections, timings: { preMs: 0, inferMs: t1 - t0, postMs: t2 - t1 } };
  }

  async release(): Promise<void> {
    this.bg = null;
  }

  private ensureGrid(width: number, height: number): void {
    if (width === this.frameW && height === this.frameH) return;
    const f = Math.max(1, Math.round(width / this.o.gridWidth));
    this.factor = f;
    this.gw = Math.max(1, Math.floor(width / f));
    this.gh = Math.max(1, Math.floor(height / f));
    this.frameW = width;
    this.frameH = height;
    const n = this.gw * this.gh;
    this.gray = new Float32Array(n);
    this.prev = new Float32Array(n);
    this.still = new Uint16Array(n);
    this.mask = new Uint8Array(n);
    this.closed = new Uint8Array(n);
    this.tmp = new Uint8Array(n);
    this.labels = new Int32Array(n);
    this.parent = new Int32Array(n + 1);
    this.acc = new Float64Array(this.gw);
    this.bg = null;
  }

  /** Block-average the frame to the grid as luma (BT.601 weights in 1/256). */
  private downscale(frame: Uint8Array, width: number, channels: number): void {
    const { factor: f, gw, gh, acc, gray } = this;
    const norm = channels === 3 ? 1 / (256 * f * f) : 1 / (f * f);
    const rowBytes = width * channels;
    for (let gy = 0; gy < gh; gy++) {
      acc.fill(0);
      for (let dy = 0; dy < f; dy++) {
        let p = (gy * f + dy) * rowBytes;
        if (channels === 3) {
          for (let gx = 0; gx < gw; gx++) {
            let s = 0;
            for (let dx = 0; dx < f; dx++, p += 3) s += 77 * frame[p] + 150 * frame[p + 1] + 29 * frame[p + 2];
            acc[gx] += s;
          }
        } else {
          for (let gx = 0; gx < gw; gx++) {
            let s = 0;
            for (let dx = 0; dx < f; dx++, p++) s += frame[p];
            acc[gx] += s;
          }
        }
      }
      const row = gy * gw;
      for (let gx = 0; gx < gw; gx++) gray[row + gx] = acc[gx] * norm;
    }
  }

  /** Mark changed cells and update the background selectively; returns the changed count. */
  private diffAndLearn(): number {
    const bg = this.bg as Float32Array;
    const { gray, prev, still, mask } = this;
    const thr = this.o.threshold;
    const a = this.o.alpha;
    const am = this.o.alphaMotion;
    const absorb = this.o.absorbAfter;
    let changed = 0;
    const n = this.gw * this.gh;
    for (let i = 0; i < n; i++) {
      const g = gray[i];
      const step = g - prev[i];
      still[i] = step <= thr && step >= -thr ? (still[i] < 65535 ? still[i] + 1 : 65535) : 0;
      const d = g - bg[i];
      if (d <= thr && d >= -thr) {
        mask[i] = 0;
        bg[i] += a * d;
      } else if (still[i] >= absorb) {
        mask[i] = 0;
        bg[i] = g;
      } else {
        mask[i] = 1;
        changed++;
        bg[i] += am * d;
      }
    }
    return changed;
  }

  /** Closing (dilate then erode) with a square window, done separably. */
  private close(): void {
    const r = this.o.closeRadius;
    this.closed.set(this.mask);
    if (r <= 0) return;
    this.morph(this.closed, r, true);
    this.morph(this.closed, r, false);
  }

  private morph(buf: Uint8Array, r: number, dilate: boolean): void {
    const { gw, gh, tmp } = this;
    // Horizontal pass buf → tmp, vertical pass tmp → buf. Windows are clipped at the borders.
    for (let y = 0; y < gh; y++) {
      const row = y * gw;
      for (let x = 0; x < gw; x++) {
        let v = dilate ? 0 : 1;
        const x0 = x - r < 0 ? 0 : x - r;
        const x1 = x + r >= gw ? gw - 1 : x + r;
        for (let k = x0; k <= x1; k++) {
          const b = buf[row + k];
          if (dilate ? b === 1 : b === 0) {
            v = b;
            break;
          }
        }
        tmp[row + x] = v;
      }
    }
    for (let y = 0; y < gh; y++) {
      const y0 = y - r < 0 ? 0 : y - r;
      const y1 = y + r >= gh ? gh - 1 : y + r;
      for (let x = 0; x < gw; x++) {
        let v = dilate ? 0 : 1;
        for (let k = y0; k <= y1; k++) {
          const b = tmp[k * gw + x];
          if (dilate ? b === 1 : b === 0) {
            v = b;
            break;
          }
        }
        buf[y * gw + x] = v;
      }
    }
  }

  private find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]];
      i = p[i];
    }
    return i;
  }

  private union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      this.parent[rb] = ra;
      return ra;
    }
    this.parent[ra] = rb;
    return rb;
  }

  /** Two-pass 8-connected labelling on the closed mask, then one box per component. */
  private components(): MotionBox[] {
    const { gw, gh, closed, mask, labels, parent } = this;
    let next = 1;
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const i = y * gw + x;
        if (!closed[i]) {
          labels[i] = 0;
          continue;
        }
        let l = 0;
        // Neighbours already visited: W, NW, N, NE.
        const nb0 = x > 0 ? labels[i - 1] : 0;
        const nb1 = y > 0 && x > 0 ? labels[i - gw - 1] : 0;
        const nb2 = y > 0 ? labels[i - gw] : 0;
        const nb3 = y > 0 && x < gw - 1 ? labels[i - gw + 1] : 0;
        if (nb0 !== 0) l = this.find(nb0);
        if (nb1 !== 0) l = l === 0 ? this.find(nb1) : this.union(l, nb1);
        if (nb2 !== 0) l = l === 0 ? this.find(nb2) : this.union(l, nb2);
        if (nb3 !== 0) l = l === 0 ? this.find(nb3) : this.union(l, nb3);
        if (l === 0) {
          l = next++;
          parent[l] = l;
        }
        labels[i] = l;
      }
    }
    if (next === 1) return [];
    const minX = new Int32Array(next).fill(gw);
    const minY = new Int32Array(next).fill(gh);
    const maxX = new Int32Array(next).fill(-1);
    const maxY = new Int32Array(next).fill(-1);
    const count = new Int32Array(next);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const i = y * gw + x;
        if (labels[i] === 0) continue;
        const r = this.find(labels[i]);
        if (x < minX[r]) minX[r] = x;
        if (x > maxX[r]) maxX[r] = x;
        if (y < minY[r]) minY[r] = y;
        if (y > maxY[r]) maxY[r] = y;
        count[r] += mask[i];
      }
    }
    const f = this.factor;
    const minArea = this.o.minAreaFrac * this.frameW * this.frameH;
    const out: MotionBox[] = [];
    for (let r = 1; r < next; r++) {
      if (maxX[r] < 0 || count[r] === 0) continue;
      const box: Box = [
        minX[r] * f,
        minY[r] * f,
        Math.min(this.frameW, (maxX[r] + 1) * f),
        Math.min(this.frameH, (maxY[r] + 1) * f),
      ];
      if ((box[2] - box[0]) * (box[3] - box[1]) < minArea) continue;
      const cellsInBox = (maxX[r] - minX[r] + 1) * (maxY[r] - minY[r] + 1);
      out.push({ box, score: count[r] / cellsInBox, cells: count[r] });
    }
    out.sort((p, q) => (q.box[2] - q.box[0]) * (q.box[3] - q.box[1]) - (p.box[2] - p.box[0]) * (p.box[3] - p.box[1]));
    return out.length > this.o.maxBoxes ? out.slice(0, this.o.maxBoxes) : out;
  }
}
