// Feeds a BehaviorEngine's per-ferret feature windows to a SequenceModel and hands the results
// back. The engine is synchronous and the model is not: after each frame the driver starts one
// inference per ferret seen in it (never two at once for the same ferret), and the result
// combines with the frames that follow (engine option modelStaleS). Live, nobody waits for it;
// offline and in tests, `await driver.update(p)` makes every frame use the model's newest word.
import type { TracksPayload } from '../contracts';
import type { BehaviorEngine } from './engine';
import { decodeLogits, type ModelResult, type SequenceModel } from './sequence-model';

export interface ModelDriverOptions {
  /** At most one inference per ferret this often (ms); default 0 = every frame. */
  minIntervalMs?: number;
  /** A failed inference (the engine carries on with the rules). */
  onError?: (err: Error) => void;
  /** Every result, e.g. for a debug view. */
  onResult?: (ferretId: string, result: ModelResult, tMs: number) => void;
}

export class SequenceModelDriver {
  private readonly busy = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly engine: BehaviorEngine,
    readonly model: SequenceModel,
    private readonly opts: ModelDriverOptions = {},
  ) {}

  /** Call after engine.ingest(p). Resolves when the inferences started for p have finished. */
  update(p: TracksPayload): Promise<void> {
    const started: Array<Promise<void>> = [];
    const minGap = this.opts.minIntervalMs ?? 0;
    for (const tr of p.tracks) {
      if (tr.state === 'lost') continue; // no new row: the window did not change
      const key = this.engine.subjectKeyFor(p.camera, tr.trackId);
      if (key === undefined || this.busy.has(key)) continue;
      const last = this.lastRun.get(key);
      if (last !== undefined && p.ts - last < minGap) continue;
      // A fresh window per inference: the run may wait in the session's queue.
      const w = this.engine.sequenceWindow(key);
      if (!w) continue;
      this.busy.add(key);
      this.lastRun.set(key, p.ts);
      const job = this.infer(key, w, p.ts).finally(() => {
        this.busy.delete(key);
        this.pending.delete(job);
      });
      this.pending.add(job);
      started.push(job);
    }
    return Promise.all(started).then(() => undefined);
  }

  /** Resolves when no inference is in flight (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async infer(key: string, w: Float32Array, tMs: number): Promise<void> {
    try {
      const logits = await this.model.run(w, this.model.T, this.model.F);
      const result = decodeLogits(logits, this.model.labels);
      this.engine.setModelResult(key, result, tMs);
      this.opts.onResult?.(key, result, tMs);
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }
}
