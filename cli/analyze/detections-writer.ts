// Writes detections.json: one entry per analysed frame (boxes in source pixels), with the run's
// parameters and a summary. Frames are kept compact (rounded numbers), since a long video at
// 5 fps makes many of them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Detection } from '../../runtime/contracts';
import type { AnalyzeContext, AnalyzedFrame, AnalyzeStage } from './stage';

export interface FrameRecord {
  frameId: number;
  t: number;
  detections: Detection[];
  /** Results of later stages (tracks, …), when they put any in frame.extra. */
  [key: string]: unknown;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export function compactDetection(d: Detection): Detection {
  const out: Detection = { box: [r1(d.box[0]), r1(d.box[1]), r1(d.box[2]), r1(d.box[3])], score: r3(d.score), label: d.label, class: d.class, classId: d.classId, zones: d.zones };
  if (d.embedding) out.embedding = d.embedding.map(r3);
  return out;
}

export class DetectionsWriter implements AnalyzeStage {
  readonly name = 'detections';
  readonly frames: FrameRecord[] = [];
  private readonly labels: Record<string, number> = {};
  private withDetections = 0;
  file = '';

  constructor(private readonly fileName = 'detections.json') {}

  onFrame(f: AnalyzedFrame): void {
    const rec: FrameRecord = { frameId: f.frameId, t: r3(f.t), detections: f.detections.map(compactDetection) };
    for (const [k, v] of Object.entries(f.extra)) rec[k] = v;
    this.frames.push(rec);
    if (f.detections.length > 0) this.withDetections++;
    for (const d of f.detections) this.labels[d.label] = (this.labels[d.label] ?? 0) + 1;
  }

  finish(ctx: AnalyzeContext): Record<string, unknown> {
    fs.mkdirSync(ctx.outDir, { recursive: true });
    this.file = path.join(ctx.outDir, this.fileName);
    const doc = { version: 1, source: ctx.source, fps: ctx.fps, ...ctx.info, frames: this.frames };
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc) + '\n');
    fs.renameSync(tmp, this.file);
    return { file: this.file, frames: this.frames.length, framesWithDetections: this.withDetections, labels: { ...this.labels } };
  }
}
