// One camera's live view: an ffmpeg job (supervised) that remuxes (or transcodes) the camera to
// fragmented MP4 on a pipe, and the in-memory HLS packager that turns fragments into LL-HLS.
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../camera/config';
import type { StreamState, StreamStatePayload, StreamStats } from '../contracts';
import { FfmpegSupervisor } from '../ffmpeg/supervisor';
import { inputArgs, demoInputArgs, parseDemoUrl, sourceKind, transcodeArgs, fmp4OutputArgs } from '../ffmpeg/args';
import { withCredentials } from '../ffmpeg/redact';
import { HlsPackager } from '../hls/packager';
import { parseInputVideo, type InputVideo } from './stderr-info';
import type { Logger } from '../log';

export type StreamMode = 'copy' | 'transcode';

export interface CameraStreamOptions {
  mode: StreamMode;
  segmentTargetS: number;
  playlistSegments: number;
  /** LL-HLS part target (s); 0 turns low-latency parts off. */
  partTargetS: number;
  transcode: { preset: string; tune: string; bitrateKbps: number; gopSeconds: number };
  /** Write segments to this directory as well (off by default: SD cards wear out). */
  diskDir?: string;
  stallTimeoutMs: number;
  ffmpegPath?: string;
}

export const DEFAULT_STREAM_OPTIONS: CameraStreamOptions = {
  mode: 'copy',
  segmentTargetS: 2,
  playlistSegments: 5,
  // 1/3 s parts: PART-HOLD-BACK (3 parts) is 1 s, so hls.js plays ~1.1 s behind the camera
  // (bench/results/stream.json); 0.5 s parts give 1.5 s of hold-back alone. 10 frames at 30 fps,
  // 5 at 15 fps: parts divide the usual 1-4 s GOPs.
  partTargetS: 0.333,
  transcode: { preset: 'ultrafast', tune: 'zerolatency', bitrateKbps: 2000, gopSeconds: 2 },
  stallTimeoutMs: 10_000,
};

/**
 * ffmpeg's -frag_duration for a part target. ffmpeg cuts a fragment before the first frame that
 * would make it reach -frag_duration; camera timestamps jitter by a fraction of a millisecond, so at
 * exactly the target 15 frames at 30 fps are sometimes 499.99 ms and get a 16th frame, and the
 * playlist's PART-TARGET (hence PART-HOLD-BACK, hence latency) rises for every viewer. Asking for a
 * little less (at most 10 ms, far below any frame interval) keeps whole-frame parts at the target.
 */
export function fragDurationUs(partTargetS: number): number {
  return Math.round((partTargetS - Math.min(0.01, partTargetS * 0.05)) * 1e6);
}

/** Codecs an fMP4 HLS stream can carry as they are. */
const REMUXABLE = new Set(['h264', 'hevc']);

export interface CameraStreamEvents {
  state: [payload: StreamStatePayload];
  warn: [message: string];
}

export class CameraStream extends EventEmitter<CameraStreamEvents> {
  readonly packager: HlsPackager;
  private readonly supervisor: FfmpegSupervisor;
  private effectiveMode: StreamMode;
  private input?: InputVideo;
  private seenOutput = false;
  private bytesWindow: Array<{ t: number; n: number }> = [];
  private lastState: StreamState = 'stopped';
  private lastReason?: string;
  readonly playlistPath: string;

  constructor(
    readonly camera: CameraConfig,
    readonly options: CameraStreamOptions = DEFAULT_STREAM_OPTIONS,
    private readonly log?: Logger,
  ) {
    super();
    this.playlistPath = `/ferretwatch/hls/${camera.id}/index.m3u8`;
    // The demo source is raw video from lavfi: it has to be encoded.
    this.effectiveMode = sourceKind(camera.url) === 'demo' ? 'transcode' : options.mode;
    this.packager = new HlsPackager({
      segmentTargetS: options.segmentTargetS,
      playlistSegments: options.playlistSegments,
      partTargetS: options.partTargetS > 0 ? options.partTargetS : options.segmentTargetS,
      ll: options.partTargetS > 0,
      diskDir: options.diskDir,
    });
    this.supervisor = new FfmpegSupervisor({
      name: `stream:${camera.id}`,
      ffmpegPath: options.ffmpegPath,
      args: () => this.buildArgs(),
      stallTimeoutMs: options.stallTimeoutMs,
      log,
      onStdout: (chunk) => this.onChunk(chunk),
    });
    this.supervisor.on('state', (state, reason) => this.onState(state, reason));
    this.supervisor.on('stderr', (line) => this.onStderr(line));
  }

