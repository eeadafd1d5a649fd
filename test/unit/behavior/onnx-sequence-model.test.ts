// The real onnxruntime path end to end: a tiny LSTM built in code (test/support/onnx-lstm.ts),
// loaded through the contract checks, run by the engine in model and model+rules modes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSequenceModel, sequenceSessionCount } from '../../../runtime/behavior/onnx-sequence-model';
import { killSessionWorker } from '../../../runtime/onnx/session-cache';
import { SequenceModelDriver } from '../../../runtime/behavior/model-driver';
import { BehaviorEngine, type BehaviorEngineOptions } from '../../../runtime/behavior/engine';
import { FEATURE_NAMES } from '../../../runtime/behavior/features';
import { decodeLogits } from '../../../runtime/behavior/sequence-model';
import type { Track } from '../../../runtime/contracts';
import { LSTM_LABELS, tinyLstmExpected, writeTinyLstm } from '../../support/onnx-lstm';
import { makePayload, makeTrack } from '../../support/trajectory-sim';

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-lstm-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const F = FEATURE_NAMES.length;
const SPEED = FEATURE_NAMES.indexOf('speed_bl_s');

describe('loading a sequence model', () => {
  test('labels from metadata, T and F from the input shape; the newest row decides the tiny model', async () => {
    const file = writeTinyLstm(path.join(dir, 'tiny.onnx'), { T: 10 });
    const m = await loadSequenceModel(file);
    try {
      assert.deepEqual(m.labels, [...LSTM_LABELS]);
      assert.equal(m.T, 10);
      assert.equal(m.F, F);
      for (const speed of [0, 0.8, 1.2, 2.5, 3]) {
        const x = new Float32Array(10 * F);
        x[9 * F + SPEED] = speed; // newest row last
        x[0 * F + SPEED] = 5; // the oldest row says "playing": it must not matter
        const r = decodeLogits(await m.run(x, 10, F), m.labels);
        assert.equal(r.behavior, tinyLstmExpected(speed), `speed ${speed}`);
      }
      await assert.rejects(m.run(new Float32Array(5), 10, F), /takes \[1, 10, 18\]/);
    } finally {
      await m.release();
    }
  });

  test('a crashed worker fails the pending run; the same model then runs on a fresh worker', async () => {
    const file = writeTinyLstm(path.join(dir, 'revive.onnx'), { T: 10 });
    const m = await loadSequenceModel(file);
    try {
      const x = new Float32Array(10 * F);
      x[9 * F + SPEED] = 3;
      const pending = [m.run(x, 10, F), m.run(x, 10, F)];
      x.fill(0); // the runs copied their window when they were called
      assert.equal(await killSessionWorker(file, 1), true);
      const [first, second] = await Promise.allSettled(pending);
      // The run under way may still answer (a crash lands between native runs), the queued one fails.
      if (first.status === 'fulfilled') assert.equal(decodeLogits(first.value, m.labels).behavior, tinyLstmExpected(3));
      assert.equal(second.status, 'rejected');
      assert.match((second as PromiseRejectedResult).reason.message, /revive\.onnx/);
      x[9 * F + SPEED] = 3;
      assert.equal(decodeLogits(await m.run(x, 10, F), m.labels).behavior, tinyLstmExpected(3));
    } finally {
      await m.release();
    }
  });

  test('one shared session per file, closed with its last user', async () => {
    const file = writeTinyLstm(path.join(dir, 'shared.onnx'));
    const before0 = sequenceSessionCount();
    const [a, b] = await Promise.all([loadSequenceModel(file), loadSequenceModel(path.join(dir, '.', 'shared.onnx'))]);
    assert.equal(sequenceSessionCount(), before0 + 1);
    await a.release();
    assert.equal(sequenceSessionCount(), before0 + 1, 'b still uses it');
    const x = new Float32Array(b.T * F);
    assert.equal((await b.run(x, b.T, F)).length, 3);
    await b.release();
    assert.equal(sequenceSessionCount(), before0);
  });

  test('a symbolic T takes the configured window; labels may come from a sidecar', async () => {
    const file = writeTinyLstm(path.join(dir, 'dyn.onnx'), { T: 'T', labels: null });
    await assert.rejects(loadSequenceModel(file), /dyn\.onnx.*labels/);
    fs.writeFileSync(path.join(dir, 'dyn.labels.json'), JSON.stringify({ labels: ['still', 'walk', 'romp'] }));
    const m = await loadSequenceModel(file, { T: 7 });
    try {
      assert.equal(m.T, 7);
      assert.deepEqual(m.labels, ['still', 'walk', 'romp']);
      const x = new Float32Array(7 * F);
      x[6 * F + SPEED] = 3;
      assert.equal(decodeLogits(await m.run(x, 7, F), m.labels).behavior, 'romp');
    } finally {
      await m.release();
    }
  });

  test('contract violations fail with the file name and what is wrong', async () => {
    const badF = writeTinyLstm(path.join(dir, 'narrow.onnx'), { F: 5 });
    await assert.rejects(loadSequenceModel(badF), (e: Error) => /narrow\.onnx/.test(e.message) && /5 features per step.*18/.test(e.message));
    await assert.doesNotReject(async () => (await loadSequenceModel(writeTinyLstm(path.join(dir, 'wide.onnx'), { F: F + 4 }), { embeddingDims: 4 })).release());
    const badName = writeTinyLstm(path.join(dir, 'named.onnx'), { inputName: 'x' });
    await assert.rejects(loadSequenceModel(badName), /named\.onnx: no input named "features" \(inputs: x\)/);
    const badLabels = writeTinyLstm(path.join(dir, 'labels.onnx'), { labels: ['a', 'b'] });
    await assert.rejects(loadSequenceModel(badLabels), /labels\.onnx: output has 3 logits but 2 labels/);
    await assert.rejects(loadSequenceModel(path.join(dir, 'missing.onnx')), /missing\.onnx not found/);
    fs.writeFileSync(path.join(dir, 'junk.onnx'), 'not a model at all');
    await assert.rejects(loadSequenceModel(path.join(dir, 'junk.onnx')), /junk\.onnx/);
    assert.equal(sequenceSessionCount(), 0, 'failed loads leave no session behind');
  });
});

