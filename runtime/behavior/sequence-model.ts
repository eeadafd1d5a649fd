// Contract of the optional sequence model (the seed's CNN+LSTM) and the pure parts around it:
// buffering features at a fixed rate, decoding logits, and combining with the rules. Running the
// ONNX session is the node side's job (it implements SequenceModel with onnxruntime-node), so
// this file stays IO-free.
//
// Model contract:
//   input  "features": float32 [1, T, F], F = FEATURE_NAMES.length (+ appearance-embedding dims
//          when the model was trained with them, appended after the features), rows oldest first,
//          sampled at `rateHz` (default 5 Hz); missing history at the start is padded.
//   output logits float32 [1, C]; label i = labels[i].
//   labels from the model metadata key "labels" (JSON array or comma-separated list) or a sidecar
//          "<model>.labels.json" (JSON array, or {"labels": [...]}).
import type { Candidate } from './rules';
import { FEATURE_NAMES } from './features';

export interface SequenceModel {
  /** features: T*F row-major (oldest row first). Resolves to C logits. */
  run(features: Float32Array, T: number, F: number): Promise<Float32Array>;
  labels: string[];
  /** Window length and feature width the model expects. */
  T: number;
  F: number;
}

export const SEQUENCE_INPUT_NAME = 'features';

/** Parses a labels value: JSON array, {"labels": [...]} or "a,b,c". Throws on anything else. */
export function parseLabels(value: string): string[] {
  const s = value.trim();
  let labels: unknown;
  if (s.startsWith('[') || s.startsWith('{')) {
    const parsed: unknown = JSON.parse(s);
    labels = Array.isArray(parsed) ? parsed : (parsed as { labels?: unknown }).labels;
  } else {
    labels = s.split(',').map((x) => x.trim());
  }
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
    throw new Error(`model labels must be a non-empty list of names, got ${JSON.stringify(value).slice(0, 80)}`);
  }
  return labels as string[];
}

/**
 * Labels from the model's metadata (`labels` key) or, failing that, the sidecar file's text.
 * Metadata wins: it travels with the model.
 */
export function resolveLabels(metadata: Record<string, string> | undefined, sidecarText?: string | null): string[] {
  if (metadata && typeof metadata.labels === 'string') return parseLabels(metadata.labels);
  if (sidecarText) return parseLabels(sidecarText);
  throw new Error('the behavior model has no "labels" metadata and no <model>.labels.json sidecar');
}

/** Where to look for the sidecar, in order: model.labels.json beside model.onnx, then model.onnx.labels.json. */
export function labelSidecarCandidates(modelPath: string): string[] {
  const stem = modelPath.replace(/\.onnx$/i, '');
  const out = [`${stem}.labels.json`];
  if (stem !== modelPath) out.push(`${modelPath}.labels.json`);
  return out;
}

/** Checks a model's declared shape against the feature contract; returns the problem or null. */
export function checkModelShape(model: Pick<SequenceModel, 'T' | 'F' | 'labels'>, embeddingDims = 0): string | null {
  const want = FEATURE_NAMES.length + embeddingDims;
  if (!Number.isInteger(model.T) || model.T < 1) return `model window T=${model.T} is not a positive integer`;
  if (model.F !== want) return `model expects F=${model.F} features per step, the runtime provides ${want} (${FEATURE_NAMES.length} features + ${embeddingDims} embedding dims)`;
  if (model.labels.length < 2) return 'model has fewer than 2 labels';
  return null;
}

export interface SequenceBufferOptions {
  /** Rows in a window. */
  T: number;
  /** Width of one row. */
  F: number;
  /** Fixed sampling rate of the rows. */
  rateHz?: number;
  /** 'edge' repeats the oldest row into the padding, 'zeros' writes zeros. */
  padding?: 'edge' | 'zeros';
  /** A gap longer than this empties the history (the ferret was away; the old motion is not context). */
  maxGapS?: number;
}

interface Ring {
  rows: Float32Array; // T*F
  count: number; // rows filled, ≤ T
  head: number; // next write row
  nextTickMs: number;
  lastMs: number;
}

/**
 * Keeps the last T feature rows per key at a fixed rate. Frames arrive at any rate; every grid
 * tick in (previous frame, this frame] takes this frame's vector, so a 2 fps camera fills a 5 Hz
 * window with repeated rows and a 15 fps camera is decimated. (Each vector already summarises the
 * motion of the window before it, so it is the best description of the ticks it follows, and the
 * newest row is never a frame stale.)
 */
export class SequenceBuffer {
  readonly T: number;
  readonly F: number;
  readonly stepMs: number;
  private readonly padding: 'edge' | 'zeros';
  private readonly maxGapMs: number;
  private readonly rings = new Map<string, Ring>();

