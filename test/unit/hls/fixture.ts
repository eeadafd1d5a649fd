// Real fragmented MP4 from the installed ffmpeg, made the way the stream module drives it, plus a
// fake clock that advances with the media so wall-clock stamps look like a live source.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HlsPackager } from '../../../runtime/hls/packager';

export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

let available: boolean | undefined;

/** Whether ffmpeg and ffprobe run here. Under CI they must. */
export function haveFfmpeg(): boolean {
  if (available === undefined) {
    available = [FFMPEG, FFPROBE].every((bin) => spawnSync(bin, ['-version'], { stdio: 'ignore' }).status === 0);
    if (!available && process.env.CI) throw new Error('CI requires ffmpeg and ffprobe on PATH');
  }
  return available;
}

export interface Fmp4Options {
  seconds?: number;
  fps?: number;
  gop?: number;
  fragUs?: number;
  codec?: 'libx264' | 'libx265';
  size?: string;
}

const cache = new Map<string, Buffer>();

/** A short testsrc2 clip as ffmpeg writes it to the packager's pipe. */
export function makeFmp4(o: Fmp4Options = {}): Buffer {
  const { seconds = 8, fps = 30, gop = 30, fragUs = 200_000, codec = 'libx264', size = '320x240' } = o;
  const key = JSON.stringify([seconds, fps, gop, fragUs, codec, size]);
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-hls-'));
  try {
    const out = path.join(dir, 'out.mp4');
    const enc = codec === 'libx265' ? ['-c:v', 'libx265', '-tag:v', 'hvc1', '-x265-params', 'log-level=error:scenecut=0'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-sc_threshold', '0'];
    execFileSync(FFMPEG, [
      '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
      '-t', String(seconds), ...enc, '-g', String(gop), '-pix_fmt', 'yuv420p',
      '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(fragUs),
      out,
    ]);
    const buf = fs.readFileSync(out);
    cache.set(key, buf);
    return buf;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Top-level boxes of a complete file (test-side reference walk). */
export function topBoxes(buf: Buffer): Array<{ type: string; start: number; end: number }> {
  const out = [];
  for (let off = 0; off < buf.length; ) {
    const size = buf.readUInt32BE(off);
    out.push({ type: buf.toString('latin1', off + 4, off + 8), start: off, end: off + size });
    off += size;
  }
  return out;
}

export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

/** A clock for HlsPackager({now}) that moves forward by each fragment's duration, like a live feed. */
export function liveClock(): { now: () => number; attach: (p: HlsPackager) => void; advance: (ms: number) => void } {
  let t = T0;
  return {
    now: () => t,
    attach: (p) => p.on('fragment', (f: { durationS: number }) => (t += f.durationS * 1000)),
    advance: (ms) => (t += ms),
  };
}

/** Push buf into the packager in chunks of `size` bytes. */
export function feed(p: HlsPackager, buf: Buffer, size = 1000): void {
  for (let off = 0; off < buf.length; off += size) p.push(buf.subarray(off, Math.min(buf.length, off + size)));
}

export function tmpFile(name: string, data: Buffer): { file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-hls-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Frames ffprobe decodes in a file (or URL). */
export function countFrames(target: string): { codec: string; width: number; height: number; frames: number } {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', target], { timeout: 30_000 }).toString();
  const s = JSON.parse(out).streams[0];
  return { codec: s.codec_name, width: Number(s.width), height: Number(s.height), frames: Number(s.nb_read_frames) };
}