/** A ferret walking in a straight line at `blS` body lengths per second (box diagonal ≈ 128 px). */
function straight(t0: number, x0: number, blS: number, extra: Partial<Track> = {}): (t: number) => Track[] {
  return (t) => [makeTrack({ cx: x0 + (blS * 128 * (t - t0)) / 1000, cy: 360, zones: [], ...extra })];
}

async function runEngine(opts: BehaviorEngineOptions, file: string | null, segments: Array<[number, number, (t: number) => Track[]]>): Promise<string[]> {
  const engine = new BehaviorEngine(opts);
  const model = file ? await loadSequenceModel(file) : null;
  const driver = model ? new SequenceModelDriver(engine, model) : null;
  if (model) engine.enableSequence({ T: model.T });
  const seen: string[] = [];
  try {
    for (const [t0, t1, tracks] of segments) {
      for (let t = t0; t < t1; t += 200) {
        const p = makePayload(t, tracks(t));
        for (const c of engine.ingest(p).changes) seen.push(c.behavior);
        await driver?.update(p);
      }
    }
  } finally {
    await model?.release();
  }
  return seen;
}

describe('the engine with the model', () => {
  // A straight run at 1.9 bl/s: too smooth and too slow for the rules' playing (exploring), fast
  // enough for the model's (playing above 1.5 bl/s). Then a stop.
  const run = straight(0, 0, 1.9);
  const stop = (): Track[] => [makeTrack({ cx: 1.9 * 128 * 8, cy: 360, zones: [] })];
  const segments: Array<[number, number, (t: number) => Track[]]> = [
    [0, 8000, run],
    [8000, 14_000, stop],
  ];

  test("'rules' ignores the model's opinion", async () => {
    assert.deepEqual(await runEngine({ mode: 'rules' }, null, segments), ['exploring', 'resting']);
  });

  test("'model' emits what the model says", async () => {
    const file = writeTinyLstm(path.join(dir, 'mode.onnx'));
    const seen = await runEngine({ mode: 'model', minConfidence: 0.6 }, file, segments);
    // The first frames (no model result yet) are the rules' exploring; then the model's playing.
    assert.deepEqual(seen, ['exploring', 'playing', 'resting']);
  });

  test("'model+rules': a confident model decides, an unsure one falls back to the rules, zones stay the rules'", async () => {
    const file = writeTinyLstm(path.join(dir, 'mr.onnx'));
    assert.deepEqual(await runEngine({ mode: 'model+rules', minConfidence: 0.6 }, file, segments), ['exploring', 'playing', 'resting']);
    // Softmax at 1.9 bl/s is ~0.92 for playing: a 0.99 bar makes the model "unsure" → rules.
    assert.deepEqual(await runEngine({ mode: 'model+rules', minConfidence: 0.99 }, file, segments), ['exploring', 'resting']);
    // Standing in the food bowl: the model says resting, the rules (rule-defined behavior) eating.
    const eat = (t: number): Track[] => [makeTrack({ cx: 100, cy: 90 + (t % 400 === 0 ? 1 : 0), zones: ['food'] })];
    const seen = await runEngine({ mode: 'model+rules', minConfidence: 0.6 }, file, [
      [0, 8000, run],
      [8000, 20_000, eat],
    ]);
    assert.equal(seen[seen.length - 1], 'eating');
  });
});
