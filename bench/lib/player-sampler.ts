// Drives the built-in player page (/ferretwatch/player) in a browser tab and samples what hls.js
// reports while it plays: glass-to-browser latency from EXT-X-PROGRAM-DATE-TIME (Date.now() -
// hls.playingDate), hls.latency (distance to the playlist's live edge), buffer, playback rate,
// stalls and start-up time. Shared by the streaming benchmark and the browser integration test.
import type { Page } from 'playwright-core';

export interface PlayerSample {
  /** Date.now() in the page when sampled. */
  at: number;
  /** Date.now() - hls.playingDate, ms (undefined before PDT is known). */
  pdtLatencyMs?: number;
  /** hls.latency, s. */
  hlsLatencyS?: number;
  currentTime: number;
  /** Seconds buffered ahead of currentTime. */
  bufferAheadS: number;
  playbackRate: number;
}

export interface PlaybackResult {
  samples: PlayerSample[];
  /** Navigation start → first presented frame (requestVideoFrameCallback), ms. */
  startupMs?: number;
  /** hls.js BUFFER_STALLED_ERROR events while sampling. */
  stalls: number;
  /** <video> 'waiting' events while sampling. */
  waiting: number;
  /** Jumps back to live by the player's watchdog while sampling. */
  jumps: number;
  fatalErrors: string[];
  /** Non-fatal hls.js errors by details, while sampling. */
  errors: Record<string, number>;
  cspViolations: number;
  /** hls.js's target latency (PART-HOLD-BACK in LL mode), s. */
  targetLatencyS?: number;
}

interface PageState {
  firstFrameMs?: number;
  stalls: number;
  waiting: number;
  jumps: number;
  errors: Array<{ details?: string; fatal?: boolean; at: number }>;
  cspViolations: number;
  targetLatencyS?: number;
}

/** Open the player for `camera` (LL or plain) and wait until it presents its first frame. */
export async function openPlayer(page: Page, baseUrl: string, camera: string, opts: { ll: boolean; timeoutMs?: number }): Promise<void> {
  await page.goto(`${baseUrl}/ferretwatch/player?camera=${encodeURIComponent(camera)}${opts.ll ? '' : '&ll=0'}`, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as any).__fw?.firstFrameMs !== undefined, undefined, { timeout: opts.timeoutMs ?? 30_000, polling: 100 });
}

export function readPlayer(page: Page): Promise<PlayerSample & PageState> {
  return page.evaluate(() => {
    const fw = (window as any).__fw;
    const v = fw.video as HTMLVideoElement;
    const hls = fw.hls;
    const now = Date.now();
    const pd: Date | null | undefined = hls?.playingDate;
    let ahead = 0;
    for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= v.currentTime + 0.05 && v.buffered.end(i) > v.currentTime) ahead = v.buffered.end(i) - v.currentTime;
    return {
      at: now,
      pdtLatencyMs: pd ? now - pd.getTime() : undefined,
      hlsLatencyS: hls && Number.isFinite(hls.latency) && hls.latency > 0 ? hls.latency : undefined,
      currentTime: v.currentTime,
      bufferAheadS: ahead,
      playbackRate: v.playbackRate,
      firstFrameMs: fw.firstFrameMs,
      stalls: fw.stalls,
      waiting: fw.waiting,
      jumps: fw.jumps ?? 0,
      errors: fw.errors.map((e: any) => ({ details: e.details, fatal: e.fatal, at: e.at })),
      cspViolations: fw.cspViolations,
      targetLatencyS: hls?.targetLatency ?? undefined,
    };
  });
}

/**
 * Sample an already playing player every `everyMs` for `seconds`. Stall, waiting and error counts
 * are those that happened during the sampling window.
 */
export async function samplePlayback(page: Page, opts: { seconds: number; everyMs?: number; onSample?: (s: PlayerSample) => void }): Promise<PlaybackResult> {
  const every = opts.everyMs ?? 1000;
  const first = await readPlayer(page);
  const t0 = first.at;
  const samples: PlayerSample[] = [];
  let last = first;
  const end = Date.now() + opts.seconds * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, every));
    last = await readPlayer(page);
    const s: PlayerSample = { at: last.at, pdtLatencyMs: last.pdtLatencyMs, hlsLatencyS: last.hlsLatencyS, currentTime: last.currentTime, bufferAheadS: last.bufferAheadS, playbackRate: last.playbackRate };
    samples.push(s);
    opts.onSample?.(s);
  }
  const errors: Record<string, number> = {};
  const fatalErrors: string[] = [];
  for (const e of last.errors) {
    if (e.at < t0) continue;
    if (e.fatal) fatalErrors.push(String(e.details));
    else errors[String(e.details)] = (errors[String(e.details)] ?? 0) + 1;
  }
  return {
    samples,
    startupMs: last.firstFrameMs,
    stalls: last.stalls - first.stalls,
    waiting: last.waiting - first.waiting,
    jumps: last.jumps - first.jumps,
    fatalErrors,
    errors,
    cspViolations: last.cspViolations,
    targetLatencyS: last.targetLatencyS,
  };
}

export interface ClockSample {
  /** Wall time the frame was (expected to be) shown: performance.timeOrigin + expectedDisplayTime. */
  shownAt: number;
  /** Stamped value decoded from the frame's pixels (ms since the clock source's epochMs). */
  stamp: number;
  /** EXT-X-PROGRAM-DATE-TIME of the same frame (hls.playingDate moved to the frame's mediaTime), ms epoch. */
  pdtMs?: number;
}

/**
 * For a player showing the clock source (clock-source.ts): on presented frames, at most every
 * `everyMs`, copy the stamped stripe to a canvas, decode it, and keep it with the display time and
 * the PDT-based latency of the same moment. Collect with takeClockSamples().
 */
export async function startClockProbe(page: Page, decoder: string, geometry: { bits: number; cellW: number; rowH: number }, everyMs = 250): Promise<void> {
  const body = `(() => {
    const decode = ${decoder};
    const g = ${JSON.stringify(geometry)};
    const fw = window.__fw;
    const v = fw.video;
    const w = g.bits * g.cellW, h = 2 * g.rowH;
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    fw.clock = { samples: [], misreads: 0 };
    let last = 0;
    const onFrame = (_now, meta) => {
      const shownAt = performance.timeOrigin + meta.expectedDisplayTime;
      if (shownAt - last >= ${everyMs}) {
        last = shownAt;
        ctx.drawImage(v, 0, 0, w, h, 0, 0, w, h);
        const stamp = decode(ctx.getImageData(0, 0, w, h).data, w, g.bits, g.cellW, g.rowH);
        const pd = fw.hls && fw.hls.playingDate;
        const pdtMs = pd ? pd.getTime() - (v.currentTime - meta.mediaTime) * 1000 : undefined;
        if (stamp === undefined) fw.clock.misreads++;
        else fw.clock.samples.push({ shownAt, stamp, pdtMs });
      }
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  })()`;
  await page.evaluate(body);
}

export async function takeClockSamples(page: Page): Promise<{ samples: ClockSample[]; misreads: number }> {
  return page.evaluate(() => {
    const c = (window as any).__fw.clock;
    const out = { samples: c.samples.splice(0), misreads: c.misreads };
    c.misreads = 0;
    return out;
  });
}
