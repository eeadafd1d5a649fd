// Where the ferret is in a still picture (enrolment photos, the embedder evaluation): the YOLO
// detector with the default class map when a detection model is installed, the most confident
// "ferret" box; otherwise (or when nothing is found) the whole picture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box } from '../contracts';
import { YoloDetector } from '../detect/detector';
import { letterbox } from '../detect/letterbox';
import { resizeRgbInto } from './crop-resize';
import { isReidModelName, packageModelsDir } from './embedder';
import type { DecodedImage } from './image-decode';

export interface FoundFerret {
  box: Box;
  score: number;
  /** 'yolo' = a detection, 'whole' = the whole picture (no model, or nothing found). */
  source: 'yolo' | 'whole';
}

export interface FerretFinder {
  /** The detection model in use, if any. */
  readonly modelPath: string | undefined;
  find(img: DecodedImage): Promise<FoundFerret>;
  release(): Promise<void>;
}

/**
 * The detection model for stills: `configured`, else $FERRETWATCH_MODEL, else the first .onnx in
 * the models directory that is not a ReID model. Undefined = none.
 */
export function resolveDetectionModel(configured?: string, modelsDir: string = packageModelsDir(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pick = configured?.trim() || env.FERRETWATCH_MODEL?.trim();
  if (pick) return path.isAbsolute(pick) || fs.existsSync(pick) ? path.resolve(pick) : path.resolve(path.dirname(modelsDir), pick);
  if (!fs.existsSync(modelsDir)) return undefined;
  const found = fs
    .readdirSync(modelsDir)
    .filter((f) => f.toLowerCase().endsWith('.onnx') && !isReidModelName(f))
    .sort();
  return found.length ? path.join(modelsDir, found[0]) : undefined;
}

class WholeImageFinder implements FerretFinder {
  readonly modelPath = undefined;
  find(img: DecodedImage): Promise<FoundFerret> {
    return Promise.resolve({ box: [0, 0, img.width, img.height], score: 0, source: 'whole' });
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
}

class YoloFinder implements FerretFinder {
  private buf: Uint8Array;
  constructor(private readonly det: YoloDetector) {
    this.buf = new Uint8Array(det.inputWidth * det.inputHeight * 3);
  }

  get modelPath(): string {
    return this.det.modelPath;
  }

  async find(img: DecodedImage): Promise<FoundFerret> {
    const lb = letterbox(img.width, img.height, this.det.inputWidth, this.det.inputHeight);
    resizeRgbInto(img.rgb, img.width, img.height, lb.newW, lb.newH, this.buf, lb.dstW, lb.dstH, lb.padX, lb.padY, 114);
    const { detections } = await this.det.detect(this.buf, lb, img.width, img.height);
    let best: FoundFerret | undefined;
    for (const d of detections) if (d.label === 'ferret' && (!best || d.score > best.score)) best = { box: d.box, score: d.score, source: 'yolo' };
    return best ?? { box: [0, 0, img.width, img.height], score: 0, source: 'whole' };
  }

  release(): Promise<void> {
    return this.det.release();
  }
}

/**
 * A finder using `modelPath` (or the resolved default). `null` = never use a model. A model that
 * exists but cannot be loaded is an error (the user pointed at it).
 */
export async function createFerretFinder(opts: { modelPath?: string | null; conf?: number } = {}): Promise<FerretFinder> {
  if (opts.modelPath === null) return new WholeImageFinder();
  const file = resolveDetectionModel(opts.modelPath);
  if (!file) return new WholeImageFinder();
  return new YoloFinder(await YoloDetector.load(file, { conf: opts.conf ?? 0.25 }));
}
