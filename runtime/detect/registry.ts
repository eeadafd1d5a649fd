// Process-wide detection state per camera: the latest stats (for /api/stats and the dashboard),
// the latest frame with its detections (snapshots, dashboard, embedders), and the snapshot JPEG.
// One detect pipeline per camera, like one stream per camera in the hub.
import { EventEmitter } from 'node:events';
import type { Detection, StreamState } from '../contracts';
import type { Letterbox } from './letterbox';

export type DetectState = StreamState | 'loading' | 'paused' | 'error';

export interface DetectStats {
  camera: string;
  state: DetectState;
  reason?: string;
  /** Model file name or "motion" (undefined while loading). */
  model?: string;
  kind?: 'yolo' | 'motion';
  /** Processed frames per second over the last few seconds. */
  fps: number;
  /** Mean inference ms (session.run, or the motion pass) over the last few seconds. */
  inferMs: number;
  /** Mean decode wait + pre + infer + post ms per frame over the last few seconds. */
  totalMs: number;
  /** Frames processed since start. */
  frames: number;
  /** Frames dropped before inference since start (latest-frame-wins). */
  dropped: number;
  /** ffmpeg restarts since start. */
  restarts: number;
  /** Detections in the last processed frame, and their count per label. */
  detections: number;
  labels: Record<string, number>;
  /** Capture time of the last processed frame. */
  lastFrameTs?: number;
  srcW?: number;
  srcH?: number;
  /** ms epoch of the last state change. */
  since: number;
}

export interface LatestFrame {
  camera: string;
  frameId: number;
  ts: number;
  /** A copy of the letterboxed rgb24 frame (width x height, the model input size). */
  rgb: Uint8Array;
  width: number;
  height: number;
  srcW: number;
  srcH: number;
  lb: Letterbox;
  /** Boxes in source pixels (map to rgb with letterboxBox(box, lb)). */
  detections: Detection[];
}

/** What a running detect pipeline offers the rest of the runtime. */
export interface DetectHandle {
  readonly cameraId: string;
  stats(): DetectStats;
  latest(): LatestFrame | undefined;
  /** The current snapshot JPEG (boxes drawn), if one exists or can be made now. */
  snapshotJpeg(): Promise<Buffer | undefined>;
}

export interface DetectRegistryEvents {
  /** A frame was processed (call latest(camera) for it). */
  frame: [camera: string, frameId: number];
  state: [stats: DetectStats];
}

export class DetectRegistry extends EventEmitter<DetectRegistryEvents> {
  private readonly handles = new Map<string, { handle: DetectHandle; owner: object }>();

  /** One detect pipeline per camera; a second owner is refused with a plain reason. */
  attach(handle: DetectHandle, owner: object): void {
    const existing = this.handles.get(handle.cameraId);
    if (existing && existing.owner !== owner) throw new Error(`camera "${handle.cameraId}" already has a ferret-detect node`);
    this.handles.set(handle.cameraId, { handle, owner });
  }

  detach(camera: string, owner: object): void {
    if (this.handles.get(camera)?.owner === owner) this.handles.delete(camera);
  }

  get(camera: string): DetectHandle | undefined {
    return this.handles.get(camera)?.handle;
  }

  cameras(): string[] {
    return [...this.handles.keys()].sort();
  }

  stats(camera: string): DetectStats | undefined {
    return this.get(camera)?.stats();
  }

  allStats(): DetectStats[] {
    return this.cameras().map((c) => (this.handles.get(c) as { handle: DetectHandle }).handle.stats());
  }

  /** A copy of the latest processed frame and its detections. */
  latest(camera: string): LatestFrame | undefined {
    return this.get(camera)?.latest();
  }

  snapshotJpeg(camera: string): Promise<Buffer | undefined> {
    const h = this.get(camera);
    return h ? h.snapshotJpeg() : Promise.resolve(undefined);
  }
}

/** The detection registry of this process. */
export const detectRegistry = new DetectRegistry();
