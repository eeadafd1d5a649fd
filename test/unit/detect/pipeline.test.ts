// DetectPipeline with a scripted frame source and a tiny ONNX model whose detections are spelled
// out by the frame bytes: emission rule, zones and masks in source pixels, dropped-frame
// accounting, snapshot replies, pause/resume, registry, model errors.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../../../runtime/camera/config';
import type { DetectionsPayload, StreamState } from '../../../runtime/contracts';
import { DetectPipeline, type FrameSourceLike } from '../../../runtime/detect/pipeline';
import type { FrameSourceStats, SourceFrame } from '../../../runtime/detect/frame-source';
import { DetectRegistry } from '../../../runtime/detect/registry';
import { buildTinyOnnx } from './onnx-builder';
import { tempDir } from './ffmpeg-fixtures';
import { E2E, LB, NAMES, encodeRows, type Row } from './e2e-model';

class ScriptedSource extends EventEmitter implements FrameSourceLike {
  readonly width = 4;
  readonly height = 4;
  starts = 0;
  stops = 0;
  released = 0;
  private queue: SourceFrame[] = [];
  private waiter: ((f: SourceFrame | null) => void) | undefined;
  private running = false;
  private id = 0;

  get stats(): FrameSourceStats {
    return { state: this.running ? 'live' : 'stopped', frames: this.id, dropped: 0, restarts: 0, srcW: 512, srcH: 512 };
  }

  start(): void {
    this.starts++;
    this.running = true;
    this.emit('state', 'live' as StreamState);
  }

  async stop(): Promise<void> {
    this.stops++;
    this.running = false;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(null);
  }

  push(rows: Row[], dropped = 0): void {
    const f: SourceFrame = { rgb: encodeRows(rows), width: 4, height: 4, srcW: 512, srcH: 512, lb: LB, frameId: this.id++, ts: Date.now(), waitMs: 5, dropped };
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(f);
    } else this.queue.push(f);
  }

  next(): Promise<SourceFrame | null> {
    if (!this.running) return Promise.resolve(null);
    const f = this.queue.shift();
    if (f) return Promise.resolve(f);
    return new Promise((r) => (this.waiter = r));
  }

  release(): void {
    this.released++;
  }
}

function camera(id: string): CameraConfig {
  return {
    id,
    name: id,
    url: 'demo:',
    transport: 'tcp',
    credentials: {},
    zones: [
      { name: 'left', points: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]] },
      // Masks the bottom-right quarter of the source frame.
      { name: 'mask', mask: true, points: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] },
    ],
  };
}

