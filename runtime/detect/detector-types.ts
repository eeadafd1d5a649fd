// The shape every frame detector (YOLO model or motion) offers, so callers can swap them.
import type { Detection } from '../contracts';
import type { Letterbox } from './letterbox';

export interface DetectTimings {
  preMs: number;
  inferMs: number;
  postMs: number;
  /** session.run alone, inside the inference worker (YOLO only); inferMs adds the messaging. */
  runMs?: number;
}

export interface DetectResult {
  /** Boxes in source-frame pixels; `zones` is left empty (zones.ts fills it). */
  detections: Detection[];
  timings: DetectTimings;
}

export interface FrameDetector {
  readonly kind: 'yolo' | 'motion';
  /** Size of the letterboxed rgb24 frame detect() expects. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** `rgb` is the letterboxed HWC rgb24 frame (inputWidth x inputHeight); `lb` maps it back to srcW x srcH. */
  detect(rgb: Uint8Array, lb: Letterbox, srcW: number, srcH: number): Promise<DetectResult>;
  release(): Promise<void>;
}
