// Camera configuration as the runtime sees it: validated id, source URL, optional analysis
// (sub-stream) URL, zones. Credentials are kept apart and only joined into the URL at spawn time.
import type { Zone } from '../contracts';

export const CAMERA_ID_RE = /^[a-z0-9_-]{1,32}$/;

export type RtspTransport = 'auto' | 'tcp' | 'udp';

export interface CameraCredentials {
  user?: string;
  password?: string;
}

export interface CameraConfig {
  id: string;
  name: string;
  url: string;
  transport: RtspTransport;
  /** Camera sub-stream for analysis (Frigate's "detect" role); the main URL is used when absent. */
  analysisUrl?: string;
  zones: Zone[];
  credentials: CameraCredentials;
}

export function isValidCameraId(id: unknown): id is string {
  return typeof id === 'string' && CAMERA_ID_RE.test(id);
}

/** Throws an Error a person can act on; returns the id unchanged when valid. */
export function validateCameraId(id: unknown): string {
  if (!isValidCameraId(id)) {
    throw new Error(`invalid camera id ${JSON.stringify(id)}: use 1-32 characters from a-z, 0-9, "_" and "-"`);
  }
  return id;
}

const URL_SCHEMES = ['rtsp:', 'rtsps:', 'http:', 'https:'];

/** Accepts rtsp(s)://, http(s)://, `demo:` and file paths. Returns a reason when it is not usable. */
export function checkSourceUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return 'camera URL is empty';
  const u = url.trim();
  if (u === 'demo:' || u.startsWith('demo:')) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(u)?.[1]?.toLowerCase();
  if (scheme) {
    if (!URL_SCHEMES.includes(scheme)) return `unsupported URL scheme ${scheme} (use rtsp://, rtsps://, http(s)://, a file path or demo:)`;
    try {
      new URL(u);
    } catch {
      return 'camera URL is not a valid URL';
    }
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u)) return `unsupported URL ${u.split(':')[0]}: (use rtsp://, rtsps://, http(s)://, a file path or demo:)`;
  return undefined; // a file path
}

/**
 * Zones arrive as JSON text from the editor: `[{"name": "food", "points": [[x, y], …]}]`, x and y in 0..1.
 * A zone named "mask" (or with `"mask": true`) drops detections inside it.
 */
export function parseZones(input: unknown): Zone[] {
  if (input === undefined || input === null || input === '') return [];
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new Error(`zones are not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!Array.isArray(value)) throw new Error('zones must be a JSON array of {name, points}');
  const names = new Set<string>();
  return value.map((z, i) => {
    if (!z || typeof z !== 'object') throw new Error(`zone ${i} is not an object`);
    const { name, points, mask } = z as { name?: unknown; points?: unknown; mask?: unknown };
    if (typeof name !== 'string' || !/^[A-Za-z0-9_ -]{1,40}$/.test(name)) throw new Error(`zone ${i} needs a name (letters, digits, space, _ or -)`);
    if (names.has(name) && name !== 'mask') throw new Error(`zone name "${name}" is used twice`);
    names.add(name);
    if (!Array.isArray(points) || points.length < 3) throw new Error(`zone "${name}" needs at least 3 points`);
    const pts = points.map((p, j) => {
      if (!Array.isArray(p) || p.length !== 2 || !p.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= 1)) {
        throw new Error(`zone "${name}" point ${j} must be [x, y] with x and y between 0 and 1`);
      }
      return [p[0], p[1]] as [number, number];
    });
    const zone: Zone = { name, points: pts };
    if (mask === true || name === 'mask') zone.mask = true;
    return zone;
  });
}