const FERRET_LEFT: Row = [10, 10, 50, 50, 0.9, 0]; // source [20,20,100,100]: bottom-centre (60,100) in "left"
const FERRET_RIGHT: Row = [150, 20, 200, 60, 0.8, 0]; // source [300,40,400,120]: not in a zone, not masked
const FERRET_MASKED: Row = [150, 150, 200, 200, 0.8, 0]; // source [300,300,400,400]: in the mask

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('DetectPipeline', () => {
  const dir = tempDir('pipe');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const model = path.join(dir, 'e2e.onnx');
  fs.writeFileSync(model, buildTinyOnnx({ ...E2E, metadata: { names: NAMES } }));

  function make(id: string, registry = new DetectRegistry(), extra: Partial<ConstructorParameters<typeof DetectPipeline>[0]> = {}) {
    const src = new ScriptedSource();
    const p = new DetectPipeline({ camera: camera(id), detector: { model }, registry, sourceFactory: () => src, ...extra });
    const out: DetectionsPayload[] = [];
    p.on('detections', (d) => out.push(d));
    return { p, src, out, registry };
  }

  test('sends frames with detections and one empty result; zones and masks in source pixels; dropped accumulates', async () => {
    const { p, src, out, registry } = make('cam1');
    await p.start();
    assert.equal(p.currentState, 'live');
    assert.ok(registry.get('cam1'));
    src.push([FERRET_LEFT, FERRET_RIGHT]);
    src.push([], 2);
    src.push([], 1);
    src.push([FERRET_MASKED], 4);
    src.push([FERRET_RIGHT], 1);
    await until('5 frames', () => p.stats().frames === 5);
    assert.deepEqual(
      out.map((m) => [m.frameId, m.detections.length, m.dropped]),
      [
        [0, 2, 0],
        [1, 0, 2],
        // frames 2 (empty) and 3 (masked only) are not sent; their drops go with the next message
        [4, 1, 1 + 4 + 1],
      ],
    );
    const first = out[0];
    assert.equal(first.camera, 'cam1');
    assert.equal(first.width, 512);
    assert.equal(first.height, 512);
    assert.deepEqual(first.detections[0].box, [20, 20, 100, 100]);
    assert.deepEqual(first.detections[0].zones, ['left']);
    assert.equal(first.detections[0].label, 'ferret');
    assert.deepEqual(first.detections[1].zones, []);
    assert.equal(first.timings.decodeMs, 5);
    assert.ok(first.timings.inferMs >= 0 && first.timings.preMs >= 0 && first.timings.postMs >= 0);
    assert.equal(typeof first.ts, 'number');
    // latest(): a copy of the last frame and its detections.
    const latest = registry.latest('cam1');
    assert.equal(latest?.frameId, 4);
    assert.deepEqual(latest?.detections.map((d) => d.box), [[300, 40, 400, 120]]);
    assert.equal(latest?.rgb.length, 48);
    const s = p.stats();
    assert.equal(s.kind, 'yolo');
    assert.equal(s.model, 'e2e.onnx');
    assert.deepEqual(s.labels, { ferret: 1 });
    await p.stop();
    assert.equal(registry.get('cam1'), undefined, 'stop() leaves the registry');
    assert.equal(src.released, 5, 'every frame buffer went back');
  });

  test('msg.snapshot: the next frame comes back with a snapshot URL instead of the plain message', async () => {
    const { p, src, out, registry } = make('cam2');
    await p.start();
    assert.equal(await p.snapshotJpeg(), undefined, 'no snapshot before one is requested');
    const reply = p.snapshotNext(5000);
    src.push([FERRET_LEFT]);
    const r = await reply;
    assert.equal(r.snapshotUrl, '/ferretwatch/api/cameras/cam2/snapshot.jpg');
    assert.equal(r.payload.detections.length, 1);
    assert.equal(out.length, 0, 'not sent twice');
    const jpg = await registry.snapshotJpeg('cam2');
    assert.ok(jpg && jpg[0] === 0xff && jpg[1] === 0xd8, 'a JPEG');
    src.push([FERRET_LEFT]);
    await until('frame 1', () => out.length === 1);
    assert.equal((await registry.snapshotJpeg('cam2'))?.equals(jpg as Buffer), true, 'without "snapshots" the requested one stays');
    await p.stop();
  });

  test('"snapshots" on: the latest frame is encoded on request, once per frame', async () => {
    const { p, src, registry } = make('cam3', new DetectRegistry(), { snapshots: true });
    await p.start();
    src.push([FERRET_LEFT]);
    await until('frame', () => p.stats().frames === 1);
    const [a, b] = await Promise.all([registry.snapshotJpeg('cam3'), registry.snapshotJpeg('cam3')]);
    assert.ok(a && a[0] === 0xff);
    assert.equal(a, b, 'concurrent requests share one encode');
    await p.stop();
  });

  test('pause stops the source, resume starts it again; a snapshot while paused is refused', async () => {
    const { p, src, out } = make('cam4');
    await p.start();
    await p.pause();
    assert.equal(p.currentState, 'paused');
    assert.equal(src.stops, 1);
    await assert.rejects(p.snapshotNext(), /paused/);
    await p.resume();
    assert.equal(src.starts, 2);
    src.push([FERRET_LEFT]);
    await until('a message after resume', () => out.length === 1);
    assert.equal(p.currentState, 'live');
    await p.stop();
  });

  test('embedder "hsv": every detection carries an appearance embedding', async () => {
    const { p, src, out } = make('cam7', new DetectRegistry(), { embedder: 'hsv' });
    const warnings: string[] = [];
    p.on('warning', (m) => warnings.push(m));
    await p.start();
    src.push([[0, 0, 4, 4, 0.9, 0], [1, 1, 3, 3, 0.8, 2]]);
    await until('a message', () => out.length === 1);
    assert.deepEqual(warnings, []);
    const dets = out[0].detections;
    assert.equal(dets.length, 2);
    for (const d of dets) {
      assert.ok(Array.isArray(d.embedding) && d.embedding.length > 0, 'an embedding');
      const norm = Math.hypot(...(d.embedding as number[]));
      assert.ok(Math.abs(norm - 1) < 1e-3, `L2-normalised (${norm})`);
    }
    await p.stop();
  });

  test('one detect pipeline per camera; a bad model file is an error naming it', async () => {
    const registry = new DetectRegistry();
    const a = make('cam5', registry);
    await a.p.start();
    const b = make('cam5', registry);
    await assert.rejects(b.p.start(), /camera "cam5" already has a ferret-detect node/);
    await a.p.stop();
    const bad = new DetectPipeline({ camera: camera('cam6'), detector: { model: path.join(dir, 'missing.onnx') }, registry, sourceFactory: () => new ScriptedSource() });
    await assert.rejects(bad.start(), /model file missing\.onnx not found/);
    assert.equal(bad.currentState, 'error');
    assert.match(bad.stats().reason ?? '', /missing\.onnx/);
    await bad.stop();
    assert.deepEqual(registry.cameras(), []);
  });
});
