// A minimal built-in live player, so a person can watch a camera before any dashboard exists:
//   GET /ferretwatch/player?camera=<id>[&ll=0]   static HTML (the camera id is read client-side)
//   GET /ferretwatch/player.js                   the page's script (built from the functions below)
//   GET /ferretwatch/player.css
//   GET /ferretwatch/vendor/hls.min.js           hls.js from the installed package, long cache
// Everything is same-origin and inline-free, so the page runs under a strict Content-Security-Policy.
// Paths are relative to the page, so the player also works when Node-RED's httpNodeRoot is not "/".
import * as fs from 'node:fs';
import type { Request, Response, Router } from 'express';
import { isValidCameraId } from '../camera/config';

/**
 * default-src 'self' for everything; MSE plays from a blob: URL (media-src) and hls.js transmuxes in a
 * worker it creates from a blob: URL (worker-src), so those two need blob: as well.
 */
export const PLAYER_CSP = "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'none'";

// Client side. These functions are serialised with Function.prototype.toString into player.js, so
// they must be self-contained: no imports, no module-level names except each other.

/** The camera id from a query string, or undefined when missing or not a valid id. */
export function cameraFromSearch(search: string): string | undefined {
  const id = new URLSearchParams(search).get('camera');
  return id !== null && /^[a-z0-9_-]{1,32}$/.test(id) ? id : undefined;
}

/**
 * A stream URL from the API (absolute, under /ferretwatch/) made relative to the page's directory,
 * so a prefix in front of /ferretwatch (httpNodeRoot) is kept. Anything else is refused.
 */
export function streamUrlFor(apiUrl: unknown, pageDir: string): string | undefined {
  if (typeof apiUrl !== 'string') return undefined;
  const m = /^\/ferretwatch\/(hls\/[a-z0-9_-]{1,32}\/(?:index|plain)\.m3u8)$/.exec(apiUrl);
  return m ? pageDir + m[1] : undefined;
}

export type Recovery = 'none' | 'startLoad' | 'recoverMedia' | 'reload';

/** What to do about an hls.js error: non-fatal ones hls.js handles itself. */
export function recoveryFor(data: { fatal?: boolean; type?: string; details?: string }, mediaRecoveries: number): Recovery {
  if (!data.fatal) return 'none';
  if (data.type === 'networkError') {
    // Without a manifest there is nothing for startLoad() to resume: start over.
    return /^manifest/.test(data.details ?? '') ? 'reload' : 'startLoad';
  }
  // recoverMediaError() twice in a row has not helped: rebuild the player.
  if (data.type === 'mediaError') return mediaRecoveries < 2 ? 'recoverMedia' : 'reload';
  return 'reload';
}

/**
 * Seconds behind the playlist's live edge past hls.js's target at which the player jumps back to
 * live. hls.js catches up by playing slightly faster only within one target duration of its
 * target, and seeks on its own only once the playhead leaves the playlist window (~10 s): after a
 * Wi-Fi hiccup a camera view would otherwise stay seconds late for good.
 */
export function shouldJumpToLive(latencyS: number, targetLatencyS: number | null | undefined, paused: boolean): boolean {
  return !paused && typeof targetLatencyS === 'number' && Number.isFinite(latencyS) && latencyS > targetLatencyS + 3;
}

interface FwState {
  camera: string;
  ll: boolean;
  hls: any;
  video: HTMLVideoElement;
  /** performance.now() of the first presented frame (ms since navigation start). */
  firstFrameMs?: number;
  stalls: number;
  waiting: number;
  /** Jumps back to the live edge by the watchdog. */
  jumps: number;
  errors: Array<{ type?: string; details?: string; fatal?: boolean; at: number }>;
  cspViolations: number;
}

