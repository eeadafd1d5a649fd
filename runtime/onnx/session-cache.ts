// One onnxruntime session per (model file, thread count), shared by every caller (the ReID
// embedder, the behavior sequence model) and reference-counted. Each session lives in its own
// worker thread (runtime/detect/session-worker.ts): onnxruntime-node's run() is synchronous under
// its promise, and on the main thread even a 10 ms ReID batch stalls HLS serving and every flow.
// The worker answers one request at a time, in order, so two users of one model never run it at
// once. Detection keeps its own cache of the same workers (runtime/detect/detector.ts).
import * as path from 'node:path';
import { WorkerSession, type TensorInput, type TensorOutput } from '../detect/session-worker';

export type { TensorInput, TensorMeta, TensorOutput } from '../detect/session-worker';
export { WorkerSession };

export interface SharedSession {
  readonly key: string;
  /** Absolute model file. */
  readonly file: string;
  refs: number;
  /** The loaded session; rejects with onnxruntime's message when the file does not load. */
  readonly ready: Promise<WorkerSession>;
}

const sessions = new Map<string, SharedSession>();

/** Live shared sessions, one worker each (tests, diagnostics). */
export function sharedSessionCount(): number {
  return sessions.size;
}

function forget(rec: SharedSession): void {
  if (sessions.get(rec.key) === rec) sessions.delete(rec.key);
}

export function acquireSession(file: string, threads: number): SharedSession {
  const abs = path.resolve(file);
  const key = `${abs}|${threads}`;
  let rec = sessions.get(key);
  if (!rec) {
    const ready = WorkerSession.create(abs, threads);
    const created: SharedSession = { key, file: abs, refs: 0, ready };
    // A failed load must not poison the cache for a later, fixed file; a crashed worker must not
    // be handed to the next user (its holders revive through their SessionLease).
    ready.then(
      (s) => void s.died.then(() => forget(created)),
      () => forget(created),
    );
    rec = created;
    sessions.set(key, rec);
  }
  rec.refs++;
  return rec;
}

/** Drop one reference; the last one frees the session and ends its worker (after queued runs). */
export async function releaseSession(rec: SharedSession): Promise<void> {
  rec.refs--;
  if (rec.refs > 0) return;
  forget(rec);
  let s: WorkerSession;
  try {
    s = await rec.ready;
  } catch {
    return; // A session that never loaded has nothing to free.
  }
  await s.release();
}

/**
 * End the worker of a cached session abruptly, as a crash would (tests, a watchdog): its pending
 * runs reject, and the next acquire starts a fresh worker. False when no such session is loaded.
 */
export async function killSessionWorker(file: string, threads: number): Promise<boolean> {
  const rec = sessions.get(`${path.resolve(file)}|${threads}`);
  if (!rec) return false;
  let s: WorkerSession;
  try {
    s = await rec.ready;
  } catch {
    return false;
  }
  await s.kill();
  return true;
}

/**
 * One user's hold on a shared session that outlives a worker crash: the first call after the
 * worker died lets go of the dead record and acquires a fresh worker for the same file, so a
 * crash fails the runs that were pending, not every run until the next deploy.
 */
export class SessionLease {
  private reviving: Promise<WorkerSession> | null = null;

  constructor(
    private rec: SharedSession,
    private session: WorkerSession,
    private readonly threads: number,
  ) {}

  /**
   * WorkerSession.runTensors on a live session. The inputs are copied before this returns in both
   * cases, so the caller may refill its buffers at once: by runTensors itself when the worker is
   * up, here while a fresh one loads after a crash.
   */
  runTensors(inputs: Record<string, TensorInput>, outputNames?: readonly string[]): Promise<Record<string, TensorOutput>> {
    if (!this.session.isDead) return this.session.runTensors(inputs, outputNames);
    const copies: Record<string, TensorInput> = {};
    for (const [name, t] of Object.entries(inputs)) copies[name] = { data: t.data.slice(), dims: [...t.dims] };
    return this.live().then((s) => s.runTensors(copies, outputNames));
  }

  /** A live session: the current one, or a fresh worker when it died (rejects if that fails to load). */
  private live(): Promise<WorkerSession> {
    if (!this.session.isDead) return Promise.resolve(this.session);
    this.reviving ??= this.revive().finally(() => {
      this.reviving = null;
    });
    return this.reviving;
  }

  release(): Promise<void> {
    return releaseSession(this.rec);
  }

  private async revive(): Promise<WorkerSession> {
    const dead = this.rec;
    this.rec = acquireSession(dead.file, this.threads);
    void releaseSession(dead);
    // On a failed load the dead session stays current, so the next call tries again.
    this.session = await this.rec.ready;
    return this.session;
  }
}
