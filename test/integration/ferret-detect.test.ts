// ferret-detect through the real Node-RED runtime (node-red-node-test-helper) and real ffmpeg:
// the motion detector on demo:, the real YOLO model on an RTSP camera showing a dog, snapshots over
// HTTP, pause/resume, bad input, bad model files, and no ffmpeg left after close.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper, cameraNode, recordStatus, startApiServer } from '../support/nodered';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../support/rtsp-server';
import { ffprobeJson, ffmpegPath } from '../support/media';
import { ffmpegPidsWith, processAlive } from '../support/procs';
import { sharedPath } from '../support/shared';
import { waitFor, sleep } from '../support/wait';
import type { DetectionsPayload } from '../../runtime/contracts';
import { detectRegistry } from '../../runtime/detect/registry';
import { buildTinyOnnx } from '../unit/detect/onnx-builder';
import { execFileSync } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const detectNode = require('../../nodes/ferret-detect/ferret-detect');

interface Msg {
  topic: string;
  payload: DetectionsPayload & { snapshotUrl?: string };
}

const ALL = '[{"name":"all","points":[[0,0],[1,0],[1,1],[0,1]]}]';
// An odd demo size marks this test's ffmpeg processes (nullsrc=s=642x362 in the filter graph).
const DEMO = 'demo:?width=642&height=362';
const DEMO_MARKER = 's=642x362';

/** The demo's animals move for 35 s of every 60 s (wall clock): wait for a moving phase with time left. */
async function waitForDemoMotion(): Promise<void> {
  const phase = (Date.now() / 1000) % 60;
  if (phase > 25) {
    console.log(`waiting ${(60 - phase).toFixed(0)} s for the demo animals to move`);
    await sleep((60 - phase + 0.5) * 1000);
  }
}

