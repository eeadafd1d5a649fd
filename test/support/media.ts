// ffmpeg/ffprobe helpers for tests and benchmarks, and cached H.264 fixture clips.
//
// Fixtures are encoded ONCE per parameter set into os.tmpdir()/ferretwatch-fixtures/ and reused by
// every later run, so tests pay the encode only the first time on a machine.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedDir } from './shared';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, name);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** ffmpeg to run: $FFMPEG_PATH, else the one on PATH (bare 'ffmpeg' if none, so spawn errors say so). */
export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || onPath('ffmpeg') || 'ffmpeg';
}

/** ffprobe to run: $FFPROBE_PATH, else the one on PATH. */
export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || onPath('ffprobe') || 'ffprobe';
}

export interface ProbeStream {
  index: number;
  codec_type: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  has_b_frames?: number;
  duration?: string;
  nb_frames?: string;
  [key: string]: unknown;
}

export interface ProbeResult {
  streams: ProbeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * `ffprobe -show_streams -show_format` as JSON. `extraArgs` go before the input (e.g.
 * ['-rtsp_transport', 'tcp']). Rejects with ffprobe's stderr on failure or after `timeoutMs`.
 */
export function ffprobeJson(input: string, extraArgs: string[] = [], opts: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', ...extraArgs, '-i', input];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath(), args, { timeout: opts.timeoutMs ?? 15000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = (stderr || '').trim() || (err.killed ? `timed out after ${opts.timeoutMs ?? 15000} ms` : err.message);
        reject(new Error(`ffprobe ${input} failed: ${why}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ProbeResult);
      } catch (e) {
        reject(new Error(`ffprobe ${input}: unparsable output: ${(e as Error).message}`));
      }
    });
  });
}

/** First video stream of a probe result (throws if there is none). */
export function videoStream(probe: ProbeResult): ProbeStream {
  const v = probe.streams.find((s) => s.codec_type === 'video');
  if (!v) throw new Error(`no video stream in ${JSON.stringify(probe.streams.map((s) => s.codec_type))}`);
  return v;
}

/** Run ffmpeg to completion; rejects with the tail of stderr on a non-zero exit. */
export function runFfmpeg(args: string[], opts: { timeoutMs?: number } = {}): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-8000);
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve({ stderr });
      else reject(new Error(`ffmpeg exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** Keyframe interval in seconds (closed, fixed GOP; scene-cut keyframes are disabled). */
  gopSeconds: number;
  /**
   * Source video: a path, or 'testsrc2' for ffmpeg's synthetic pattern. Defaults to a real clip
   * from ../shared/media/videos (scaled/cropped and frame-rate converted), or testsrc2 when absent.
   */
  source?: string;
  /** Target bitrate (ABR with a matching VBV cap, like a camera). Default: CRF 23. */
  bitrateKbps?: number;
}

/** Where fixtures are cached. */
export function fixturesDir(): string {
  return path.join(os.tmpdir(), 'ferretwatch-fixtures');
}

/**
 * A natively 30 fps, 640x480 top-down clip of a small animal in an enclosure: the closest to a
 * ferret camera of the shared videos, and with real motion (a synthetic pattern compresses unlike
 * a camera does).
 */
export const DEFAULT_SOURCE_CLIP = 'media/videos/mouse_openfield_topdown.mp4';

function defaultSource(): string {
  const dir = sharedDir();
  const full = dir ? path.join(dir, DEFAULT_SOURCE_CLIP) : undefined;
  return full && fs.existsSync(full) ? full : 'testsrc2';
}

/** Cache file name for a clip: every parameter that changes the output is in it. */
export function clipFileName(spec: ClipSpec, source: string): string {
  const src = source === 'testsrc2' ? 'testsrc2' : path.basename(source, path.extname(source)).replace(/[^\w-]+/g, '_');
  const rate = spec.bitrateKbps ? `${spec.bitrateKbps}k` : 'crf23';
  return `h264_${spec.width}x${spec.height}_${spec.fps}fps_${spec.seconds}s_gop${spec.gopSeconds}s_${rate}_${src}.mp4`;
}

/** ffmpeg arguments that encode `spec` from `source` into `out`. */
export function clipEncodeArgs(spec: ClipSpec, source: string, out: string): string[] {
  const gop = Math.max(1, Math.round(spec.fps * spec.gopSeconds));
  const input =
    source === 'testsrc2'
      ? ['-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`]
      : ['-stream_loop', '-1', '-i', source];
  const vf = [
    `fps=${spec.fps}`,
    `scale=${spec.width}:${spec.height}:force_original_aspect_ratio=increase`,
    `crop=${spec.width}:${spec.height}`,
    'setsar=1',
    'format=yuv420p',
  ].join(',');
  const rate = spec.bitrateKbps
    ? ['-b:v', `${spec.bitrateKbps}k`, '-maxrate', `${spec.bitrateKbps}k`, '-bufsize', `${spec.bitrateKbps * 2}k`]
    : ['-crf', '23'];
  return [
    '-y', '-loglevel', 'error', ...input, '-t', String(spec.seconds), '-an', '-sn', '-dn', '-vf', vf,
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // No B-frames (low latency, like most cameras) and a fixed GOP so HLS segments cut evenly.
    '-bf', '0', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', ...rate,
    '-movflags', '+faststart', '-f', 'mp4', out,
  ];
}

const pending = new Map<string, Promise<string>>();

/**
 * Path of an H.264 MP4 matching `spec`, encoding it the first time. Written to a temporary name
 * and renamed, so a concurrent or interrupted run never sees half a file.
 */
export function ensureH264Clip(spec: ClipSpec): Promise<string> {
  const source = spec.source ?? defaultSource();
  const out = path.join(fixturesDir(), clipFileName(spec, source));
  const inFlight = pending.get(out);
  if (inFlight) return inFlight;
  const job = (async () => {
    if (fs.existsSync(out) && fs.statSync(out).size > 0) return out;
    fs.mkdirSync(fixturesDir(), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      await runFfmpeg(clipEncodeArgs(spec, source, tmp), { timeoutMs: Math.max(120000, spec.seconds * 10000) });
      fs.renameSync(tmp, out);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return out;
  })();
  pending.set(out, job);
  job.catch(() => pending.delete(out));
  return job;
}

/** The streaming benchmark's camera: 1920x1080, 30 fps, 20 s, 1 s GOP, ~4 Mbit/s like a real camera. */
export function ensure1080p30(): Promise<string> {
  return ensureH264Clip({ width: 1920, height: 1080, fps: 30, seconds: 20, gopSeconds: 1, bitrateKbps: 4000 });
}

/** A small, quick-to-encode clip for integration tests: 640x360, 15 fps, 6 s, 1 s GOP. */
export function ensureSmallClip(): Promise<string> {
  return ensureH264Clip({ width: 640, height: 360, fps: 15, seconds: 6, gopSeconds: 1 });
}
