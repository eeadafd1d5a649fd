// ferret-track in the real Node-RED runtime (node-red-node-test-helper): messages per contract,
// several cameras in one node, lifecycle events (also when frames stop), bad input → error + Catch,
// naming a live track over HTTP, and identities that survive a restart through the user dir file.
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box, TrackLifecyclePayload, TracksPayload } from '../../runtime/contracts';
import { identitiesFile, readIdentitiesFile, resetIdentityStoreForTests } from '../../runtime/track/identity-store';
import { helper, recordStatus, startApiServer } from '../support/nodered';
import { waitFor } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const trackNode = require('../../nodes/ferret-track/ferret-track');

const T0 = Date.now();
const WHITE = Array.from({ length: 128 }, (_, i) => (i % 7 === 0 ? 1 : 0.05));
const DARK = Array.from({ length: 128 }, (_, i) => (i % 5 === 1 ? 1 : 0.05));

interface Msg<T> {
  topic: string;
  payload: T;
}

function detections(camera: string, i: number, dets: Array<{ box: Box; emb?: number[] }>, fps = 10) {
  return {
    topic: `${camera}/detections`,
    payload: {
      camera,
      frameId: i + 1,
      ts: T0 + (i * 1000) / fps,
      width: 640,
      height: 360,
      detections: dets.map((d) => ({ box: d.box, score: 0.9, label: 'ferret', class: 'cat', classId: 15, zones: ['floor'], embedding: d.emb })),
      timings: { decodeMs: 1, preMs: 1, inferMs: 50, postMs: 1 },
      dropped: 0,
    },
  };
}

