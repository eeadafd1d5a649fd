// A /ferretwatch server over a real store with a small known history, for the REST and OpenAPI
// tests: two ferrets, a day of episodes, summaries, alerts and one clip file.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import { hub } from '../../../runtime/hub';
import { createApiRouter } from '../../../runtime/http/api';
import '../../../runtime/http/history';
import { BehaviorStore } from '../../../runtime/store/store';
import { setCurrentStore, clearCurrentStore } from '../../../runtime/store/registry';
import { localDayStart } from '../../../runtime/store/schema';
import type { Episode } from '../../../runtime/contracts';

export const DAY = '2025-01-06';
export const DAY0 = localDayStart(DAY);
export const CLIP_ID = 'cam-1-20250106T101500-ab12';
/** Bytes of the fake clip file: 0..255 repeating, so any range's content is predictable. */
export const CLIP_SIZE = 10_000;

export function clipBytes(): Buffer {
  const b = Buffer.alloc(CLIP_SIZE);
  for (let i = 0; i < b.length; i++) b[i] = i & 0xff;
  return b;
}

export interface Fixture {
  url: string;
  store: BehaviorStore;
  dir: string;
  /** Makes the store the registry's (it is after start) or removes it (→ 503). */
  attach(on: boolean): void;
  close(): Promise<void>;
}

function ep(i: number, over: Partial<Episode> = {}): Episode {
  const start = DAY0 + 8 * 3_600_000 + i * 600_000;
  return {
    episodeId: `ferret-1:${start}:${i % 2 ? 'playing' : 'sleeping'}`,
    ferretId: 'ferret-1',
    name: 'Loki',
    camera: 'cam-1',
    behavior: i % 2 ? 'playing' : 'sleeping',
    start,
    end: start + 300_000,
    durationS: 300,
    confidence: 0.8,
    zone: 'bed',
    ...over,
  };
}

export async function startFixture(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-http-'));
  const store = BehaviorStore.open(path.join(dir, 'ferretwatch.db'));
  for (let i = 0; i < 12; i++) store.enqueue('episode', ep(i));
  // An episode still open, and one of the day before that runs into DAY.
  store.enqueue('episode', ep(12, { end: null, durationS: 0, episodeId: 'ferret-1:open:resting', behavior: 'resting' }));
  store.enqueue('episode', ep(0, { episodeId: 'ferret-1:overnight', start: DAY0 - 3_600_000, end: DAY0 + 3_600_000, durationS: 7200 }));
  store.enqueue('behavior', { ferretId: 'ferret-1', name: 'Loki', camera: 'cam-1', behavior: 'playing', previous: 'sleeping', confidence: 0.9, since: DAY0 + 9 * 3_600_000, zone: null });
  store.enqueue('behavior', { ferretId: 'ferret-2', name: null, camera: 'cam-1', behavior: 'sleeping', previous: null, confidence: 0.7, since: DAY0 + 3_600_000, zone: 'bed' });
  for (const [f, d] of [['ferret-1', '2025-01-05'], ['ferret-1', DAY], ['ferret-2', DAY]] as const) {
    store.enqueue('summary', {
      ferretId: f,
      name: null,
      date: d,
      minutes: { sleeping: 600, playing: 45.5 },
      meals: 5,
      drinks: 9,
      litterVisits: 4,
      distanceBodyLengths: 321.5,
      longestSleepMin: 180,
      firstActivity: DAY0 + 25_000_000,
      lastActivity: null,
    });
  }
  store.enqueue('alert', { alertId: 'a1', ferretId: 'ferret-1', name: 'Loki', type: 'no_drinking', message: 'No drinking seen for 12 hours', ts: DAY0 + 43_200_000 });
  store.enqueue('alert', { alertId: 'a2', ferretId: null, name: null, type: 'camera_offline', message: 'cam-1 is offline', ts: DAY0 + 50_000_000 });
  const clipFile = path.join(dir, 'clips', 'cam-1', DAY, `${CLIP_ID}.mp4`);
  fs.mkdirSync(path.dirname(clipFile), { recursive: true });
  fs.writeFileSync(clipFile, clipBytes());
  const e1 = ep(1);
  store.enqueue('clip', { id: CLIP_ID, camera: 'cam-1', ferretId: 'ferret-1', behavior: 'playing', episodeId: e1.episodeId, start: e1.start - 5000, end: e1.start + 25_000, bytes: CLIP_SIZE, path: clipFile });
  // A clip whose file is gone (deleted behind the store's back).
  store.enqueue('clip', { id: 'cam-1-20250106T111500-dead', camera: 'cam-1', ferretId: 'ferret-1', behavior: 'playing', episodeId: null, start: e1.start + 3_600_000, end: e1.start + 3_630_000, bytes: 1234, path: path.join(dir, 'clips', 'gone.mp4') });
  store.flush();

  const owner = {};
  setCurrentStore(store, owner);
  const app = express();
  app.use('/ferretwatch', createApiRouter(hub));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    dir,
    attach: (on) => (on ? setCurrentStore(store, owner) : clearCurrentStore(owner)),
    close: async () => {
      clearCurrentStore(owner);
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