  constructor(opts: SequenceBufferOptions) {
    this.T = opts.T;
    this.F = opts.F;
    this.stepMs = 1000 / (opts.rateHz ?? 5);
    this.padding = opts.padding ?? 'edge';
    this.maxGapMs = (opts.maxGapS ?? 5) * 1000;
  }

  push(key: string, tMs: number, vector: Float32Array): void {
    if (vector.length !== this.F) throw new Error(`feature vector has ${vector.length} values, expected ${this.F}`);
    let r = this.rings.get(key);
    if (r && tMs - r.lastMs > this.maxGapMs) {
      this.rings.delete(key);
      r = undefined;
    }
    if (!r) {
      r = { rows: new Float32Array(this.T * this.F), count: 0, head: 0, nextTickMs: tMs, lastMs: tMs };
      this.rings.set(key, r);
    }
    if (tMs < r.lastMs) return; // out of order: the newer state already stands
    while (r.nextTickMs <= tMs) {
      r.rows.set(vector, r.head * this.F);
      r.head = (r.head + 1) % this.T;
      if (r.count < this.T) r.count++;
      r.nextTickMs += this.stepMs;
    }
    r.lastMs = tMs;
  }

  /** Rows filled for key (0..T). */
  filled(key: string): number {
    return this.rings.get(key)?.count ?? 0;
  }

  /**
   * The window for key as T*F row-major, oldest row first, padded at the start.
   * Null before the first push.
   */
  window(key: string, out?: Float32Array): Float32Array | null {
    const r = this.rings.get(key);
    if (!r || r.count === 0) return null;
    const T = this.T;
    const F = this.F;
    const w = out ?? new Float32Array(T * F);
    const pad = T - r.count;
    const oldest = (r.head - r.count + T) % T;
    for (let k = 0; k < r.count; k++) {
      const src = ((oldest + k) % T) * F;
      w.set(r.rows.subarray(src, src + F), (pad + k) * F);
    }
    if (pad > 0) {
      if (this.padding === 'zeros') w.fill(0, 0, pad * F);
      else for (let k = 0; k < pad; k++) w.copyWithin(k * F, pad * F, pad * F + F);
    }
    return w;
  }

  delete(key: string): void {
    this.rings.delete(key);
  }
}

export interface ModelResult {
  behavior: string;
  confidence: number;
  probabilities: Float32Array;
}

/** Softmax of the logits → the top label and its probability. */
export function decodeLogits(logits: Float32Array, labels: readonly string[]): ModelResult {
  if (logits.length !== labels.length) throw new Error(`model returned ${logits.length} logits for ${labels.length} labels`);
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const p = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp(logits[i] - max);
    sum += p[i];
  }
  let best = 0;
  for (let i = 0; i < p.length; i++) {
    p[i] /= sum;
    if (p[i] > p[best]) best = i;
  }
  return { behavior: labels[best], confidence: p[best], probabilities: p };
}

export type CombineMode = 'rules' | 'model' | 'model+rules';

/**
 * Behaviors the rules decide by definition (zones, stillness time, absence): a sequence model
 * trained on motion has no business overruling "the ferret is in the food zone" in model+rules.
 */
export const RULE_DEFINED_BEHAVIORS: ReadonlySet<string> = new Set(['sleeping', 'eating', 'drinking', 'litter', 'hiding', 'out_of_view']);

/**
 * The combine policy:
 *  - 'rules': the rules' candidate.
 *  - 'model': the model's candidate when it is at least minConfidence; a less sure model gives
 *    no evidence (null: the state holds). Without a model result yet: the rules.
 *  - 'model+rules': rule-defined behaviors (RULE_DEFINED_BEHAVIORS) from the rules win; otherwise
 *    the model when confident, else the rules. Agreement raises the confidence to the larger one.
 */
export function combine(rules: Candidate | null, model: Pick<ModelResult, 'behavior' | 'confidence'> | null, mode: CombineMode, minConfidence: number): Candidate | null {
  if (mode === 'rules' || model === null) return rules;
  const confident = model.confidence >= minConfidence;
  if (mode === 'model') {
    return confident ? { behavior: model.behavior, confidence: model.confidence, zone: rules?.behavior === model.behavior ? rules.zone : null } : null;
  }
  if (rules && RULE_DEFINED_BEHAVIORS.has(rules.behavior)) return rules;
  if (rules && rules.behavior === model.behavior) return { ...rules, confidence: Math.max(rules.confidence, model.confidence) };
  if (confident) return { behavior: model.behavior, confidence: model.confidence, zone: null };
  return rules;
}