const flow = (extra: Record<string, unknown> = {}) => [
  { id: 'tr', type: 'ferret-track', name: '', maxAge: 5, nInit: 3, transitWindow: 60, appearance: 0.25, stationaryTimeout: 12, ...extra, wires: [['o1'], ['o2']] },
  { id: 'o1', type: 'helper' },
  { id: 'o2', type: 'helper' },
  { id: 'c1', type: 'catch', scope: ['tr'], uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
];

let userDir: string;

before(async () => {
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
});
beforeEach(() => {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-track-node-'));
  helper.settings({ userDir });
  resetIdentityStoreForTests();
});
afterEach(async () => {
  await helper.unload();
  resetIdentityStoreForTests();
  fs.rmSync(userDir, { recursive: true, force: true });
});

describe('ferret-track node', () => {
  test('tracks per frame for several cameras, lifecycle starts, status "3 tracks · …"', async () => {
    await helper.load([trackNode], flow());
    const tr = helper.getNode('tr');
    const statuses = recordStatus(tr);
    const tracks: Array<Msg<TracksPayload>> = [];
    const events: Array<Msg<TrackLifecyclePayload>> = [];
    helper.getNode('o1').on('input', (m: Msg<TracksPayload>) => tracks.push(m));
    helper.getNode('o2').on('input', (m: Msg<TrackLifecyclePayload>) => events.push(m));
    for (let i = 0; i < 6; i++) {
      tr.receive(detections('kitchen', i, [{ box: [100 + 10 * i, 100, 180 + 10 * i, 140], emb: WHITE }, { box: [400, 250, 480, 290], emb: DARK }]));
      tr.receive(detections('hall', i, [{ box: [300, 150 + 5 * i, 380, 190 + 5 * i], emb: DARK }]));
    }
    await waitFor('12 tracks messages', () => tracks.length >= 12, 5000);
    const k = tracks.filter((m) => m.topic === 'kitchen/tracks');
    const h = tracks.filter((m) => m.topic === 'hall/tracks');
    assert.equal(k.length, 6);
    assert.equal(h.length, 6);
    assert.deepEqual(k[0].payload.tracks, [], 'tentative tracks are not output');
    const last = k[5].payload;
    assert.deepEqual([last.camera, last.frameId, last.width, last.height], ['kitchen', 6, 640, 360]);
    assert.deepEqual(last.tracks.map((t) => t.trackId).sort(), ['kitchen:t1', 'kitchen:t2']);
    for (const t of last.tracks) {
      assert.deepEqual(Object.keys(t).sort(), ['age', 'box', 'ferretId', 'hitStreak', 'name', 'score', 'state', 'trackId', 'velocity', 'zones']);
      assert.match(t.ferretId!, /^ferret-\d+$/);
      assert.equal(t.state, 'confirmed');
      assert.equal(t.box.length, 4);
    }
    const moving = last.tracks.find((t) => t.trackId === 'kitchen:t1')!;
    assert.ok(moving.velocity[0] > 40, `vx ${moving.velocity[0]} px/s`);
    const hallTrack = h[5].payload.tracks[0];
    assert.equal(hallTrack.trackId, 'hall:t1');
    const ids = new Set([...last.tracks.map((t) => t.ferretId), hallTrack.ferretId]);
    assert.equal(ids.size, 3, 'three ferrets: one identity each, even the look-alike on the other camera');
    await waitFor('3 track-start events', () => events.length >= 3, 2000);
    for (const e of events) {
      assert.equal(e.payload.event, 'track-start');
      assert.equal(e.topic, `${e.payload.camera}/track`);
      assert.match(e.payload.ferretId!, /^ferret-\d+$/);
    }
    await waitFor('status', () => statuses.some((s) => /^3 tracks · ferret-\d, ferret-\d, ferret-\d$/.test(s.text ?? '')), 3000);
  });

  test('bad input: error with the message (a Catch node sees it), red status, and the node keeps working', async () => {
    await helper.load([trackNode], flow());
    const tr = helper.getNode('tr');
    const statuses = recordStatus(tr);
    const caught: Array<{ error: { message: string } }> = [];
    helper.getNode('caught').on('input', (m: { error: { message: string } }) => caught.push(m));
    const tracks: unknown[] = [];
    helper.getNode('o1').on('input', (m: unknown) => tracks.push(m));
    tr.receive({ payload: { camera: 'kitchen' } });
    tr.receive({ payload: { camera: 'kitchen', detections: [{ box: [1, 2, 3] }] } });
    tr.receive({ payload: 'hello' });
    await waitFor('3 caught errors', () => caught.length >= 3, 3000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(caught.length, 3, 'each bad message is reported once');
    assert.match(caught[0].error.message, /detections must be an array/);
    assert.match(caught[1].error.message, /detections\[0\]\.box must be 4 numbers/);
    assert.match(caught[2].error.message, /msg\.payload must be/);
    assert.ok(statuses.some((s) => s.fill === 'red' && s.text === 'bad input'));
    assert.equal(tracks.length, 0);
    tr.receive(detections('kitchen', 0, [{ box: [10, 10, 50, 50] }]));
    await waitFor('a tracks message after the errors', () => tracks.length === 1, 2000);
  });

  test('frames stop (nothing detected): the track still ends, on the clock', async () => {
    await helper.load([trackNode], flow({ maxAge: 0.5, nInit: 1 }));
    const tr = helper.getNode('tr');
    const events: Array<Msg<TrackLifecyclePayload>> = [];
    helper.getNode('o2').on('input', (m: Msg<TrackLifecyclePayload>) => events.push(m));
    const now = Date.now();
    // Near the right edge: it walked out (an animal stopping mid-frame would be parked instead).
    for (let i = 0; i < 3; i++) tr.receive({ ...detections('kitchen', i, [{ box: [560 + 10 * i, 100, 620 + 10 * i, 140] }]), payload: { ...detections('kitchen', i, [{ box: [560 + 10 * i, 100, 620 + 10 * i, 140] }]).payload, ts: now + 100 * i } });
    const end = await waitFor('track-end', () => events.find((e) => e.payload.event === 'track-end'), 4000);
    assert.equal(end.payload.trackId, 'kitchen:t1');
    assert.match(end.payload.ferretId!, /^ferret-/);
    assert.ok(end.payload.durationS! >= 0.19 && end.payload.pathLengthPx! > 10, JSON.stringify(end.payload));
  });

  test('name a live track over HTTP; the name survives a restart (userDir file)', async () => {
    const api = await startApiServer();
    try {
      await helper.load([trackNode], flow());
      let tr = helper.getNode('tr');
      const tracks: Array<Msg<TracksPayload>> = [];
      helper.getNode('o1').on('input', (m: Msg<TracksPayload>) => tracks.push(m));
      for (let i = 0; i < 5; i++) tr.receive(detections('kitchen', i, [{ box: [100 + 8 * i, 100, 180 + 8 * i, 140], emb: WHITE }]));
      await waitFor('a confirmed track', () => tracks.at(-1)?.payload.tracks[0]?.ferretId, 3000);
      const res = await fetch(`${api.url}/ferretwatch/api/ferrets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Luna', trackId: 'kitchen:t1' }) });
      assert.equal(res.status, 201);
      const named = (await res.json()) as { ferretId: string };
      tr.receive(detections('kitchen', 5, [{ box: [140, 100, 220, 140], emb: WHITE }]));
      await waitFor('the track is Luna', () => tracks.at(-1)?.payload.tracks[0]?.name === 'Luna', 2000);
      const list = (await (await fetch(`${api.url}/ferretwatch/api/ferrets/identities`)).json()) as Array<{ name: string | null }>;
      assert.ok(list.some((i) => i.name === 'Luna'));

      // Restart: the node closes (saving the file), the process forgets everything, a new node loads the file.
      await helper.unload();
      const saved = readIdentitiesFile(identitiesFile(userDir))!;
      assert.equal(saved.identities.find((i) => i.ferretId === named.ferretId)!.name, 'Luna');
      resetIdentityStoreForTests();
      await helper.load([trackNode], flow());
      tr = helper.getNode('tr');
      const after: Array<Msg<TracksPayload>> = [];
      helper.getNode('o1').on('input', (m: Msg<TracksPayload>) => after.push(m));
      for (let i = 0; i < 5; i++) tr.receive(detections('hall', i, [{ box: [300, 200 - 5 * i, 380, 240 - 5 * i], emb: WHITE }]));
      const t = await waitFor('Luna recognised after the restart', () => after.at(-1)?.payload.tracks.find((x) => x.name), 3000);
      assert.deepEqual([t.ferretId, t.name], [named.ferretId, 'Luna']);
    } finally {
      await api.close();
    }
  });
});
