// The ferret-behavior node in the real Node-RED runtime (node-red-node-test-helper): tracks in,
// behavior changes / episode start+end / summaries out, the live hub, status, bad input, a
// broken config, the model mode with a real ONNX file, and a clean close.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper, recordStatus } from '../support/nodered';
import { waitFor } from '../support/wait';
import { hub, type LiveEvent } from '../../runtime/hub';
import type { Track, TracksPayload } from '../../runtime/contracts';
import { makePayload, makeTrack, simulate } from '../support/trajectory-sim';
import { writeTinyLstm } from '../support/onnx-lstm';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const behaviorNode = require('../../nodes/ferret-behavior/ferret-behavior');

interface Msg {
  topic: string;
  payload: Record<string, unknown>;
  event?: string;
}

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'b1', type: 'ferret-behavior', name: 'behaviors', ...extra, wires: [['o1'], ['o2'], ['o3']] },
    { id: 'o1', type: 'helper' },
    { id: 'o2', type: 'helper' },
    { id: 'o3', type: 'helper' },
  ];
}

async function load(extra: Record<string, unknown> = {}) {
  await helper.load([behaviorNode], flow(extra));
  const b = helper.getNode('b1');
  const got: Record<'o1' | 'o2' | 'o3', Msg[]> = { o1: [], o2: [], o3: [] };
  for (const k of ['o1', 'o2', 'o3'] as const) helper.getNode(k).on('input', (m: Msg) => got[k].push(m));
  return { b, got, statuses: recordStatus(b) };
}

/** Frames of a scripted scene rebased to start now, so the node's own 1 s tick (wall clock) agrees. */
function scene(): TracksPayload[] {
  const frames = simulate(
    [
      {
        ferretId: 'luna',
        name: 'Luna',
        steps: [
          { b: 'rest', durationS: 15 },
          { b: 'explore', durationS: 15 },
          { b: 'eat', durationS: 40 },
        ],
      },
    ],
    { fps: 5, seed: 11, dropRate: 0, startMs: Date.now() },
  );
  return frames.map((f) => f.payload).filter((p): p is TracksPayload => p !== null);
}

