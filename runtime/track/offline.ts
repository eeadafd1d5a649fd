// Tracking over recorded detections (the `detections.json` that `ferretwatch analyze` writes, or
// several cameras' recordings sharing one identity registry) to MOTChallenge rows. The id column is
// the number of the global ferret identity (ferret-7 → 7), so a ferret that leaves the view and is
// re-identified later keeps its id, and the same ferret has the same id on every camera.
import type { Box } from '../contracts';
import { CameraTracker, type CameraTrackerOptions, type FrameInput } from './camera-tracker';
import { IdentityRegistry, type IdentityInfo, type IdentityOptions } from './identities';

export type OfflineFrame = FrameInput;

export interface OfflineStream {
  camera: string;
  /** In capture order. */
  frames: ReadonlyArray<OfflineFrame>;
}

export interface OfflineOptions {
  tracker?: CameraTrackerOptions;
  identity?: IdentityOptions;
  /** Use (and update) this registry, e.g. one loaded with enrolled ferrets. Default: a fresh one. */
  registry?: IdentityRegistry;
  /**
   * Also write parked (stationary) tracks at their last box. Default true: a ferret asleep in view
   * is still there even when a motion detector stops seeing it.
   */
  includeStationary?: boolean;
}

export interface MotRowOut {
  /** 1-based index of the frame in its stream. */
  frame: number;
  /** Global ferret identity number. */
  id: number;
  box: Box;
  conf: number;
  trackId: string;
  ferretId: string;
}

export interface OfflineResult {
  /** Rows per camera, in frame order. */
  rows: Map<string, MotRowOut[]>;
  identities: IdentityInfo[];
}

/** ferret-12 → 12; identities without a trailing number get numbers above every numbered one. */
function identityNumberer(): (ferretId: string) => number {
  const extra = new Map<string, number>();
  let next = 1_000_000;
  return (fid) => {
    const m = /(\d+)$/.exec(fid);
    if (m) return Number(m[1]);
    let n = extra.get(fid);
    if (n === undefined) extra.set(fid, (n = next++));
    return n;
  };
}

/**
 * Track several cameras at once, interleaved by timestamp, with one identity registry (so a
 * ferret walking from one camera to the next keeps its identity). A track is written on the frames
 * where a detection updated it (DeepSORT's output rule), plus parked tracks when includeStationary.
 */
export function trackStreams(streams: ReadonlyArray<OfflineStream>, opts: OfflineOptions = {}): OfflineResult {
  const registry = opts.registry ?? new IdentityRegistry(opts.identity);
  const includeStationary = opts.includeStationary ?? true;
  const number = identityNumberer();
  const trackers = streams.map((s) => new CameraTracker(s.camera, registry, opts.tracker));
  const rows = new Map<string, MotRowOut[]>(streams.map((s) => [s.camera, []]));
  const pos = streams.map(() => 0);
  for (;;) {
    // The stream whose next frame is earliest goes next (ties: stream order).
    let k = -1;
    for (let i = 0; i < streams.length; i++) {
      if (pos[i] >= streams[i].frames.length) continue;
      if (k < 0 || streams[i].frames[pos[i]].ts < streams[k].frames[pos[k]].ts) k = i;
    }
    if (k < 0) break;
    const frame = streams[k].frames[pos[k]++];
    const out = trackers[k].update(frame);
    const list = rows.get(streams[k].camera)!;
    for (const s of out.snapshots) {
      const write = s.detectionIndex >= 0 ? s.state !== 'tentative' : includeStationary && s.state === 'stationary';
      if (!write) continue;
      const t = out.tracks.tracks.find((x) => x.trackId === s.trackId);
      if (!t?.ferretId) continue;
      list.push({ frame: pos[k], id: number(t.ferretId), box: s.box, conf: s.score, trackId: s.trackId, ferretId: t.ferretId });
    }
  }
  return { rows, identities: registry.list() };
}

/** One camera's recording (e.g. detections.json's `frames`) → MOT rows. */
export function trackOffline(frames: ReadonlyArray<OfflineFrame>, opts: OfflineOptions & { camera?: string } = {}): MotRowOut[] {
  const camera = opts.camera ?? 'cam';
  return trackStreams([{ camera, frames }], opts).rows.get(camera)!;
}

/** MOTChallenge text: `frame,id,x,y,w,h,conf,-1,-1,-1`, one row per line. */
export function formatMotRows(rows: ReadonlyArray<Pick<MotRowOut, 'frame' | 'id' | 'box' | 'conf'>>): string {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  let s = '';
  for (const r of rows) {
    s += `${r.frame},${r.id},${r2(r.box[0])},${r2(r.box[1])},${r2(r.box[2] - r.box[0])},${r2(r.box[3] - r.box[1])},${r2(r.conf)},-1,-1,-1\n`;
  }
  return s;
}
