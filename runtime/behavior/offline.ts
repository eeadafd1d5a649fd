// Behaviors over a recorded track file (MOTChallenge rows): what `ferretwatch behaviors` prints
// and what `ferretwatch analyze` writes to behaviors.json. Every MOT track id is one subject;
// time comes from the frame numbers and the frame rate, so the result is the same on any machine.
import type { Box, Episode, Track, Zone } from '../contracts';
import { zonesForBox } from '../detect/zones';
import { BehaviorEngine, type BehaviorEngineOptions } from './engine';

/** One MOT row: 1-based frame, track id, box [x1, y1, x2, y2] in pixels. */
export interface MotTrackRow {
  frame: number;
  id: number;
  box: Box;
  conf?: number;
}

export interface ClassifyMotOptions {
  /** Frame rate of the recording: frame n is at (n − 1) / fps seconds. */
  fps: number;
  /** Zones in 0..1 frame coordinates (the camera config's format); need width and height. */
  zones?: readonly Zone[];
  width?: number;
  height?: number;
  /** Camera name put on the episodes (default "offline"). */
  camera?: string;
  engine?: BehaviorEngineOptions;
}

/** An episode of one MOT track; start/end in seconds from frame 1. */
export interface OfflineEpisode extends Omit<Episode, 'start' | 'end'> {
  trackId: number;
  start: number;
  end: number;
}

/**
 * Parses MOTChallenge text (`frame,id,x,y,w,h[,conf,…]`, comma or space separated, # comments).
 * Throws on the first malformed line, naming it.
 */
export function parseMotTracks(text: string): MotTrackRow[] {
  const rows: MotTrackRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (!s || s.startsWith('#')) continue;
    const f = s.split(/[,\s]+/).map(Number);
    if (f.length < 6 || f.slice(0, 6).some((x) => !Number.isFinite(x))) throw new Error(`line ${i + 1} is not a MOT row (frame,id,x,y,w,h,…): "${s.slice(0, 60)}"`);
    const [frame, id, x, y, w, h] = f;
    if (!Number.isInteger(frame) || frame < 1) throw new Error(`line ${i + 1}: frame must be an integer ≥ 1 (MOT frames are 1-based), got ${frame}`);
    if (w <= 0 || h <= 0) throw new Error(`line ${i + 1}: box width and height must be positive`);
    rows.push({ frame, id, box: [x, y, x + w, y + h], conf: f.length > 6 && Number.isFinite(f[6]) ? f[6] : undefined });
  }
  return rows;
}

const SUBJECT_PREFIX = 'track-';

/**
 * Runs the behavior engine over MOT rows and returns the episodes (every episode closed, in
 * start order). Frames without rows still advance time, so a track that ends turns out_of_view
 * and its episode closes at its last sighting.
 */
export function classifyMot(rows: readonly MotTrackRow[], opts: ClassifyMotOptions): OfflineEpisode[] {
  const fps = opts.fps;
  if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`fps must be a positive number, got ${fps}`);
  const zones = opts.zones ?? [];
  if (zones.length > 0 && !(Number(opts.width) > 0 && Number(opts.height) > 0)) {
    throw new Error('zones need the frame size (width and height) to scale their 0..1 points');
  }
  const camera = opts.camera ?? 'offline';
  const engine = new BehaviorEngine(opts.engine);
  const byFrame = new Map<number, MotTrackRow[]>();
  let last = 0;
  for (const r of rows) {
    let a = byFrame.get(r.frame);
    if (!a) byFrame.set(r.frame, (a = []));
    a.push(r);
    if (r.frame > last) last = r.frame;
  }
  const first = new Map<number, number>(); // id → first frame, for the track's age
  const prev = new Map<number, { frame: number; cx: number; cy: number }>();
  const closed: Episode[] = [];
  const msOf = (frame: number): number => ((frame - 1) / fps) * 1000;
  const width = opts.width ?? 0;
  const height = opts.height ?? 0;

  for (let frame = 1; frame <= last; frame++) {
    const ts = msOf(frame);
    const here = byFrame.get(frame);
    if (!here) {
      closed.push(...engine.tick(ts).closedEpisodes);
      continue;
    }
    const tracks: Track[] = here.map((r) => {
      if (!first.has(r.id)) first.set(r.id, frame);
      const cx = (r.box[0] + r.box[2]) / 2;
      const cy = (r.box[1] + r.box[3]) / 2;
      const p = prev.get(r.id);
      const dt = p ? (frame - p.frame) / fps : 0;
      prev.set(r.id, { frame, cx, cy });
      return {
        trackId: String(r.id),
        ferretId: `${SUBJECT_PREFIX}${r.id}`,
        name: null,
        box: r.box,
        velocity: p && dt > 0 ? [(cx - p.cx) / dt, (cy - p.cy) / dt] : [0, 0],
        state: 'confirmed',
        age: (frame - (first.get(r.id) as number)) / fps,
        hitStreak: 1,
        zones: zones.length ? zonesForBox(r.box, zones, width, height).zones : [],
        score: r.conf ?? 1,
      };
    });
    closed.push(...engine.ingest({ camera, frameId: frame, ts, width, height, tracks }).closedEpisodes);
  }
  closed.push(...engine.closeAll());

  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return closed
    .map((ep) => ({
      ...ep,
      trackId: Number(ep.ferretId.slice(SUBJECT_PREFIX.length)),
      start: r3(ep.start / 1000),
      end: r3((ep.end ?? ep.start) / 1000),
    }))
    .sort((a, b) => a.start - b.start || a.trackId - b.trackId);
}
