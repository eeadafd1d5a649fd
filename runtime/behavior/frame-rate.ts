// Watches the rate at which each camera's tracks arrive, so the ferret-behavior node can say when
// it is too low for the rules to time play well. A war dance changes direction two to four times
// a second; sampled at 2 fps its zig-zags alias into short, slow-looking steps and a romp's first
// seconds look like a walk (docs/behavior.md, "Frame rate": at 2 fps 94 % of play onsets are
// emitted within hold + 1 s, at 4 fps and more all of them). Pure and clock-free: time is the
// payloads' ts.

export interface FrameRateOptions {
  /** Below this many frames per second a camera is "low" (default 4: the lowest rate that met every latency budget in the benchmark). */
  minFps?: number;
  /** Frames whose intervals make up the estimate (default 20). */
  windowFrames?: number;
}

export interface FrameRateEvent {
  camera: string;
  /** Frames per second from the median interval of the window. */
  fps: number;
  /** true: the camera just went below minFps; false: it just came back above it. */
  low: boolean;
}

interface CameraRate {
  lastTs: number | null;
  /** Ring of the newest `window` intervals (ms); `count` of them are filled, `next` is overwritten next. */
  intervals: Float64Array;
  count: number;
  next: number;
  low: boolean;
}

/** Intervals longer than this are stalls or restarts, not a frame rate. */
const STALL_MS = 5000;

export class FrameRateWatch {
  readonly minFps: number;
  private readonly window: number;
  private readonly cameras = new Map<string, CameraRate>();
  /** Sorted copy for the median, reused: observe() runs for every tracks message. */
  private readonly scratch: Float64Array;

  constructor(opts: FrameRateOptions = {}) {
    this.minFps = opts.minFps ?? 4;
    this.window = Math.max(3, Math.round(opts.windowFrames ?? 20));
    this.scratch = new Float64Array(this.window);
  }

  /**
   * One payload of `camera` at `ts` (ms). Returns an event when the camera's rate crosses the
   * line (going low below minFps, back at minFps × 1.1 or above, so a rate sitting on the line
   * does not flap), else null. The median interval ignores a dropped frame or a stall.
   */
  observe(camera: string, ts: number): FrameRateEvent | null {
    let c = this.cameras.get(camera);
    if (!c) {
      c = { lastTs: null, intervals: new Float64Array(this.window), count: 0, next: 0, low: false };
      this.cameras.set(camera, c);
    }
    const last = c.lastTs;
    if (last !== null && ts <= last) return null; // a repeat or an out-of-order payload says nothing about the rate
    c.lastTs = ts;
    if (last === null) return null;
    const dt = ts - last;
    if (dt > STALL_MS) return null;
    c.intervals[c.next] = dt;
    c.next = (c.next + 1) % this.window;
    if (c.count < this.window) c.count++;
    if (c.count < this.window) return null;
    const fps = 1000 / this.median(c.intervals);
    if (!c.low && fps < this.minFps) {
      c.low = true;
      return { camera, fps, low: true };
    }
    if (c.low && fps >= this.minFps * 1.1) {
      c.low = false;
      return { camera, fps, low: false };
    }
    return null;
  }

  /** The current estimate for a camera (null until a window of frames has arrived). */
  fps(camera: string): number | null {
    const c = this.cameras.get(camera);
    return c && c.count >= this.window ? 1000 / this.median(c.intervals) : null;
  }

  private median(xs: Float64Array): number {
    const s = this.scratch;
    s.set(xs);
    s.sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
}
