import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, Track } from '../../../runtime/contracts';
import { CameraTracker, type FrameInput } from '../../../runtime/track/camera-tracker';
import { IdentityRegistry } from '../../../runtime/track/identities';
import { parseDetectionsMessage } from '../../../runtime/track/input';
import { formatMotRows, trackOffline, trackStreams } from '../../../runtime/track/offline';
import { trackStatusText } from '../../../runtime/track/status-text';
import { randomAppearance, rng } from './synth';

const W = 640;
const H = 360;
const T0 = 1_700_000_000_000;
const r = rng(11);
const WHITE = randomAppearance(r, 32);
const DARK = randomAppearance(r, 32);

/** Box of a 80x40 animal centred at (x, y). */
const at = (x: number, y: number): Box => [x - 40, y - 20, x + 40, y + 20];

function frame(i: number, dets: Array<{ box: Box; emb?: number[] }>, fps = 10): FrameInput {
  return { frameId: i + 1, ts: T0 + (i * 1000) / fps, width: W, height: H, detections: dets.map((d) => ({ box: d.box, score: 0.9, label: 'ferret', zones: ['floor'], embedding: d.emb })) };
}

describe('CameraTracker', () => {
  test('payload per contract: camera-prefixed ids, tentative hidden, identities, lifecycle events with the ferret', () => {
    const reg = new IdentityRegistry();
    const ct = new CameraTracker('kitchen', reg);
    const out = [];
    for (let i = 0; i < 5; i++) out.push(ct.update(frame(i, [{ box: at(200 + 10 * i, 180), emb: WHITE }])));
    assert.deepEqual(out[0].tracks.tracks, [], 'tentative: not in the output');
    const p = out[4].tracks;
    assert.deepEqual([p.camera, p.frameId, p.ts, p.width, p.height], ['kitchen', 5, T0 + 400, W, H]);
    assert.equal(p.tracks.length, 1);
    const t: Track = p.tracks[0];
    assert.equal(t.trackId, 'kitchen:t1');
    assert.equal(t.ferretId, 'ferret-1');
    assert.equal(t.name, null);
    assert.equal(t.state, 'confirmed');
    assert.deepEqual(t.zones, ['floor']);
    assert.ok(t.velocity[0] > 50 && t.velocity[0] < 150, `vx ${t.velocity[0]} px/s (100 true)`);
    assert.ok(Math.abs(t.age - 0.4) < 1e-9);
    assert.equal(t.hitStreak, 5);
    const starts = out.flatMap((o) => o.events);
    assert.deepEqual(starts, [{ event: 'track-start', camera: 'kitchen', trackId: 'kitchen:t1', ferretId: 'ferret-1', name: null, ts: T0 + 200 }]);
    // Nothing more is seen: clock ticks end a track that left by the edge after maxAge.
    // Near the edge (not parked), but not touching it (it gets an identity at once).
    const ct2 = new CameraTracker('hall', reg, { maxAgeS: 1, nInit: 1 });
    ct2.update(frame(0, [{ box: [20, 150, 80, 190] }]));
    ct2.update(frame(1, [{ box: [10, 150, 70, 190] }]));
    const end = ct2.tick(T0 + 2000);
    assert.deepEqual(end.events.map((e) => [e.event, e.trackId, e.ferretId]), [['track-end', 'hall:t1', 'ferret-2']]);
    assert.ok(end.events[0].durationS! >= 0.1 && end.events[0].pathLengthPx! > 0);
    assert.deepEqual(end.tracks.tracks, []);
    // includeTentative shows the first frame's track; the label filter drops other labels.
    const ct3 = new CameraTracker('c3', new IdentityRegistry(), { includeTentative: true, labels: ['ferret'] });
    const u = ct3.update({ ...frame(0, [{ box: at(100, 100) }]), detections: [{ box: at(100, 100), score: 1, label: 'ferret' }, { box: at(400, 100), score: 1, label: 'person' }] });
    assert.deepEqual(u.tracks.tracks.map((x) => [x.trackId, x.state, x.ferretId]), [['c3:t1', 'tentative', null]]);
  });

  test('a ferret coming in through the edge waits (up to identityWaitS) for a full view before it gets an identity', () => {
    const reg = new IdentityRegistry();
    const ct = new CameraTracker('k', reg, { identityWaitS: 1 });
    // Entering from the left: the box touches x = 0 for 8 frames (0.8 s), then is fully inside.
    let firstId = -1;
    for (let i = 0; i < 14; i++) {
      const box: Box = i < 8 ? [0, 100, 20 + 7 * i, 140] : [10 + 5 * (i - 8), 100, 90 + 5 * (i - 8), 140];
      const u = ct.update(frame(i, [{ box, emb: DARK }]));
      if (firstId < 0 && u.tracks.tracks[0]?.ferretId) firstId = i;
    }
    assert.equal(firstId, 8, 'identity given on the first full view, not while half in');
    // A ferret sitting at the edge still gets one after the wait.
    const ct2 = new CameraTracker('k2', reg, { identityWaitS: 1 });
    let got = -1;
    for (let i = 0; i < 20; i++) {
      const u = ct2.update(frame(i, [{ box: [0, 100, 60, 140], emb: WHITE }]));
      if (got < 0 && u.tracks.tracks[0]?.ferretId) got = i;
    }
    assert.equal(got, 12, 'confirmed at frame 2, identity 1 s later');
  });
});

