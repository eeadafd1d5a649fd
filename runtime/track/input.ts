// Checks a ferret-detect message before it reaches the tracker: a node must answer bad input with
// a clear error, not with NaN boxes deep inside a Kalman filter.
import type { Box } from '../contracts';
import type { FrameInput } from './camera-tracker';

export interface TrackInput extends FrameInput {
  camera: string;
}

const MAX_DETECTIONS = 1000;

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * `msg.payload` (and `msg.topic` for the camera, when the payload has none) → tracker input.
 * Throws an Error that says which field is wrong. `now` and `nextFrameId` fill optional fields.
 */
export function parseDetectionsMessage(payload: unknown, topic: unknown, now: number, nextFrameId: number): TrackInput {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error('msg.payload must be a ferret-detect result object with a "detections" array');
  }
  const p = payload as Record<string, unknown>;
  if (!Array.isArray(p.detections)) throw new Error('msg.payload.detections must be an array');
  if (p.detections.length > MAX_DETECTIONS) throw new Error(`msg.payload.detections has more than ${MAX_DETECTIONS} entries`);
  let camera = p.camera;
  if (camera === undefined && typeof topic === 'string' && topic.includes('/')) camera = topic.slice(0, topic.indexOf('/'));
  if (typeof camera !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(camera)) {
    throw new Error('msg.payload.camera must be a camera id (letters, digits, _ and -)');
  }
  if (p.ts !== undefined && !finite(p.ts)) throw new Error('msg.payload.ts must be a number (ms since the epoch)');
  if (p.frameId !== undefined && !finite(p.frameId)) throw new Error('msg.payload.frameId must be a number');
  for (const k of ['width', 'height'] as const) {
    if (p[k] !== undefined && !(finite(p[k]) && (p[k] as number) >= 0)) throw new Error(`msg.payload.${k} must be a number ≥ 0`);
  }
  const detections = p.detections.map((raw, i) => {
    const where = `msg.payload.detections[${i}]`;
    if (!raw || typeof raw !== 'object') throw new Error(`${where} must be an object`);
    const d = raw as Record<string, unknown>;
    const b = d.box;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(finite)) throw new Error(`${where}.box must be 4 numbers [x1, y1, x2, y2]`);
    if (d.score !== undefined && !finite(d.score)) throw new Error(`${where}.score must be a number`);
    if (d.label !== undefined && typeof d.label !== 'string') throw new Error(`${where}.label must be a string`);
    if (d.zones !== undefined && !(Array.isArray(d.zones) && d.zones.every((z) => typeof z === 'string'))) throw new Error(`${where}.zones must be an array of strings`);
    const e = d.embedding;
    if (e !== undefined && e !== null) {
      const ok = (Array.isArray(e) || e instanceof Float32Array) && e.length > 0 && e.length <= 4096 && Array.prototype.every.call(e, finite);
      if (!ok) throw new Error(`${where}.embedding must be an array of numbers`);
    }
    return {
      box: [b[0], b[1], b[2], b[3]] as Box,
      score: finite(d.score) ? d.score : 1,
      label: d.label as string | undefined,
      zones: (d.zones as string[] | undefined) ?? [],
      embedding: (e as ArrayLike<number> | null | undefined) ?? undefined,
    };
  });
  return {
    camera,
    frameId: finite(p.frameId) ? p.frameId : nextFrameId,
    ts: finite(p.ts) ? p.ts : now,
    width: finite(p.width) ? p.width : 0,
    height: finite(p.height) ? p.height : 0,
    detections,
  };
}
