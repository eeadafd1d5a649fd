// One camera's live player: hls.js over MSE (loaded on first use, its own chunk), or the browser's
// native HLS on Safari. Recovers from errors (network → reload, media → recoverMediaError) and
// stops downloading while paused (off-screen or hidden tab).
import type HlsType from 'hls.js/light';
import type { ErrorData } from 'hls.js/light';
import type { StreamInfo } from './types';
import { pageRelative } from './api';

export type PlayerStatus = 'loading' | 'live' | 'reconnecting' | 'error' | 'paused';

type HlsCtor = typeof HlsType;
let hlsModule: Promise<HlsCtor> | undefined;
function loadHls(): Promise<HlsCtor> {
  hlsModule ??= import('hls.js/light').then((m) => m.default);
  return hlsModule;
}

/** Safari (macOS, iOS) plays LL-HLS itself, with less battery than MSE. */
export function prefersNativeHls(video: HTMLVideoElement): boolean {
  const canNative = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  const apple = /Apple/.test(navigator.vendor) && !/Chrome|Chromium|Android/.test(navigator.userAgent);
  const mse = 'MediaSource' in window || 'ManagedMediaSource' in window;
  return canNative && (apple || !mse);
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];

export class LivePlayer {
  private hls?: HlsType;
  private native = false;
  private url?: string;
  private wanted = false;
  private destroyed = false;
  private failures = 0;
  private lastMediaRecovery = 0;
  private retryTimer?: number;
  private pausedAt = 0;
  status: PlayerStatus = 'loading';
  reason?: string;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly camera: string,
    private readonly onStatus: (s: PlayerStatus, reason?: string) => void,
  ) {
    video.muted = true;
    video.playsInline = true;
    video.autoplay = false;
    video.addEventListener('playing', this.onPlaying);
    video.addEventListener('error', this.onVideoError);
  }

  private readonly onPlaying = (): void => {
    this.failures = 0;
    this.set('live');
  };

  private readonly onVideoError = (): void => {
    if (!this.native) return;
    const err = this.video.error;
    this.retry(`playback error${err?.message ? `: ${err.message}` : ''}`);
  };

  private set(s: PlayerStatus, reason?: string): void {
    if (this.status === s && this.reason === reason) return;
    this.status = s;
    this.reason = reason;
    this.onStatus(s, reason);
  }

  /** Start or resume playback (visible again). */
  async play(): Promise<void> {
    this.wanted = true;
    if (this.destroyed) return;
    if (this.hls || (this.native && this.video.src)) {
      // After a long pause the buffer is far from live: start over at the live edge.
      if (Date.now() - this.pausedAt > 10_000) return this.restart();
      this.hls?.startLoad(-1);
      this.video.play().catch(() => undefined);
      return;
    }
    await this.attach();
  }

  /** Off-screen or tab hidden: stop decoding and downloading. */
  pause(): void {
    this.wanted = false;
    this.pausedAt = Date.now();
    this.video.pause();
    this.hls?.stopLoad();
    if (this.status !== 'error') this.set('paused');
  }

  /** Re-read the stream info and start over (e.g. the stream came back). */
  async restart(): Promise<void> {
    this.teardown();
    if (this.wanted) await this.attach();
  }

  destroy(): void {
    this.destroyed = true;
    this.wanted = false;
    this.teardown();
    this.video.removeEventListener('playing', this.onPlaying);
    this.video.removeEventListener('error', this.onVideoError);
  }

  /** Wall-clock ms of the frame on screen (EXT-X-PROGRAM-DATE-TIME), when the stream carries it. */
  playingDate(): number | undefined {
    if (this.hls) {
      const d = this.hls.playingDate;
      return d ? d.getTime() : undefined;
    }
    if (this.native) {
      const start = (this.video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate?.();
      const t = start?.getTime();
      return t !== undefined && Number.isFinite(t) ? t + this.video.currentTime * 1000 : undefined;
    }
    return undefined;
  }

  private teardown(): void {
    if (this.retryTimer !== undefined) window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.hls?.destroy();
    this.hls = undefined;
    if (this.native) {
      this.video.removeAttribute('src');
      this.video.load();
      this.native = false;
    }
  }

  private async attach(): Promise<void> {
    this.set(this.failures > 0 ? 'reconnecting' : 'loading', this.reason);
    let info: StreamInfo;
    try {
      const res = await fetch(`api/stream/hls/${encodeURIComponent(this.camera)}`, { cache: 'no-store' });
      const body = (await res.json()) as StreamInfo & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      info = body;
    } catch (e) {
      return this.retry((e as Error).message);
    }
    if (this.destroyed || !this.wanted || this.hls) return;
    this.url = pageRelative(info.url);

    if (prefersNativeHls(this.video)) {
      this.native = true;
      this.video.src = this.url;
      this.video.play().catch(() => undefined);
      return;
    }
    let Hls: HlsCtor;
    try {
      Hls = await loadHls();
    } catch (e) {
      return this.retry(`cannot load the player: ${(e as Error).message}`);
    }
    if (this.destroyed || !this.wanted || this.hls) return;
    if (!Hls.isSupported()) {
      this.set('error', 'this browser cannot play HLS');
      return;
    }
    const hls = new Hls({
      ...(info.hlsjsConfig ?? {}),
      // fMP4 needs no transmuxing; without a worker there is also no blob: script to allow.
      enableWorker: false,
      debug: false,
      // The server holds blocking playlist requests up to 3 target durations.
      manifestLoadingMaxRetry: 2,
      levelLoadingMaxRetry: 4,
      fragLoadingMaxRetry: 4,
    });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_ev, data) => this.onHlsError(Hls, hls, data));
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      if (this.wanted) this.video.play().catch(() => undefined);
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
  }

  private onHlsError(Hls: HlsCtor, hls: HlsType, data: ErrorData): void {
    if (!data.fatal || hls !== this.hls) return;
    const reason = `${data.type}: ${data.details}`;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      // hls.js's recipe: recoverMediaError(); a second failure soon after → swap codec, try again.
      const now = Date.now();
      if (now - this.lastMediaRecovery > 5000) {
        this.lastMediaRecovery = now;
        this.set('reconnecting', reason);
        hls.recoverMediaError();
        return;
      }
      if (now - this.lastMediaRecovery > 100) {
        this.lastMediaRecovery = now + 60_000;
        hls.swapAudioCodec();
        hls.recoverMediaError();
        return;
      }
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && this.failures < 2 && !/manifest/i.test(String(data.details))) {
      // A segment or playlist failed after hls.js's own retries: resume loading at the live edge.
      this.failures++;
      this.set('reconnecting', reason);
      this.retryTimer = window.setTimeout(() => this.hls === hls && hls.startLoad(-1), 1000);
      return;
    }
    this.retry(reason);
  }

  /** Give up on this attempt; start over after a backoff. */
  private retry(reason: string): void {
    this.teardown();
    if (this.destroyed) return;
    const delay = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures++;
    this.set(this.failures > 3 ? 'error' : 'reconnecting', reason);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted && !this.destroyed) void this.attach();
    }, delay);
  }
}
