// One onnxruntime InferenceSession per (model file, thread count), shared by every caller on the
// main thread (the ReID embedder, the behavior sequence model) and reference-counted; runs are
// queued so two users of one model never run it at once. Detection keeps its sessions in a worker
// thread instead (runtime/detect/session-worker.ts): its 100 ms runs would block the event loop.
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
export function sharedSessionCount(): number {
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
