import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createHlsRouter } from '../../../runtime/hls/http';
import { HlsPackager } from '../../../runtime/hls/packager';
import { checkPlaylist } from './conformance';
import { FFPROBE, haveFfmpeg, liveClock, makeFmp4, topBoxes } from './fixture';

/** ffmpeg output cut into what one pipe write per fragment would carry. */
function units(file: Buffer): { init: Buffer; frags: Buffer[] } {
  const boxes = topBoxes(file);
  const moov = boxes.find((b) => b.type === 'moov')!;
  const frags: Buffer[] = [];
  for (let i = 0; i < boxes.length; i++) {
    if (boxes[i].type === 'moof' && boxes[i + 1]?.type === 'mdat') frags.push(file.subarray(boxes[i].start, boxes[i + 1].end));
  }
  return { init: file.subarray(0, moov.end), frags };
}

interface Cam {
  p: HlsPackager;
  next: number;
  frags: Buffer[];
  /** Feed the next n fragments. */
  step: (n?: number) => void;
}

function camera(file: Buffer, fed: number, opts: { ll?: boolean } = {}): Cam {
  const clock = liveClock();
  const p = new HlsPackager({ segmentTargetS: 2, partTargetS: 0.2, now: clock.now, ll: opts.ll ?? true });
  clock.attach(p);
  const u = units(file);
  p.push(u.init);
  const cam: Cam = {
    p,
    next: 0,
    frags: u.frags,
    step: (n = 1) => {
      for (let i = 0; i < n; i++) p.push(u.frags[cam.next++]);
    },
  };
  cam.step(fed);
  return cam;
}

