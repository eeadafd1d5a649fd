// The later stages of `ferretwatch analyze`: tracks (tracks.mot.txt, the global ferret identity in
// the id column) and behaviors (behaviors.json) over the whole recording, once the input ends.
// Appearance: the detector's embedding when it made one, else the given embedder (`--reid`: the
// OSNet ReID model), else the cheap colour histogram of each box in the decoded frame.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Zone } from '../../runtime/contracts';
import { letterboxBox } from '../../runtime/detect/letterbox';
import { hsvHistogramEmbedding } from '../../runtime/track/embedding';
import type { Embedder } from '../../runtime/track/embedder';
import { trackOffline, formatMotRows, type OfflineFrame } from '../../runtime/track/offline';
import { classifyMot } from '../../runtime/behavior/offline';
import type { AnalyzeContext, AnalyzedFrame, AnalyzeStage } from './stage';

export class TrackBehaviorStage implements AnalyzeStage {
  readonly name = 'tracks';
  private readonly frames: OfflineFrame[] = [];
  private srcW = 0;
  private srcH = 0;

  constructor(
    private readonly zones: Zone[] = [],
    private readonly embedder?: Embedder,
  ) {}

  async onFrame(f: AnalyzedFrame): Promise<void> {
    this.srcW = f.srcW;
    this.srcH = f.srcH;
    // The frame is letterboxed: the crops are where the boxes lie in it.
    const inFrame = f.detections.map((d) => letterboxBox(d.box, f.lb));
    const model = this.embedder && f.detections.length ? await this.embedder.embed(f.rgb, f.width, f.height, inFrame) : undefined;
    const detections = f.detections.map((d, i) => ({
      box: d.box,
      score: d.score,
      label: d.label,
      zones: d.zones,
      embedding: d.embedding ?? model?.[i] ?? hsvHistogramEmbedding(f.rgb, f.width, f.height, inFrame[i]),
    }));
    this.frames.push({ frameId: f.frameId, ts: Math.round(f.t * 1000), width: f.srcW, height: f.srcH, detections });
  }

  close(): void {
    this.embedder?.release();
  }

  finish(ctx: AnalyzeContext): Record<string, unknown> {
    fs.mkdirSync(ctx.outDir, { recursive: true });
    const rows = trackOffline(this.frames, { camera: 'analyze' });
    const motFile = path.join(ctx.outDir, 'tracks.mot.txt');
    fs.writeFileSync(motFile, formatMotRows(rows));
    const episodes = classifyMot(rows, { fps: ctx.fps, zones: this.zones, width: this.srcW, height: this.srcH, camera: 'analyze' });
    const behFile = path.join(ctx.outDir, 'behaviors.json');
    fs.writeFileSync(behFile, JSON.stringify(episodes, null, 1) + '\n');
    const secondsBy: Record<string, number> = {};
    for (const e of episodes) secondsBy[e.behavior] = Math.round(((secondsBy[e.behavior] ?? 0) + (e.end - e.start)) * 10) / 10;
    return { file: motFile, behaviorsFile: behFile, rows: rows.length, ferrets: new Set(rows.map((r) => r.id)).size, episodes: episodes.length, seconds: secondsBy };
  }
}