describe('ferret-behavior node', () => {
  const live: LiveEvent[] = [];
  const onLive = (e: LiveEvent) => live.push(e);
  before(async () => {
    hub.on('live', onLive);
    await helper.startServer();
  });
  after(async () => {
    hub.off('live', onLive);
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    live.length = 0;
  });

  test('tracks in → behavior changes, episode start and end events, summaries on request, the hub', async () => {
    const { b, got, statuses } = await load();
    for (const p of scene()) b.receive({ topic: `${p.camera}/tracks`, payload: p });
    b.receive({ topic: 'cam1/track', payload: { event: 'track-start', camera: 'cam1', trackId: 'n1', ferretId: 'luna', name: 'Luna', ts: Date.now() } });
    b.receive({ topic: 'summary' });
    await waitFor('summary', () => got.o3.length > 0, 2000);

    const behaviors = got.o1.map((m) => m.payload.behavior);
    assert.deepEqual(behaviors, ['resting', 'exploring', 'eating']);
    assert.ok(got.o1.every((m) => m.topic === 'luna/behavior' && m.payload.name === 'Luna' && m.payload.camera === 'cam1'));
    assert.equal(got.o1[2].payload.zone, 'food');
    assert.equal(got.o1[1].payload.previous, 'resting');

    const starts = got.o2.filter((m) => m.event === 'start');
    const ends = got.o2.filter((m) => m.event === 'end');
    assert.deepEqual(
      starts.map((m) => m.payload.behavior),
      ['resting', 'exploring', 'eating'],
    );
    assert.ok(starts.every((m) => m.payload.end === null && m.topic === 'luna/episode'));
    assert.deepEqual(
      ends.map((m) => m.payload.episodeId),
      starts.slice(0, 2).map((m) => m.payload.episodeId),
      'the first two episodes ended, eating is still open',
    );
    assert.ok(ends.every((m) => typeof m.payload.end === 'number' && (m.payload.durationS as number) > 5));

    const summary = got.o3.find((m) => m.topic === 'luna/summary');
    assert.ok(summary, 'summary on request');
    const minutes = summary.payload.minutes as Record<string, number>;
    assert.ok(minutes.resting > 0.1 && minutes.eating > 0.1, JSON.stringify(minutes));

    const kinds = live.map((e) => (e.kind === 'episode' ? `episode:${e.payload.type}` : e.kind));
    assert.equal(kinds.filter((k) => k === 'behavior').length, 3);
    assert.equal(kinds.filter((k) => k === 'episode:start').length, 3);
    assert.equal(kinds.filter((k) => k === 'episode:end').length, 2);
    assert.equal(kinds.filter((k) => k === 'summary').length, 1);

    const last = statuses[statuses.length - 1];
    assert.equal(last.fill, 'green');
    assert.match(last.text ?? '', /^Luna: eating \d+ min$/);
  });

  test('several ferrets: a compact status; bad input → error with the msg, red status, and the node goes on', async () => {
    const { b, got, statuses } = await load();
    const errors: Array<{ args: unknown[] }> = [];
    b.on('call:error', (call: { args: unknown[] }) => errors.push(call));
    const t0 = Date.now();
    const two = (): Track[] => [
      makeTrack({ cx: 300, cy: 300, zones: [], ferretId: 'luna', name: 'Luna', trackId: '1' }),
      makeTrack({ cx: 900, cy: 400, zones: [], ferretId: 'loki', name: 'Loki', trackId: '2' }),
    ];
    for (let t = t0; t < t0 + 3000; t += 200) b.receive({ topic: 'cam1/tracks', payload: makePayload(t, two()) });
    await waitFor('two ferrets', () => got.o1.length >= 2, 2000);
    assert.match(statuses[statuses.length - 1].text ?? '', /^2 ferrets · (Luna|Loki) resting$/);

    const bad = { topic: 'cam1/tracks', payload: { camera: 'cam1', ts: t0, tracks: [{ trackId: '1', box: [10, 10, 5, 5] }] }, _msgid: 'bad1' };
    b.receive(bad);
    b.receive({ topic: 'cam1/tracks', payload: 'not tracks' });
    await waitFor('errors', () => errors.length >= 2, 2000);
    assert.match(String((errors[0].args[0] as Error).message ?? errors[0].args[0]), /tracks\[0\]\.box/);
    assert.equal((errors[0].args[1] as { _msgid?: string })?._msgid, 'bad1', 'node.error carries the msg for Catch nodes');
    assert.ok(statuses.some((s) => s.fill === 'red' && s.shape === 'ring' && s.text === 'bad input'));
    for (let t = t0 + 3000; t < t0 + 4000; t += 200) b.receive({ topic: 'cam1/tracks', payload: makePayload(t, two()) });
    await waitFor('status back', () => statuses[statuses.length - 1].fill === 'green', 2000);
  });

  test('tracks at 2 fps: one warning naming the camera and the rate; at 5 fps none', async () => {
    const { b } = await load();
    const warnings: string[] = [];
    b.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    const t0 = Date.now();
    for (let k = 0; k < 60; k++) b.receive({ topic: 'fast/tracks', payload: makePayload(t0 + k * 200, [makeTrack({ cx: 500, cy: 300, zones: [] })], 'fast') });
    for (let k = 0; k < 60; k++) b.receive({ topic: 'slow/tracks', payload: makePayload(t0 + k * 500, [makeTrack({ cx: 500, cy: 300, zones: [], ferretId: 'bandit' })], 'slow') });
    await waitFor('warning', () => warnings.length > 0, 2000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /camera slow: tracks arrive at 2\.0 fps, below 4 fps/);
  });

  test('a broken config: red status and an error, inputs refused, nothing thrown', async () => {
    const { b } = await load({ holds: '{playing: 1}' });
    const errors: unknown[] = [];
    b.on('call:error', (call: { args: unknown[] }) => errors.push(call.args[0]));
    // Status and error were set while the node was created: look in the runtime's log.
    const logged = (helper.log().args as Array<[{ level: number; msg: unknown; type?: string }]>).map((a) => a[0]).filter((e) => e.type === 'ferret-behavior');
    assert.ok(
      logged.some((e) => e.level === 20 && /ferret-behavior config: holds is not valid JSON/.test(String(e.msg))),
      JSON.stringify(logged),
    );
    b.receive({ topic: 'cam1/tracks', payload: makePayload(Date.now(), [makeTrack({ cx: 1, cy: 1 })]) });
    await waitFor('refused', () => errors.length > 0, 2000);
  });

  test('model mode: the node loads the ONNX model and emits what it says', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bnode-'));
    try {
      const file = writeTinyLstm(path.join(dir, 'behavior.onnx'));
      const { b, got, statuses } = await load({ mode: 'model', modelPath: file, minConfidence: 0.6 });
      await waitFor('model loaded', () => statuses.some((s) => s.text === 'waiting for tracks'), 10_000);
      // A straight run at 1.9 bl/s: the rules call it exploring, the model playing.
      const t0 = Date.now();
      for (let k = 0; k < 40; k++) {
        const t = t0 + k * 200;
        b.receive({ topic: 'cam1/tracks', payload: makePayload(t, [makeTrack({ cx: (1.9 * 128 * k) / 5, cy: 360, zones: [], ferretId: 'luna' })]) });
        await new Promise((r) => setTimeout(r, 5)); // let the inference of this frame finish, as a live camera would
      }
      await waitFor('playing', () => got.o1.some((m) => m.payload.behavior === 'playing'), 3000);
      assert.ok(!statuses.some((s) => s.fill === 'red'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a model that breaks the contract: red status naming the problem, the rules carry on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bnode-'));
    try {
      const file = writeTinyLstm(path.join(dir, 'narrow.onnx'), { F: 4 });
      const { b, got, statuses } = await load({ mode: 'model+rules', modelPath: file });
      const errors: string[] = [];
      b.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
      await waitFor('model error', () => errors.length > 0, 10_000);
      assert.match(errors[0], /narrow\.onnx.*4 features per step/);
      assert.ok(statuses.some((s) => s.fill === 'red' && /rules only/.test(s.text ?? '')));
      const t0 = Date.now();
      for (let t = t0; t < t0 + 3000; t += 200) b.receive({ topic: 'cam1/tracks', payload: makePayload(t, [makeTrack({ cx: 500, cy: 300, zones: [] })]) });
      await waitFor('rules', () => got.o1.length > 0, 2000);
      assert.equal(got.o1[0].payload.behavior, 'resting');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close: the tick stops and open episodes end (on output 2 and the hub)', async () => {
    const { b, got } = await load();
    const t0 = Date.now();
    for (let t = t0; t < t0 + 3000; t += 200) b.receive({ topic: 'cam1/tracks', payload: makePayload(t, [makeTrack({ cx: 500, cy: 300, zones: [] })]) });
    await waitFor('started', () => got.o2.some((m) => m.event === 'start'), 2000);
    live.length = 0;
    await helper.unload();
    assert.ok(live.some((e) => e.kind === 'episode' && e.payload.type === 'end' && e.payload.behavior === 'resting'));
  });
});
