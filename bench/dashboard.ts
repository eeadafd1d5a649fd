// Dashboard figures, in the system's Chromium (playwright-core, never a downloaded browser):
//   - time to first video frame (page navigation → first presented frame of the first camera)
//   - JS the page loads, gzip-compressed as served, excluding hls.js (goal ≤ 150 kB)
//   - browser CPU with 4 cameras playing: Chrome DevTools Protocol Performance.getMetrics
//     TaskDuration/ScriptDuration deltas over ~20 s, as % of one core
// `npm run bench:dashboard` → bench/results/dashboard.json.
//
// This file also exports the rig the dashboard test and scripts/screenshot.js use: the runtime
// (hub + CameraStream + the /ferretwatch router with the dashboard) on a plain express app, and
// optional stand-ins for the history routes so a page can be exercised before a store exists.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { hub } from '../runtime/hub';
import { createApiRouter } from '../runtime/http/api';
import '../runtime/http/dashboard';
import { CameraStream, DEFAULT_STREAM_OPTIONS, type CameraStreamOptions } from '../runtime/stream/camera-stream';
import type { CameraConfig } from '../runtime/camera/config';
import type { Alert, Box, DailySummary, Episode, TracksPayload } from '../runtime/contracts';

const repoRoot = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// The demo camera's blobs (runtime/ffmpeg/args.ts demoGraph, default 640×360, period 60 s, 35 s of
// movement): their boxes as a function of wall-clock time, so synthetic tracks follow the picture.

export type DemoBlob = 'cream' | 'sable' | 'sleepy';

export function demoBlobBox(blob: DemoBlob, tsMs: number, W = 640, H = 360): Box {
  const period = 60;
  const active = 35;
  const k = W / 640;
  const bw = 2 * Math.round((60 * k) / 2);
  const bh = 2 * Math.round((26 * (H / 360)) / 2);
  const floorTop = Math.round(H * 0.34);
  const s = Math.min(((tsMs / 1000) % period + period) % period, active);
  const w = (n: number, phase = 0): number => Math.sin(((2 * Math.PI * n) / active) * s + phase);
  const cx = (W - bw) / 2;
  const cy = (floorTop + H - bh) / 2;
  const ax = (W - bw) / 2 - 8 * k;
  const ay = (H - floorTop - bh) / 2 - 4;
  let x: number;
  let y: number;
  if (blob === 'sleepy') {
    x = Math.round(W * 0.67 + (W * 0.26 - bw) / 2);
    y = Math.round(H * 0.12 + (H * 0.17 - bh) / 2);
  } else if (blob === 'cream') {
    x = cx + ax * 0.75 * w(1, 2.2);
    y = cy + ay * 0.6 * w(2, 0.4);
  } else {
    x = cx + ax * (0.6 * w(4) + 0.35 * w(9, 1.3));
    y = cy + ay * (0.55 * w(5, 0.7) + 0.4 * w(13));
  }
  // ffmpeg's overlay truncates the expression to whole pixels.
  x = Math.trunc(x);
  y = Math.trunc(y);
  return [x, y, x + bw, y + bh];
}

