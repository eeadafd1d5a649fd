// One onnxruntime InferenceSession per (model file, thread count), shared by every embedder that
// uses it and reference-counted; runs are queued so a caller's reused input buffer is never
// overwritten while onnxruntime still reads it. The same pattern as runtime/detect/detector.ts.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

export interface SharedSession {
  readonly key: string;
  refs: number;
  readonly ready: Promise<ort.InferenceSession>;
  /** Tail of the run queue: each run starts after the previous one settled. */
  tail: Promise<void>;
}

const sessions = new Map<string, SharedSession>();

/** Live shared sessions (tests, diagnostics). */
export function sharedEmbedderSessionCount(): number {
  return sessions.size;
}

export function acquireSession(file: string, threads: number): SharedSession {
  const abs = path.resolve(file);
  const key = `${abs}|${threads}`;
  let rec = sessions.get(key);
  if (!rec) {
    const ready = ort.InferenceSession.create(abs, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    // A failed load must not poison the cache for a later, fixed file.
    ready.catch(() => {
      if (sessions.get(key) === rec) sessions.delete(key);
    });
    rec = { key, refs: 0, ready, tail: Promise.resolve() };
    sessions.set(key, rec);
  }
  rec.refs++;
  return rec;
}

export async function releaseSession(rec: SharedSession): Promise<void> {
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

export function runSerial<T>(rec: SharedSession, fn: () => Promise<T>): Promise<T> {
  const p = rec.tail.then(fn);
  rec.tail = p.then(
    () => undefined,
    () => undefined,
  );
  return p;
}
