// One camera's detection loop: frames from its own ffmpeg (latest-frame-wins), the detector
// (shared YOLO session or motion), zones and masks in source pixels, optional appearance
// embeddings, then a DetectionsPayload. Frames stay here; only results leave.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { CameraConfig } from '../camera/config';
import type { Detection, DetectionsPayload, StreamState } from '../contracts';
import type { Logger } from '../log';
import type { Backoff } from '../ffmpeg/backoff';
import type { FrameDetector } from './detector-types';
import { annotate } from './draw';
import { loadEmbedder, type Embedder, type EmbedderKind } from './embedder-bridge';
import { EmissionGate, RateWindow } from './emission';
import { FrameSource, type FrameSourceStats, type SourceFrame } from './frame-source';
import { encodeJpeg } from './jpeg';
import { letterboxBox } from './letterbox';
import { loadFrameDetector, type DetectorConfig } from './load-detector';
import { detectRegistry, type DetectHandle, type DetectRegistry, type DetectState, type DetectStats, type LatestFrame } from './registry';
import { snapshotPath } from './snapshot-route';
import { applyZones } from './zones';

/** The frame source as the pipeline uses it (FrameSource, or a fake in tests). */
export interface FrameSourceLike {
  readonly width: number;
  readonly height: number;
  readonly stats: FrameSourceStats;
  start(): void;
  stop(): Promise<void>;
  next(): Promise<SourceFrame | null>;
  release(frame: SourceFrame): void;
  on(event: 'state', fn: (state: StreamState, reason?: string) => void): unknown;
}

export interface DetectPipelineOptions {
  camera: CameraConfig;
  detector: DetectorConfig;
  /** Frames per second analysed (default 5, as Frigate). */
  fps?: number;
  embedder?: EmbedderKind;
  /** Keep an annotated snapshot of the latest frame available at GET …/snapshot.jpg. */
  snapshots?: boolean;
  log?: Logger;
  ffmpegPath?: string;
  stallTimeoutMs?: number;
  backoff?: Backoff;
  /** Registry to publish in (default: the process-wide one). */
  registry?: DetectRegistry;
  /** Replaces the ffmpeg frame source (tests). */
  sourceFactory?: (width: number, height: number, fps: number) => FrameSourceLike;
}

export interface SnapshotReply {
  payload: DetectionsPayload;
  snapshotUrl: string;
}

export interface DetectPipelineEvents {
  state: [stats: DetectStats];
  /** A result to send (per the emission rule), unless it went out as a snapshot reply. */
  detections: [payload: DetectionsPayload];
  /** Every processed frame's result, sent or not (stats, benchmarks, dashboards). Do not modify it. */
  frame: [payload: DetectionsPayload, detail: { runMs?: number }];
  /** A failure while running (model output the decoder cannot read, …); the pipeline stops. */
  error: [err: Error];
  /** Something degraded but running (e.g. the embedder is unavailable). */
  warning: [message: string];
}

interface Held {
  frame: SourceFrame;
  detections: Detection[];
}

