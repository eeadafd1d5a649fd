// The onnxruntime-backed SequenceModel: loads a behavior model that follows the contract in
// sequence-model.ts, checks its shapes against that contract (errors name the file and say what
// is wrong), and runs it. One session per model file, shared by every caller and reference-counted,
// living in a worker thread (runtime/onnx/session-cache.ts) so a run never blocks the event loop;
// the worker runs one request at a time, so two ferret-behavior nodes on one model do not fight
// over onnxruntime's threads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOnnxInfo } from '../detect/onnx-metadata';
import { acquireSession, releaseSession, SessionLease, sharedSessionCount, type TensorMeta, type WorkerSession } from '../onnx/session-cache';
import { FEATURE_NAMES } from './features';
import { SEQUENCE_INPUT_NAME, checkModelShape, labelSidecarCandidates, resolveLabels, type SequenceModel } from './sequence-model';

export interface OnnxSequenceModelOptions {
  /** Window length when the model's T dimension is symbolic (default 25 rows = 5 s at 5 Hz). */
  T?: number;
  /** Appearance-embedding dims the model expects after the features (default 0). */
  embeddingDims?: number;
  /** onnxruntime intra-op threads (default 1: the model is tiny and the cores belong to detection). */
  threads?: number;
}

/** Live shared sessions (tests, diagnostics). */
export function sequenceSessionCount(): number {
  return sharedSessionCount();
}

function shapeText(dims: ReadonlyArray<number | string>): string {
  return `[${dims.join(', ')}]`;
}

function tensorMeta(meta: readonly TensorMeta[], name: string): (TensorMeta & { type: string }) | null {
  const m = meta.find((x) => x.name === name);
  return m && m.isTensor ? { ...m, type: m.type ?? 'unknown' } : null;
}

/** A behavior sequence model running on onnxruntime. Create with `loadSequenceModel`. */
export class OnnxSequenceModel implements SequenceModel {
  private released = false;

  constructor(
    readonly file: string,
    readonly labels: string[],
    readonly T: number,
    readonly F: number,
    private readonly outputName: string,
    private readonly lease: SessionLease,
  ) {}

  async run(features: Float32Array, T: number, F: number): Promise<Float32Array> {
    if (this.released) throw new Error(`behavior model ${path.basename(this.file)} was released`);
    if (T !== this.T || F !== this.F || features.length !== T * F) {
      throw new Error(`behavior model ${path.basename(this.file)} takes [1, ${this.T}, ${this.F}], got ${features.length} values for [1, ${T}, ${F}]`);
    }
    // The lease copies `features` before it returns: the caller may reuse its buffer for the next
    // ferret while this run waits in the worker's queue (or for a fresh worker after a crash).
    const pending = this.lease.runTensors({ [SEQUENCE_INPUT_NAME]: { data: features, dims: [1, T, F] } }, [this.outputName]);
    const out = (await pending)[this.outputName];
    const data = out.data;
    if (!(data instanceof Float32Array) || data.length !== this.labels.length) {
      throw new Error(`behavior model ${path.basename(this.file)} returned ${out.type} ${shapeText(out.dims)}, expected float32 [1, ${this.labels.length}]`);
    }
    return data;
  }

  /** Drop this handle; the shared session closes with its last user. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.lease.release();
  }
}

function readSidecar(file: string): string | null {
  for (const c of labelSidecarCandidates(file)) {
    if (fs.existsSync(c)) return fs.readFileSync(c, 'utf8');
  }
  return null;
}

/**
 * Load a behavior model and check it against the contract: input "features" float32 [1, T, F]
 * with F = FEATURE_NAMES.length + embeddingDims, one float32 output [1, C], C labels from the
 * model's `labels` metadata or a <model>.labels.json sidecar.
 */
export async function loadSequenceModel(file: string, opts: OnnxSequenceModelOptions = {}): Promise<OnnxSequenceModel> {
  const abs = path.resolve(file);
  const name = path.basename(abs);
  const embeddingDims = opts.embeddingDims ?? 0;
  const wantF = FEATURE_NAMES.length + embeddingDims;
  // Metadata first: it says clearly when the file is missing or not ONNX at all.
  const info = await readOnnxInfo(abs);
  let labels: string[];
  try {
    labels = resolveLabels(info.metadata, readSidecar(abs));
  } catch (err) {
    throw new Error(`behavior model ${name}: ${(err as Error).message}`);
  }

  const rec = acquireSession(abs, opts.threads ?? 1);
  let session: WorkerSession;
  try {
    session = await rec.ready;
  } catch (err) {
    await releaseSession(rec);
    throw new Error(`behavior model ${name} cannot be loaded by onnxruntime: ${(err as Error).message}`);
  }
  const fail = async (msg: string): Promise<never> => {
    await releaseSession(rec);
    throw new Error(`behavior model ${name}: ${msg}`);
  };

  if (!session.inputNames.includes(SEQUENCE_INPUT_NAME)) {
    return fail(`no input named "${SEQUENCE_INPUT_NAME}" (inputs: ${session.inputNames.join(', ')}); the contract is features float32 [1, T, ${wantF}]`);
  }
  const inp = tensorMeta(session.inputMetadata, SEQUENCE_INPUT_NAME);
  if (!inp || inp.type !== 'float32' || inp.shape.length !== 3) {
    return fail(`input "${SEQUENCE_INPUT_NAME}" must be float32 [1, T, ${wantF}], it is ${inp ? `${inp.type} ${shapeText(inp.shape)}` : 'not a tensor'}`);
  }
  const [b, t, f] = inp.shape;
  if (typeof b === 'number' && b !== 1) return fail(`input batch must be 1 (or dynamic), it is ${b}`);
  if (typeof f === 'number' && f !== wantF) {
    return fail(
      `input has ${f} features per step, the runtime provides ${wantF} (${FEATURE_NAMES.length} in FEATURE_NAMES order${embeddingDims ? ` + ${embeddingDims} embedding dims` : ''})`,
    );
  }
  const T = typeof t === 'number' ? t : (opts.T ?? 25);
  if (session.outputNames.length < 1) return fail('the model has no output');
  const outputName = session.outputNames[0];
  const out = tensorMeta(session.outputMetadata, outputName);
  if (!out || out.type !== 'float32' || out.shape.length !== 2) {
    return fail(`output "${outputName}" must be float32 logits [1, C], it is ${out ? `${out.type} ${shapeText(out.shape)}` : 'not a tensor'}`);
  }
  const C = out.shape[1];
  if (typeof C === 'number' && C !== labels.length) return fail(`output has ${C} logits but ${labels.length} labels (${labels.join(', ')})`);
  const problem = checkModelShape({ T, F: wantF, labels }, embeddingDims);
  if (problem) return fail(problem);
  return new OnnxSequenceModel(abs, labels, T, wantF, outputName, new SessionLease(rec, session, opts.threads ?? 1));
}
