// One camera: video, box overlay aligned to the frame on screen, state badge. Plays only while on
// screen and the tab is visible.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { LivePlayer, type PlayerStatus } from './player';
import { drawOverlay, lerpTracks, type DrawnBox } from './overlay';
import { contains, squareCrop } from './geometry';
import { store } from './live-store';
import type { CameraInfo, DetectionsPayload, StreamStatePayload, TracksPayload } from './types';

/** How far a result may lag the frame it is drawn on (a detector running at 2 fps still shows). */
const MAX_RESULT_AGE_MS = 1500;
/** A ferret's card photo is refreshed from the video at most this often. */
const PHOTO_EVERY_MS = 30_000;
/** Results further apart than this are not interpolated (the ferret may have jumped or left). */
const MAX_INTERPOLATE_MS = 1000;
const cropping = new Set<string>();
const nameOf = (id: string): string | null | undefined => store.ferrets.get(id)?.name;

export interface BadgeInfo {
  cls: 'live' | 'warn' | 'bad' | 'idle';
  text: string;
  reason?: string;
}

/** The badge from the server's stream state and the player's own. */
export function badgeFor(camera: CameraInfo, stream: StreamStatePayload | undefined, player: PlayerStatus, playerReason?: string): BadgeInfo {
  const state = stream?.state ?? camera.state;
  const reason = stream ? stream.reason : camera.reason;
  if (!stream && (!camera.hls || state === 'idle')) return { cls: 'idle', text: 'no stream', reason: 'no rtsp-hls-stream node for this camera' };
  switch (state) {
    case 'failed':
      return { cls: 'bad', text: 'error', reason: reason ?? 'the stream failed' };
    case 'stalled':
    case 'restarting':
      return { cls: 'warn', text: 'reconnecting', reason: reason ?? `stream ${state}` };
    case 'starting':
      return { cls: 'warn', text: 'starting', reason };
    case 'stopped':
      return { cls: 'idle', text: 'stopped', reason };
  }
  switch (player) {
    case 'live':
      return { cls: 'live', text: 'live' };
    case 'reconnecting':
      return { cls: 'warn', text: 'reconnecting', reason: playerReason };
    case 'error':
      return { cls: 'bad', text: 'error', reason: playerReason };
    case 'paused':
      return { cls: 'idle', text: 'paused' };
    default:
      return { cls: 'warn', text: 'loading' };
  }
}

export class CameraTile extends LitElement {
  static override properties = {
    camera: { attribute: false },
    stream: { attribute: false },
    enlarged: { type: Boolean, reflect: true },
    status: { state: true },
    reason: { state: true },
    trackButtons: { state: true },
  };

  declare camera: CameraInfo;
  declare stream: StreamStatePayload | undefined;
  declare enlarged: boolean;
  declare status: PlayerStatus;
  declare reason: string | undefined;
  declare trackButtons: DrawnBox[];

  private player?: LivePlayer;
  private io?: IntersectionObserver;
  private onScreen = false;
  private running = false;
  private drawn: DrawnBox[] = [];
  private lastKey?: object;
  private lastSize = '';
  private frameReq?: number;
  private lerpKey = '';
  private lerped?: TracksPayload;

  constructor() {
    super();
    this.enlarged = false;
    this.status = 'loading';
    this.trackButtons = [];
  }