describe('trackOffline / trackStreams', () => {
  test('MOT rows: frame from 1, id = the ferret identity number, kept when the ferret comes back', () => {
    const frames: FrameInput[] = [];
    // White walks right and leaves at the right edge (frame 30); dark stays; white comes back at frame 50.
    for (let i = 0; i < 80; i++) {
      const dets: Array<{ box: Box; emb?: number[] }> = [{ box: at(300, 280), emb: DARK }];
      if (i < 30) dets.push({ box: at(400 + 8 * i, 100), emb: WHITE });
      if (i >= 50) dets.push({ box: at(600 - 5 * (i - 50), 100), emb: WHITE });
      frames.push(frame(i, dets));
    }
    const rows = trackOffline(frames, { camera: 'cam' });
    assert.equal(Math.min(...rows.map((x) => x.frame)), 3, 'first confirmed at the third frame');
    const ids = (from: number, to: number, y: number) => new Set(rows.filter((x) => x.frame >= from && x.frame <= to && Math.abs((x.box[1] + x.box[3]) / 2 - y) < 30).map((x) => x.id));
    const whiteBefore = ids(1, 30, 100);
    const whiteAfter = ids(55, 80, 100);
    assert.equal(whiteBefore.size, 1);
    assert.deepEqual(whiteAfter, whiteBefore, 'same id after re-entry');
    assert.equal(ids(1, 80, 280).size, 1);
    assert.notDeepEqual(ids(1, 80, 280), whiteBefore);
    assert.ok(rows.every((x) => x.trackId.startsWith('cam:t') && x.ferretId === `ferret-${x.id}`));
    const text = formatMotRows(rows.slice(0, 1));
    assert.match(text, /^3,\d+,\d+(\.\d+)?,\d+(\.\d+)?,80,40,0\.9,-1,-1,-1\n$/);
  });

  test('two cameras share the registry: the same ferret has the same id on both', () => {
    const a: FrameInput[] = [];
    const b: FrameInput[] = [];
    for (let i = 0; i < 60; i++) {
      a.push(frame(i, i < 20 ? [{ box: at(300 + 10 * i, 180), emb: WHITE }] : []));
      b.push(frame(i, i >= 35 ? [{ box: at(100 + 5 * (i - 35), 180), emb: WHITE }] : []));
    }
    const res = trackStreams([{ camera: 'a', frames: a }, { camera: 'b', frames: b }]);
    const idsA = new Set(res.rows.get('a')!.map((x) => x.id));
    const idsB = new Set(res.rows.get('b')!.map((x) => x.id));
    assert.equal(idsA.size, 1);
    assert.deepEqual(idsB, idsA);
    assert.equal(res.identities.length, 1);
  });
});

describe('parseDetectionsMessage', () => {
  const ok = { camera: 'kitchen', frameId: 7, ts: T0, width: W, height: H, detections: [{ box: [1, 2, 3, 4], score: 0.5, label: 'ferret', zones: [], embedding: [0.1, 0.2] }] };

  test('accepts the ferret-detect payload and fills optional fields', () => {
    const p = parseDetectionsMessage(ok, 'kitchen/detections', 0, 1);
    assert.equal(p.camera, 'kitchen');
    assert.deepEqual(p.detections[0].box, [1, 2, 3, 4]);
    const q = parseDetectionsMessage({ detections: [{ box: [1, 2, 3, 4] }] }, 'hall/detections', 123, 9);
    assert.deepEqual([q.camera, q.ts, q.frameId, q.width, q.detections[0].score], ['hall', 123, 9, 0, 1]);
  });

  test('names what is wrong', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /msg\.payload must be/],
      ['x', /msg\.payload must be/],
      [{ camera: 'k' }, /detections must be an array/],
      [{ camera: 'k', detections: {} }, /detections must be an array/],
      [{ detections: [] }, /camera/],
      [{ camera: 'a b', detections: [] }, /camera/],
      [{ camera: 'k', ts: 'now', detections: [] }, /ts must be a number/],
      [{ camera: 'k', width: -1, detections: [] }, /width/],
      [{ camera: 'k', detections: [null] }, /detections\[0\] must be an object/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3] }] }, /detections\[0\]\.box must be 4 numbers/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3, 'x'] }] }, /box must be 4 numbers/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3, NaN] }] }, /box must be 4 numbers/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3, 4], score: '1' }] }, /score/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3, 4], zones: [1] }] }, /zones/],
      [{ camera: 'k', detections: [{ box: [1, 2, 3, 4], embedding: ['a'] }] }, /embedding/],
    ];
    for (const [payload, re] of bad) assert.throws(() => parseDetectionsMessage(payload, undefined, 0, 1), re, JSON.stringify(payload));
  });
});

describe('trackStatusText', () => {
  test('"3 tracks · Luna, Max, ferret-4": names first, de-duplicated, capped', () => {
    const t = (name: string | null, ferretId: string | null) => ({ name, ferretId }) as Track;
    assert.equal(trackStatusText([]), 'no tracks');
    assert.equal(trackStatusText([t(null, 'ferret-4'), t('Luna', 'ferret-1'), t('Max', 'ferret-2')]), '3 tracks · Luna, Max, ferret-4');
    assert.equal(trackStatusText([t(null, null)]), '1 track');
    assert.equal(trackStatusText([t('A', '1'), t('B', '2'), t('C', '3')], { maxNames: 2 }), '3 tracks · A, B +1');
  });
});