  get mode(): StreamMode {
    return this.effectiveMode;
  }

  get state(): StreamState {
    return this.lastState;
  }

  get reason(): string | undefined {
    return this.lastReason;
  }

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  start(): void {
    this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** Bytes/s the packager received over the last few seconds, as kb/s. */
  private bitrateKbps(now = Date.now()): number | undefined {
    const w = this.bytesWindow.filter((b) => now - b.t <= 5000);
    this.bytesWindow = w;
    if (w.length < 2) return undefined;
    const span = (now - w[0].t) / 1000;
    const bytes = w.reduce((s, b) => s + b.n, 0);
    return span > 0 ? Math.round((bytes * 8) / 1000 / span) : undefined;
  }

  get stats(): StreamStats {
    const s = this.supervisor.stats;
    return {
      fps: s.fps ?? this.input?.fps,
      bitrateKbps: this.bitrateKbps(),
      speed: s.speed,
      frames: s.frames,
      restarts: s.restarts,
    };
  }

  /** What the API and the node report about the stream (never the camera URL or its credentials). */
  describe() {
    const info = this.packager.info;
    const stats = this.stats;
    return {
      url: this.playlistPath,
      state: this.lastState,
      reason: this.lastReason,
      mode: this.effectiveMode,
      codec: info.codec ?? this.input?.codec,
      width: info.width ?? this.input?.width,
      height: info.height ?? this.input?.height,
      fps: stats.fps,
      bitrate: stats.bitrateKbps,
      restarts: stats.restarts,
    };
  }

  statePayload(): StreamStatePayload {
    return { camera: this.camera.id, state: this.lastState, reason: this.lastReason, url: this.playlistPath, stats: this.stats, ts: Date.now() };
  }

  private buildArgs(): string[] {
    const cam = this.camera;
    const kind = sourceKind(cam.url);
    const partUs = fragDurationUs(this.options.partTargetS > 0 ? this.options.partTargetS : this.options.segmentTargetS);
    const input =
      kind === 'demo'
        ? // The same options the detection reader takes from the URL, so boxes line up with the picture.
          demoInputArgs(parseDemoUrl(cam.url))
        : inputArgs({
            url: withCredentials(cam.url, cam.credentials.user, cam.credentials.password),
            transport: cam.transport,
            // A file "camera" plays in real time and loops, as a live source would.
            realtime: kind === 'file',
            loop: kind === 'file',
          });
    const codec =
      this.effectiveMode === 'copy'
        ? ['-c:v', 'copy']
        : transcodeArgs({ ...this.options.transcode, fps: this.input?.fps });
    this.seenOutput = false;
    this.input = undefined;
    this.packager.reset();
    return [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'info',
      '-stats',
      ...input,
      '-map',
      '0:v:0',
      '-an',
      ...codec,
      ...fmp4OutputArgs({ fragDurationMs: partUs / 1000 }),
    ];
  }

  private onChunk(chunk: Buffer): void {
    this.seenOutput = true;
    this.bytesWindow.push({ t: Date.now(), n: chunk.length });
    if (this.bytesWindow.length > 2000) this.bytesWindow.splice(0, 1000);
    try {
      this.packager.push(chunk);
    } catch (e) {
      // A corrupt stream from ffmpeg: start over rather than serve broken segments.
      this.log?.warn(`camera ${this.camera.id}: bad fMP4 from ffmpeg (${(e as Error).message}); restarting`);
      this.supervisor.restart('bad data from ffmpeg');
    }
  }

  private onStderr(line: string): void {
    if (this.input) return;
    const info = parseInputVideo(line);
    if (!info) return;
    this.input = info;
    if (this.effectiveMode === 'copy' && !REMUXABLE.has(info.codec)) {
      const msg = `camera ${this.camera.id}: source codec ${info.codec} cannot be remuxed to HLS; transcoding with libx264 instead`;
      this.effectiveMode = 'transcode';
      this.log?.warn(msg);
      this.emit('warn', msg);
      if (!this.seenOutput) this.supervisor.restart('switching to transcode');
    }
  }

  private onState(state: StreamState, reason?: string): void {
    if (state === this.lastState && reason === this.lastReason) return;
    this.lastState = state;
    this.lastReason = reason;
    this.emit('state', this.statePayload());
  }
}
