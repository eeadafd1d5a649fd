// The live per-camera trackers of this runtime, so the HTTP API can name a track that is on screen
// ("this is Luna") from its gallery, and can tell which embedder the cameras' detections use.
import type { CameraTracker } from './camera-tracker';

interface Entry {
  tracker: CameraTracker;
  owner: object;
  /** Length of the embeddings this camera's detections carry (0 = none seen yet). */
  dims: number;
}

const trackers = new Map<string, Entry>();

/** A node started tracking `camera` (a second node for the same camera replaces the first). */
export function registerCameraTracker(tracker: CameraTracker, owner: object): void {
  trackers.set(tracker.camera, { tracker, owner, dims: trackers.get(tracker.camera)?.dims ?? 0 });
}

/** Only the owner that registered it can remove it (a redeploy creates the new node first). */
export function unregisterCameraTracker(camera: string, owner: object): void {
  if (trackers.get(camera)?.owner === owner) trackers.delete(camera);
}

export function noteEmbeddingDims(camera: string, dims: number): void {
  const e = trackers.get(camera);
  if (e && dims > 0) e.dims = dims;
}

/** The embedding length most cameras report (0 when none has reported). */
export function liveEmbeddingDims(): number {
  const count = new Map<number, number>();
  for (const e of trackers.values()) if (e.dims) count.set(e.dims, (count.get(e.dims) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

/** "cam:t12" → its camera's tracker, or undefined. */
export function findLiveTrack(trackId: string): { camera: string; tracker: CameraTracker } | undefined {
  const i = trackId.lastIndexOf(':t');
  if (i <= 0) return undefined;
  const camera = trackId.slice(0, i);
  const e = trackers.get(camera);
  if (!e || !e.tracker.tracks.some((t) => t.trackId === trackId)) return undefined;
  return { camera, tracker: e.tracker };
}

export function liveCameras(): string[] {
  return [...trackers.keys()].sort();
}