interface SnapshotWaiter {
  resolve: (r: SnapshotReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const noopLog: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class DetectPipeline extends EventEmitter<DetectPipelineEvents> implements DetectHandle {
  readonly cameraId: string;
  readonly fps: number;
  private readonly o: DetectPipelineOptions;
  private readonly log: Logger;
  private readonly registry: DetectRegistry;
  private detector: FrameDetector | undefined;
  private modelName: string | undefined;
  private embedder: Embedder | undefined;
  private source: FrameSourceLike | undefined;
  private state: DetectState = 'stopped';
  private reason: string | undefined;
  private since = Date.now();
  private attached = false;
  private stopping = false;
  private paused = false;
  private loop: Promise<void> | undefined;
  private ops: Promise<void> = Promise.resolve();
  private held: Held | undefined;
  private readonly gate = new EmissionGate();
  private droppedSinceMsg = 0;
  private frames = 0;
  private lastLabels: Record<string, number> = {};
  private lastCount = 0;
  private lastTs: number | undefined;
  private readonly fpsWindow = new RateWindow(5000);
  private readonly inferWindow = new RateWindow(5000);
  private readonly totalWindow = new RateWindow(5000);
  private snapshotWaiters: SnapshotWaiter[] = [];
  private jpeg: { frameId: number; buf: Buffer } | undefined;
  private jpegJob: { frameId: number; job: Promise<Buffer> } | undefined;
  private lastRunMs: number | undefined;
  /** The payload of the frame being delivered. */
  private current: DetectionsPayload | undefined;

  constructor(opts: DetectPipelineOptions) {
    super();
    this.o = opts;
    this.cameraId = opts.camera.id;
    this.fps = opts.fps && opts.fps > 0 ? opts.fps : 5;
    this.log = opts.log ?? noopLog;
    this.registry = opts.registry ?? detectRegistry;
  }

  get currentState(): DetectState {
    return this.state;
  }

  /** ffmpeg's pid while it runs (tests check that none is left behind). */
  get pid(): number | undefined {
    return this.source?.stats.pid;
  }

  /**
   * Claim the camera, load the model (and the embedder), start ffmpeg and the loop. Rejects with a
   * reason naming the model file when it cannot be used; the pipeline is then in state 'error'.
   */
  async start(): Promise<void> {
    this.registry.attach(this, this);
    this.attached = true;
    this.setState('loading');
    let loaded;
    try {
      loaded = await loadFrameDetector(this.o.detector);
    } catch (err) {
      this.setState('error', (err as Error).message);
      throw err;
    }
    if (this.stopping) {
      await loaded.detector.release();
      return;
    }
    this.detector = loaded.detector;
    this.modelName = loaded.modelName;
    if (this.o.embedder && this.o.embedder !== 'none') {
      let embedder: Embedder | undefined;
      try {
        embedder = await loadEmbedder(this.o.embedder, { threads: this.o.detector.threads });
      } catch (err) {
        const msg = `no appearance embeddings: ${(err as Error).message}`;
        this.log.warn(`detect:${this.cameraId}: ${msg}`);
        this.emit('warning', msg);
      }
      // stop() may have run while the embedder loaded: it released the detector already.
      if (this.stopping) {
        await embedder?.release();
        return;
      }
      this.embedder = embedder;
    }
    const w = this.detector.inputWidth;
    const h = this.detector.inputHeight;
    const src = this.o.sourceFactory
      ? this.o.sourceFactory(w, h, this.fps)
      : FrameSource.forCamera(this.o.camera, {
          fps: this.fps,
          width: w,
          height: h,
          ffmpegPath: this.o.ffmpegPath,
          stallTimeoutMs: this.o.stallTimeoutMs,
          log: this.log,
          backoff: this.o.backoff,
        });
    this.source = src;
    src.on('state', (state, reason) => {
      if (this.state === 'error' || this.paused || this.stopping) return;
      this.setState(state, reason);
    });
    if (!this.paused) this.run();
  }

  /** Stop analysing (ffmpeg exits, no CPU used) until resume(). */
  pause(): Promise<void> {
    return this.enqueue(async () => {
      if (this.paused || this.state === 'error' || !this.source) {
        this.paused = true;
        return;
      }
      this.paused = true;
      await this.halt();
      this.setState('paused');
    });
  }

  resume(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.paused) return;
      this.paused = false;
      if (this.state === 'error' || this.stopping || !this.source) return;
      this.run();
    });
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Waits for ffmpeg to exit, releases the model session reference and leaves the registry. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ops.catch(() => undefined);
    await this.halt();
    for (const w of this.snapshotWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('detection stopped'));
    }
    if (this.held && this.source) this.source.release(this.held.frame);
    this.held = undefined;
    const d = this.detector;
    this.detector = undefined;
    await d?.release();
    const e = this.embedder;
    this.embedder = undefined;
    await e?.release();
    if (this.state !== 'error') this.setState('stopped');
    if (this.attached) this.registry.detach(this.cameraId, this);
    this.attached = false;
  }

  /**
   * The next processed frame's result with an annotated snapshot (served at snapshotUrl). That
   * frame's result goes out through this reply instead of the 'detections' event.
   */
  snapshotNext(timeoutMs = 15_000): Promise<SnapshotReply> {
    if (this.state === 'error') return Promise.reject(new Error(`detection is not running: ${this.reason ?? 'error'}`));
    if (this.paused) return Promise.reject(new Error('detection is paused: send "resume" first'));
    if (this.stopping) return Promise.reject(new Error('detection stopped'));
    return new Promise<SnapshotReply>((resolve, reject) => {
      const w: SnapshotWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.snapshotWaiters = this.snapshotWaiters.filter((x) => x !== w);
          reject(new Error(`no frame within ${Math.round(timeoutMs / 1000)} s for the snapshot (${this.reason ?? this.state})`));
        }, timeoutMs),
      };
      this.snapshotWaiters.push(w);
    });
  }

  stats(): DetectStats {
    const now = Date.now();
    const s = this.source?.stats;
    return {
      camera: this.cameraId,
      state: this.state,
      reason: this.reason,
      model: this.modelName,
      kind: this.detector?.kind,
      fps: this.fpsWindow.rate(now),
      inferMs: this.inferWindow.mean(now),
      totalMs: this.totalWindow.mean(now),
      frames: this.frames,
      dropped: s?.dropped ?? 0,
      restarts: s?.restarts ?? 0,
      detections: this.lastCount,
      labels: { ...this.lastLabels },
      lastFrameTs: this.lastTs,
      srcW: s?.srcW,
      srcH: s?.srcH,
      since: this.since,
    };
  }

  latest(): LatestFrame | undefined {
    const h = this.held;
    if (!h) return undefined;
    const f = h.frame;
    return {
      camera: this.cameraId,
      frameId: f.frameId,
      ts: f.ts,
      rgb: f.rgb.slice(),
      width: f.width,
      height: f.height,
      srcW: f.srcW,
      srcH: f.srcH,
      lb: f.lb,
      detections: h.detections.map((d) => ({ ...d, box: [...d.box] as Detection['box'], zones: [...d.zones] })),
    };
  }

  /** With "snapshots" on, the latest frame is encoded on demand (once per frame); else the last requested one. */
  async snapshotJpeg(): Promise<Buffer | undefined> {
    const h = this.held;
    if (this.o.snapshots && h && this.jpeg?.frameId !== h.frame.frameId) return this.encodeHeld(h);
    return this.jpeg?.buf;
  }

  // ------------------------------------------------------------------------------------------

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.ops.then(fn);
    this.ops = p.catch(() => undefined);
    return p;
  }

  /** Stop ffmpeg and wait for the loop to leave. */
  private async halt(): Promise<void> {
    await this.source?.stop();
    await this.loop;
    this.loop = undefined;
  }

  private run(): void {
    const src = this.source as FrameSourceLike;
    this.gate.reset();
    this.setState('starting');
    src.start();
    this.loop = this.frameLoop(src).catch((err: Error) => this.fail(err));
  }

  private async frameLoop(src: FrameSourceLike): Promise<void> {
    for (;;) {
      const frame = await src.next();
      if (!frame) return;
      if (this.stopping || this.paused) {
        src.release(frame);
        return;
      }
      let detections: Detection[];
      try {
        detections = await this.process(frame);
      } catch (err) {
        src.release(frame);
        throw err;
      }
      // The previous frame is given back only now, so latest() never sees a recycled buffer.
      if (this.held) src.release(this.held.frame);
      this.held = { frame, detections };
      this.registry.emit('frame', this.cameraId, frame.frameId);
      await this.deliver(frame, detections);
    }
  }

  private async process(frame: SourceFrame): Promise<Detection[]> {
    const det = this.detector as FrameDetector;
    const res = await det.detect(frame.rgb, frame.lb, frame.srcW, frame.srcH);
    const t0 = performance.now();
    let detections = applyZones(res.detections, this.o.camera.zones, frame.srcW, frame.srcH);
    if (this.embedder && detections.length > 0) detections = await this.embed(frame, detections);
    const postMs = res.timings.postMs + (performance.now() - t0);
    this.lastRunMs = res.timings.runMs;
    const timings = { decodeMs: frame.waitMs, preMs: res.timings.preMs, inferMs: res.timings.inferMs, postMs };
    const now = Date.now();
    this.frames++;
    this.lastTs = frame.ts;
    this.lastCount = detections.length;
    const labels: Record<string, number> = {};
    for (const d of detections) labels[d.label] = (labels[d.label] ?? 0) + 1;
    this.lastLabels = labels;
    this.fpsWindow.add(now, 1);
    this.inferWindow.add(now, timings.inferMs);
    this.totalWindow.add(now, timings.decodeMs + timings.preMs + timings.inferMs + timings.postMs);
    this.droppedSinceMsg += frame.dropped;
    if (this.state !== 'live') this.setState('live');
    this.current = {
      camera: this.cameraId,
      frameId: frame.frameId,
      ts: frame.ts,
      width: frame.srcW,
      height: frame.srcH,
      detections,
      timings,
      dropped: 0,
    };
    return detections;
  }

  private async embed(frame: SourceFrame, detections: Detection[]): Promise<Detection[]> {
    const boxes = detections.map((d) => letterboxBox(d.box, frame.lb));
    try {
      const vecs = await (this.embedder as Embedder).embed(frame.rgb, frame.width, frame.height, boxes);
      return detections.map((d, i) => (vecs[i] ? { ...d, embedding: Array.from(vecs[i]) } : d));
    } catch (err) {
      const msg = `appearance embedding failed, continuing without: ${(err as Error).message}`;
      this.log.warn(`detect:${this.cameraId}: ${msg}`);
      this.emit('warning', msg);
      await this.embedder?.release();
      this.embedder = undefined;
      return detections;
    }
  }

  private async deliver(frame: SourceFrame, detections: Detection[]): Promise<void> {
    const payload = this.current as DetectionsPayload;
    if (this.listenerCount('frame') > 0) this.emit('frame', { ...payload, dropped: frame.dropped }, { runMs: this.lastRunMs });
    const emit = this.gate.shouldEmit(detections.length);
    const waiters = this.snapshotWaiters.splice(0);
    if (!emit && waiters.length === 0) return;
    payload.dropped = this.droppedSinceMsg;
    this.droppedSinceMsg = 0;
    if (waiters.length === 0) {
      this.emit('detections', payload);
      return;
    }
    for (const w of waiters) clearTimeout(w.timer);
    try {
      await this.encodeHeld({ frame, detections });
      const url = snapshotPath(this.cameraId);
      for (const w of waiters) w.resolve({ payload, snapshotUrl: url });
    } catch (err) {
      for (const w of waiters) w.reject(err as Error);
      if (emit) this.emit('detections', payload);
    }
  }

  /** Annotated JPEG of a held frame (coalesced: one encode per frame however many ask). */
  private encodeHeld(h: Held): Promise<Buffer> {
    const f = h.frame;
    if (this.jpeg?.frameId === f.frameId) return Promise.resolve(this.jpeg.buf);
    if (this.jpegJob?.frameId === f.frameId) return this.jpegJob.job;
    // Copy now: the frame's buffer goes back to the pool once the next frame is processed.
    const rgb = f.rgb.slice();
    annotate(
      rgb,
      f.width,
      f.height,
      // A motion "score" is the changed fraction of the box, not a confidence: no percentage for it.
      h.detections.map((d) => ({ box: letterboxBox(d.box, f.lb), label: d.label, score: d.classId >= 0 ? d.score : undefined })),
    );
    const { padX, padY, newW, newH } = f.lb;
    const job = encodeJpeg(rgb, f.width, f.height, { crop: { x: padX, y: padY, w: newW, h: newH }, ffmpegPath: this.o.ffmpegPath }).then(
      (buf) => {
        if (!this.jpeg || this.jpeg.frameId <= f.frameId) this.jpeg = { frameId: f.frameId, buf };
        return buf;
      },
    );
    this.jpegJob = { frameId: f.frameId, job };
    const clear = (): void => {
      if (this.jpegJob?.job === job) this.jpegJob = undefined;
    };
    job.then(clear, clear);
    return job;
  }

  private async fail(err: Error): Promise<void> {
    const model = this.modelName ? path.basename(this.modelName) : 'detector';
    const msg = err.message.includes(model) ? err.message : `${model}: ${err.message}`;
    this.setState('error', msg);
    this.emit('error', new Error(msg));
    for (const w of this.snapshotWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(msg));
    }
    await this.source?.stop();
  }

  private setState(state: DetectState, reason?: string): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = state === 'live' || state === 'starting' || state === 'paused' || state === 'stopped' ? undefined : reason;
    this.since = Date.now();
    this.registry.emit('state', this.stats());
    this.emit('state', this.stats());
  }
}
