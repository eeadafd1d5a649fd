// Decode a picture (file or in-memory bytes: JPEG, PNG, …) to RGB24 with ffmpeg, downscaled so that
// its longer side is at most `maxSide` — a 4032x2268 phone photo is 27 MB as RGB, and an embedding
// needs a few hundred pixels. The output is PPM, whose header carries the size ffmpeg actually
// produced, so no rounding has to be guessed.
import { spawn } from 'node:child_process';

export interface DecodedImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface DecodeOptions {
  /** Longest side after decoding; larger pictures are scaled down (aspect kept). Default 1280. */
  maxSide?: number;
  /** Give up after this many ms. Default 20000. */
  timeoutMs?: number;
  /** Refuse inputs larger than this many bytes. Default 32 MB. */
  maxInputBytes?: number;
}

function ffmpegBin(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

/** Parse a binary PPM (P6, maxval 255). */
export function parsePpm(buf: Buffer): DecodedImage {
  // Header: "P6" whitespace width whitespace height whitespace maxval one-whitespace data.
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]))) pos++;
      if (buf[pos] === 0x23) {
        while (pos < buf.length && buf[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    return buf.toString('latin1', start, pos);
  };
  if (token() !== 'P6') throw new Error('decoder output is not a P6 picture');
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  pos++; // the single whitespace before the data
  if (!(width > 0 && height > 0) || max !== 255) throw new Error(`decoder output has an unsupported header (${width}x${height}, max ${max})`);
  const n = width * height * 3;
  if (buf.length - pos < n) throw new Error(`decoder output is truncated (${buf.length - pos} of ${n} bytes)`);
  return { rgb: new Uint8Array(buf.buffer, buf.byteOffset + pos, n), width, height };
}

/**
 * Decode the first picture of `input` (a path, or the encoded bytes) to RGB24, its longer side at
 * most `maxSide`. Errors say what could not be decoded (never the bytes).
 */
export function decodeImage(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const maxSide = Math.max(16, Math.floor(opts.maxSide ?? 1280));
  const what = typeof input === 'string' ? input.split(/[\\/]/).pop() : `image (${input.length} bytes)`;
  if (typeof input !== 'string' && input.length > (opts.maxInputBytes ?? 32 * 1024 * 1024)) {
    return Promise.reject(new Error(`${what} is too large`));
  }
  if (typeof input !== 'string' && input.length === 0) return Promise.reject(new Error('empty image'));
  const scale = `scale=w='min(${maxSide},iw)':h='min(${maxSide},ih)':force_original_aspect_ratio=decrease:flags=bilinear+accurate_rnd+full_chroma_int`;
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-i', typeof input === 'string' ? input : 'pipe:0',
    '-frames:v', '1', '-vf', `${scale},format=rgb24`,
    '-f', 'image2pipe', '-c:v', 'ppm', 'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegBin(), args, { stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    let settled = false;
    const finish = (err?: Error, img?: DecodedImage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(img!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`decoding ${what} timed out`));
    }, opts.timeoutMs ?? 20_000);
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => {
      if (stderr.length < 8192) stderr += c;
    });
    child.on('error', (err) => finish(new Error(`cannot run ffmpeg (${ffmpegBin()}) to decode ${what}: ${err.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-2).join(' | ');
        finish(new Error(`ffmpeg could not decode ${what}${tail ? `: ${tail}` : ''}`));
        return;
      }
      try {
        finish(undefined, parsePpm(Buffer.concat(chunks)));
      } catch (err) {
        finish(new Error(`ffmpeg could not decode ${what}: ${(err as Error).message}`));
      }
    });
    if (typeof input !== 'string' && child.stdin) {
      // ffmpeg may stop reading early (bad data): a closed pipe is not our error, the exit code is.
      child.stdin.on('error', () => undefined);
      child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.length));
    }
  });
}
