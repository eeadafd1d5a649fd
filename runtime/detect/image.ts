// One-shot image decoding with ffmpeg (JPEG, PNG, the first frame of a video…), so no image library
// is needed. The source size is read from ffmpeg's own stream report on stderr: one process, not two.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { letterbox, letterboxFilter, type Letterbox } from './letterbox';

export interface LetterboxedImage {
  /** HWC rgb24, size x size (or width x height). */
  rgb: Uint8Array;
  srcW: number;
  srcH: number;
  lb: Letterbox;
}

export interface RawImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

interface FfmpegResult {
  stdout: Buffer;
  stderr: string;
}

function runFfmpeg(args: string[], file: string): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      // Keep the head (stream info) and a tail (the error); a chatty decoder cannot grow this forever.
      stderr = stderr.length < 64 * 1024 ? stderr + c : stderr.slice(0, 32 * 1024) + stderr.slice(-16 * 1024) + c;
    });
    child.on('error', (err) => reject(new Error(`cannot run ffmpeg (${ffmpegPath()}) to decode ${path.basename(file)}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout: Buffer.concat(chunks), stderr });
      else {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`ffmpeg could not decode ${path.basename(file)} (exit ${code}): ${tail}`));
      }
    });
  });
}

/**
 * Display size of the first video stream in ffmpeg's input report, e.g.
 * "Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 810x1080 [SAR 1:1 DAR 3:4]".
 * A 90/270 degree display matrix swaps width and height (ffmpeg autorotates).
 */
export function parseInputVideoSize(stderr: string): { width: number; height: number } | undefined {
  const input = stderr.split(/\nOutput #0|\nStream mapping:/)[0];
  const lines = input.split('\n');
  const idx = lines.findIndex((l) => /Stream #0:\d+.*: Video: /.test(l));
  if (idx < 0) return undefined;
  const m = /(?<![\w.])([1-9]\d{0,5})x([1-9]\d{0,5})(?![\w])/.exec(lines[idx].split(': Video: ')[1]);
  if (!m) return undefined;
  let width = Number(m[1]);
  let height = Number(m[2]);
  for (let k = idx + 1; k < lines.length && !/Stream #0:/.test(lines[k]); k++) {
    const r = /rotation of (-?\d+(?:\.\d+)?) degrees/.exec(lines[k]);
    if (r && Math.abs(Math.round(Number(r[1]))) % 180 === 90) [width, height] = [height, width];
  }
  return { width, height };
}

const INPUT_ARGS = ['-hide_banner', '-nostdin', '-v', 'info'];

/** Decode the first frame of `file` letterboxed to size x size (or [width, height]) rgb24. */
export async function decodeImageLetterboxed(file: string, size: number | [number, number] = 640): Promise<LetterboxedImage> {
  const [dstW, dstH] = typeof size === 'number' ? [size, size] : size;
  const args = [
    ...INPUT_ARGS,
    '-i', file,
    '-frames:v', '1',
    '-vf', letterboxFilter(dstW, dstH),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  const { stdout, stderr } = await runFfmpeg(args, file);
  const src = parseInputVideoSize(stderr);
  if (!src) throw new Error(`ffmpeg found no picture in ${path.basename(file)}`);
  if (stdout.length !== dstW * dstH * 3) {
    throw new Error(`ffmpeg returned ${stdout.length} bytes for ${path.basename(file)}, expected ${dstW * dstH * 3}`);
  }
  const rgb = new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length);
  return { rgb, srcW: src.width, srcH: src.height, lb: letterbox(src.width, src.height, dstW, dstH) };
}

/** Decode the first frame of `file` at its own size as rgb24. */
export async function decodeImageRaw(file: string): Promise<RawImage> {
  const args = [...INPUT_ARGS, '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const { stdout, stderr } = await runFfmpeg(args, file);
  const src = parseInputVideoSize(stderr);
  if (!src) throw new Error(`ffmpeg found no picture in ${path.basename(file)}`);
  const { width, height } = src;
  if (stdout.length !== width * height * 3) {
    throw new Error(`ffmpeg returned ${stdout.length} bytes for ${path.basename(file)}, expected ${width}x${height} rgb24`);
  }
  return { rgb: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length), width, height };
}
