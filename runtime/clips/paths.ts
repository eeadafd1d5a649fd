// Clip ids, files and URLs. An id is safe in a URL and a file name by construction
// (<camera>-<YYYYMMDD>T<HHMMSS>-<4 hex>, local time), and the HTTP API never builds a path from a
// URL: it looks the id up in the store and serves the path recorded there.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { localDate } from '../store/schema';

export const CLIP_ID = /^[a-z0-9_-]{1,32}-\d{8}T\d{6}-[0-9a-f]{4}$/;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function newClipId(camera: string, startMs: number, rand: () => string = () => randomBytes(2).toString('hex')): string {
  const t = new Date(startMs);
  const stamp = `${t.getFullYear()}${pad(t.getMonth() + 1)}${pad(t.getDate())}T${pad(t.getHours())}${pad(t.getMinutes())}${pad(t.getSeconds())}`;
  return `${camera}-${stamp}-${rand()}`;
}

export function isClipId(s: unknown): s is string {
  return typeof s === 'string' && CLIP_ID.test(s);
}

/** <clipsDir>/<camera>/<local YYYY-MM-DD>/<clipId>.mp4 */
export function clipPath(clipsDir: string, camera: string, startMs: number, clipId: string): string {
  return path.join(clipsDir, camera, localDate(startMs), `${clipId}.mp4`);
}

/** Where the HTTP API serves a clip (relative to the Node-RED HTTP root). */
export function clipUrl(clipId: string): string {
  return `/ferretwatch/api/clips/${clipId}.mp4`;
}
