// YOLO detection with onnxruntime-node. Sessions are shared: one InferenceSession per (model file,
// thread count), reference-counted, living in its own worker thread (session-worker.ts) so that
// inference never blocks the event loop. Runs on a session are serialised, and each detector's
// shared input buffer is read by the worker only while its own run is in flight.
import * as path from 'node:path';
import type { Detection } from '../contracts';
import { buildLabelTable, defaultClassMap, loadClassMap, type ClassMapSpec } from './classmap';
import type { DetectResult, FrameDetector } from './detector-types';
import { unletterboxBox, type Letterbox } from './letterbox';
import { nms } from './nms';
import { parseImgsz, readOnnxInfo, resolveClassNames, type OnnxModelInfo } from './onnx-metadata';
import { WorkerSession, type TensorMeta } from './session-worker';
import { decodeYolo, detectLayout, type Candidate, type LayoutInfo } from './yolo-decode';

export { MotionDetector, type MotionOptions, type MotionBox } from './motion';
export type { DetectResult, DetectTimings, FrameDetector } from './detector-types';

export interface YoloOptions {
  /** onnxruntime intra-op threads (default 1: measured faster than 2 on a 2-core box). */
  threads?: number;
  /** Minimum class score (default 0.35). */
  conf?: number;
  /** NMS IoU threshold (default 0.45). */
  iou?: number;
  /** At most this many detections per frame (default 100). */
  maxDet?: number;
  /** Class map object or path to a JSON file; default depends on the model (see classmap.ts). */
  classMap?: ClassMapSpec | string | null;
  /** Keep classes the map does not mention under their own name. */
  keepUnmapped?: boolean;
}

interface SessionRecord {
  key: string;
  refs: number;
  ready: Promise<WorkerSession>;
  /** Tail of the run queue: each run starts after the previous one settled. */
  tail: Promise<void>;
}

const sessions = new Map<string, SessionRecord>();

/** Number of live shared sessions (for tests and diagnostics). */
export function sharedSessionCount(): number {
  return sessions.size;
}

function acquire(file: string, threads: number): SessionRecord {
  const key = `${file}|${threads}`;
  let rec = sessions.get(key);
  if (!rec) {
    const ready = WorkerSession.create(file, threads);
    rec = { key, refs: 0, ready, tail: Promise.resolve() };
    sessions.set(key, rec);
  }
  rec.refs++;
  return rec;
}

async function releaseRecord(rec: SessionRecord): Promise<void> {
  rec.refs--;
  if (rec.refs > 0) return;
  if (sessions.get(rec.key) === rec) sessions.delete(rec.key);
  try {
    const s = await rec.ready;
    await rec.tail;
    await s.release();
  } catch {
    // A session that never loaded has nothing to free.
  }
}

function runSerial<T>(rec: SessionRecord, fn: () => Promise<T>): Promise<T> {
  const p = rec.tail.then(fn);
  rec.tail = p.then(
    () => undefined,
    () => undefined,
  );
  return p;
}

function shapeOf(dims: ReadonlyArray<number | string>): string {
  return `[${dims.join(', ')}]`;
}

const isStatic = (d: number | string): d is number => typeof d === 'number' && d > 0;

export class YoloDetector implements FrameDetector {
  readonly kind = 'yolo' as const;
  conf: number;
  iou: number;
  maxDet: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly classNames: string[];
  /** labels[classId] after the class map; null = dropped. */
  readonly labels: Array<string | null>;
  readonly layout: LayoutInfo | undefined;
  /** The frame as the worker reads it: rgb24 in shared memory, copied in per run (~0.1 ms). */
  private readonly input: Uint8Array;
  private released = false;

  private constructor(
    readonly modelPath: string,
    readonly info: OnnxModelInfo,
    private readonly rec: SessionRecord,
    private readonly session: WorkerSession,
    private readonly inputName: string,
    private readonly outputName: string,
    size: [number, number],
    layout: LayoutInfo | undefined,
    names: string[],
    labels: Array<string | null>,
    private readonly unmappedLabel: (name: string) => string | null,
    opts: YoloOptions,
  ) {
    [this.inputHeight, this.inputWidth] = size;
    this.layout = layout;
    this.classNames = names;
    this.labels = labels;
    this.conf = opts.conf ?? 0.35;
    this.iou = opts.iou ?? 0.45;
    this.maxDet = opts.maxDet ?? 100;
    this.input = new Uint8Array(new SharedArrayBuffer(3 * this.inputWidth * this.inputHeight));
  }

