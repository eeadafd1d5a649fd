// The process-wide registry every node shares: cameras by id, their live HLS streams, and the
// latest state of each. One Node-RED instance = one hub (nodes are re-created on deploy; the hub is not).
import { EventEmitter } from 'node:events';
import type { CameraConfig } from './camera/config';
import type { CameraStream } from './stream/camera-stream';
import type { StreamStatePayload } from './contracts';

export interface HubEvents {
  camera: [id: string, config: CameraConfig | undefined];
  stream: [payload: StreamStatePayload];
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
}

/** The shared hub of this process. */
export const hub = new Hub();