  static override styles = css`
    :host { display: block; min-width: 0; }
    :host([hidden]) { display: none; }
    figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; }
    .stage { position: relative; aspect-ratio: 16 / 9; background: #000; cursor: pointer; }
    video, canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
    video { object-fit: contain; }
    canvas { pointer-events: none; }
    .badge {
      position: absolute; top: 8px; left: 8px; padding: 2px 8px; border-radius: 999px;
      font-size: 12px; font-weight: 700; letter-spacing: 0.02em; color: #fff; background: #4a525c;
    }
    .badge.live { background: var(--ok); }
    .badge.live::before { content: ''; display: inline-block; width: 7px; height: 7px; margin-right: 5px; border-radius: 50%; background: #b9f6ca; vertical-align: 1px; }
    .badge.warn { background: var(--warn); }
    .badge.bad { background: var(--bad); }
    figcaption { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 10px; padding: 8px 10px; }
    button.title {
      all: unset; cursor: pointer; font-weight: 650; color: var(--text); border-radius: 4px;
      overflow-wrap: anywhere;
    }
    button.title:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    button.title::after { content: ' ⤢'; color: var(--muted); font-weight: 400; }
    :host([enlarged]) button.title::after { content: ' ⤡'; }
    .reason { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
    ul { list-style: none; display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0 10px 10px; }
    ul button {
      font: inherit; font-size: 13px; color: var(--text); background: var(--panel-2); border: 1px solid var(--line);
      border-radius: 6px; padding: 4px 10px; cursor: pointer;
    }
    ul button:hover { border-color: var(--accent); }
    .hint { color: var(--muted); font-size: 13px; padding: 0 10px 10px; margin: 0; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.updatePlayback);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.updatePlayback);
    this.io?.disconnect();
    this.io = undefined;
    this.stopLoop();
    this.player?.destroy();
    this.player = undefined;
    store.playing.delete(this.camera?.id);
  }

  private get video(): HTMLVideoElement | null {
    return this.renderRoot.querySelector('video');
  }

  private get canvas(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas');
  }

  protected override firstUpdated(): void {
    const video = this.video!;
    this.player = new LivePlayer(video, this.camera.id, (s, reason) => {
      this.status = s;
      this.reason = reason;
      if (s === 'live') store.playing.add(this.camera.id);
      else store.playing.delete(this.camera.id);
    });
    this.io = new IntersectionObserver(
      (entries) => {
        this.onScreen = entries[entries.length - 1].isIntersecting;
        this.updatePlayback();
      },
      { threshold: 0.05 },
    );
    this.io.observe(this);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const prev = changed.get('stream') as StreamStatePayload | undefined;
    // The stream came back: a player that gave up tries again at once.
    if (changed.has('stream') && this.stream?.state === 'live' && prev?.state !== 'live' && (this.status === 'error' || this.status === 'reconnecting')) {
      void this.player?.restart();
    }
    if (changed.has('enlarged')) this.lastSize = '';
    if (changed.has('camera') || changed.has('stream')) this.updatePlayback();
  }

  /** A camera without an rtsp-hls-stream node has nothing to play (yet). */
  private get hasStream(): boolean {
    return !!(this.stream || this.camera?.hls);
  }

  private readonly updatePlayback = (): void => {
    const should = this.onScreen && !document.hidden && this.hasStream;
    if (should) {
      void this.player?.play();
      this.startLoop();
    } else {
      this.player?.pause();
      this.stopLoop();
    }
  };

  private startLoop(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  private stopLoop(): void {
    this.running = false;
    if (this.frameReq !== undefined) {
      const v = this.video as (HTMLVideoElement & { cancelVideoFrameCallback?: (h: number) => void }) | null;
      if (v?.cancelVideoFrameCallback) v.cancelVideoFrameCallback(this.frameReq);
      else cancelAnimationFrame(this.frameReq);
      this.frameReq = undefined;
    }
  }

  private schedule(): void {
    const v = this.video as (HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number }) | null;
    // Redraw once per presented video frame where the browser can tell us; else once per paint.
    this.frameReq = v?.requestVideoFrameCallback ? v.requestVideoFrameCallback(this.tick) : requestAnimationFrame(this.tick);
  }

  private readonly tick = (): void => {
    this.frameReq = undefined;
    if (!this.running) return;
    this.drawFrame();
    this.schedule();
  };

  /** Picks the result for the frame on screen and draws it (only when something changed). */
  private drawFrame(): void {
    const canvas = this.canvas;
    const video = this.video;
    if (!canvas || !video) return;
    const id = this.camera.id;
    const t = this.player?.playingDate();
    const tb = store.tracks.get(id);
    const db = store.detections.get(id);
    let tracks: TracksPayload | undefined;
    let detections: DetectionsPayload | undefined;
    let key: object | undefined;
    let keyTs = 0;
    if (t !== undefined) {
      const { before, after } = tb?.around(t, MAX_RESULT_AGE_MS) ?? {};
      tracks = before ?? (after && after.ts - t <= 40 ? after : undefined);
      key = tracks;
      keyTs = tracks?.ts ?? 0;
      if (before && after && after.ts - before.ts <= MAX_INTERPOLATE_MS) {
        // Between two results: move the boxes with the picture, in 5 % steps (redraw only on change).
        const step = Math.round(((t - before.ts) / (after.ts - before.ts)) * 20);
        const k = `${before.ts}:${after.ts}:${step}`;
        if (k !== this.lerpKey) {
          this.lerpKey = k;
          this.lerped = step === 0 ? before : lerpTracks(before, after, step / 20);
        }
        tracks = this.lerped;
        key = tracks;
      }
      if (!tb?.size) detections = db?.at(t, MAX_RESULT_AGE_MS);
    } else {
      tracks = tb?.latest();
      if (!tb?.size) detections = db?.latest();
      key = tracks;
      keyTs = tracks?.ts ?? 0;
    }
    key ??= detections;
    if (!tracks && detections) keyTs = detections.ts;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const size = `${w}x${h}x${dpr}x${video.videoWidth}`;
    if (key === this.lastKey && size === this.lastSize) return;
    if (size !== this.lastSize) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    this.lastKey = key;
    this.lastSize = size;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    this.drawn = drawOverlay(ctx, w, h, dpr, video.videoWidth, video.videoHeight, { tracks, detections }, nameOf);
    // For diagnostics and tests: which result is on which frame.
    this.dataset.overlayTs = key ? String(keyTs) : '';
    this.dataset.playingTs = t !== undefined ? String(Math.round(t)) : '';
    this.dataset.boxes = String(this.drawn.length);
    if (tracks && video.readyState >= 2) this.cropPhotos(video, tracks);
    if (this.enlarged) {
      const ids = this.drawn.map((d) => d.trackId).join(',');
      if (ids !== this.trackButtons.map((d) => d.trackId).join(',')) this.trackButtons = this.drawn.filter((d) => d.trackId);
    }
  }

  /** Card photos: the tracked ferret cut out of the frame the box was drawn on. */
  private cropPhotos(video: HTMLVideoElement, p: TracksPayload): void {
    if (typeof createImageBitmap !== 'function') return;
    const now = Date.now();
    for (const t of p.tracks) {
      const id = t.ferretId;
      if (!id || (t.state !== 'confirmed' && t.state !== 'stationary') || cropping.has(id)) continue;
      const have = store.photos.get(id);
      if (have && now - have.ts < PHOTO_EVERY_MS) continue;
      const sx = video.videoWidth / p.width;
      const sy = video.videoHeight / p.height;
      const c = squareCrop([t.box[0] * sx, t.box[1] * sy, t.box[2] * sx, t.box[3] * sy], video.videoWidth, video.videoHeight, 0.35);
      if (!(c.w >= 8)) continue;
      cropping.add(id);
      createImageBitmap(video, Math.round(c.x), Math.round(c.y), Math.round(c.w), Math.round(c.h), { resizeWidth: 128, resizeHeight: 128, resizeQuality: 'medium' })
        .then((bmp) => store.setPhoto(id, bmp))
        .catch(() => undefined)
        .finally(() => cropping.delete(id));
    }
  }

  private toggle(): void {
    this.dispatchEvent(new CustomEvent('toggle-enlarge', { detail: this.camera.id, bubbles: true, composed: true }));
  }

  private nameTrack(d: DrawnBox): void {
    this.dispatchEvent(
      new CustomEvent('name-track', { detail: { camera: this.camera.id, trackId: d.trackId, ferretId: d.ferretId, label: d.label }, bubbles: true, composed: true }),
    );
  }

  private onStageClick(e: MouseEvent): void {
    const canvas = this.canvas;
    if (canvas) {
      const r = canvas.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      const hit = this.drawn.find((d) => d.trackId && contains(d.rect, x, y, 6));
      if (hit) return this.nameTrack(hit);
    }
    this.toggle();
  }

  override render() {
    const b = badgeFor(this.camera, this.stream, this.status, this.reason);
    const name = this.camera.name || this.camera.id;
    return html`
      <figure>
        <div class="stage" @click=${this.onStageClick}>
          <video muted playsinline disablepictureinpicture aria-label="Live video of ${name}"></video>
          <canvas aria-hidden="true"></canvas>
          <span class="badge ${b.cls}" role="status" aria-label="${name}: ${b.text}${b.reason ? `, ${b.reason}` : ''}">${b.text}</span>
        </div>
        <figcaption>
          <button class="title" aria-expanded=${this.enlarged ? 'true' : 'false'} title=${this.enlarged ? 'Back to all cameras' : 'Enlarge'} @click=${this.toggle}>${name}</button>
          ${b.reason ? html`<span class="reason">${b.reason}</span>` : nothing}
        </figcaption>
        ${this.enlarged
          ? this.trackButtons.length
            ? html`<ul aria-label="Ferrets in view">
                ${this.trackButtons.map((d) => html`<li><button @click=${() => this.nameTrack(d)}>Name “${d.label}”…</button></li>`)}
              </ul>`
            : html`<p class="hint">Click a ferret's box to give it a name.</p>`
          : nothing}
      </figure>
    `;
  }
}

customElements.define('fw-camera-tile', CameraTile);
