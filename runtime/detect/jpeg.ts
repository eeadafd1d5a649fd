// JPEG encoding with a one-shot ffmpeg (rawvideo on stdin, MJPEG on stdout): no image library.
import { spawn } from 'node:child_process';
import { resolveFfmpeg } from '../ffmpeg/resolve';

export interface JpegOptions {
  /** Region of the buffer to keep (e.g. the letterbox content without its gray bars). */
  crop?: { x: number; y: number; w: number; h: number };
  /** MJPEG qscale, 2 (best) .. 31 (default 4). */
  quality?: number;
  ffmpegPath?: string;
  timeoutMs?: number;
}

/** Encodes one w x h rgb24 frame; resolves with the JPEG bytes. */
export function encodeJpeg(rgb: Uint8Array, w: number, h: number, o: JpegOptions = {}): Promise<Buffer> {
  if (rgb.length < w * h * 3) return Promise.reject(new Error(`encodeJpeg: ${rgb.length} bytes is not a ${w}x${h} rgb24 frame`));
  const vf: string[] = [];
  if (o.crop) vf.push(`crop=${o.crop.w}:${o.crop.h}:${o.crop.x}:${o.crop.y}`);
  const q = String(Math.min(31, Math.max(2, Math.round(o.quality ?? 4))));
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-i', 'pipe:0',
    ...(vf.length ? ['-vf', vf.join(',')] : []),
    '-frames:v', '1', '-pix_fmt', 'yuvj420p', '-q:v', q, '-f', 'image2pipe', '-vcodec', 'mjpeg', 'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    let bin: string;
    try {
      bin = o.ffmpegPath ?? resolveFfmpeg().path;
    } catch (err) {
      reject(err as Error);
      return;
    }
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 10_000);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
    // ffmpeg exiting early closes stdin under us: the exit code tells the real story.
    child.stdin.on('error', () => undefined);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ffmpeg to encode a JPEG: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const jpg = Buffer.concat(chunks);
      if (code === 0 && jpg.length > 2 && jpg[0] === 0xff && jpg[1] === 0xd8) resolve(jpg);
      else reject(new Error(`ffmpeg could not encode the JPEG (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    child.stdin.end(Buffer.from(rgb.buffer, rgb.byteOffset, w * h * 3));
  });
}
