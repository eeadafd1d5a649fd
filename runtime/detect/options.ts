// The ferret-detect node's editor fields → pipeline options, with defaults and sane bounds.
import { numberIn } from '../config-values';
import { parseEmbedderKind, type EmbedderKind } from './embedder-bridge';
import type { DetectorConfig } from './load-detector';

export interface DetectNodeConfig {
  model?: string;
  fps?: string | number;
  conf?: string | number;
  iou?: string | number;
  classMap?: string;
  threads?: string | number;
  snapshots?: boolean | string;
  embedder?: string;
}

export interface DetectSettings {
  detector: DetectorConfig;
  fps: number;
  snapshots: boolean;
  embedder: EmbedderKind;
}

export const DETECT_DEFAULTS = { fps: 5, conf: 0.35, iou: 0.45, threads: 1 } as const;

export function detectSettingsFromConfig(def: DetectNodeConfig): DetectSettings {
  return {
    detector: {
      model: def.model?.trim() || undefined,
      conf: numberIn(def.conf, DETECT_DEFAULTS.conf, 0.01, 0.99),
      iou: numberIn(def.iou, DETECT_DEFAULTS.iou, 0.05, 0.95),
      classMap: def.classMap?.trim() || undefined,
      threads: Math.round(numberIn(def.threads, DETECT_DEFAULTS.threads, 1, 16)),
    },
    fps: numberIn(def.fps, DETECT_DEFAULTS.fps, 0.1, 30),
    snapshots: def.snapshots === true || def.snapshots === 'true',
    embedder: parseEmbedderKind(def.embedder),
  };
}
