// Parent side of stream-worker.ts: fork it, start/stop cameras, read its stats, and make sure it and
// its ffmpeg children are gone when the benchmark ends (normally, on an exception, or on Ctrl-C).
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CameraStreamOptions } from '../../runtime/stream/camera-stream';
import type { WorkerCamera, WorkerStats } from './stream-worker';
import { processAlive, waitForExit } from '../../test/support/procs';

export interface StreamWorker {
  readonly pid: number;
  /** http://127.0.0.1:<port> serving /ferretwatch/... */
  readonly baseUrl: string;
  start(camera: WorkerCamera, options?: Partial<CameraStreamOptions>): Promise<{ ffmpegPid?: number }>;
  stopCamera(id: string): Promise<void>;
  /** Current stats; with gc, after a full garbage collection. */
  stats(gc?: boolean): Promise<WorkerStats>;
  /** Stop every stream and the worker; SIGKILL it and any ffmpeg it started if that takes > 5 s. */
  close(): Promise<void>;
}

const live = new Set<() => void>();
let hooked = false;
function onExitKill(kill: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const k of live) k();
    });
  }
  live.add(kill);
  return () => live.delete(kill);
}

function killPids(pids: Iterable<number>): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function startStreamWorker(): Promise<StreamWorker> {
  const script = path.join(__dirname, 'stream-worker.js');
  const child: ChildProcess = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
  const ffmpegPids = new Set<number>();
  const untrack = onExitKill(() => killPids([child.pid ?? -1, ...ffmpegPids].filter((p) => p > 0)));
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let exited = false;
  const exitP = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error('stream worker exited'));
      pending.clear();
      r();
    }),
  );

  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('stream worker did not start within 20 s')), 20_000);
    child.once('error', reject);
    child.once('exit', (c, s) => reject(new Error(`stream worker exited with ${c ?? s}`)));
    child.on('message', (m: any) => {
      if (m?.ready) {
        clearTimeout(t);
        resolve(m);
        return;
      }
      const p = pending.get(m?.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(m.error));
    });
  });

  const call = (msg: object): Promise<any> => {
    if (exited) return Promise.reject(new Error('stream worker exited'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
  };

  let closing: Promise<void> | undefined;
  return {
    pid: ready.pid,
    baseUrl: `http://127.0.0.1:${ready.port}`,
    async start(camera, options) {
      const r = await call({ op: 'start', camera, options });
      if (r.ffmpegPid) ffmpegPids.add(r.ffmpegPid);
      return { ffmpegPid: r.ffmpegPid };
    },
    async stopCamera(id) {
      await call({ op: 'stop', camera: id });
    },
    async stats(gc = false) {
      const r = await call({ op: 'stats', gc });
      const s = r.stats as WorkerStats;
      for (const c of Object.values(s.cameras)) if (c.ffmpegPid) ffmpegPids.add(c.ffmpegPid);
      return s;
    },
    close() {
      closing ??= (async () => {
        if (!exited) {
          child.send({ op: 'exit' });
          await Promise.race([exitP, new Promise((r) => setTimeout(r, 5000))]);
        }
        if (!exited) killPids([child.pid ?? -1].filter((p) => p > 0));
        const left = [...ffmpegPids].filter(processAlive);
        if (left.length && !(await waitForExit(left, 3000))) killPids(left);
        await exitP;
        untrack();
      })();
      return closing;
    },
  };
}