  /**
   * Load (or share) a model. Errors name the file and say what is wrong: missing, not ONNX,
   * truncated, not a YOLO detection model.
   */
  static async load(modelPath: string, opts: YoloOptions = {}): Promise<YoloDetector> {
    const file = path.resolve(modelPath);
    const name = path.basename(file);
    const info = await readOnnxInfo(file);
    const threads = Math.max(1, Math.floor(opts.threads ?? 1));
    const rec = acquire(file, threads);
    let session: WorkerSession;
    try {
      session = await rec.ready;
    } catch (err) {
      await releaseRecord(rec);
      throw new Error(`model file ${name} could not be loaded by onnxruntime (corrupt or unsupported): ${(err as Error).message}`);
    }
    try {
      const inMeta: TensorMeta | undefined = session.inputMetadata[0];
      const outMeta: TensorMeta | undefined = session.outputMetadata[0];
      if (!inMeta || !outMeta) throw new Error(`model file ${name} has no inputs or no outputs`);
      const inShape = inMeta.isTensor ? inMeta.shape : [];
      if (!inMeta.isTensor || inMeta.type !== 'float32' || inShape.length !== 4 || (isStatic(inShape[1]) && inShape[1] !== 3)) {
        throw new Error(
          `model file ${name}: input "${inMeta.name}" is ${inMeta.isTensor ? `${inMeta.type} ${shapeOf(inShape)}` : 'not a tensor'}; ` +
            'expected a float32 image input [1, 3, height, width]',
        );
      }
      const imgsz = parseImgsz(info.metadata.imgsz) ?? [640, 640];
      const size: [number, number] = [
        isStatic(inShape[2]) ? inShape[2] : imgsz[0],
        isStatic(inShape[3]) ? inShape[3] : imgsz[1],
      ];
      let layout: LayoutInfo | undefined;
      const outShape = outMeta.isTensor ? outMeta.shape : [];
      if (outShape.length > 0 && outShape.every(isStatic)) {
        try {
          layout = detectLayout(outShape);
        } catch (err) {
          throw new Error(`model file ${name} is not a YOLO detection model: ${(err as Error).message}`);
        }
      } else if (outShape.length !== 3) {
        throw new Error(
          `model file ${name} is not a YOLO detection model: output "${outMeta.name}" has shape ${shapeOf(outShape)}; ` +
            'expected [1, 4+classes, anchors] or [1, N, 6]',
        );
      }
      const { names } = resolveClassNames(file, info.metadata, layout?.numClasses);
      const spec = typeof opts.classMap === 'string' ? loadClassMap(opts.classMap) : opts.classMap;
      const effective = spec ?? defaultClassMap(names);
      const labels = buildLabelTable(names, effective, { keepUnmapped: opts.keepUnmapped });
      // Class ids beyond the known names (end-to-end models without metadata) follow the same map.
      const unmapped = (n: string): string | null => buildLabelTable([n], effective, { keepUnmapped: opts.keepUnmapped })[0];
      return new YoloDetector(file, info, rec, session, inMeta.name, outMeta.name, size, layout, names, labels, unmapped, opts);
    } catch (err) {
      await releaseRecord(rec);
      throw err;
    }
  }

  private className(id: number): string {
    return this.classNames[id] ?? `class_${id}`;
  }

  private labelOf(id: number): string | null {
    return id >= 0 && id < this.labels.length ? this.labels[id] : this.unmappedLabel(this.className(id));
  }

  /**
   * Detect on one letterboxed rgb24 frame (inputWidth x inputHeight). Boxes come back in source
   * pixels (srcW x srcH) with the class map applied; zones are left empty. Runs on a shared session
   * are queued, and `rgb` is read when this call's turn comes: do not reuse it until it settles.
   */
  detect(rgb: Uint8Array, lb: Letterbox, srcW: number, srcH: number): Promise<DetectResult> {
    if (this.released) return Promise.reject(new Error(`detector for ${path.basename(this.modelPath)} was released`));
    const expected = this.inputWidth * this.inputHeight * 3;
    if (rgb.length !== expected) {
      return Promise.reject(
        new Error(`frame has ${rgb.length} bytes; ${path.basename(this.modelPath)} needs ${this.inputWidth}x${this.inputHeight} rgb24 (${expected} bytes)`),
      );
    }
    return runSerial(this.rec, async () => {
      const t0 = performance.now();
      this.input.set(rgb);
      const t1 = performance.now();
      const out = await this.session.run(this.input, this.inputWidth, this.inputHeight, this.inputName, this.outputName);
      const t2 = performance.now();
      let cands: Candidate[];
      try {
        cands = decodeYolo(out.data, out.dims, this.conf);
      } catch (err) {
        throw new Error(`model file ${path.basename(this.modelPath)} is not a YOLO detection model: ${(err as Error).message}`);
      }
      const labelled: Array<Candidate & { label: string }> = [];
      for (const c of cands) {
        const label = this.labelOf(c.classId);
        if (label !== null) labelled.push({ ...c, label });
      }
      const kept = nms(labelled, { iou: this.iou, maxDet: this.maxDet, groupOf: (c) => c.label });
      const detections: Detection[] = kept.map((c) => ({
        box: unletterboxBox(c.box, lb, srcW, srcH),
        score: c.score,
        label: c.label,
        class: this.className(c.classId),
        classId: c.classId,
        zones: [],
      }));
      const t3 = performance.now();
      // The worker's HWC → CHW counts as preprocessing; inference is the rest of the round trip
      // (session.run plus a fraction of a millisecond of messaging), reported apart as runMs.
      const preMs = t1 - t0 + out.preMs;
      return { detections, timings: { preMs, inferMs: t2 - t1 - out.preMs, postMs: t3 - t2, runMs: out.runMs } };
    });
  }

  /** Drop this caller's reference; the shared session is freed when the last one lets go. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await releaseRecord(this.rec);
  }
}
