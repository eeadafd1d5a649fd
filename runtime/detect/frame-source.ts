// A camera's detection frames: its own supervised ffmpeg (independent of the HLS stream) that
// writes letterboxed rgb24 frames to stdout. stdout is read continuously and only the newest
// complete frame is kept (latest-frame-wins), so a slow detector never back-pressures ffmpeg into
// stalling, and frames it had no time for are counted as dropped.
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../camera/config';
import type { StreamState } from '../contracts';
import { FfmpegSupervisor, type SupervisorLog } from '../ffmpeg/supervisor';
import type { Backoff } from '../ffmpeg/backoff';
import { BufferPool, FrameAssembler } from './frame-assembler';
import { InputSizeWatcher } from './input-size';
import { LatestFrameSlot } from './latest-frame';
import { letterbox, type Letterbox } from './letterbox';
import { frameSourceArgs } from './source-args';

export interface SourceFrame {
  /** Letterboxed HWC rgb24, width x height. Valid until release(frame); do not keep it longer. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Source (camera) frame size, as ffmpeg reported it. */
  srcW: number;
  srcH: number;
  /** Maps rgb's pixels back to source pixels. */
  lb: Letterbox;
  /** Counts every frame ffmpeg delivered since start() (dropped ones too), across restarts. */
  frameId: number;
  /** Wall-clock ms at which the frame's last byte arrived from ffmpeg (≈ capture + decode latency). */
  ts: number;
  /** How long next() waited for this frame. */
  waitMs: number;
  /** Frames replaced by newer ones since the previous next() (latest-frame-wins). */
  dropped: number;
}

export interface FrameSourceOptions {
  /** For logs (e.g. "detect:cam1"). */
  name: string;
  /** ffmpeg arguments, rebuilt at every spawn; stdout must be width x height rgb24 frames. */
  args: () => string[];
  width: number;
  height: number;
  ffmpegPath?: string;
  /** No frame for this long → stalled, restart (default 10 s). */
  stallTimeoutMs?: number;
  log?: Partial<SupervisorLog>;
  backoff?: Backoff;
}

export interface FrameSourceStats {
  state: StreamState;
  reason?: string;
  /** Frames delivered by ffmpeg since start(). */
  frames: number;
  /** Frames replaced before inference since start(). */
  dropped: number;
  restarts: number;
  srcW?: number;
  srcH?: number;
  pid?: number;
}

interface FrameMeta {
  frameId: number;
  ts: number;
  srcW: number;
  srcH: number;
  lb: Letterbox;
}

export interface FrameSourceEvents {
  state: [state: StreamState, reason?: string];
}

export class FrameSource extends EventEmitter<FrameSourceEvents> {
  readonly width: number;
  readonly height: number;
  private readonly supervisor: FfmpegSupervisor;
  private readonly pool: BufferPool;
  private readonly assembler: FrameAssembler;
  private readonly slot: LatestFrameSlot<FrameMeta>;
  private readonly sizeWatcher = new InputSizeWatcher();
  private geometry: { srcW: number; srcH: number; lb: Letterbox } | undefined;
  private frameCounter = 0;
  private reason: string | undefined;

  constructor(opts: FrameSourceOptions) {
    super();
    this.width = opts.width;
    this.height = opts.height;
    this.pool = new BufferPool(opts.width * opts.height * 3);
    this.assembler = new FrameAssembler(this.pool.bytes, () => this.pool.take());
    this.slot = new LatestFrameSlot<FrameMeta>((b) => this.pool.give(b));
    this.supervisor = new FfmpegSupervisor({
      name: opts.name,
      ffmpegPath: opts.ffmpegPath,
      args: () => {
        // A new process: its stream starts at a frame boundary and may have another size.
        this.assembler.reset();
        this.sizeWatcher.reset();
        this.geometry = undefined;
        this.slot.clear();
        return opts.args();
      },
      stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
      log: opts.log,
      backoff: opts.backoff,
      onStdout: (chunk) => this.assembler.push(chunk, (buf) => this.onFrame(buf)),
    });
    this.supervisor.on('stderr', (line) => {
      const size = this.sizeWatcher.push(line);
      if (size) this.geometry = { srcW: size.width, srcH: size.height, lb: letterbox(size.width, size.height, this.width, this.height) };
    });
    this.supervisor.on('state', (state, reason) => {
      this.reason = reason;
      this.emit('state', state, reason);
    });
  }

  /** A camera's detection source: analysis URL when set, `fps` frames/s, letterboxed to width x height. */
  static forCamera(
    camera: CameraConfig,
    o: { fps: number; width: number; height: number; ffmpegPath?: string; stallTimeoutMs?: number; log?: Partial<SupervisorLog>; backoff?: Backoff },
  ): FrameSource {
    return new FrameSource({
      name: `detect:${camera.id}`,
      args: () => frameSourceArgs(camera, { fps: o.fps, width: o.width, height: o.height }),
      width: o.width,
      height: o.height,
      ffmpegPath: o.ffmpegPath,
      stallTimeoutMs: o.stallTimeoutMs,
      log: o.log,
      backoff: o.backoff,
    });
  }

  get state(): StreamState {
    return this.supervisor.state;
  }

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  /** Frame buffers ever allocated: stays small (filling, newest, the ones the consumer holds). */
  get buffersAllocated(): number {
    return this.pool.allocated;
  }

  get stats(): FrameSourceStats {
    return {
      state: this.supervisor.state,
      reason: this.reason,
      frames: this.frameCounter,
      dropped: this.slot.droppedTotal,
      restarts: this.supervisor.stats.restarts,
      srcW: this.geometry?.srcW,
      srcH: this.geometry?.srcH,
      pid: this.supervisor.pid,
    };
  }

  start(): void {
    this.slot.reopen();
    this.supervisor.start();
  }

  /** Stops ffmpeg (resolves once it has exited) and wakes a waiting next() with null. */
  stop(): Promise<void> {
    this.slot.close();
    return this.supervisor.stop();
  }

  /** The newest frame not yet taken (waiting for one if needed); null once stopped. One caller at a time. */
  async next(): Promise<SourceFrame | null> {
    const s = await this.slot.next();
    if (!s) return null;
    const m = s.meta;
    return {
      rgb: s.buf,
      width: this.width,
      height: this.height,
      srcW: m.srcW,
      srcH: m.srcH,
      lb: m.lb,
      frameId: m.frameId,
      ts: m.ts,
      waitMs: s.waitMs,
      dropped: s.dropped,
    };
  }

  /** Give a frame's buffer back for reuse (after inference, and after anyone copied what they need). */
  release(frame: SourceFrame): void {
    this.pool.give(frame.rgb);
  }

  private onFrame(buf: Uint8Array): void {
    const frameId = this.frameCounter++;
    const g = this.geometry;
    if (!g) {
      // ffmpeg writes its input report before the first frame; without it boxes cannot be mapped.
      this.pool.give(buf);
      this.slot.countDropped();
      return;
    }
    this.slot.put(buf, { frameId, ts: Date.now(), srcW: g.srcW, srcH: g.srcH, lb: g.lb });
  }
}