/** A tracks message for the demo camera at `ts`: the three blobs as ferrets 1–3. */
export function demoTracks(camera: string, ts: number, frameId: number, names: Record<string, string | null> = {}, lagMs = 0): TracksPayload {
  const blobs: Array<[DemoBlob, string, string]> = [
    ['cream', '7', 'ferret-1'],
    ['sable', '8', 'ferret-2'],
    ['sleepy', '9', 'ferret-3'],
  ];
  return {
    camera,
    frameId,
    ts,
    width: 640,
    height: 360,
    tracks: blobs.map(([blob, trackId, ferretId]) => ({
      trackId,
      ferretId,
      name: names[ferretId] ?? null,
      box: demoBlobBox(blob, ts - lagMs),
      velocity: [0, 0],
      state: blob === 'sleepy' ? 'stationary' : 'confirmed',
      age: 60,
      hitStreak: 30,
      zones: [],
      score: 0.9,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Stand-in history routes (the shapes of runtime/http/history.ts), switchable to "no store".

export interface HistoryStub {
  /** false: every history route answers 503 as without a behavior-store node. */
  available: boolean;
  ferrets: Array<{ id: string; name: string | null; current: { behavior: string; since: number; camera: string | null; zone: string | null; confidence: number } | null }>;
  episodes: Episode[];
  summaries: DailySummary[];
  alerts: Alert[];
  clips: Array<{ id: string; camera: string | null; ferretId: string | null; behavior: string | null; start: number; end: number | null; bytes: number; file: string }>;
  /** Bodies of POST /api/ferrets. */
  named: Array<{ name: string; trackId: string }>;
  /** A JPEG answered for any camera's snapshot.jpg, when set. */
  snapshot?: string;
}

export function emptyHistory(): HistoryStub {
  return { available: true, ferrets: [], episodes: [], summaries: [], alerts: [], clips: [], named: [] };
}

/** A plausible day and week of history for ferrets 1–3 (for pages and screenshots). */
export function sampleHistory(now = Date.now()): HistoryStub {
  const h = emptyHistory();
  const day = new Date(now);
  const midnight = new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime();
  const names: Record<string, string | null> = { 'ferret-1': 'Talulah', 'ferret-2': 'Bandit', 'ferret-3': null };
  const pattern: Array<[string, number]> = [
    ['sleeping', 150], ['exploring', 20], ['eating', 8], ['playing', 25], ['drinking', 3], ['resting', 30],
    ['litter', 4], ['sleeping', 170], ['exploring', 15], ['social_play', 18], ['hiding', 12], ['sleeping', 120],
  ];
  let i = 0;
  for (const [id, name] of Object.entries(names)) {
    let t = midnight + i * 37 * 60_000;
    let n = 0;
    while (t < now - 10 * 60_000) {
      const [behavior, min] = pattern[(n + i * 3) % pattern.length];
      const end = Math.min(t + min * 60_000, now - 5 * 60_000);
      h.episodes.push({ episodeId: `${id}:${t}`, ferretId: id, name, camera: 'demo', behavior, start: t, end, durationS: (end - t) / 1000, confidence: 0.8, zone: null });
      t = end;
      n++;
    }
    const current = i === 2 ? 'sleeping' : i === 1 ? 'exploring' : 'playing';
    h.episodes.push({ episodeId: `${id}:${t}`, ferretId: id, name, camera: 'demo', behavior: current, start: t, end: null, durationS: (now - t) / 1000, confidence: 0.8, zone: null });
    h.ferrets.push({ id, name, current: { behavior: current, since: t, camera: 'demo', zone: null, confidence: 0.8 } });
    for (let d = 6; d >= 0; d--) {
      const date = new Date(day.getFullYear(), day.getMonth(), day.getDate() - d, 12);
      const iso = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
      const wobble = Math.sin(d * 1.7 + i) * 40;
      h.summaries.push({
        ferretId: id, name, date: iso,
        minutes: { sleeping: Math.round(840 + wobble), resting: 120, exploring: Math.round(150 - wobble / 2), playing: Math.round(90 + wobble / 3), eating: 40, drinking: 12, litter: 10 },
        meals: 6, drinks: 9, litterVisits: 5, distanceBodyLengths: 900, longestSleepMin: 190, firstActivity: null, lastActivity: null,
      });
    }
    i++;
  }
  h.alerts.push({ alertId: 'a-1', ferretId: 'ferret-3', name: null, type: 'no_drinking', message: 'ferret-3 has not been seen drinking for 8 hours', ts: now - 42 * 60_000 });
  return h;
}

export function createHistoryStub(state: HistoryStub): express.Router {
  const r = express.Router();
  const gate: express.RequestHandler = (_req, res, next) => {
    if (state.available) return next();
    res.status(503).json({ error: 'no behavior-store node deployed' });
  };
  r.get('/api/ferrets', gate, (_req, res) => void res.json(state.ferrets));
  r.post('/api/ferrets', express.json({ limit: '4kb' }), (req, res) => {
    const body = req.body as { name?: unknown; trackId?: unknown };
    if (typeof body?.name !== 'string' || typeof body?.trackId !== 'string') return void res.status(400).json({ error: 'name and trackId are required' });
    state.named.push({ name: body.name, trackId: body.trackId });
    const ferretId = body.trackId === '7' ? 'ferret-1' : body.trackId === '8' ? 'ferret-2' : 'ferret-3';
    res.json({ ferretId, name: body.name });
  });
  r.get('/api/ferrets/:id/timeline', gate, (req, res) => {
    const id = String(req.params.id);
    res.json({ ferretId: id, episodes: state.episodes.filter((e) => e.ferretId === id) });
  });
  r.get('/api/summaries', gate, (req, res) => void res.json(state.summaries.filter((s) => !req.query.ferret || s.ferretId === req.query.ferret)));
  r.get('/api/alerts', gate, (_req, res) => void res.json(state.alerts));
  r.get('/api/clips', gate, (req, res) => {
    const q = req.query;
    res.json(
      state.clips
        .filter((c) => (!q.ferret || c.ferretId === q.ferret) && (!q.behavior || c.behavior === q.behavior))
        .map(({ file: _f, ...c }) => c),
    );
  });
  r.get('/api/clips/:file', gate, (req, res) => {
    const m = /^(.+)\.mp4$/.exec(String(req.params.file));
    const clip = m ? state.clips.find((c) => c.id === m[1]) : undefined;
    if (!clip) return void res.status(404).json({ error: 'unknown clip' });
    res.sendFile(clip.file, { headers: { 'Content-Type': 'video/mp4' } });
  });
  r.get('/api/cameras/:camera/snapshot.jpg', (req, res, next) => {
    if (!state.snapshot) return next();
    res.sendFile(state.snapshot, { headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-cache' } });
  });
  return r;
}

// ---------------------------------------------------------------------------------------------
// The rig.

export interface RigCamera {
  id: string;
  name?: string;
  url: string;
  options?: Partial<CameraStreamOptions>;
}

export interface Rig {
  /** http://127.0.0.1:<port> */
  base: string;
  /** The dashboard page. */
  page: string;
  history?: HistoryStub;
  streams: Map<string, CameraStream>;
  addCamera(cam: RigCamera, withStream?: boolean): void;
  removeCamera(id: string): Promise<void>;
  /**
   * How far the demo picture lags its formula: ffmpeg's clock starts when it has started, after the
   * phase was fixed (the first segment's PDT minus the time the stream was started).
   */
  demoLag(camera: string): Promise<number>;
  /** Publish the demo blobs as tracks every `everyMs` (ts = now, boxes where the picture shows them) until stop() or close(). */
  publishDemoTracks(camera: string, everyMs?: number, names?: Record<string, string | null>): Promise<{ stop(): void }>;
  close(): Promise<void>;
}

/** Builds the dashboard when its output is missing or older than its sources (fast when up to date). */
export function ensureDashboardBuilt(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'dashboard', 'build.js')], { stdio: 'ignore', cwd: repoRoot });
}

export async function startRig(opts: { cameras: RigCamera[]; history?: HistoryStub | null; port?: number }): Promise<Rig> {
  const app = express();
  const history = opts.history ?? undefined;
  // The stand-ins go first, so they answer even where the real history routes are registered.
  if (history) app.use('/ferretwatch', createHistoryStub(history));
  app.use('/ferretwatch', createApiRouter(hub));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const owner = {};
  const streams = new Map<string, CameraStream>();
  const publishers = new Set<NodeJS.Timeout>();
  const startedAt = new Map<string, number>();
  const lags = new Map<string, Promise<number>>();

  const addCamera = (cam: RigCamera, withStream = true): void => {
    const config: CameraConfig = { id: cam.id, name: cam.name ?? cam.id, url: cam.url, transport: 'tcp', zones: [], credentials: {} };
    hub.registerCamera(config, owner);
    if (!withStream) return;
    const stream = new CameraStream(config, { ...DEFAULT_STREAM_OPTIONS, ...cam.options });
    stream.on('state', (payload) => hub.publish({ kind: 'stream', payload }));
    hub.attachStream(cam.id, stream, owner);
    streams.set(cam.id, stream);
    startedAt.set(cam.id, Date.now());
    stream.start();
  };
  const demoLag = (camera: string): Promise<number> => {
    let p = lags.get(camera);
    if (!p) {
      p = (async () => {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const r = await fetch(`${base}/ferretwatch/hls/${camera}/plain.m3u8`).catch(() => undefined);
          const text = r?.ok ? await r.text() : '';
          const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN);
          const pdt = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)?.[1];
          // Only the first segment's PDT is the time of the first frame.
          if (seq === 0 && pdt) return Math.max(0, Date.parse(pdt) - (startedAt.get(camera) ?? Date.parse(pdt)));
          if (seq > 0) return 0;
          await new Promise((res) => setTimeout(res, 100));
        }
        return 0;
      })();
      lags.set(camera, p);
    }
    return p;
  };
  const removeCamera = async (id: string): Promise<void> => {
    const s = streams.get(id);
    streams.delete(id);
    hub.detachStream(id, owner);
    hub.unregisterCamera(id, owner);
    await s?.stop();
  };
  for (const c of opts.cameras) addCamera(c);

  return {
    base,
    page: `${base}/ferretwatch/`,
    history,
    streams,
    addCamera,
    removeCamera,
    demoLag,
    async publishDemoTracks(camera, everyMs = 100, names = {}) {
      const lag = await demoLag(camera);
      let frame = 0;
      const t = setInterval(() => hub.publish({ kind: 'tracks', payload: demoTracks(camera, Date.now(), frame++, names, lag) }), everyMs);
      publishers.add(t);
      return {
        stop: () => {
          clearInterval(t);
          publishers.delete(t);
        },
      };
    },
    async close() {
      for (const t of publishers) clearInterval(t);
      for (const id of hub.cameraIds()) if (hub.camera(id)) await removeCamera(id).catch(() => undefined);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface DashboardFigures {
  date: string;
  machine: { cpus: number; model: string; loadavg: number[] };
  chromium: string;
  cameras: number;
  cameraSource: string;
  timeToFirstFrameMs: { runs: number[]; median: number };
  js: { files: Array<{ name: string; gzipBytes: number; rawBytes: number }>; totalGzipBytes: number; totalGzipKB: number; goalKB: number; excludes: string; hlsjsGzipBytes: number };
  cpu: { windowS: number; taskPctOfOneCore: number; scriptPctOfOneCore: number; allChromiumProcessesPctOfOneCore: number; playing: number; note: string };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bench(): Promise<void> {
  // Loaded here so the test and the screenshot script do not need playwright through this module.
  const { launchChromium } = await import('../test/support/browser');
  ensureDashboardBuilt();
  const N = 4;
  // A file source is remuxed like a real camera (copy mode, ~1 % of a core each); demo: would need
  // an encoder per camera in this process. Camera 1 is the demo camera, for the overlay's boxes.
  const { ensureH264Clip } = await import('../test/support/media');
  const clip = process.env.FERRETWATCH_BENCH_CLIP ?? (await ensureH264Clip({ width: 1280, height: 720, fps: 25, seconds: 20, gopSeconds: 1, bitrateKbps: 2000 }));
  const cams: RigCamera[] = Array.from({ length: N }, (_, i) => ({ id: `cam${i + 1}`, name: `Camera ${i + 1}`, url: i === 0 ? 'demo:' : clip }));
  const rig = await startRig({ cameras: cams, history: sampleHistory() });
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    // Wait for every stream to have a playlist before timing anything.
    const deadline = Date.now() + 60_000;
    for (const c of cams) {
      while (Date.now() < deadline) {
        const r = await fetch(`${rig.base}/ferretwatch/hls/${c.id}/index.m3u8`).catch(() => undefined);
        if (r?.ok && /#EXTINF/.test(await r.text())) break;
        await new Promise((res) => setTimeout(res, 250));
      }
    }

    // Time to first frame, three fresh pages.
    const ttff: number[] = [];
    let jsFiles: Array<{ name: string; gzipBytes: number; rawBytes: number; hls: boolean }> = [];
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage({ onConsole: (l) => l.startsWith('[error]') && errors.push(l) });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      const sizes = new Map<string, number>();
      const urls = new Map<string, string>();
      cdp.on('Network.responseReceived', (e) => {
        if (e.type === 'Script') urls.set(e.requestId, e.response.url);
      });
      cdp.on('Network.loadingFinished', (e) => {
        if (urls.has(e.requestId)) sizes.set(urls.get(e.requestId)!, e.encodedDataLength);
      });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(rig.page, { waitUntil: 'load' });
      const t = await page.waitForFunction(
        () => {
          const tile = document.querySelector('fw-app')?.querySelector('fw-camera-grid')?.shadowRoot?.querySelector('fw-camera-tile');
          const v = tile?.shadowRoot?.querySelector('video') as HTMLVideoElement | null | undefined;
          if (!v || v.readyState < 2 || !(v.currentTime > 0)) return false;
          return performance.now();
        },
        undefined,
        { timeout: 30_000, polling: 20 },
      );
      ttff.push(Math.round((await t.jsonValue()) as number));
      if (run === 0) {
        await page.waitForTimeout(1500);
        jsFiles = [...sizes].map(([url, bytes]) => {
          const name = url.split('/').pop() ?? url;
          const file = path.join(repoRoot, 'dashboard', 'dist', 'assets', name);
          const raw = fs.existsSync(file) ? fs.statSync(file).size : 0;
          // encodedDataLength includes headers; count the gzip body the server sends.
          const gz = fs.existsSync(file) ? zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length : bytes;
          return { name, gzipBytes: gz, rawBytes: raw, hls: /^hls/.test(name) };
        });
      }
      await page.close();
    }

    // CPU with 4 cameras playing.
    const page = await browser.newPage({ onConsole: (l) => l.startsWith('[error]') && errors.push(l) });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(rig.page, { waitUntil: 'load' });
    await page.waitForFunction(
      (n) => {
        const tiles = Array.from(document.querySelector('fw-app')?.querySelector('fw-camera-grid')?.shadowRoot?.querySelectorAll('fw-camera-tile') ?? []);
        let playing = 0;
        for (const t of tiles) {
          const v = t.shadowRoot?.querySelector('video') as HTMLVideoElement | null;
          if (v && v.currentTime > 1 && !v.paused) playing++;
        }
        return playing >= n;
      },
      N,
      { timeout: 60_000, polling: 250 },
    );
    const tracks = await rig.publishDemoTracks('cam1', 100);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async () => {
      const m = (await cdp.send('Performance.getMetrics')).metrics as Array<{ name: string; value: number }>;
      const get = (n: string) => m.find((x) => x.name === n)?.value ?? 0;
      return { task: get('TaskDuration'), script: get('ScriptDuration'), t: get('Timestamp') };
    };
    const { childPids, readProc, CLOCK_TICKS_PER_SECOND } = await import('../test/support/procs');
    // Every Chromium process (renderer, GPU, utility: decoding included), from /proc.
    const chromiumTicks = (): number =>
      childPids(process.pid, { recursive: true })
        .map((pid) => readProc(pid))
        .filter((p) => p && /chrom/i.test(p.cmdline[0] ?? p.comm))
        .reduce((sum, p) => sum + (p?.cpuTicks ?? 0), 0);
    await page.waitForTimeout(2000);
    const a = await metric();
    const ticksA = chromiumTicks();
    await page.waitForTimeout(20_000);
    const b = await metric();
    const ticksB = chromiumTicks();
    tracks.stop();
    const playing = (await page.evaluate(() => {
      const tiles = Array.from(document.querySelector('fw-app')?.querySelector('fw-camera-grid')?.shadowRoot?.querySelectorAll('fw-camera-tile') ?? []);
      return tiles.filter((t) => !(t.shadowRoot?.querySelector('video') as HTMLVideoElement).paused).length;
    })) as number;
    const span = b.t - a.t;
    const hlsGz = jsFiles.filter((f) => f.hls).reduce((s, f) => s + f.gzipBytes, 0);
    const own = jsFiles.filter((f) => !f.hls);
    const total = own.reduce((s, f) => s + f.gzipBytes, 0);
    const figures: DashboardFigures = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      chromium: browser.version,
      cameras: N,
      cameraSource: `cam1: demo: 640x360 15 fps (libx264 in this process); cam2-4: ${path.basename(clip)} remuxed (copy) like a camera`,
      timeToFirstFrameMs: { runs: ttff, median: median(ttff) },
      js: {
        files: own.map(({ name, gzipBytes, rawBytes }) => ({ name, gzipBytes, rawBytes })),
        totalGzipBytes: total,
        totalGzipKB: Math.round((total / 1024) * 10) / 10,
        goalKB: 150,
        excludes: 'hls.js (its own chunk, hls.js/light)',
        hlsjsGzipBytes: hlsGz,
      },
      cpu: {
        windowS: Math.round(span * 10) / 10,
        taskPctOfOneCore: Math.round(((b.task - a.task) / span) * 1000) / 10,
        scriptPctOfOneCore: Math.round(((b.script - a.script) / span) * 1000) / 10,
        allChromiumProcessesPctOfOneCore: Math.round(((ticksB - ticksA) / CLOCK_TICKS_PER_SECOND / span) * 1000) / 10,
        playing,
        note: 'taskPct/scriptPct: the page renderer main thread (CDP TaskDuration/ScriptDuration; wall time of tasks, inflated when the machine is loaded). allChromiumProcesses: user+system CPU of every Chromium process (/proc), video decoding and compositing included. Headless, --disable-gpu (software decode and compositing). While measuring, tracks were published at 10 Hz for camera 1 (overlay drawn).',
      },
    };
    if (errors.length) console.warn(`console errors during the bench:\n${errors.join('\n')}`);
    const out = path.join(repoRoot, 'bench', 'results', 'dashboard.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(JSON.stringify(figures, null, 2));
    console.log(`wrote ${path.relative(repoRoot, out)}`);
  } finally {
    await browser.close();
    await rig.close();
  }
}

if (require.main === module) {
  bench().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
