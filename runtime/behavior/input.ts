// Checks what arrives at the ferret-behavior node before the engine trusts it: a TracksPayload
// from ferret-track (or a hand-made one). Errors say which field is wrong, for node.error.
import type { Track, TracksPayload } from '../contracts';

const STATES = new Set(['tentative', 'confirmed', 'stationary', 'lost']);

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The payload as a TracksPayload, or a thrown Error naming the first problem. */
export function parseTracksPayload(x: unknown): TracksPayload {
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error('payload must be a TracksPayload object {camera, ts, tracks: […]} from ferret-track');
  const p = x as Partial<TracksPayload>;
  if (typeof p.camera !== 'string' || p.camera === '') throw new Error('payload.camera must be a non-empty string');
  if (!finite(p.ts) || p.ts <= 0) throw new Error('payload.ts must be the frame time in ms since the epoch');
  if (!Array.isArray(p.tracks)) throw new Error('payload.tracks must be an array');
  p.tracks.forEach((t: Partial<Track>, i) => {
    if (!t || typeof t !== 'object') throw new Error(`payload.tracks[${i}] is not an object`);
    if (typeof t.trackId !== 'string' || t.trackId === '') throw new Error(`payload.tracks[${i}].trackId must be a non-empty string`);
    if (t.ferretId !== null && t.ferretId !== undefined && typeof t.ferretId !== 'string') throw new Error(`payload.tracks[${i}].ferretId must be a string or null`);
    const b = t.box;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(finite) || b[2] <= b[0] || b[3] <= b[1]) {
      throw new Error(`payload.tracks[${i}].box must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1`);
    }
    if (t.state !== undefined && !STATES.has(t.state)) throw new Error(`payload.tracks[${i}].state "${String(t.state)}" is not tentative, confirmed, stationary or lost`);
    if (t.zones !== undefined && !(Array.isArray(t.zones) && t.zones.every((z) => typeof z === 'string'))) {
      throw new Error(`payload.tracks[${i}].zones must be an array of zone names`);
    }
  });
  const tracks: Track[] = p.tracks.map((t: Partial<Track>) => ({
    ...t,
    trackId: t.trackId as string,
    ferretId: t.ferretId ?? null,
    name: typeof t.name === 'string' ? t.name : null,
    box: t.box as Track['box'],
    velocity: Array.isArray(t.velocity) && t.velocity.length === 2 ? t.velocity : [0, 0],
    state: t.state ?? 'confirmed',
    age: finite(t.age) ? t.age : 0,
    hitStreak: finite(t.hitStreak) ? t.hitStreak : 0,
    zones: t.zones ?? [],
    score: finite(t.score) ? t.score : 1,
  }));
  return {
    camera: p.camera,
    frameId: finite(p.frameId) ? p.frameId : 0,
    ts: p.ts,
    width: finite(p.width) ? p.width : 0,
    height: finite(p.height) ? p.height : 0,
    tracks,
  };
}
