// rtsp-hls-stream against a real RTSP server (GStreamer), real ffmpeg and the real Node-RED runtime
// (node-red-node-test-helper): playlists parse, ffprobe decodes, reconnection, clear errors,
// no orphan ffmpeg, no password anywhere, hostile paths → 404.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { helper, cameraNode, streamNode, recordStatus, startApiServer, type StatusCall } from '../support/nodered';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../support/rtsp-server';
import { ensureH264Clip, ffprobePath, ffprobeJson } from '../support/media';
import { ffmpegPidsWith, processAlive } from '../support/procs';
import { freePort } from '../support/ports';
import { waitFor, sleep } from '../support/wait';
import { hub } from '../../runtime/hub';

const PASSWORD = 'S3cr3t:p@ss/w#rd';
const available = rtspServerAvailable();

function flow(url: string, opts: { id?: string; transport?: string; part?: number } = {}) {
  const cam = opts.id ?? 'cam';
  return [
    { id: 'c1', type: 'ferret-camera', name: 'Test cam', cameraId: cam, url, transport: opts.transport ?? 'tcp', zones: '[]' },
    { id: 's1', type: 'rtsp-hls-stream', camera: 'c1', mode: 'copy', segment: 2, playlist: 5, part: opts.part ?? 0.5, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}
const creds = { c1: { user: 'viewer', password: PASSWORD } };

describe('rtsp-hls-stream with a real RTSP server', { skip: available.ok ? false : available.reason }, () => {
  let server: RtspServer;
  let api: { url: string; close(): Promise<void> };
  let clip: string;
  const messages: unknown[] = [];

  before(async () => {
    clip = await ensureH264Clip({ width: 640, height: 360, fps: 25, seconds: 10, gopSeconds: 1 });
    server = await startRtspServer({ mounts: { cam: `file:${clip}` } });
    api = await startApiServer();
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await api.close();
    await server?.stop();
  });

  test('goes live; LL and plain playlists parse; ffprobe decodes a segment; PDT present', async () => {
    await helper.load([cameraNode, streamNode], flow(server.url('cam')), creds);
    const s1 = helper.getNode('s1');
    const out = helper.getNode('out');
    const statuses = recordStatus(s1);
    out.on('input', (msg: unknown) => messages.push(msg));

    await waitFor('state live', () => hub.stream('cam')?.state === 'live', 20_000);
    // Wait for two complete segments so the playlist has something to probe.
    const ll = await waitFor(
      'a playlist with 2 segments',
      async () => {
        const r = await fetch(`${api.url}/ferretwatch/hls/cam/index.m3u8`);
        const text = await r.text();
        return r.ok && (text.match(/#EXTINF/g) ?? []).length >= 2 ? { text, type: r.headers.get('content-type'), cache: r.headers.get('cache-control') } : undefined;
      },
      20_000,
      250,
    );
    assert.match(ll.type ?? '', /mpegurl/i);
    assert.match(ll.cache ?? '', /no-cache/);
    assert.match(ll.text, /^#EXTM3U/);
    assert.match(ll.text, /#EXT-X-MAP:URI="init\.mp4"/);
    assert.match(ll.text, /#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT/);
    assert.match(ll.text, /#EXT-X-PART:DURATION=/);
    assert.match(ll.text, /#EXT-X-PRELOAD-HINT:TYPE=PART/);

    const plain = await (await fetch(`${api.url}/ferretwatch/hls/cam/plain.m3u8`)).text();
    assert.doesNotMatch(plain, /EXT-X-PART/);
    assert.match(plain, /#EXT-X-PROGRAM-DATE-TIME/);
    const seg = /^(seg\d+\.m4s)$/m.exec(plain)?.[1];
    assert.ok(seg, 'plain playlist lists a segment');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-seg-'));
    const init = Buffer.from(await (await fetch(`${api.url}/ferretwatch/hls/cam/init.mp4`)).arrayBuffer());
    const media = Buffer.from(await (await fetch(`${api.url}/ferretwatch/hls/cam/${seg}`)).arrayBuffer());
    const file = path.join(dir, 'seg.mp4');
    fs.writeFileSync(file, Buffer.concat([init, media]));
    const probe = JSON.parse(
      execFileSync(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file]).toString(),
    );
    const st = probe.streams[0];
    assert.equal(st.codec_name, 'h264');
    assert.equal(st.width, 640);
    assert.equal(st.height, 360);
    assert.ok(Number(st.nb_read_frames) >= 25, `segment decodes (${st.nb_read_frames} frames)`);
    fs.rmSync(dir, { recursive: true, force: true });

    // ffprobe, a client without LL support, reads the plain playlist over HTTP (async: the server is in this process).
    const viaHls = await ffprobeJson(`${api.url}/ferretwatch/hls/cam/plain.m3u8`, [], { timeoutMs: 20_000 });
    assert.equal(viaHls.streams[0].codec_name, 'h264');

    // The stream API answer and the node status.
    const info = await (await fetch(`${api.url}/ferretwatch/api/stream/hls/cam`)).json();
    assert.equal(info.url, '/ferretwatch/hls/cam/index.m3u8');
    assert.equal(info.state, 'live');
    assert.equal(info.codec?.startsWith('avc1'), true, `codec ${info.codec}`);
    assert.equal(info.width, 640);
    assert.equal(info.ll, true);
    assert.equal(info.hlsjsConfig.lowLatencyMode, true);
    await waitFor('green status', () => statuses.some((s) => s.fill === 'green' && /^live \d+ fps/.test(s.text ?? '')), 10_000);
    assert.ok(messages.some((m) => (m as { payload: { state: string } }).payload.state === 'live'), 'a live state message');
  });

  test('server killed → reconnecting; back → live again within 5 s of its return', async () => {
    const s1 = helper.getNode('s1');
    const statuses: StatusCall[] = recordStatus(s1);
    await server.kill();
    const killedAt = Date.now();
    await waitFor('yellow reconnecting status', () => statuses.some((s) => s.fill === 'yellow' && /reconnecting/.test(s.text ?? '')), 15_000);
    await sleep(Math.max(0, 2500 - (Date.now() - killedAt)));
    await server.restart();
    const backAt = Date.now();
    await waitFor('live again', () => hub.stream('cam')?.state === 'live', 5_000, 50);
    const took = Date.now() - backAt;
    console.log(`# server return → live: ${took} ms`);
    assert.ok(took <= 5000);
  });

  test('no password in statuses, messages, logs or API answers', async () => {
    const cams = await (await fetch(`${api.url}/ferretwatch/api/cameras`)).text();
    const hls = await (await fetch(`${api.url}/ferretwatch/api/stream/hls/cam`)).text();
    const s1 = helper.getNode('s1');
    const statusTexts = JSON.stringify(s1.status.args ?? []);
    const logs = JSON.stringify(helper.log().args ?? []);
    for (const [what, text] of Object.entries({ cams, hls, statusTexts, logs, messages: JSON.stringify(messages) })) {
      assert.ok(!text.includes(PASSWORD), `${what} holds the password`);
      assert.ok(!text.includes(encodeURIComponent(PASSWORD)), `${what} holds the encoded password`);
    }
    assert.match(cams, /"id":"cam"/);
  });

  test('hostile and unknown paths → 404', async () => {
    for (const p of [
      '/ferretwatch/hls/nope/index.m3u8',
      '/ferretwatch/hls/CAM/index.m3u8',
      '/ferretwatch/hls/..%2F..%2Fetc/index.m3u8',
      '/ferretwatch/hls/cam/..%2F..%2Fpackage.json',
      '/ferretwatch/hls/cam/%2e%2e%2fpackage.json',
      '/ferretwatch/hls/cam/seg1.m4s%00.txt',
      '/ferretwatch/hls/cam/seg999999.m4s',
      '/ferretwatch/hls/cam/../../package.json',
      '/ferretwatch/api/stream/hls/nope',
      '/ferretwatch/api/stream/hls/..%2Fcam',
      '/ferretwatch/api/whatever',
    ]) {
      const r = await fetch(`${api.url}${p}`);
      assert.equal(r.status, 404, `${p} → ${r.status}`);
      await r.arrayBuffer();
    }
  });

  test('redeploy and close leave no ffmpeg behind', async () => {
    const marker = `:${server.port}/`;
    const before = ffmpegPidsWith(marker);
    assert.ok(before.length >= 1, 'the stream ffmpeg is running');
    await helper.unload();
    for (const pid of before) assert.equal(processAlive(pid), false, `ffmpeg ${pid} still alive after close`);
    // Load again (a redeploy) and close again.
    await helper.load([cameraNode, streamNode], flow(server.url('cam')), creds);
    await waitFor('live after redeploy', () => hub.stream('cam')?.state === 'live', 20_000);
    const again = ffmpegPidsWith(marker);
    await helper.unload();
    for (const pid of again) assert.equal(processAlive(pid), false, `ffmpeg ${pid} still alive after the second close`);
    assert.equal(ffmpegPidsWith(marker).length, 0);
  });

  test('wrong path → red status "stream not found" within 10 s', async () => {
    await helper.load([cameraNode, streamNode], flow(server.url('no-such-mount')), creds);
    const s1 = helper.getNode('s1');
    const statuses = recordStatus(s1);
    const t0 = Date.now();
    const red = await waitFor('red status', () => statuses.find((s) => s.fill === 'red'), 10_000);
    console.log(`# wrong path → "${red.text}" after ${Date.now() - t0} ms`);
    assert.match(red.text ?? '', /not found|404/i);
    assert.ok(!(red.text ?? '').includes(PASSWORD));
    await helper.unload();
  });

  test('unreachable host (closed port) → red status "connection refused" within 10 s', async () => {
    const port = await freePort();
    await helper.load([cameraNode, streamNode], flow(`rtsp://127.0.0.1:${port}/cam`), creds);
    const s1 = helper.getNode('s1');
    const statuses = recordStatus(s1);
    const red = await waitFor('red status', () => statuses.find((s) => s.fill === 'red'), 10_000);
    assert.match(red.text ?? '', /connection refused/i);
    await helper.unload();
  });

  test('invalid camera id and missing camera → red status and node.error, flow keeps running', async () => {
    await helper.load([cameraNode, streamNode], [
      { id: 'c1', type: 'ferret-camera', cameraId: 'Bad Id!', url: 'demo:', zones: '[]' },
      { id: 's1', type: 'rtsp-hls-stream', camera: 'c1', wires: [[]] },
      { id: 's2', type: 'rtsp-hls-stream', camera: 'missing', wires: [[]] },
    ]);
    const s1 = helper.getNode('s1');
    const s2 = helper.getNode('s2');
    assert.ok(s1.status.calledWithMatch({ fill: 'red' }));
    assert.ok(s2.status.calledWithMatch({ fill: 'red' }));
    assert.ok(s1.error.called && s2.error.called);
    // A malformed command answers an error, the node stays up.
    const errors: unknown[] = [];
    s1.on('call:error', (c: { args: unknown[] }) => errors.push(c.args));
    s1.receive({ payload: 'explode' });
    await waitFor('error', () => errors.length > 0, 2000);
    await helper.unload();
  });

  test('demo: camera goes live (transcoded) at the size its URL asks for', async () => {
    await helper.load([cameraNode, streamNode], flow('demo:?width=320&height=180', { id: 'demo' }));
    await waitFor('demo live', () => hub.stream('demo')?.state === 'live', 20_000);
    const s = hub.stream('demo')!;
    assert.equal(s.mode, 'transcode');
    const pl = await waitFor('demo playlist', async () => {
      const t = await (await fetch(`${api.url}/ferretwatch/hls/demo/index.m3u8`)).text();
      return /#EXT-X-PART/.test(t) ? t : undefined;
    }, 15_000, 250);
    assert.match(pl, /#EXT-X-MAP/);
    const info = await (await fetch(`${api.url}/ferretwatch/api/stream/hls/demo`)).json();
    assert.deepEqual([info.width, info.height], [320, 180]);
    await helper.unload();
  });

  test('a source codec that cannot be remuxed falls back to transcode with a warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-mpeg4-'));
    const file = path.join(dir, 'mpeg4.mp4');
    execFileSync(ffprobePath().replace(/ffprobe$/, 'ffmpeg'), ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-t', '4', '-c:v', 'mpeg4', '-g', '15', file]);
    await helper.load([cameraNode, streamNode], flow(file, { id: 'mpeg4' }));
    const s1 = helper.getNode('s1');
    const warnings: string[] = [];
    s1.on('call:warn', (c: { args: unknown[] }) => warnings.push(String(c.args[0])));
    await waitFor('mpeg4 camera live', () => hub.stream('mpeg4')?.state === 'live', 20_000);
    assert.equal(hub.stream('mpeg4')!.mode, 'transcode');
    await waitFor('a warning about the codec', () => warnings.some((w) => /mpeg4.*transcod/i.test(w)), 5000);
    const info = await (await fetch(`${api.url}/ferretwatch/api/stream/hls/mpeg4`)).json();
    assert.match(info.codec, /^avc1/);
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
