// Main-thread handle on an onnxruntime session living in its own worker thread (see
// inference-worker.ts for why). The worker is referenced only while a request is pending, so an
// idle session never keeps a process (the CLI, a test) alive.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface TensorMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape: Array<number | string>;
}

export type WorkerRequest =
  | { type: 'load'; id: number; file: string; threads: number }
  | { type: 'run'; id: number; rgb: Uint8Array; width: number; height: number; inputName: string; outputName: string }
  | { type: 'release'; id: number };

export type WorkerReply =
  | { type: 'loaded'; id: number; inputs: TensorMeta[]; outputs: TensorMeta[] }
  | { type: 'ran'; id: number; data: Float32Array; dims: number[]; preMs: number; runMs: number }
  | { type: 'released'; id: number }
  | { type: 'error'; id: number; message: string };

export interface RunResult {
  data: Float32Array;
  dims: number[];
  /** HWC → CHW in the worker. */
  preMs: number;
  /** session.run alone. */
  runMs: number;
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

export class WorkerSession {
  inputMetadata: TensorMeta[] = [];
  outputMetadata: TensorMeta[] = [];
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;

  private constructor(readonly file: string) {
    this.worker = new Worker(path.join(__dirname, 'inference-worker.js'));
    this.worker.unref();
    this.worker.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      if (r.type === 'error') p.reject(new Error(r.message));
      else p.resolve(r);
    });
    const die = (err: Error) => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => die(new Error(`inference worker for ${path.basename(file)} failed: ${err.message}`)));
    this.worker.on('exit', (code) => die(new Error(`inference worker for ${path.basename(file)} exited (code ${code})`)));
  }

  /** Starts a worker and loads the model in it; rejects with onnxruntime's message. */
  static async create(file: string, threads: number): Promise<WorkerSession> {
    const s = new WorkerSession(file);
    try {
      const r = (await s.request({ type: 'load', id: 0, file, threads })) as Extract<WorkerReply, { type: 'loaded' }>;
      s.inputMetadata = r.inputs;
      s.outputMetadata = r.outputs;
      return s;
    } catch (err) {
      await s.worker.terminate();
      throw err;
    }
  }

  /** `rgb` must be backed by a SharedArrayBuffer (the worker reads it in place); do not touch it until this settles. */
  async run(rgb: Uint8Array, width: number, height: number, inputName: string, outputName: string): Promise<RunResult> {
    const r = (await this.request({ type: 'run', id: 0, rgb, width, height, inputName, outputName })) as Extract<WorkerReply, { type: 'ran' }>;
    return { data: r.data, dims: r.dims, preMs: r.preMs, runMs: r.runMs };
  }

  /** Frees the session and ends the worker. */
  async release(): Promise<void> {
    if (!this.dead) {
      try {
        await this.request({ type: 'release', id: 0 });
      } catch {
        // ending anyway
      }
    }
    this.dead = this.dead ?? new Error(`session for ${path.basename(this.file)} was released`);
    await this.worker.terminate();
  }

  private request(m: WorkerRequest): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...m, id });
    });
  }
}
