// The built-in player in a real browser: Debian's Chromium (playwright-core, never a downloaded
// browser) plays a camera served by a real RTSP server through CameraStream (copy mode) and the
// /ferretwatch router, with hls.js in low-latency mode. Asserts that it plays (currentTime
// advances, no fatal hls.js error, blocking playlist reloads and parts are used, hls.latency is
// known); latency figures are printed, and measured properly by `npm run bench:stream`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import express from 'express';
import type { Page } from 'playwright-core';
import { hub } from '../../runtime/hub';
import { createApiRouter } from '../../runtime/http/api';
import { CameraStream, DEFAULT_STREAM_OPTIONS } from '../../runtime/stream/camera-stream';
import type { CameraConfig } from '../../runtime/camera/config';
import { startRtspServer, rtspServerSkip, type RtspServer } from '../support/rtsp-server';
import { ensureH264Clip } from '../support/media';
import { browserSkip, launchChromium, type Browser } from '../support/browser';
import { waitFor } from '../support/wait';
import { openPlayer, samplePlayback } from '../../bench/lib/player-sampler';

const skip = rtspServerSkip() ?? browserSkip();

describe('built-in player with hls.js in Chromium', { skip: skip ?? false }, () => {
  const owner = {};
  let server: RtspServer;
  let api: http.Server;
  let base: string;
  let stream: CameraStream;
  let browser: Browser;

  before(async () => {
    const clip = await ensureH264Clip({ width: 640, height: 360, fps: 25, seconds: 10, gopSeconds: 1 });
    server = await startRtspServer({ mounts: { cam: `file:${clip}` } });
    const config: CameraConfig = { id: 'cam', name: 'Cam', url: server.url('cam'), transport: 'tcp', zones: [], credentials: {} };
    hub.registerCamera(config, owner);
    stream = new CameraStream(config, { ...DEFAULT_STREAM_OPTIONS, mode: 'copy' });
    hub.attachStream('cam', stream, owner);
    stream.start();
    const app = express();
    app.use('/ferretwatch', createApiRouter(hub));
    api = http.createServer(app);
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
    browser = await launchChromium();
    await waitFor('a playlist', () => stream.packager.hasPlaylist, 20_000, 100);
  });

  after(async () => {
    await browser?.close();
    await stream?.stop();
    stream?.packager.close();
    hub.detachStream('cam', owner);
    hub.unregisterCamera('cam', owner);
    if (api) {
      api.closeAllConnections();
      await new Promise<void>((r) => api.close(() => r()));
    }
    await server?.stop();
  });

  async function newPage(urls: string[], logs: string[]): Promise<Page> {
    const page = await browser.newPage({ onConsole: (l) => logs.push(l) });
    page.on('request', (req) => urls.push(req.url()));
    return page;
  }

  test('this Chromium decodes H.264 in MSE (without it nothing below means anything)', async () => {
    const page = await browser.newPage();
    const support = await page.evaluate(() => ({
      high31: MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f"'),
      high40: MediaSource.isTypeSupported('video/mp4; codecs="avc1.640028"'),
    }));
    await page.close();
    assert.deepEqual(support, { high31: true, high40: true }, 'Chromium without proprietary codecs (H.264) cannot play camera streams');
  });

  test('LL-HLS: plays for 10 s, currentTime advances, no fatal error, blocking reload and parts used', async () => {
    const urls: string[] = [];
    const logs: string[] = [];
    const page = await newPage(urls, logs);
    try {
      await openPlayer(page, base, 'cam', { ll: true, timeoutMs: 30_000 });
      const config = await page.evaluate(() => {
        const h = (window as any).__fw.hls;
        return { lowLatencyMode: h.config.lowLatencyMode, url: h.url as string };
      });
      assert.equal(config.lowLatencyMode, true);
      assert.match(config.url, /\/ferretwatch\/hls\/cam\/index\.m3u8$/);

      const r = await samplePlayback(page, { seconds: 10 });
      const first = r.samples[0];
      const last = r.samples[r.samples.length - 1];
      console.log(`Date.now() - hls.playingDate (ms): ${r.samples.map((s) => s.pdtLatencyMs).join(' ')}`);
      console.log(`hls.latency (s): ${r.samples.map((s) => s.hlsLatencyS?.toFixed(2)).join(' ')}; startup ${Math.round(r.startupMs ?? NaN)} ms; stalls ${r.stalls}`);
      assert.deepEqual(r.fatalErrors, [], 'no fatal hls.js error');
      assert.ok(r.samples.length >= 9, `${r.samples.length} samples`);
      assert.ok(last.currentTime > first.currentTime + 1, `currentTime advances (${first.currentTime} → ${last.currentTime})`);
      assert.ok(r.samples.every((s) => s.pdtLatencyMs !== undefined && Number.isFinite(s.pdtLatencyMs)), 'PROGRAM-DATE-TIME known while playing');
      assert.ok(r.samples.some((s) => s.hlsLatencyS !== undefined && Number.isFinite(s.hlsLatencyS) && s.hlsLatencyS > 0), 'hls.latency is finite');
      assert.equal(r.cspViolations, 0, 'nothing blocked by the Content-Security-Policy');
      assert.ok(urls.some((u) => /index\.m3u8\?_HLS_msn=\d+&_HLS_part=\d+/.test(u)), 'blocking playlist reloads (_HLS_msn/_HLS_part)');
      assert.ok(urls.some((u) => /\/part\d+\.\d+\.m4s$/.test(u)), 'parts are loaded');
      assert.ok(urls.some((u) => /\/vendor\/hls\.min\.js\?v=/.test(u)), 'hls.js from /ferretwatch/vendor');
      assert.ok(!logs.some((l) => /^\[pageerror\]/.test(l)), logs.join('\n'));
    } finally {
      await page.close();
    }
  });

  test('plain playlist (?ll=0): plays with hls.js defaults and no part requests', async () => {
    const urls: string[] = [];
    const page = await newPage(urls, []);
    try {
      await openPlayer(page, base, 'cam', { ll: false, timeoutMs: 30_000 });
      const r = await samplePlayback(page, { seconds: 3 });
      assert.deepEqual(r.fatalErrors, []);
      assert.ok(r.samples[r.samples.length - 1].currentTime > r.samples[0].currentTime, 'currentTime advances');
      assert.ok(urls.some((u) => /\/plain\.m3u8$/.test(u)));
      assert.ok(!urls.some((u) => /\/part\d+\.\d+\.m4s$|_HLS_msn/.test(u)), 'no LL requests');
    } finally {
      await page.close();
    }
  });

  test('an invalid or unknown camera shows a message and plays nothing', async () => {
    const page = await browser.newPage();
    try {
      // Invalid: the server refuses it outright; the page never sees it.
      const bad = await page.goto(`${base}/ferretwatch/player?camera=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
      assert.equal(bad?.status(), 400);
      await page.goto(`${base}/ferretwatch/player?camera=nope`);
      const status = await waitFor('a status message', () => page.evaluate(() => /unknown camera/.test(document.getElementById('status')?.textContent ?? '') && document.getElementById('status')!.textContent), 10_000, 100);
      assert.match(String(status), /unknown camera/);
      assert.equal(await page.evaluate(() => (window as any).__fw.hls), null);
    } finally {
      await page.close();
    }
  });
});
