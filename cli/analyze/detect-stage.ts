// The detection stage: the same detector the ferret-detect node uses (shared YOLO session or
// motion), zones in source pixels, on every sampled frame.
import type { Zone } from '../../runtime/contracts';
import type { FrameDetector } from '../../runtime/detect/detector-types';
import { loadFrameDetector, type DetectorConfig } from '../../runtime/detect/load-detector';
import { applyZones } from '../../runtime/detect/zones';
import type { AnalyzeContext, AnalyzedFrame, AnalyzeStage } from './stage';

export class DetectStage implements AnalyzeStage {
  readonly name = 'detect';
  private detector: FrameDetector | undefined;
  modelName = '';

  constructor(
    private readonly cfg: DetectorConfig,
    private readonly zones: Zone[] = [],
  ) {}

  /** Loads the model; exposed so callers can learn the input size before decoding. */
  async load(): Promise<FrameDetector> {
    if (!this.detector) {
      const loaded = await loadFrameDetector(this.cfg);
      this.detector = loaded.detector;
      this.modelName = loaded.modelName;
    }
    return this.detector;
  }

  async start(ctx: AnalyzeContext): Promise<void> {
    const d = await this.load();
    ctx.info.model = this.modelName;
    ctx.info.detector = d.kind;
    ctx.info.inputSize = [d.inputWidth, d.inputHeight];
  }

  async onFrame(f: AnalyzedFrame): Promise<void> {
    const d = this.detector as FrameDetector;
    const res = await d.detect(f.rgb, f.lb, f.srcW, f.srcH);
    const t0 = performance.now();
    f.detections = applyZones(res.detections, this.zones, f.srcW, f.srcH);
    f.timings.preMs = res.timings.preMs;
    f.timings.inferMs = res.timings.inferMs;
    f.timings.postMs = res.timings.postMs + (performance.now() - t0);
  }

  async close(): Promise<void> {
    const d = this.detector;
    this.detector = undefined;
    await d?.release();
  }
}
