import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  SequenceBuffer,
  checkModelShape,
  combine,
  decodeLogits,
  labelSidecarCandidates,
  parseLabels,
  resolveLabels,
} from '../../../runtime/behavior/sequence-model';
import { FEATURE_NAMES } from '../../../runtime/behavior/features';
import type { Candidate } from '../../../runtime/behavior/rules';

const row = (v: number, F = 3): Float32Array => new Float32Array(F).fill(v);

describe('SequenceBuffer', () => {
  test('resamples to the fixed rate: 2 fps frames fill a 5 Hz window with repeated rows, oldest first', () => {
    const b = new SequenceBuffer({ T: 6, F: 3, rateHz: 5 });
    b.push('f', 0, row(1));
    b.push('f', 500, row(2));
    b.push('f', 1000, row(3));
    // Ticks 0 | 200, 400 | 600, 800, 1000: each tick takes the frame that follows it.
    const w = b.window('f')!;
    assert.equal(w.length, 18);
    const firstCol = Array.from({ length: 6 }, (_, k) => w[k * 3]);
    assert.deepEqual(firstCol, [1, 2, 2, 3, 3, 3]);
    assert.equal(b.filled('f'), 6);
  });

  test('pads at the start (edge or zeros) until T rows exist', () => {
    const edge = new SequenceBuffer({ T: 4, F: 2, rateHz: 5 });
    edge.push('f', 0, row(7, 2));
    edge.push('f', 200, row(8, 2));
    assert.deepEqual(Array.from(edge.window('f')!), [7, 7, 7, 7, 7, 7, 8, 8]);
    const zeros = new SequenceBuffer({ T: 4, F: 2, rateHz: 5, padding: 'zeros' });
    zeros.push('f', 0, row(7, 2));
    zeros.push('f', 200, row(8, 2));
    assert.deepEqual(Array.from(zeros.window('f')!), [0, 0, 0, 0, 7, 7, 8, 8]);
  });

  test('a 15 fps camera is decimated; a long gap starts over; keys are separate; bad widths throw', () => {
    const b = new SequenceBuffer({ T: 5, F: 1, rateHz: 5, maxGapS: 3 });
    for (let i = 0; i < 30; i++) b.push('a', i * 66.7, row(i, 1));
    assert.equal(b.filled('a'), 5);
    const w = Array.from(b.window('a')!);
    assert.ok(w.every((v, k) => k === 0 || v > w[k - 1]), `increasing rows ${w}`);
    b.push('a', 10_000, row(99, 1));
    assert.equal(b.filled('a'), 1);
    assert.equal(b.window('b'), null);
    assert.throws(() => b.push('a', 10_200, row(1, 2)), /2 values, expected 1/);
  });
});

describe('labels and logits', () => {
  test('labels come from metadata (JSON or comma list) or the sidecar', () => {
    assert.deepEqual(parseLabels('["sleeping","playing"]'), ['sleeping', 'playing']);
    assert.deepEqual(parseLabels('sleeping, playing ,eating'), ['sleeping', 'playing', 'eating']);
    assert.deepEqual(parseLabels('{"labels":["a","b"]}'), ['a', 'b']);
    assert.throws(() => parseLabels('[]'));
    assert.deepEqual(resolveLabels({ labels: 'a,b' }, '["x","y"]'), ['a', 'b'], 'metadata wins');
    assert.deepEqual(resolveLabels({}, '["x","y"]'), ['x', 'y']);
    assert.throws(() => resolveLabels(undefined, null), /labels/);
    assert.deepEqual(labelSidecarCandidates('/m/behavior.onnx'), ['/m/behavior.labels.json', '/m/behavior.onnx.labels.json']);
  });

  test('softmax picks the top label with its probability', () => {
    const r = decodeLogits(new Float32Array([1, 3, 0]), ['a', 'b', 'c']);
    assert.equal(r.behavior, 'b');
    const e = [Math.exp(1), Math.exp(3), 1];
    assert.ok(Math.abs(r.confidence - e[1] / (e[0] + e[1] + e[2])) < 1e-6);
    assert.ok(Math.abs(r.probabilities.reduce((a, x) => a + x, 0) - 1) < 1e-6);
    assert.throws(() => decodeLogits(new Float32Array(2), ['a', 'b', 'c']));
  });

  test('model shape is checked against FEATURE_NAMES (+ embedding dims)', () => {
    assert.equal(checkModelShape({ T: 50, F: FEATURE_NAMES.length, labels: ['a', 'b'] }), null);
    assert.equal(checkModelShape({ T: 50, F: FEATURE_NAMES.length + 16, labels: ['a', 'b'] }, 16), null);
    assert.match(checkModelShape({ T: 50, F: 5, labels: ['a', 'b'] })!, /F=5/);
  });
});

describe('combine policy', () => {
  const rules = (behavior: string, confidence = 0.7): Candidate => ({ behavior, confidence, zone: behavior === 'eating' ? 'food' : null });
  const model = (behavior: string, confidence: number) => ({ behavior, confidence });

  test("'rules' ignores the model", () => {
    assert.deepEqual(combine(rules('exploring'), model('playing', 0.99), 'rules', 0.6), rules('exploring'));
  });

  test("'model' follows a confident model, gives no evidence when unsure, and falls back to rules without a model", () => {
    assert.equal(combine(rules('exploring'), model('playing', 0.9), 'model', 0.6)?.behavior, 'playing');
    assert.equal(combine(rules('exploring'), model('playing', 0.5), 'model', 0.6), null);
    assert.equal(combine(rules('exploring'), null, 'model', 0.6)?.behavior, 'exploring');
  });

  test("'model+rules': rule-defined behaviors win, agreement raises confidence, an unsure model defers", () => {
    assert.deepEqual(combine(rules('eating'), model('playing', 0.99), 'model+rules', 0.6), rules('eating'));
    assert.equal(combine(rules('exploring', 0.6), model('exploring', 0.95), 'model+rules', 0.6)?.confidence, 0.95);
    assert.equal(combine(rules('exploring'), model('playing', 0.8), 'model+rules', 0.6)?.behavior, 'playing');
    assert.equal(combine(rules('exploring'), model('playing', 0.4), 'model+rules', 0.6)?.behavior, 'exploring');
    assert.equal(combine(null, model('playing', 0.8), 'model+rules', 0.6)?.behavior, 'playing');
  });
});
