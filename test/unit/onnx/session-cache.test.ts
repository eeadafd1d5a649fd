// The shared worker-thread sessions behind the ReID embedder and the behavior model, on the tiny
// LSTM built in code (no model file needed): generic tensor runs, sharing, release, crashes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { acquireSession, killSessionWorker, releaseSession, sharedSessionCount } from '../../../runtime/onnx/session-cache';
import { FEATURE_NAMES } from '../../../runtime/behavior/features';
import { writeTinyLstm } from '../../support/onnx-lstm';

const F = FEATURE_NAMES.length;
const T = 10;
let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-onnxw-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function window(seed: number): Float32Array {
  const x = new Float32Array(T * F);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(seed + i * 0.37) * 2;
  return x;
}

describe('WorkerSession.runTensors through the session cache', () => {
  test('metadata on load; outputs equal a main-thread onnxruntime run; the input buffer is free at once', async () => {
    const file = writeTinyLstm(path.join(dir, 'meta.onnx'), { T });
    const rec = acquireSession(file, 1);
    try {
      const s = await rec.ready;
      assert.deepEqual(s.inputNames, ['features']);
      assert.deepEqual(s.outputNames, ['logits']);
      assert.deepEqual(s.inputMetadata[0], { name: 'features', isTensor: true, type: 'float32', shape: [1, T, F] });
      assert.deepEqual(s.outputMetadata[0].shape, [1, 3]);

      const x = window(1);
      const expected = window(1);
      const pending = s.runTensors({ features: { data: x, dims: [1, T, F] } }, ['logits']);
      x.fill(99); // the caller reuses its buffer while the run is pending
      const out = (await pending).logits;
      assert.equal(out.type, 'float32');
      assert.deepEqual(out.dims, [1, 3]);
      assert.ok(out.data instanceof Float32Array);

      const main = await ort.InferenceSession.create(file);
      try {
        const ref = (await main.run({ features: new ort.Tensor('float32', expected, [1, T, F]) })).logits.data as Float32Array;
        assert.deepEqual(Array.from(out.data), Array.from(ref), 'same numbers as onnxruntime on the main thread');
      } finally {
        await main.release();
      }

      await assert.rejects(s.runTensors({ features: { data: window(2), dims: [1, T, F] } }, ['nope']), /no output "nope" \(outputs: logits\)/);
      await assert.rejects(s.runTensors({ features: { data: new Float64Array(T * F) as unknown as Float32Array, dims: [1, T, F] } }), /input "features" of meta\.onnx must be a Float32Array/);
      const all = await s.runTensors({ features: { data: window(3), dims: [1, T, F] } });
      assert.deepEqual(Object.keys(all), ['logits'], 'every output when none are named');
    } finally {
      await releaseSession(rec);
    }
  });

  test('two users of one model share one worker; the last release ends it', async () => {
    const file = writeTinyLstm(path.join(dir, 'shared.onnx'), { T });
    const before0 = sharedSessionCount();
    const a = acquireSession(file, 1);
    const b = acquireSession(path.join(dir, '.', 'shared.onnx'), 1);
    assert.equal(a, b, 'one record');
    assert.equal(sharedSessionCount(), before0 + 1);
    const s = await a.ready;
    await releaseSession(a);
    assert.equal(sharedSessionCount(), before0 + 1, 'b still holds it');
    assert.equal((await s.runTensors({ features: { data: window(4), dims: [1, T, F] } })).logits.dims[1], 3);
    await releaseSession(b);
    assert.equal(sharedSessionCount(), before0);
    assert.equal(s.isDead, true, 'worker ended');
    await assert.rejects(s.runTensors({ features: { data: window(5), dims: [1, T, F] } }), /shared\.onnx was released/);
    const c = acquireSession(file, 1);
    assert.notEqual(c, a, 'a new acquire gets a new record');
    await releaseSession(c);
    assert.equal(sharedSessionCount(), before0);
  });

  test('a killed worker rejects pending runs naming the file; the next acquire starts a fresh one', async () => {
    const file = writeTinyLstm(path.join(dir, 'crash.onnx'), { T });
    const rec = acquireSession(file, 1);
    const s = await rec.ready;
    const runs = [1, 2, 3].map((k) => s.runTensors({ features: { data: window(k), dims: [1, T, F] } }));
    assert.equal(await killSessionWorker(file, 1), true);
    // A crash lands between native runs: the one under way may still answer, the rest reject.
    const settled = await Promise.allSettled(runs);
    for (const r of settled) {
      if (r.status === 'fulfilled') assert.deepEqual(r.value.logits.dims, [1, 3]);
      else assert.match((r.reason as Error).message, /inference worker for crash\.onnx exited/);
    }
    assert.equal(settled[2].status, 'rejected', 'the last queued run never ran');
    assert.equal(sharedSessionCount(), 0, 'the dead worker left the cache');
    await assert.rejects(s.runTensors({ features: { data: window(4), dims: [1, T, F] } }), /crash\.onnx/);

    const again = acquireSession(file, 1);
    try {
      assert.notEqual(again, rec);
      const s2 = await again.ready;
      assert.notEqual(s2, s);
      assert.deepEqual((await s2.runTensors({ features: { data: window(1), dims: [1, T, F] } })).logits.dims, [1, 3]);
    } finally {
      await releaseSession(rec); // the old holder lets go of the dead one: harmless
      assert.equal(sharedSessionCount(), 1, "releasing the dead record does not drop the new one");
      await releaseSession(again);
    }
    assert.equal(sharedSessionCount(), 0);
    assert.equal(await killSessionWorker(file, 1), false, 'nothing left to kill');
  });

  test('a failed load leaves nothing cached; the fixed file then loads', async () => {
    const file = path.join(dir, 'later.onnx');
    fs.writeFileSync(file, 'not a model');
    const bad = acquireSession(file, 1);
    await assert.rejects(bad.ready);
    await releaseSession(bad);
    assert.equal(sharedSessionCount(), 0);
    writeTinyLstm(file, { T });
    const good = acquireSession(file, 1);
    try {
      assert.deepEqual((await good.ready).outputNames, ['logits']);
    } finally {
      await releaseSession(good);
    }
  });
});
