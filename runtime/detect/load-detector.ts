// Turns a detect configuration (model setting, thresholds, class map text, threads) into a ready
// FrameDetector: a shared YOLO session, or the motion detector when no model is found.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClassMapSpec } from './classmap';
import { YoloDetector } from './detector';
import type { FrameDetector } from './detector-types';
import { resolveModelPath } from './model-path';
import { MotionDetector } from './motion';

export interface DetectorConfig {
  /** Model file, "motion", or empty: node setting → FERRETWATCH_MODEL → models/*.onnx → motion. */
  model?: string;
  conf?: number;
  iou?: number;
  /** JSON text, a path to a .json file, an object, or empty for the model's default map. */
  classMap?: string | ClassMapSpec | null;
  /** Keep classes the map does not name under their own name (the CLI shows everything). */
  keepUnmapped?: boolean;
  threads?: number;
  /** Frame size for the motion detector (default 640 x 640, the same geometry as a YOLO input). */
  motionSize?: [number, number];
  /** Where models/*.onnx are looked for (default: the package's models directory). */
  modelsDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedDetector {
  detector: FrameDetector;
  /** File name of the model, or "motion". */
  modelName: string;
  modelPath?: string;
}

/** The package's own models/ directory (dist/runtime/detect → ../../../models). */
export function packageModelsDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'models');
}

/** Class map setting → spec: '' = default, '{…}' = JSON, anything else = a JSON file path. */
export function parseClassMapSetting(setting: string | ClassMapSpec | null | undefined): ClassMapSpec | undefined {
  if (setting === null || setting === undefined) return undefined;
  if (typeof setting !== 'string') return setting;
  const text = setting.trim();
  if (text === '') return undefined;
  let parsed: unknown;
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`class map is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    if (!fs.existsSync(text)) throw new Error(`class map file ${path.basename(text)} not found`);
    try {
      parsed = JSON.parse(fs.readFileSync(text, 'utf8'));
    } catch (err) {
      throw new Error(`class map file ${path.basename(text)} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('class map must be a JSON object like {"cat": "ferret"}');
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new Error(`class map value for "${k}" must be a string, got ${JSON.stringify(v)}`);
  }
  return parsed as ClassMapSpec;
}

/** Which model a configuration resolves to (undefined = motion), without loading anything. */
export function resolveDetectorModel(cfg: Pick<DetectorConfig, 'model' | 'modelsDir' | 'env'>): string | undefined {
  const m = cfg.model?.trim();
  if (m && m.toLowerCase() === 'motion') return undefined;
  return resolveModelPath(m, cfg.modelsDir ?? packageModelsDir(), cfg.env ?? process.env);
}

/** Load the detector; errors name the model file and say what is wrong with it. */
export async function loadFrameDetector(cfg: DetectorConfig): Promise<LoadedDetector> {
  const classMap = parseClassMapSetting(cfg.classMap);
  const file = resolveDetectorModel(cfg);
  if (!file) {
    const [w, h] = cfg.motionSize ?? [640, 640];
    return { detector: new MotionDetector({}, w, h), modelName: 'motion' };
  }
  const detector = await YoloDetector.load(file, {
    conf: cfg.conf,
    iou: cfg.iou,
    threads: cfg.threads,
    classMap: classMap ?? null,
    keepUnmapped: cfg.keepUnmapped,
  });
  return { detector, modelName: path.basename(file), modelPath: file };
}