/** The page: find the stream, play it with hls.js (or natively), recover from errors. */
export function playerMain(win: Window & { Hls?: any; __fw?: FwState }, doc: Document): void {
  const video = doc.getElementById('video') as HTMLVideoElement;
  const status = doc.getElementById('status') as HTMLElement;
  const say = (text: string) => {
    status.textContent = text;
  };
  const camera = cameraFromSearch(win.location.search);
  const ll = new URLSearchParams(win.location.search).get('ll') !== '0';
  const fw: FwState = { camera: camera ?? '', ll, hls: null, video, stalls: 0, waiting: 0, jumps: 0, errors: [], cspViolations: 0 };
  win.__fw = fw;
  doc.addEventListener('securitypolicyviolation', () => {
    fw.cspViolations++;
  });
  if (!camera) {
    say('Add ?camera=<id> to the address (1-32 characters: a-z, 0-9, _ and -).');
    return;
  }
  doc.title = `${camera} – FerretWatch`;
  const pageDir = win.location.pathname.replace(/[^/]*$/, '');

  video.addEventListener('waiting', () => {
    fw.waiting++;
  });
  video.addEventListener('playing', () => say(''));
  const onFrame = (now: number) => {
    fw.firstFrameMs = now;
  };
  // Firefox before 132 has no requestVideoFrameCallback; 'playing' is close enough there.
  if (typeof (video as any).requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(onFrame);
  else video.addEventListener('playing', () => onFrame(win.performance.now()), { once: true });

  let mediaRecoveries = 0;
  let retryTimer: number | undefined;
  const retry = (why: string, ms: number) => {
    say(`${why} – retrying…`);
    if (fw.hls) {
      fw.hls.destroy();
      fw.hls = null;
    }
    win.clearTimeout(retryTimer);
    retryTimer = win.setTimeout(start, ms);
  };

  async function start(): Promise<void> {
    let info: any;
    try {
      const r = await win.fetch(`${pageDir}api/stream/hls/${camera}`, { cache: 'no-store' });
      info = await r.json();
      if (!r.ok) return retry(String(info?.error ?? `HTTP ${r.status}`), 3000);
    } catch {
      return retry('Cannot reach the server', 3000);
    }
    const src = streamUrlFor(ll ? info.url : info.plainUrl, pageDir);
    if (!src) return retry('The server sent no stream address', 5000);
    say(info.state === 'live' ? 'Loading…' : `Camera is ${String(info.state)}…`);
    const Hls = win.Hls;
    if (Hls && Hls.isSupported()) {
      // The plain playlist is for players without LL-HLS: hls.js's default live settings.
      const config = ll ? { ...(info.hlsjsConfig ?? {}) } : { lowLatencyMode: false };
      const hls = new Hls(config);
      fw.hls = hls;
      hls.on(Hls.Events.ERROR, (_ev: string, data: { fatal?: boolean; type?: string; details?: string }) => {
        fw.errors.push({ type: data.type, details: data.details, fatal: data.fatal, at: Date.now() });
        if (fw.errors.length > 100) fw.errors.shift();
        if (data.details === 'bufferStalledError') fw.stalls++;
        const action = recoveryFor(data, mediaRecoveries);
        if (action === 'startLoad') hls.startLoad();
        else if (action === 'recoverMedia') {
          mediaRecoveries++;
          hls.recoverMediaError();
        } else if (action === 'reload') retry(`Playback error (${String(data.details)})`, 2000);
      });
      hls.on(Hls.Events.FRAG_BUFFERED, () => {
        mediaRecoveries = 0;
        const live = hls.liveSyncPosition;
        if (shouldJumpToLive(hls.latency, hls.targetLatency, video.paused) && typeof live === 'number') {
          fw.jumps++;
          video.currentTime = live;
        }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src; // Safari plays (LL-)HLS itself
    } else {
      say('This browser cannot play HLS.');
      return;
    }
    video.play().catch(() => say('Press play to start.'));
  }
  start().catch((e: Error) => retry(`Player error: ${e.message}`, 5000));
}

const PLAYER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FerretWatch</title>
<link rel="stylesheet" href="player.css">
<script src="vendor/hls.min.js?v=${hlsVersion()}" defer></script>
<script src="player.js" defer></script>
</head>
<body>
<video id="video" muted autoplay playsinline controls></video>
<p id="status">Loading…</p>
</body>
</html>
`;

const PLAYER_CSS = `html,body{margin:0;height:100%;background:#111;color:#ddd;font:14px system-ui,sans-serif}
video{display:block;width:100%;height:calc(100% - 2.5em);background:#000;object-fit:contain}
#status{margin:0;padding:.6em 1em;min-height:1.3em}
`;

export const PLAYER_JS = `'use strict';
${[cameraFromSearch, streamUrlFor, recoveryFor, shouldJumpToLive, playerMain].map((f) => f.toString()).join('\n')}
playerMain(window, document);
`;

function hlsVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return String(require('hls.js/package.json').version);
  } catch {
    return '0';
  }
}

let hlsPath: string | undefined;
function hlsFile(): string | undefined {
  if (hlsPath === undefined) {
    try {
      hlsPath = require.resolve('hls.js/dist/hls.min.js');
    } catch {
      hlsPath = '';
    }
  }
  return hlsPath || undefined;
}

function page(type: string, body: string, cache: string) {
  return (_req: Request, res: Response) => {
    res.status(200).set({ 'Content-Type': type, 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' }).end(body);
  };
}

const registered = new WeakSet<object>();

/** Adds the player routes to `router` (apiExtensions, mounted under /ferretwatch) once. */
export function registerPlayerRoutes(router: Router): void {
  if (registered.has(router)) return;
  registered.add(router);

  router.get('/player', (req: Request, res: Response) => {
    const cam = req.query.camera;
    // The page never echoes the id, but a bad one is refused here too, with a plain answer.
    if (cam !== undefined && !isValidCameraId(cam)) {
      return void res.status(400).type('text/plain').send('invalid camera id: use 1-32 characters from a-z, 0-9, "_" and "-"');
    }
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': PLAYER_CSP,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .end(PLAYER_HTML);
  });
  router.get('/player.js', page('text/javascript; charset=utf-8', PLAYER_JS, 'no-cache'));
  router.get('/player.css', page('text/css; charset=utf-8', PLAYER_CSS, 'no-cache'));
  router.get('/vendor/hls.min.js', (_req: Request, res: Response) => {
    const file = hlsFile();
    if (!file || !fs.existsSync(file)) return void res.status(404).json({ error: 'hls.js is not installed' });
    // The page asks for ?v=<hls.js version>, so a year-long cache is safe across upgrades.
    res.sendFile(file, { maxAge: 365 * 24 * 3600 * 1000, immutable: true, headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
  });
}
