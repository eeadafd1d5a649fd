import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import express from 'express';
import { registerSnapshotRoute, snapshotPath } from '../../../runtime/detect/snapshot-route';
import { DetectRegistry, type DetectHandle } from '../../../runtime/detect/registry';

function handle(cameraId: string, jpeg: () => Promise<Buffer | undefined>): DetectHandle {
  return {
    cameraId,
    stats: () => ({ camera: cameraId, state: 'live', fps: 0, inferMs: 0, totalMs: 0, frames: 0, dropped: 0, restarts: 0, detections: 0, labels: {}, since: 0 }),
    latest: () => undefined,
    snapshotJpeg: jpeg,
  };
}

describe('GET /ferretwatch/api/cameras/<camera>/snapshot.jpg', () => {
  const registry = new DetectRegistry();
  const cameras = new Set(['idle', 'nosnap', 'snap', 'broken']);
  let server: http.Server;
  let base = '';

  before(async () => {
    const router = express.Router();
    registerSnapshotRoute(router, registry, { camera: (id: string) => (cameras.has(id) ? ({ id } as never) : undefined) });
    registerSnapshotRoute(router, registry); // a second registration is ignored
    const app = express();
    app.use('/ferretwatch', router);
    registry.attach(handle('nosnap', async () => undefined), {});
    registry.attach(handle('snap', async () => Buffer.from([0xff, 0xd8, 0xff, 0xd9])), {});
    registry.attach(handle('broken', async () => Promise.reject(new Error('ffmpeg exploded'))), {});
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  const get = async (cam: string) => {
    const r = await fetch(`${base}/ferretwatch/api/cameras/${cam}/snapshot.jpg`);
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
  };

  test('a snapshot is served as image/jpeg, not cached', async () => {
    const r = await get('snap');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'image/jpeg');
    assert.deepEqual([...r.body], [0xff, 0xd8, 0xff, 0xd9]);
    assert.equal(snapshotPath('snap'), '/ferretwatch/api/cameras/snap/snapshot.jpg');
  });

  test('404 JSON: unknown camera, camera without a detect node, no snapshot yet, invalid id; 500 when encoding fails', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['nope', 404, /^unknown camera$/],
      ['idle', 404, /has no ferret-detect node/],
      ['nosnap', 404, /no snapshot yet/],
      ['Bad%20Id', 404, /^unknown camera$/],
      ['..%2Fsnap', 404, /^unknown camera$/],
      ['broken', 500, /ffmpeg exploded/],
    ];
    for (const [cam, status, why] of cases) {
      const r = await get(cam);
      assert.equal(r.status, status, cam);
      assert.match(r.type, /application\/json/, cam);
      assert.match(JSON.parse(r.body.toString()).error, why, cam);
    }
  });
});
