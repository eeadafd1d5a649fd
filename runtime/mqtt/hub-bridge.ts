// Connects a running publisher to the rest of FerretWatch through the hub: every registered
// camera gets its HA device, live events are published without wires (optional), and the MQTT
// command topics become hub requests (detection on/off, snapshots) that ferret-detect answers.
import type { Hub, LiveEvent } from '../hub';
import type { CameraConfig } from '../camera/config';
import type { FerretMqttPublisher, LogFn } from './publisher';
import type { PublisherFeed } from './feed';

/** What the detect runtime offers (runtime/detect/registry.ts), loaded lazily: it may not be deployed. */
export interface SnapshotSource {
  snapshotJpeg(camera: string): Promise<Buffer | undefined>;
  on(event: 'state', fn: (stats: { camera: string; state: string }) => void): unknown;
  off(event: 'state', fn: (stats: { camera: string; state: string }) => void): unknown;
}

let detectSource: SnapshotSource | null | undefined;

/** The process's detect registry, or null when the detect runtime is not part of this build. */
export function loadDetectRegistry(): SnapshotSource | null {
  if (detectSource === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      detectSource = (require('../detect/registry') as { detectRegistry?: SnapshotSource }).detectRegistry ?? null;
    } catch {
      detectSource = null;
    }
  }
  return detectSource;
}

export interface HubBridgeOptions {
  /** A camera that disappears from the hub is removed from HA after this long (default 60 s): a redeploy re-registers it sooner. */
  removeGraceMs?: number;
  /** Wait before the second try at a snapshot, when the first found none (default 1000 ms). */
  snapshotRetryMs?: number;
  snapshots?: SnapshotSource | null;
  log?: LogFn;
}

export class HubBridge {
  private readonly removals = new Map<string, NodeJS.Timeout>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly snapshots: SnapshotSource | null;
  private liveOn = false;
  private started = false;

  constructor(
    private readonly hub: Hub,
    private readonly publisher: () => FerretMqttPublisher | undefined,
    private readonly feed: PublisherFeed,
    private readonly opts: HubBridgeOptions = {},
  ) {
    this.snapshots = opts.snapshots === undefined ? loadDetectRegistry() : opts.snapshots;
  }

  private readonly onCamera = (id: string, config: CameraConfig | undefined): void => {
    const pub = this.publisher();
    if (!pub) return;
    const pending = this.removals.get(id);
    if (config) {
      if (pending) clearTimeout(pending);
      this.removals.delete(id);
      pub.addCamera(id, { name: cameraName(config) });
      return;
    }
    if (pending) return;
    const timer = setTimeout(() => {
      this.removals.delete(id);
      if (!this.hub.camera(id)) this.publisher()?.removeCamera(id);
    }, this.opts.removeGraceMs ?? 60_000);
    timer.unref();
    this.removals.set(id, timer);
  };

  private readonly onLive = (ev: LiveEvent): void => {
    // Raw detections are the hot path (every frame) and not published: leave at once.
    if (ev.kind === 'detections') return;
    try {
      this.feed.live(ev);
    } catch (err) {
      this.opts.log?.('warn', `live ${ev.kind} event not published: ${(err as Error).message}`);
    }
  };

  private readonly onDetectState = (s: { camera: string; state: string }): void => {
    const pub = this.publisher();
    if (!pub || !pub.hasCamera(s.camera)) return;
    if (s.state === 'paused') pub.setDetectState(s.camera, false);
    else if (s.state === 'live') pub.setDetectState(s.camera, true);
  };

  start(): void {
    if (this.started) return;
    this.started = true;
    this.hub.on('camera', this.onCamera);
    this.snapshots?.on('state', this.onDetectState);
  }

  /** Publish the hub's live events (the "without wires" option). */
  setLive(on: boolean): void {
    if (on === this.liveOn) return;
    this.liveOn = on;
    if (on) this.hub.on('live', this.onLive);
    else this.hub.off('live', this.onLive);
  }

  get live(): boolean {
    return this.liveOn;
  }

  /** Give a (new) publisher every camera the hub knows. */
  syncCameras(): void {
    const pub = this.publisher();
    if (!pub) return;
    for (const id of this.hub.cameraIds()) pub.addCamera(id, { name: cameraName(this.hub.camera(id)) });
  }

  /** `detect/set`: ask ferret-detect to pause or resume; the requested state is reported back. */
  onDetectSet = (camera: string, enabled: boolean): boolean => {
    if (this.hub.listenerCount('detectControl') === 0) {
      this.opts.log?.('warn', `detection ${enabled ? 'ON' : 'OFF'} for camera ${camera}: no ferret-detect node listens for it`);
    }
    this.hub.requestDetect(camera, enabled);
    return enabled;
  };

  /** `snapshot/set`: ask for a fresh snapshot, then publish the latest annotated JPEG (retained). */
  onSnapshotRequest = (camera: string): void => {
    this.hub.requestSnapshot(camera);
    void this.publishSnapshot(camera, true);
  };

  private async publishSnapshot(camera: string, retry: boolean): Promise<void> {
    const src = this.snapshots;
    if (!src) {
      this.opts.log?.('warn', `snapshot for camera ${camera}: the detect runtime is not installed, no snapshot to publish`);
      return;
    }
    let jpeg: Buffer | undefined;
    try {
      jpeg = await src.snapshotJpeg(camera);
    } catch (err) {
      this.opts.log?.('warn', `snapshot for camera ${camera} failed: ${(err as Error).message}`);
      return;
    }
    if (jpeg) {
      this.publisher()?.setSnapshot(camera, jpeg);
      return;
    }
    if (!retry) {
      this.opts.log?.('warn', `no snapshot for camera ${camera} (is a ferret-detect node running for it?)`);
      return;
    }
    // The request may have started a new frame's encoding: look once more a little later.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.publishSnapshot(camera, false);
    }, this.opts.snapshotRetryMs ?? 1000);
    this.timers.add(timer);
  }

  stop(): void {
    this.setLive(false);
    if (this.started) {
      this.hub.off('camera', this.onCamera);
      this.snapshots?.off('state', this.onDetectState);
      this.started = false;
    }
    for (const t of this.removals.values()) clearTimeout(t);
    for (const t of this.timers) clearTimeout(t);
    this.removals.clear();
    this.timers.clear();
  }
}

/** A camera's device name: its node name when it has one distinct from the id (else HA shows "Camera <id>"). */
function cameraName(config: CameraConfig | undefined): string | null {
  return config && config.name && config.name !== config.id ? config.name : null;
}