describe('ferret-detect on demo: with the motion detector', () => {
  let api: { url: string; close(): Promise<void> };
  const messages: Msg[] = [];

  before(async () => {
    api = await startApiServer();
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await api.close();
  });

  test('detections arrive with boxes in source pixels and zone names; green status', async () => {
    await waitForDemoMotion();
    await helper.load(
      [cameraNode, detectNode],
      [
        { id: 'c1', type: 'ferret-camera', name: 'Demo', cameraId: 'demo', url: DEMO, transport: 'tcp', zones: ALL },
        { id: 'd1', type: 'ferret-detect', camera: 'c1', model: 'motion', fps: 5, conf: 0.35, iou: 0.45, threads: 1, snapshots: false, embedder: 'none', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const d1 = helper.getNode('d1');
    const statuses = recordStatus(d1);
    helper.getNode('out').on('input', (m: Msg) => messages.push(m));
    const msg = await waitFor('a detections message', () => messages.find((m) => m.payload.detections.length > 0), 30_000);
    const p = msg.payload;
    assert.equal(msg.topic, 'demo/detections');
    assert.equal(p.camera, 'demo');
    assert.deepEqual([p.width, p.height], [642, 362], 'source frame size');
    assert.ok(Number.isInteger(p.frameId) && p.frameId >= 0);
    assert.ok(Math.abs(Date.now() - p.ts) < 10_000);
    assert.equal(typeof p.dropped, 'number');
    for (const k of ['decodeMs', 'preMs', 'inferMs', 'postMs'] as const) assert.equal(typeof p.timings[k], 'number', k);
    for (const d of p.detections) {
      const [x1, y1, x2, y2] = d.box;
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 642 && y2 <= 362 && x2 > x1 && y2 > y1, `box ${d.box.join(',')}`);
      assert.equal(d.label, 'motion');
      assert.deepEqual(d.zones, ['all']);
    }
    // Motion is on the floor (lower two thirds of the frame), never in the letterbox bars.
    assert.ok(p.detections.some((d) => d.box[3] > 362 * 0.34), JSON.stringify(p.detections.map((d) => d.box)));
    await waitFor('green status', () => statuses.find((s) => s.fill === 'green' && /^\d+\.\d fps · [\d.]+ ms · /.test(s.text ?? '')), 10_000);
    const stats = detectRegistry.stats('demo');
    assert.equal(stats?.kind, 'motion');
    assert.equal(stats?.state, 'live');
  });

  test('msg.snapshot → a message with snapshotUrl; the JPEG is served; 404 for unknown cameras', async () => {
    const d1 = helper.getNode('d1');
    const before = messages.length;
    d1.receive({ snapshot: true, payload: 'ignored', correlation: 'abc' });
    const reply = await waitFor('a snapshot reply', () => messages.slice(before).find((m) => m.payload.snapshotUrl), 15_000);
    assert.equal((reply as unknown as { correlation: string }).correlation, 'abc', 'the input message travels on');
    assert.equal(reply.payload.snapshotUrl, '/ferretwatch/api/cameras/demo/snapshot.jpg');
    const r = await fetch(`${api.url}${reply.payload.snapshotUrl}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    const jpg = Buffer.from(await r.arrayBuffer());
    assert.deepEqual([jpg[0], jpg[1]], [0xff, 0xd8], 'JPEG SOI marker');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fw-snap-')), 'snap.jpg');
    fs.writeFileSync(file, jpg);
    const probe = await ffprobeJson(file);
    assert.equal(probe.streams[0].codec_name, 'mjpeg');
    // The letterbox bars are cropped away: the picture has the source's aspect ratio.
    assert.equal(probe.streams[0].width, 640);
    assert.equal(probe.streams[0].height, 361);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    for (const [p, why] of [
      ['/ferretwatch/api/cameras/nope/snapshot.jpg', 'unknown camera'],
      ['/ferretwatch/api/cameras/BAD!/snapshot.jpg', 'unknown camera'],
      ['/ferretwatch/api/cameras/..%2F..%2Fetc/snapshot.jpg', 'unknown camera'],
    ]) {
      const res = await fetch(`${api.url}${p}`);
      assert.equal(res.status, 404, p);
      assert.match(res.headers.get('content-type') ?? '', /json/);
      assert.equal((await res.json()).error, why);
    }
  });

  test('bad input → node.error; pause stops ffmpeg, resume brings detections back', async () => {
    const d1 = helper.getNode('d1');
    const errors: string[] = [];
    d1.on('call:error', (c: { args: unknown[] }) => errors.push(String((c.args[0] as Error)?.message ?? c.args[0])));
    d1.receive({ payload: 42 });
    await waitFor('an error for a bad command', () => errors.find((e) => /unknown input/.test(e)), 3000);
    d1.receive({ snapshot: 'yes' });
    await waitFor('an error for msg.snapshot = "yes"', () => errors.find((e) => /msg\.snapshot = "yes"/.test(e)), 3000);

    const statuses = recordStatus(d1);
    const pids = ffmpegPidsWith(DEMO_MARKER);
    assert.equal(pids.length, 1, 'one detect ffmpeg for the camera');
    d1.receive({ payload: 'pause' });
    await waitFor('paused status', () => statuses.find((s) => s.text === 'paused'), 5000);
    assert.equal(processAlive(pids[0]), false, 'ffmpeg stopped while paused');
    const n = messages.length;
    await sleep(600);
    assert.equal(messages.length, n, 'no messages while paused');
    d1.receive({ snapshot: true });
    await waitFor('snapshot refused while paused', () => errors.find((e) => /paused/.test(e)), 3000);
    d1.receive({ payload: 'resume' });
    await waitFor('live again', () => statuses.find((s) => s.fill === 'green'), 15_000);
    assert.equal(ffmpegPidsWith(DEMO_MARKER).length, 1);
  });

  test('close waits for ffmpeg: nothing left behind, the camera leaves the registry', async () => {
    const pids = ffmpegPidsWith(DEMO_MARKER);
    assert.ok(pids.length >= 1);
    await helper.unload();
    for (const pid of pids) assert.equal(processAlive(pid), false, `ffmpeg ${pid} alive after close`);
    assert.equal(detectRegistry.get('demo'), undefined);
  });
});

describe('ferret-detect with YOLOv8n on a real RTSP camera (a dog running)', () => {
  const available = rtspServerAvailable();
  let server: RtspServer | undefined;

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await server?.stop();
  });

  test('a "ferret" detection arrives; the class kept is dog or cat', async (t) => {
    const model = sharedPath('models/yolov8n_int8.onnx');
    const clip = sharedPath('media/videos/dog_running_fence.mp4');
    if (!model.path || !clip.path) return t.skip(model.skip ?? clip.skip);
    if (!available.ok) {
      if (process.env.CI) throw new Error(`CI requires the RTSP test server: ${available.reason}`);
      return t.skip(available.reason);
    }
    server = await startRtspServer({ mounts: { dog: `file:${clip.path}` } });
    await helper.startServer();
    await helper.load(
      [cameraNode, detectNode],
      [
        { id: 'c1', type: 'ferret-camera', name: 'Yard', cameraId: 'yard', url: server.url('dog'), transport: 'tcp', zones: '[]' },
        { id: 'd1', type: 'ferret-detect', camera: 'c1', model: model.path, fps: 5, conf: 0.35, iou: 0.45, classMap: '', threads: 1, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const msgs: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => msgs.push(m));
    const statuses = recordStatus(helper.getNode('d1'));
    const hit = await waitFor('a ferret detection', () => msgs.find((m) => m.payload.detections.some((d) => d.label === 'ferret')), 45_000);
    const p = hit.payload;
    assert.deepEqual([p.width, p.height], [360, 360]);
    for (const d of p.detections) {
      assert.equal(d.label, 'ferret', 'the default COCO map lets only ferret stand-ins through');
      assert.ok(['dog', 'cat'].includes(d.class), `class ${d.class}`);
      assert.ok(d.score >= 0.35);
      assert.ok(d.box.every((v) => v >= 0 && v <= 360), `box ${d.box.join(',')}`);
    }
    console.log(`${p.detections.map((d) => `${d.class} ${d.score.toFixed(2)}`).join(', ')}; infer ${p.timings.inferMs.toFixed(0)} ms`);
    await waitFor('green status naming ferrets', () => statuses.find((s) => s.fill === 'green' && /ferret/.test(s.text ?? '')), 10_000);
    const marker = `:${server.port}/dog`;
    const pids = ffmpegPidsWith(marker);
    await helper.unload();
    for (const pid of pids) assert.equal(processAlive(pid), false);
  });
});

describe('ferret-detect with unusable model files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-badmodels-'));
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    await helper.startServer();
  });

  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('corrupt, non-ONNX, wrong output shape → red status and node.error naming the file; the flow keeps running', async () => {
    const good = buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 8, 6], reshapeTo: [1, 8, 6] });
    fs.writeFileSync(path.join(dir, 'corrupt.onnx'), good.subarray(0, good.length - 10));
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', '-f', 'mjpeg', path.join(dir, 'photo.onnx')]);
    fs.writeFileSync(path.join(dir, 'seg.onnx'), buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 3, 4, 4] }));
    const cams = ['e1', 'e2', 'e3', 'ok'].map((id, i) => ({ id: `c${i}`, type: 'ferret-camera', cameraId: id, url: DEMO, zones: '[]' }));
    const dets = ['corrupt.onnx', 'photo.onnx', 'seg.onnx', 'motion'].map((m, i) => ({
      id: `d${i}`,
      type: 'ferret-detect',
      camera: `c${i}`,
      model: m === 'motion' ? 'motion' : path.join(dir, m),
      wires: [[]],
    }));
    const recorded = new Map<string, { statuses: ReturnType<typeof recordStatus>; errors: string[] }>();
    await helper.load([cameraNode, detectNode], [...cams, ...dets]);
    for (const d of dets) {
      const n = helper.getNode(d.id);
      const errors: string[] = [];
      n.on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
      recorded.set(d.id, { statuses: recordStatus(n), errors });
    }
    const expect: Array<[string, string, RegExp]> = [
      ['d0', 'corrupt.onnx', /truncated or corrupt/],
      ['d1', 'photo.onnx', /not an ONNX model: it looks like a JPEG image/],
      ['d2', 'seg.onnx', /not a YOLO detection model: output shape \[1, 3, 4, 4\]/],
    ];
    for (const [id, file, why] of expect) {
      const n = helper.getNode(id);
      // The load may already have failed before we started recording: look at every status call too.
      await waitFor(`${id} red`, () => n.status.args.some((a: Array<{ fill?: string; text?: string }>) => a[0]?.fill === 'red' && a[0]?.text?.includes(file)), 10_000);
      await waitFor(`${id} error`, () => n.error.args.some((a: unknown[]) => String(a[0]).includes(file) && why.test(String(a[0]))), 10_000);
    }
    // The healthy node in the same flow goes live, and nothing crashed.
    await waitFor('the motion node live', () => detectRegistry.stats('ok')?.state === 'live', 20_000);
    assert.equal(detectRegistry.stats('e1')?.state, 'error');
    assert.equal(unhandled.length, 0, `unhandled rejections: ${unhandled.map(String).join('; ')}`);
    // A failed node still answers input with an error instead of throwing.
    const d0 = helper.getNode('d0');
    d0.receive({ snapshot: true });
    await waitFor('snapshot refused', () => d0.error.args.some((a: unknown[]) => /not running/.test(String((a[0] as Error)?.message ?? a[0]))), 3000);
  });
});
