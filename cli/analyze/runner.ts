// Runs the analyze stages over an input read with ffmpeg as fast as the stages go (no -re):
// offline analysis of a recording is faster than real time whenever inference keeps up.
import * as path from 'node:path';
import { sourceKind } from '../../runtime/ffmpeg/args';
import { redactUrl } from '../../runtime/ffmpeg/redact';
import { readFrames } from '../../runtime/detect/frame-reader';
import type { AnalyzeContext, AnalyzedFrame, AnalyzeStage } from './stage';

export interface AnalyzeRunOptions {
  input: string;
  /** Frames per second sampled from the input (default 5). */
  fps: number;
  outDir: string;
  width: number;
  height: number;
  maxFrames?: number;
  /** Pace the input at its native rate (like a camera); default off. */
  realtime?: boolean;
  log?: (line: string) => void;
}

export interface AnalyzeSummary {
  frames: number;
  /** Seconds of input covered. */
  durationS: number;
  elapsedS: number;
  /** Input seconds per wall-clock second (> 1 = faster than real time). */
  speed: number;
  stages: Record<string, Record<string, unknown>>;
}

export async function runAnalysis(o: AnalyzeRunOptions, stages: AnalyzeStage[], info: Record<string, unknown> = {}): Promise<AnalyzeSummary> {
  const ctx: AnalyzeContext = {
    source: sourceKind(o.input) === 'file' ? path.basename(o.input) : redactUrl(o.input),
    fps: o.fps,
    outDir: o.outDir,
    info,
    log: o.log ?? (() => undefined),
  };
  const t0 = performance.now();
  let frames = 0;
  let lastT = 0;
  try {
    for (const s of stages) await s.start?.(ctx);
    const it = readFrames({ input: o.input, width: o.width, height: o.height, fps: o.fps, maxFrames: o.maxFrames, realtime: o.realtime });
    let tWait = performance.now();
    for await (const rf of it) {
      if (frames === 0) {
        ctx.info.width = rf.srcW;
        ctx.info.height = rf.srcH;
      }
      const frame: AnalyzedFrame = {
        frameId: rf.index,
        t: rf.t,
        rgb: rf.rgb,
        width: rf.width,
        height: rf.height,
        srcW: rf.srcW,
        srcH: rf.srcH,
        lb: rf.lb,
        detections: [],
        timings: { decodeMs: performance.now() - tWait, preMs: 0, inferMs: 0, postMs: 0 },
        extra: {},
      };
      for (const s of stages) await s.onFrame(frame, ctx);
      frames++;
      lastT = rf.t;
      tWait = performance.now();
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const durationS = frames > 0 ? lastT + (o.fps > 0 ? 1 / o.fps : 0) : 0;
    ctx.info.elapsedS = Math.round(elapsedS * 100) / 100;
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of stages) {
      const r = await s.finish?.(ctx);
      if (r) out[s.name] = r;
    }
    return { frames, durationS, elapsedS, speed: elapsedS > 0 ? durationS / elapsedS : 0, stages: out };
  } finally {
    for (const s of stages) await s.close?.();
  }
}
