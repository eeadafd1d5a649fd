import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import type { Box } from '../../../runtime/contracts';
import { CameraTracker } from '../../../runtime/track/camera-tracker';
import { registerFerretRoutes } from '../../../runtime/track/ferrets-api';
import { identityRegistry, openIdentityStore, readIdentitiesFile, resetIdentityStoreForTests, identitiesFile } from '../../../runtime/track/identity-store';
import { registerCameraTracker, unregisterCameraTracker } from '../../../runtime/track/live-tracks';
import { runFfmpeg } from '../../support/media';
import { randomAppearance, rng } from './synth';

let base: string;
let server: http.Server;
let dir: string;
let jpeg: Buffer;
const owner = {};

async function call(method: string, url: string, body?: unknown, raw?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/ferretwatch${url}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

before(async () => {
  resetIdentityStoreForTests();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-ferrets-api-'));
  openIdentityStore(identitiesFile(dir));
  const router = express.Router();
  registerFerretRoutes(router);
  registerFerretRoutes(router); // once only
  const app = express();
  app.use('/ferretwatch', router);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const file = path.join(dir, 'ferret.jpg');
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', '-y', file]);
  jpeg = fs.readFileSync(file);
  // A live track on "kitchen" with a gallery.
  const ct = new CameraTracker('kitchen', identityRegistry());
  const emb = randomAppearance(rng(3), 128);
  for (let i = 0; i < 6; i++) {
    const box: Box = [100 + 5 * i, 100, 180 + 5 * i, 140];
    ct.update({ frameId: i + 1, ts: 1000 + 100 * i, width: 640, height: 360, detections: [{ box, score: 0.9, embedding: emb }] });
  }
  registerCameraTracker(ct, owner);
});

after(async () => {
  unregisterCameraTracker('kitchen', owner);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  resetIdentityStoreForTests();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('/ferretwatch/api/ferrets', () => {
  test('name a live track; list; rename; the file is written', async () => {
    const a = await call('POST', '/api/ferrets', { name: '  Luna ', trackId: 'kitchen:t1' });
    assert.equal(a.status, 201, JSON.stringify(a.json));
    assert.equal(a.json.name, 'Luna');
    assert.equal(a.json.trackId, 'kitchen:t1');
    assert.ok(a.json.embeddings >= 4);
    const id = a.json.ferretId as string;
    const list = await call('GET', '/api/ferrets/identities');
    assert.equal(list.status, 200);
    const luna = list.json.find((x: { ferretId: string }) => x.ferretId === id);
    assert.equal(luna.name, 'Luna');
    assert.equal(luna.enrolled, true);
    assert.deepEqual(luna.liveTracks, ['kitchen/kitchen:t1']);
    assert.equal('embeddings' in luna, false, 'no embeddings in the list');
    const r = await call('PATCH', `/api/ferrets/${id}`, { name: 'Luna Lovegood' });
    assert.equal(r.status, 200);
    assert.equal(r.json.name, 'Luna Lovegood');
    const onDisk = readIdentitiesFile(identitiesFile(dir))!;
    assert.equal(onDisk.identities.find((x) => x.ferretId === id)!.name, 'Luna Lovegood');
  });

  test('enrol from pictures (a test pattern: no ferret found, so the whole picture)', async () => {
    const r = await call('POST', '/api/ferrets', { name: 'Max', images: [jpeg.toString('base64'), `data:image/jpeg;base64,${jpeg.toString('base64')}`] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.name, 'Max');
    assert.equal(r.json.embeddings, 2);
    assert.equal(r.json.embedder, 'hsv');
    assert.deepEqual(r.json.images.map((x: { source: string }) => x.source), ['whole', 'whole']);
    assert.equal(identityRegistry().findByName('Max')!.gallerySize, 2);
    // Renaming someone else to "Max" is a conflict.
    const other = identityRegistry().list().find((i) => i.name !== 'Max')!;
    const c = await call('PATCH', `/api/ferrets/${other.ferretId}`, { name: 'Max' });
    assert.equal(c.status, 409);
    assert.equal(c.json.field, 'name');
  });

  test('bad input: 400 naming the field, 404 unknown, 413 too large', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/ferrets', { trackId: 'kitchen:t1' }, 400, 'name'],
      ['POST', '/api/ferrets', { name: 42, trackId: 'kitchen:t1' }, 400, 'name'],
      ['POST', '/api/ferrets', { name: '<script>', trackId: 'kitchen:t1' }, 400, 'name'],
      ['POST', '/api/ferrets', { name: 'x'.repeat(41), trackId: 'kitchen:t1' }, 400, 'name'],
      ['POST', '/api/ferrets', { name: 'Luna' }, 400, 'trackId'],
      ['POST', '/api/ferrets', { name: 'Luna', trackId: 'kitchen:t1', images: [] }, 400, 'images'],
      ['POST', '/api/ferrets', { name: 'Luna', trackId: '../etc' }, 400, 'trackId'],
      ['POST', '/api/ferrets', { name: 'Luna', trackId: 'kitchen:t99' }, 404, 'trackId'],
      ['POST', '/api/ferrets', { name: 'Luna', images: 'abc' }, 400, 'images'],
      ['POST', '/api/ferrets', { name: 'Luna', images: ['%%%'] }, 400, 'images[0]'],
      ['POST', '/api/ferrets', { name: 'Luna', images: [Buffer.from('not a picture').toString('base64')] }, 400, 'images[0]'],
      ['POST', '/api/ferrets', [1, 2], 400, 'body'],
      ['PATCH', '/api/ferrets/ferret-999', { name: 'X' }, 404, 'id'],
      ['PATCH', '/api/ferrets/ferret-1', { name: '' }, 400, 'name'],
    ];
    for (const [m, url, body, status, field] of cases) {
      const r = await call(m, url, body);
      assert.equal(r.status, status, `${m} ${url} ${JSON.stringify(body)} → ${JSON.stringify(r.json)}`);
      assert.equal(r.json.field, field, JSON.stringify(r.json));
      assert.equal(typeof r.json.error, 'string');
    }
    const broken = await call('POST', '/api/ferrets', undefined, '{"name": ');
    assert.equal(broken.status, 400);
    assert.equal(broken.json.field, 'body');
    const huge = await call('POST', '/api/ferrets', { name: 'Big', images: ['A'.repeat(25 * 1024 * 1024)] });
    assert.equal(huge.status, 413);
  });
});
