// The live event stream over a real HTTP server: named SSE events, the initial stream states, the
// camera filter, heartbeats, a bounded backlog for a client that does not read, clean-up on disconnect.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hub, type LiveEvent } from '../../../runtime/hub';
import { createEventStreamRouter, SseQueue, parseCameraFilter, formatSse, type SseFrame, type EventBroadcaster } from '../../../runtime/http/events';
import type { TracksPayload } from '../../../runtime/contracts';
import { waitFor } from '../../support/wait';

interface SseEvent {
  event: string;
  data: unknown;
}

/** Parses complete SSE events out of a growing text buffer; returns what is left. */
function parseSse(buf: string, out: SseEvent[]): string {
  let i: number;
  while ((i = buf.indexOf('\n\n')) >= 0) {
    const block = buf.slice(0, i);
    buf = buf.slice(i + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) out.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return buf;
}

function openStream(base: string, query = ''): { events: SseEvent[]; status: Promise<number>; headers: Promise<http.IncomingHttpHeaders>; close(): void } {
  const events: SseEvent[] = [];
  let resolveStatus!: (n: number) => void;
  let resolveHeaders!: (h: http.IncomingHttpHeaders) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const headers = new Promise<http.IncomingHttpHeaders>((r) => (resolveHeaders = r));
  const req = http.get(`${base}/api/events/stream${query}`, (res) => {
    resolveStatus(res.statusCode ?? 0);
    resolveHeaders(res.headers);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (buf = parseSse(buf + d, events)));
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  return { events, status, headers, close: () => req.destroy() };
}

/** An SSE client that reads the headers, then stops reading until resume(). */
async function pausedClient(base: string): Promise<{ resume(): SseEvent[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/events/stream`, (res) => {
      res.pause();
      const events: SseEvent[] = [];
      resolve({
        resume() {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (buf = parseSse(buf + d, events)));
          res.resume();
          return events;
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

function tracks(camera: string, n: number, pad = 0): LiveEvent {
  const payload: TracksPayload = {
    camera,
    frameId: n,
    ts: 1_700_000_000_000 + n,
    width: 640,
    height: 360,
    tracks: [{ trackId: `t${n}`, ferretId: null, name: 'x'.repeat(pad), box: [1, 2, 3, 4], velocity: [0, 0], state: 'confirmed', age: 1, hitStreak: 1, zones: [], score: 0.9 }],
  };
  return { kind: 'tracks', payload };
}

const behavior = (ferretId: string, camera: string | null): LiveEvent => ({
  kind: 'behavior',
  payload: { ferretId, name: null, camera, behavior: 'playing', previous: 'resting', confidence: 0.8, since: 1, zone: null },
});

describe('SseQueue', () => {
  const f = (kind: SseFrame['kind'], droppable: boolean, text: string = kind): SseFrame => ({ kind, camera: null, text, droppable });

  test('drops the oldest droppable frame when full, keeps the rest in order', () => {
    const q = new SseQueue(3);
    q.push(f('tracks', true, 't1'));
    q.push(f('behavior', false, 'b1'));
    q.push(f('tracks', true, 't2'));
    assert.equal(q.push(f('tracks', true, 't3')), 'queued');
    assert.equal(q.length, 3);
    assert.equal(q.dropped, 1);
    assert.deepEqual([q.shift()?.text, q.shift()?.text, q.shift()?.text], ['b1', 't2', 't3']);
  });

  test('a full queue of important frames drops a new droppable one, and overflows on an important one', () => {
    const q = new SseQueue(2);
    q.push(f('behavior', false));
    q.push(f('alert', false));
    assert.equal(q.push(f('tracks', true)), 'queued');
    assert.equal(q.length, 2);
    assert.equal(q.dropped, 1);
    assert.equal(q.push(f('episode', false)), 'overflow');
  });

  test('camera filter parsing', () => {
    assert.equal(parseCameraFilter(undefined), undefined);
    assert.equal(parseCameraFilter(''), undefined);
    assert.deepEqual([...(parseCameraFilter('a,b-2') as Set<string>)], ['a', 'b-2']);
    assert.deepEqual([...(parseCameraFilter(['a', 'c']) as Set<string>)], ['a', 'c']);
    assert.equal(parseCameraFilter('../etc'), null);
    assert.equal(parseCameraFilter('A'), null);
    assert.equal(parseCameraFilter({ x: 1 }), null);
  });

  test('formatSse writes one event with a single data line', () => {
    assert.equal(formatSse('alert', { message: 'a\nb' }), 'event: alert\ndata: {"message":"a\\nb"}\n\n');
  });
});

describe('GET /api/events/stream', () => {
  const hub = new Hub();
  let server: http.Server;
  let base: string;
  let broadcaster: EventBroadcaster;

  before(async () => {
    const owner = {};
    hub.registerCamera({ id: 'cam1', name: 'Cam 1', url: 'demo:', transport: 'tcp', zones: [], credentials: {} }, owner);
    // Only statePayload() is read by the event stream.
    const fake = { statePayload: () => ({ camera: 'cam1', state: 'live', url: '/ferretwatch/hls/cam1/index.m3u8', stats: { restarts: 0 }, ts: 1 }) };
    hub.attachStream('cam1', fake as never, owner);
    const router = createEventStreamRouter(hub, { heartbeatMs: 150, maxQueue: 32 });
    broadcaster = router.broadcaster;
    const app = express();
    app.use(router);
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    broadcaster.closeAll();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('sends the current stream states, then each live event named by its kind', async () => {
    const s = openStream(base);
    assert.equal(await s.status, 200);
    const h = await s.headers;
    assert.match(String(h['content-type']), /^text\/event-stream/);
    assert.match(String(h['cache-control']), /no-cache/);
    await waitFor('initial stream state', () => s.events.find((e) => e.event === 'stream'), 2000, 10);
    hub.publish(tracks('cam1', 1));
    hub.publish(behavior('ferret-1', 'cam1'));
    hub.publish({ kind: 'alert', payload: { alertId: 'a1', ferretId: null, name: null, type: 'inactive', message: 'quiet', ts: 5 } });
    await waitFor('three live events', () => s.events.length >= 4, 2000, 10);
    assert.deepEqual(
      s.events.slice(0, 4).map((e) => e.event),
      ['stream', 'tracks', 'behavior', 'alert'],
    );
    assert.equal((s.events[1].data as TracksPayload).tracks[0].trackId, 't1');
    assert.equal((s.events[0].data as { state: string }).state, 'live');
    s.close();
  });

  test('?camera= keeps that camera and events not tied to a camera; a bad filter is a 400', async () => {
    const s = openStream(base, '?camera=cam2');
    assert.equal(await s.status, 200);
    hub.publish(tracks('cam1', 2));
    hub.publish(tracks('cam2', 3));
    hub.publish(behavior('ferret-2', null));
    await waitFor('two events', () => s.events.length >= 2, 2000, 10);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      s.events.filter((e) => e.event !== 'heartbeat').map((e) => `${e.event}:${(e.data as { camera: string | null }).camera}`),
      ['tracks:cam2', 'behavior:null'],
    );
    s.close();
    const bad = await fetch(`${base}/api/events/stream?camera=..%2Fx`);
    assert.equal(bad.status, 400);
  });

  test('heartbeats arrive while nothing else happens', async () => {
    const s = openStream(base);
    await waitFor('two heartbeats', () => s.events.filter((e) => e.event === 'heartbeat').length >= 2, 3000, 20);
    const hb = s.events.find((e) => e.event === 'heartbeat')!.data as { ts: number };
    assert.ok(Math.abs(hb.ts - Date.now()) < 5000);
    s.close();
  });

  test('camera registrations are announced', async () => {
    await waitFor('earlier clients gone', () => broadcaster.clientCount === 0, 2000, 10);
    const s = openStream(base);
    await waitFor('connected', () => broadcaster.clientCount === 1, 2000, 10);
    const owner = {};
    hub.registerCamera({ id: 'cam9', name: 'Cam 9', url: 'demo:', transport: 'tcp', zones: [], credentials: {} }, owner);
    hub.unregisterCamera('cam9', owner);
    await waitFor('two camera events', () => s.events.filter((e) => e.event === 'cameras').length >= 2, 2000, 10);
    assert.deepEqual(
      s.events.filter((e) => e.event === 'cameras').map((e) => e.data),
      [
        { id: 'cam9', present: true },
        { id: 'cam9', present: false },
      ],
    );
    s.close();
  });

  test('disconnecting removes the client and, with the last one, the hub listener', async () => {
    await waitFor('earlier clients gone', () => broadcaster.clientCount === 0, 2000, 10);
    assert.equal(hub.listenerCount('live'), 0);
    const a = openStream(base);
    const b = openStream(base);
    await waitFor('two clients', () => broadcaster.clientCount === 2, 2000, 10);
    assert.equal(hub.listenerCount('live'), 1, 'one hub listener serves every client');
    a.close();
    await waitFor('one client', () => broadcaster.clientCount === 1, 2000, 10);
    assert.equal(hub.listenerCount('live'), 1);
    b.close();
    await waitFor('no client', () => broadcaster.clientCount === 0, 2000, 10);
    assert.equal(hub.listenerCount('live'), 0);
    assert.equal(hub.listenerCount('camera'), 0);
  });

  test('a client that stops reading gets a bounded backlog: old tracks dropped, a later behavior still delivered', async () => {
    await waitFor('earlier clients gone', () => broadcaster.clientCount === 0, 2000, 10);
    const c = await pausedClient(base);
    await waitFor('client attached', () => broadcaster.clientCount === 1, 2000, 10);

    // ~40 MB of position updates: far beyond what the kernel's socket buffers absorb.
    const N = 10_000;
    for (let i = 0; i < N; i++) hub.publish(tracks('cam1', 1000 + i, 4000));
    const st = broadcaster.stats()[0];
    assert.ok(st.blocked, 'the socket is full');
    assert.ok(st.queued <= 32, `queue bounded (${st.queued})`);
    assert.ok(st.dropped > 0, 'old tracks were dropped');
    hub.publish(behavior('ferret-7', 'cam1'));

    const events = c.resume();
    await waitFor('the behavior event', () => events.find((e) => e.event === 'behavior'), 20_000, 20);
    const got = events.filter((e) => e.event === 'tracks');
    assert.ok(got.length < N, `some tracks were dropped (${got.length} of ${N} delivered)`);
    // What arrives is in order, and the newest update is among it.
    const ids = got.map((e) => (e.data as TracksPayload).frameId);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    assert.equal(ids[ids.length - 1], 1000 + N - 1);
    c.close();
    await waitFor('client gone', () => broadcaster.clientCount === 0, 2000, 10);
  });

  test('a client that cannot even keep up with important events is disconnected', async () => {
    await waitFor('earlier clients gone', () => broadcaster.clientCount === 0, 2000, 10);
    const c = await pausedClient(base);
    await waitFor('client attached', () => broadcaster.clientCount === 1, 2000, 10);
    for (let i = 0; i < 10_000 && !broadcaster.stats()[0]?.blocked; i++) hub.publish(tracks('cam1', i, 4000));
    assert.ok(broadcaster.stats()[0].blocked);
    for (let i = 0; i < 40; i++) hub.publish(behavior(`ferret-${i}`, 'cam1'));
    assert.equal(broadcaster.clientCount, 0, 'dropped rather than buffered without bound');
    assert.equal(hub.listenerCount('live'), 0);
    c.close();
  });
});