function rawGet(port: number, path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

describe('HLS router over a real HTTP server', () => {
  const cams = new Map<string, Cam>();
  let server: http.Server;
  let base = '';
  let port = 0;

  before(async () => {
    const app = express();
    app.use('/ferretwatch', createHlsRouter((id) => cams.get(id)?.p, { blockTimeoutMs: 1500 }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}/ferretwatch/hls`;
  });

  after(async () => {
    for (const c of cams.values()) c.p.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('playlists, init, segments and parts with their content types and caching', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 40);
    cams.set('cam', cam);
    const r = await fetch(`${base}/cam/index.m3u8`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    const ll = checkPlaylist(await r.text(), { ll: true });
    assert.equal(ll.segments.length, 3);
    const plainRes = await fetch(`${base}/cam/plain.m3u8`);
    assert.equal(plainRes.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    checkPlaylist(await plainRes.text(), { ll: false });

    for (const [name, expected] of [
      ['init.mp4', cam.p.initSegment],
      ['seg1.m4s', cam.p.getSegment(1)],
      ['part3.4.m4s', cam.p.getPart(3, 4)],
    ] as const) {
      const m = await fetch(`${base}/cam/${name}`);
      assert.equal(m.status, 200, name);
      assert.equal(m.headers.get('content-type'), 'video/mp4');
      assert.match(m.headers.get('cache-control') ?? '', name === 'init.mp4' ? /^no-cache$/ : /max-age=\d+/);
      assert.ok(Buffer.from(await m.arrayBuffer()).equals(expected!), `${name} bytes`);
    }
    assert.equal((await fetch(`${base}/cam/seg99.m4s`)).status, 404);
    assert.equal((await fetch(`${base}/cam/init7.mp4`)).status, 404);
  });

  test('blocking reload: a request for a future part resolves once it is produced', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 12); // segment 0 closed, segment 1 has parts 0 and 1
    cams.set('blk', cam);
    assert.deepEqual([cam.p.info.lastMsn, cam.p.info.lastPart], [1, 1]);
    let done = false;
    const pending = fetch(`${base}/blk/index.m3u8?_HLS_msn=1&_HLS_part=3`).then(async (r) => {
      done = true;
      return { status: r.status, text: await r.text() };
    });
    await until('request parked', () => cam.p.waitingRequests === 1);
    cam.step(); // part 1.2
    await tick(30);
    assert.equal(done, false, 'part 1.2 does not satisfy a wait for 1.3');
    cam.step(); // part 1.3
    const r = await pending;
    assert.equal(r.status, 200);
    const pl = checkPlaylist(r.text, { ll: true });
    assert.equal(pl.pending?.parts.at(-1)?.uri, 'part1.3.m4s');
    assert.equal(cam.p.waitingRequests, 0);

    // _HLS_msn alone waits for that whole segment; a part index past its end means the next segment.
    const whole = fetch(`${base}/blk/index.m3u8?_HLS_msn=1`).then((x) => x.text());
    const past = fetch(`${base}/blk/index.m3u8?_HLS_msn=1&_HLS_part=12`).then((x) => x.text());
    await until('two parked', () => cam.p.waitingRequests === 2);
    cam.step(6); // parts 1.4 … 1.9, then 2.0 closes segment 1
    await tick(30);
    assert.equal(cam.p.waitingRequests, 2);
    cam.step();
    for (const text of await Promise.all([whole, past])) {
      const pl2 = checkPlaylist(text, { ll: true });
      assert.equal(pl2.segments.at(-1)?.uri, 'seg1.m4s');
      assert.equal(pl2.pending?.parts[0].uri, 'part2.0.m4s');
    }
  });

  test('blocking reload: bad or far-ahead directives are 400, timeout answers the playlist', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 12);
    cams.set('far', cam);
    for (const q of ['_HLS_msn=4', '_HLS_msn=2&_HLS_part=15', '_HLS_msn=1&_HLS_part=17', '_HLS_part=1', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=x&_HLS_part=1', '_HLS_msn=1&_HLS_part=', '_HLS_msn=01']) {
      const r = await fetch(`${base}/far/index.m3u8?${q}`);
      assert.equal(r.status, 400, q);
      assert.ok((await r.json()).error);
    }
    // Within the limits: last segment + 2, and at most 3 / PART-TARGET = 15 parts past the last one.
    const started = Date.now();
    const r = await fetch(`${base}/far/index.m3u8?_HLS_msn=2&_HLS_part=0`);
    assert.equal(r.status, 200);
    const pl = checkPlaylist(await r.text(), { ll: true });
    assert.equal(pl.pending?.parts.at(-1)?.uri, 'part1.1.m4s', 'nothing new: the current playlist after the timeout');
    assert.ok(Date.now() - started >= 1400, 'held for the block timeout');
    assert.equal(cam.p.waitingRequests, 0);
    // The plain playlist ignores delivery directives.
    assert.equal((await fetch(`${base}/far/plain.m3u8?_HLS_msn=99`)).status, 200);
  });

  test('preload-hinted part is held until complete; the wrong guess and unhinted parts are 404', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 12);
    cams.set('hint', cam);
    const pl = checkPlaylist(await (await fetch(`${base}/hint/index.m3u8`)).text(), { ll: true });
    assert.equal(pl.preloadHint, 'part1.2.m4s');
    const held = fetch(`${base}/hint/part1.2.m4s`).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }));
    await until('hint request parked', () => cam.p.waitingRequests === 1);
    assert.equal((await fetch(`${base}/hint/part1.5.m4s`)).status, 404, 'not hinted: no hold');
    cam.step();
    const r = await held;
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(cam.p.getPart(1, 2)!));

    // At the end of segment 1 (2 s, GOP boundary) both continuations are possible; only one happens.
    cam.step(7); // parts 1.3 … 1.9
    const asNext = fetch(`${base}/hint/part1.10.m4s`).then((x) => x.status);
    const asNew = fetch(`${base}/hint/part2.0.m4s`).then((x) => x.status);
    await until('both parked', () => cam.p.waitingRequests === 2);
    cam.step();
    assert.deepEqual(await Promise.all([asNext, asNew]), [404, 200]);
  });

  test('a client that goes away takes its waiter with it', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 12);
    cams.set('gone', cam);
    const ac = new AbortController();
    const a = fetch(`${base}/gone/index.m3u8?_HLS_msn=1&_HLS_part=2`, { signal: ac.signal }).catch((e: Error) => e.name);
    const b = fetch(`${base}/gone/part1.2.m4s`, { signal: ac.signal }).catch((e: Error) => e.name);
    await until('parked', () => cam.p.waitingRequests === 2);
    ac.abort();
    assert.deepEqual(await Promise.all([a, b]), ['AbortError', 'AbortError']);
    await until('waiters removed', () => cam.p.waitingRequests === 0);
  });

  test('before the first segment the playlist request is held, then served', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const cam = camera(makeFmp4(), 3);
    cams.set('early', cam);
    const early = fetch(`${base}/early/index.m3u8`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await until('parked', () => cam.p.waitingRequests === 1);
    cam.step(8); // through part 1.0, closing segment 0
    const r = await early;
    assert.equal(r.status, 200);
    assert.equal(checkPlaylist(r.text, { ll: true }).segments.length, 1);
    const empty = new HlsPackager({ segmentTargetS: 2 });
    cams.set('empty', { p: empty, next: 0, frags: [], step: () => {} });
    const e = await fetch(`${base}/empty/plain.m3u8`);
    assert.equal(e.status, 503);
    assert.equal(e.headers.get('retry-after'), '1');
  });

  test('a non-LL packager serves index.m3u8 without part tags and ignores directives', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    cams.set('old', camera(makeFmp4(), 40, { ll: false }));
    const r = await fetch(`${base}/old/index.m3u8?_HLS_msn=1&_HLS_part=2`);
    assert.equal(r.status, 200);
    checkPlaylist(await r.text(), { ll: false });
    assert.equal((await fetch(`${base}/old/part4.0.m4s`)).status, 404, 'no hold without preload hints');
  });

  test('hostile paths, unknown and malformed cameras are 404', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    if (!cams.has('cam')) cams.set('cam', camera(makeFmp4(), 40));
    for (const p of [
      '/ferretwatch/hls/cam/../../etc/passwd',
      '/ferretwatch/hls/cam/..%2F..%2Fetc%2Fpasswd',
      '/ferretwatch/hls/cam/%2e%2e%2f',
      '/ferretwatch/hls/cam/%2e%2e',
      '/ferretwatch/hls/cam/seg1.m4s/../x',
      '/ferretwatch/hls/cam/seg1.m4s%2F..%2Fx',
      '/ferretwatch/hls/cam/seg1.m4s%00.txt',
      '/ferretwatch/hls/cam/seg01.m4s',
      '/ferretwatch/hls/cam/package.json',
      '/ferretwatch/hls/cam/',
      '/ferretwatch/hls/cam',
      '/ferretwatch/hls/../../etc/passwd',
      '/ferretwatch/hls/%2e%2e/index.m3u8',
    ]) {
      const r = await rawGet(port, p);
      assert.equal(r.status, 404, `${p} → ${r.status}`);
      assert.doesNotMatch(r.body, /root:|"name":\s*"@ferretwatch/, 'no file content');
    }
    for (const p of ['/ferretwatch/hls/nope/index.m3u8', '/ferretwatch/hls/CAM/index.m3u8', `/ferretwatch/hls/${'a'.repeat(33)}/index.m3u8`, '/ferretwatch/hls/ca%2Fm/index.m3u8', '/ferretwatch/hls/c.m/init.mp4']) {
      const r = await rawGet(port, p);
      assert.equal(r.status, 404, p);
      assert.deepEqual(JSON.parse(r.body), { error: 'unknown camera' }, p);
    }
  });

  test('ffprobe reads plain.m3u8 over HTTP', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    if (!cams.has('cam')) cams.set('cam', camera(makeFmp4(), 40));
    const out = await new Promise<string>((resolve, reject) => {
      // Async: the server answering the probe runs in this process.
      execFile(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', `${base}/cam/plain.m3u8`], { timeout: 20_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    const s = JSON.parse(out).streams[0];
    assert.deepEqual([s.codec_name, s.width, s.height], ['h264', 320, 240]);
  });
});
