// `ferretwatch analyze` is a chain of stages over decoded frames: detection first, then whatever
// later issues add (tracking, behaviours), then writers. A stage sees each frame in order, may add
// its results to it, and may contribute a summary when the input ends.
import type { Detection } from '../../runtime/contracts';
import type { Letterbox } from '../../runtime/detect/letterbox';

export interface FrameTimings {
  decodeMs: number;
  preMs: number;
  inferMs: number;
  postMs: number;
}

export interface AnalyzedFrame {
  /** 0-based index of the sampled frame. */
  frameId: number;
  /** Seconds from the start of the input. */
  t: number;
  /** Letterboxed rgb24 at the model's input size; valid only during onFrame (copy it to keep it). */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Source frame size; boxes are in these pixels. */
  srcW: number;
  srcH: number;
  lb: Letterbox;
  /** Filled by the detect stage (source pixels, zones applied). */
  detections: Detection[];
  timings: FrameTimings;
  /** Per-stage results (e.g. extra.tracks), which writers may include. */
  extra: Record<string, unknown>;
}

export interface AnalyzeContext {
  /** File name or redacted URL of the input. */
  source: string;
  /** Sampling rate (frames per second analysed). */
  fps: number;
  outDir: string;
  /** Facts stages share: model name, thresholds, source size… (also written to the output). */
  info: Record<string, unknown>;
  log(line: string): void;
}

export interface AnalyzeStage {
  readonly name: string;
  /** Before the first frame (load a model, open a file). */
  start?(ctx: AnalyzeContext): Promise<void> | void;
  onFrame(frame: AnalyzedFrame, ctx: AnalyzeContext): Promise<void> | void;
  /** After the last frame; the returned object is merged into the run summary under the stage name. */
  finish?(ctx: AnalyzeContext): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Always called, also after an error (release sessions, close files). */
  close?(): Promise<void> | void;
}
