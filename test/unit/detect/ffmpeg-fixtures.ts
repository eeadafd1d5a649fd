// Synthetic pictures and clips made with ffmpeg's lavfi sources, for the detect tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fw-detect-${tag}-`));
}

/** A black w x h PNG with a white filled rectangle [x, y, rw, rh]. */
export function makeRectPng(dir: string, w: number, h: number, rect: [number, number, number, number]): string {
  const file = path.join(dir, `rect_${w}x${h}.png`);
  const [x, y, rw, rh] = rect;
  execFileSync(FFMPEG, [
    '-v', 'error', '-y',
    // The color source rounds odd sizes down to even, so make it larger and crop in rgb24.
    '-f', 'lavfi', '-i', `color=c=black:s=${w + 1}x${h + 1}`,
    '-vf', `format=rgb24,crop=${w}:${h}:0:0,drawbox=x=${x}:y=${y}:w=${rw}:h=${rh}:color=white:t=fill`,
    '-frames:v', '1', file,
  ]);
  return file;
}

/** A small JPEG (to be renamed .onnx by the error tests). */
export function makeJpeg(file: string): string {
  execFileSync(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', '-f', 'mjpeg', file]);
  return file;
}

/** Run a lavfi filter graph and split stdout into rgb24 frames of w x h. */
export function lavfiFrames(args: string[], w: number, h: number): Uint8Array[] {
  const out = execFileSync(FFMPEG, ['-v', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const size = w * h * 3;
  const frames: Uint8Array[] = [];
  for (let o = 0; o + size <= out.length; o += size) frames.push(new Uint8Array(out.buffer, out.byteOffset + o, size));
  return frames;
}
