// The process-wide registry every node shares: cameras by id, their live HLS streams, and the
// latest state of each. One Node-RED instance = one hub (nodes are re-created on deploy; the hub is not).
import { EventEmitter } from 'node:events';
import type { CameraConfig } from './camera/config';
import type { CameraStream } from './stream/camera-stream';
import type {
  Alert,
  BehaviorChangePayload,
  DailySummary,
  DetectionsPayload,
  Episode,
  StreamStatePayload,
  TrackLifecyclePayload,
  TracksPayload,
} from './contracts';

/**
 * What nodes publish for live consumers (the dashboard's event stream, the MQTT publisher's
 * camera sensors): results only, never frames.
 */
export type LiveEvent =
  | { kind: 'stream'; payload: StreamStatePayload }
  | { kind: 'detections'; payload: DetectionsPayload }
  | { kind: 'tracks'; payload: TracksPayload }
  | { kind: 'track'; payload: TrackLifecyclePayload }
  | { kind: 'behavior'; payload: BehaviorChangePayload }
  | { kind: 'episode'; payload: Episode & { type?: 'start' | 'update' | 'end' } }
  | { kind: 'alert'; payload: Alert }
  | { kind: 'summary'; payload: DailySummary };

export interface HubEvents {
  camera: [id: string, config: CameraConfig | undefined];
  stream: [payload: StreamStatePayload];
  live: [event: LiveEvent];
  /** A request (MQTT command, dashboard) to switch detection on a camera on or off. */
  detectControl: [camera: string, enabled: boolean];
  /** A request for a fresh snapshot of a camera. */
  snapshotRequest: [camera: string];
}

export class Hub extends EventEmitter<HubEvents> {
  private readonly cameras = new Map<string, { config: CameraConfig; owner: object }>();
  private readonly streams = new Map<string, { stream: CameraStream; owner: object }>();

  /** Registers a camera; a second owner for the same id is refused (ids must be unique). */
  registerCamera(config: CameraConfig, owner: object): void {
    const existing = this.cameras.get(config.id);
    if (existing && existing.owner !== owner) throw new Error(`camera id "${config.id}" is already used by another ferret-camera node`);
    this.cameras.set(config.id, { config, owner });
    this.emit('camera', config.id, config);
  }

  unregisterCamera(id: string, owner: object): void {
    if (this.cameras.get(id)?.owner === owner) {
      this.cameras.delete(id);
      this.emit('camera', id, undefined);
    }
  }

  camera(id: string): CameraConfig | undefined {
    return this.cameras.get(id)?.config;
  }

  cameraIds(): string[] {
    return [...this.cameras.keys()].sort();
  }

  attachStream(id: string, stream: CameraStream, owner: object): void {
    const existing = this.streams.get(id);
    if (existing && existing.owner !== owner) throw new Error(`camera "${id}" already has an rtsp-hls-stream node`);
    this.streams.set(id, { stream, owner });
  }

  detachStream(id: string, owner: object): void {
    if (this.streams.get(id)?.owner === owner) this.streams.delete(id);
  }

  stream(id: string): CameraStream | undefined {
    return this.streams.get(id)?.stream;
  }

  /** Ask whoever runs detection on `camera` (the ferret-detect node) to pause or resume it. */
  requestDetect(camera: string, enabled: boolean): void {
    this.emit('detectControl', camera, enabled);
  }

  requestSnapshot(camera: string): void {
    this.emit('snapshotRequest', camera);
  }

  /** Fan a result out to live consumers. Listeners must be cheap: this runs on the hot path. */
  publish(event: LiveEvent): void {
    if (this.listenerCount('live') > 0) this.emit('live', event);
  }
}

/** The shared hub of this process. */
export const hub = new Hub();
