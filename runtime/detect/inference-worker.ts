// Worker thread that owns one onnxruntime session. onnxruntime-node's run() is synchronous under
// its promise (microsoft/onnxruntime#19611): on Node-RED's main thread a 100 ms inference would
// freeze HTTP, HLS and every flow, and stop ffmpeg's stdout from being read. Here it blocks only
// this thread. Frames arrive as rgb24 in shared memory; the HWC → CHW float conversion runs here
// too, into a buffer reused across frames; outputs go back by transfer, not by copy. Other models
// (ReID, behavior) send ready-made float32 tensors ('runTensors') and get named outputs back.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { rgbToChwFloat } from './preprocess';
import type { TensorMeta, WorkerReply, WorkerRequest } from './session-worker';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts must run in a worker thread');

let session: ort.InferenceSession | undefined;
const chwBuffers = new Map<number, Float32Array>();
let queue: Promise<void> = Promise.resolve();

function meta(m: ort.InferenceSession.ValueMetadata): TensorMeta {
  return m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false, shape: [] };
}

function reply(r: WorkerReply, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(r, transfer);
}

/** Output buffers to move rather than copy; two outputs may share one buffer, which moves once. */
function transferables(views: ReadonlyArray<unknown>): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const v of views) if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) set.add(v.buffer);
  return [...set];
}

async function runTensors(m: Extract<WorkerRequest, { type: 'runTensors' }>): Promise<void> {
  if (!session) throw new Error('no session loaded');
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of m.inputs) feeds[i.name] = new ort.Tensor('float32', i.data, i.dims);
  const t0 = performance.now();
  const out = await session.run(feeds);
  const runMs = performance.now() - t0;
  const outputs: Extract<WorkerReply, { type: 'ranTensors' }>['outputs'] = [];
  for (const name of m.outputs) {
    const t = out[name];
    if (!t) throw new Error(`model has no output "${name}" (outputs: ${session.outputNames.join(', ')})`);
    outputs.push({ name, type: t.type, dims: [...t.dims], data: t.data as ArrayBufferView | string[] });
  }
  const r: WorkerReply = { type: 'ranTensors', id: m.id, outputs, runMs };
  try {
    reply(r, transferables(outputs.map((o) => o.data)));
  } catch {
    // A buffer onnxruntime does not let go of (an external one) is copied instead.
    reply(r);
  }
}

async function handle(m: WorkerRequest): Promise<void> {
  switch (m.type) {
    case 'load':
      try {
        session = await ort.InferenceSession.create(m.file, {
          intraOpNumThreads: m.threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        reply({ type: 'loaded', id: m.id, inputs: session.inputMetadata.map(meta), outputs: session.outputMetadata.map(meta) });
      } catch (err) {
        reply({ type: 'error', id: m.id, message: (err as Error).message });
      }
      return;
    case 'run': {
      try {
        if (!session) throw new Error('no session loaded');
        const t0 = performance.now();
        const n = 3 * m.width * m.height;
        let chw = chwBuffers.get(n);
        if (!chw) {
          chw = new Float32Array(n);
          chwBuffers.set(n, chw);
        }
        rgbToChwFloat(m.rgb, m.width, m.height, chw);
        const t1 = performance.now();
        const out = await session.run({ [m.inputName]: new ort.Tensor('float32', chw, [1, 3, m.height, m.width]) });
        const t2 = performance.now();
        const t = out[m.outputName];
        if (!t) throw new Error(`model has no output "${m.outputName}"`);
        const data = t.data as Float32Array;
        if (!(data instanceof Float32Array)) throw new Error(`output "${m.outputName}" is ${t.type}, expected float32`);
        reply({ type: 'ran', id: m.id, data, dims: [...t.dims], preMs: t1 - t0, runMs: t2 - t1 }, [data.buffer as ArrayBuffer]);
      } catch (err) {
        reply({ type: 'error', id: m.id, message: (err as Error).message });
      }
      return;
    }
    case 'runTensors':
      try {
        await runTensors(m);
      } catch (err) {
        reply({ type: 'error', id: m.id, message: (err as Error).message });
      }
      return;
    case 'crash':
      return; // handled on arrival
    case 'release':
      try {
        await session?.release();
      } finally {
        session = undefined;
        reply({ type: 'released', id: m.id });
      }
      return;
  }
}

// One request at a time: the CHW buffer is reused, and ort's run() defers to setImmediate.
port.on('message', (m: WorkerRequest) => {
  // 'crash' (WorkerSession.kill) jumps the queue and ends the thread the way a fatal error would.
  // It is only ever handled between native calls: run() holds this thread's event loop while it
  // computes, and a Worker.terminate() that lands inside it aborts the whole process (onnxruntime
  // throws a Napi::Error into a dying environment), so kill() must not use terminate().
  if (m.type === 'crash') process.exit(70);
  queue = queue.then(() => handle(m)).catch(() => undefined);
});
