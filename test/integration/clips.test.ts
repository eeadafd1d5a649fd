// An event clip end to end: a real RTSP camera (GStreamer) → ffmpeg → CameraStream in the hub →
// the behavior-store node (driven by a behavior change and the closed episode, as ferret-behavior
// sends them) → an fMP4 file on disk and a row in the store → served by the REST API. The file
// is checked with ffprobe (duration within 1 s of the requested window, starts at 0) and played by
// Chromium (finite duration, time advances, seeking uses Range requests); Range answers 206/416.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper, startApiServer } from '../support/nodered';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../support/rtsp-server';
import { ensureH264Clip, ffprobeJson } from '../support/media';
import { browserAvailable, launchChromium, type Browser } from '../support/browser';
import { waitFor, sleep } from '../support/wait';
import { hub } from '../../runtime/hub';
import { CameraStream, DEFAULT_STREAM_OPTIONS } from '../../runtime/stream/camera-stream';
import { currentStore } from '../../runtime/store/registry';
import type { Fragment } from '../../runtime/hls/packager';
import type { Episode } from '../../runtime/contracts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const storeNode = require('../../nodes/behavior-store/behavior-store');

const rtsp = rtspServerAvailable();
const PRE_S = 2;
const POST_S = 2;

describe('event clip from a real RTSP camera', { skip: rtsp.ok ? false : rtsp.reason }, () => {
  let server: RtspServer;
  let stream: CameraStream;
  let api: { url: string; close(): Promise<void> };
  let dir: string;
  const owner = {};
  const fragments: Fragment[] = [];
  let clip: { id: string; url: string; durationS: number; episodeId: string | null; bytes: number } | undefined;
  let file = '';
  let expectedS = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-clips-'));
    // 0.4 s GOP: a clip starts at a keyframe, so the start is at most 0.4 s before the asked time.
    const src = await ensureH264Clip({ width: 640, height: 360, fps: 15, seconds: 6, gopSeconds: 0.4 });
    server = await startRtspServer({ mounts: { cam: `file:${src}` } });
    stream = new CameraStream({ id: 'cam', name: 'Cam', url: server.url('cam'), transport: 'tcp', zones: [], credentials: {} }, { ...DEFAULT_STREAM_OPTIONS });
    hub.attachStream('cam', stream, owner);
    stream.packager.on('fragment', (f: Fragment) => fragments.push(f));
    stream.start();
    api = await startApiServer();
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    hub.detachStream('cam', owner);
    await stream?.stop();
    await api?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a playing episode is recorded with pre- and post-roll and linked to its episode', async () => {
    await waitFor('live stream', () => stream.state === 'live', 20_000);
    // Enough pre-buffer for the pre-roll.
    await waitFor('3 s of fragments', () => fragments.length > 0 && fragments.at(-1)!.wallMs - fragments[0].wallMs >= 3000, 20_000);

    const db = path.join(dir, 'ferretwatch.db');
    const clipsDir = path.join(dir, 'clips');
    await helper.load(storeNode, [
      { id: 'st', type: 'behavior-store', dbPath: db, clipsDir, clips: true, clipBehaviors: 'playing', preRoll: PRE_S, postRoll: POST_S, clipMax: 60, wires: [[]] },
    ]);
    const st = helper.getNode('st');
    const errors: unknown[] = [];
    st.on('call:error', (c: { args: unknown[] }) => errors.push(c.args[0]));

    const since = Date.now() - 500;
    st.receive({ topic: 'ferret-1/behavior', payload: { ferretId: 'ferret-1', name: 'Loki', camera: 'cam', behavior: 'playing', previous: 'sleeping', confidence: 0.9, since, zone: null } });
    await sleep(3000);
    const end = Date.now();
    const ep: Episode = { episodeId: `ferret-1:${since}:playing`, ferretId: 'ferret-1', name: 'Loki', camera: 'cam', behavior: 'playing', start: since, end, durationS: (end - since) / 1000, confidence: 0.9, zone: null };
    st.receive({ topic: 'ferret-1/episode', payload: ep, event: 'end' });
    expectedS = (end + POST_S * 1000 - (since - PRE_S * 1000)) / 1000;

    clip = await waitFor(
      'the clip row with its episode',
      async () => {
        const r = await fetch(`${api.url}/ferretwatch/api/clips?ferret=ferret-1`);
        const list = (await r.json()) as Array<NonNullable<typeof clip>>;
        return list.find((c) => c.episodeId === ep.episodeId);
      },
      20_000,
      250,
    );
    assert.deepEqual(errors, []);
    file = currentStore()!.getClip(clip.id)!.path;
    assert.ok(file.startsWith(path.join(clipsDir, 'cam') + path.sep), file);
    assert.equal(fs.statSync(file).size, clip.bytes);
    assert.ok(Math.abs(clip.durationS - expectedS) <= 1, `clip row spans ${clip.durationS} s, asked ${expectedS} s`);
    // The episode row carries the clip id (for the timeline and MQTT events).
    const eps = await (await fetch(`${api.url}/ferretwatch/api/episodes?ferret=ferret-1`)).json();
    assert.equal(eps.items[0].clip, clip.id);
  });

  test('ffprobe reads the duration (within 1 s of the asked window) from a file starting at 0', async (t) => {
    if (!clip) return t.skip('no clip');
    const probe = await ffprobeJson(file, ['-count_frames']);
    const duration = Number((probe as unknown as { format: { duration: string } }).format.duration);
    t.diagnostic(`asked ${expectedS.toFixed(2)} s, ffprobe ${duration} s, row ${clip.durationS} s, ${clip.bytes} bytes`);
    assert.ok(Math.abs(duration - expectedS) <= 1, `ffprobe duration ${duration} vs ${expectedS}`);
    const v = probe.streams.find((s) => s.codec_type === 'video')!;
    assert.equal(v.codec_name, 'h264');
    assert.equal(Number((probe as unknown as { format: { start_time: string } }).format.start_time), 0);
    assert.ok(Number(v.nb_read_frames) >= Math.floor((expectedS - 1) * 15), `${v.nb_read_frames} frames decode`);
  });

  test('Range requests: 206 with Content-Range, 416 past the end', async (t) => {
    if (!clip) return t.skip('no clip');
    const head = fs.readFileSync(file).subarray(0, 1024);
    const r = await fetch(api.url + clip.url, { headers: { Range: 'bytes=0-1023' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 0-1023/${clip.bytes}`);
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(head));
    const past = await fetch(api.url + clip.url, { headers: { Range: `bytes=${clip.bytes}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${clip.bytes}`);
    await past.arrayBuffer();
  });

  test('Chromium plays the clip: finite duration, time advances, seeking works', { skip: browserAvailable().ok ? false : 'no Chromium' }, async (t) => {
    if (!clip) return t.skip('no clip');
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      const partial: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('.mp4') && r.status() === 206) partial.push(r.status());
      });
      await page.setContent('<video id="v" muted playsinline></video>');
      const result = await page.evaluate(async (src: string) => {
        const v = document.getElementById('v') as HTMLVideoElement;
        v.src = src;
        await new Promise<void>((res, rej) => {
          v.onloadedmetadata = () => res();
          v.onerror = () => rej(new Error(`media error ${v.error?.code} ${v.error?.message}`));
        });
        const duration = v.duration;
        await v.play();
        const t0 = v.currentTime;
        await new Promise((r) => setTimeout(r, 1500));
        const t1 = v.currentTime;
        v.pause();
        const target = duration / 2;
        await new Promise<void>((res) => {
          v.onseeked = () => res();
          v.currentTime = target;
        });
        return { duration, t0, t1, afterSeek: v.currentTime, target };
      }, api.url + clip.url);
      t.diagnostic(JSON.stringify(result));
      assert.ok(Number.isFinite(result.duration), `video.duration ${result.duration}`);
      assert.ok(Math.abs(result.duration - expectedS) <= 1, `browser duration ${result.duration} vs ${expectedS}`);
      assert.ok(result.t1 - result.t0 >= 0.5, `currentTime advanced ${result.t0} → ${result.t1}`);
      assert.ok(Math.abs(result.afterSeek - result.target) < 0.6, `seeked to ${result.afterSeek} (asked ${result.target})`);
      assert.ok(partial.length > 0, 'the browser used Range requests (206)');
    } finally {
      await browser?.close();
    }
  });
});
