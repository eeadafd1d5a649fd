// One ferret: photo, current behavior and since when, today's minutes per behavior, today's
// timeline and the last 7 days of activity.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { getJson, isHistoryUnavailable, listOf, enc, NO_STORE_TEXT } from './api';
import { BEHAVIORS, behaviorColor, behaviorLabel, minutesByBehavior, upsertEpisode } from './behaviors';
import { addDays, clock, dayBounds, duration, isoDay, minutes as fmtMinutes } from './format';
import { squareCrop } from './geometry';
import { store, type FerretView } from './live-store';
import { StoreController } from './store-controller';
import { weekActivity } from './activity-chart';
import type { DailySummary, Episode } from './types';
import './timeline';

const REFRESH_MS = 60_000;

/** A colour swatch; an SVG fill attribute, since the CSP allows no inline style. */
const dot = (b: string) => html`<svg class="dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill=${behaviorColor(b)}></circle></svg>`;
const PHOTO_EVERY_MS = 30_000;
const SNAPSHOT_AFTER_MS = 10_000;
/** Cameras whose snapshot.jpg failed recently. */
const noSnapshot = new Set<string>();

const STORED_TTL_MS = 2000;
let stored: { at: number; ids: Promise<Set<string>> } | undefined;
/**
 * Ferrets the store has a row for, one request shared by every card. A ferret is tracked live
 * before the store has written anything about it, and the store answers its timeline with 404:
 * a card must not ask (the browser logs every 404) nor read that as "no behavior-store node".
 */
function storedFerrets(): Promise<Set<string>> {
  const now = Date.now();
  if (!stored || now - stored.at > STORED_TTL_MS) {
    const ids = getJson<unknown>('api/ferrets').then((v) => new Set(listOf<{ id?: unknown; ferretId?: unknown }>(v, 'ferrets').map((f) => String(f.id ?? f.ferretId))));
    // A failure is not cached: the next card asks again.
    ids.catch(() => (stored = undefined));
    stored = { at: now, ids };
  }
  return stored.ids;
}

export class FerretCard extends LitElement {
  static override properties = {
    ferret: { attribute: false },
    compact: { type: Boolean },
    episodes: { state: true },
    summaries: { state: true },
    historyError: { state: true },
    now: { state: true },
  };
  declare ferret: FerretView;
  declare compact: boolean;
  declare episodes: Episode[];
  declare summaries: DailySummary[];
  declare historyError: string | null;
  declare now: number;

  private timer?: number;
  private photoAt = 0;
  private photoFor?: string;
  private loaded = false;
  private firstSighting?: number;
  private recheck?: number;

  constructor() {
    super();
    this.compact = false;
    this.episodes = [];
    this.summaries = [];
    this.historyError = null;
    this.now = Date.now();
    new StoreController(this, ['episode', 'summary', 'photos'], (topic) => this.onLive(topic));
  }

  static override styles = css`
    :host { display: block; min-width: 0; }
    article { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 12px; display: grid; gap: 10px; }
    header { display: flex; gap: 12px; align-items: center; min-width: 0; }
    .photo { position: relative; flex: none; width: 64px; height: 64px; border-radius: 50%; overflow: hidden; background: var(--panel-2); display: grid; place-items: center; font-size: 26px; font-weight: 700; color: var(--muted); }
    .photo canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
    :host([compact]) .photo { width: 40px; height: 40px; font-size: 18px; }
    h3 { margin: 0; font-size: 17px; overflow-wrap: anywhere; }
    .id { color: var(--muted); font-size: 12px; font-weight: 400; }
    .now { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; margin-top: 4px; color: var(--muted); font-size: 14px; }
    .chip { display: inline-flex; align-items: center; gap: 6px; padding: 1px 9px; border-radius: 999px; background: var(--panel-2); color: var(--text); font-weight: 600; }
    .dot { width: 10px; height: 10px; flex: none; }
    h4 { margin: 0 0 4px; font-size: 13px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
    ul.minutes { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 14px; }
    ul.minutes li { display: inline-flex; align-items: center; gap: 6px; }
    .note { color: var(--muted); font-size: 14px; margin: 0; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = window.setInterval(() => {
      this.now = Date.now();
      if (!this.compact) void this.load();
    }, REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer !== undefined) window.clearInterval(this.timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('ferret') && !this.loaded && !this.compact) {
      this.loaded = true;
      void this.load();
    }
  }

  protected override updated(): void {
    this.maybePhoto();
  }

  /** Today's timeline and 7 days of summaries; history may be absent (no behavior-store node). */
  async load(): Promise<void> {
    const id = this.ferret.id;
    const today = Date.now();
    try {
      if (!(await storedFerrets()).has(id)) {
        // Nothing stored yet: live episodes fill the timeline; the next refresh loads the rest.
        this.historyError = null;
        store.setHistory('ok');
        this.now = Date.now();
        return;
      }
      const [tl, sums] = await Promise.all([
        getJson<unknown>(`api/ferrets/${enc(id)}/timeline?date=${isoDay(today)}`),
        getJson<unknown>(`api/summaries?ferret=${enc(id)}&from=${isoDay(addDays(today, -6))}&to=${isoDay(today)}`),
      ]);
      this.episodes = listOf<Episode>(tl, 'episodes', 'timeline');
      this.summaries = listOf<DailySummary>(sums, 'summaries');
      this.historyError = null;
      store.setHistory('ok');
    } catch (e) {
      if (isHistoryUnavailable(e)) {
        this.historyError = NO_STORE_TEXT;
        store.setHistory('unavailable');
      } else this.historyError = `History: ${(e as Error).message}`;
    }
    this.now = Date.now();
  }

  private onLive(topic: string): void {
    const id = this.ferret?.id;
    if (topic === 'episode' && store.lastEpisode?.ferretId === id) {
      const [a, b] = dayBounds(Date.now());
      const e = store.lastEpisode;
      if ((e.end ?? Date.now()) >= a && e.start < b) this.episodes = upsertEpisode(this.episodes, e);
    } else if (topic === 'summary' && store.lastSummary?.ferretId === id) {
      const s = store.lastSummary;
      this.summaries = [...this.summaries.filter((x) => x.date !== s.date), s];
    }
  }

  /**
   * The card photo: a crop of the video frame the ferret was last tracked on (camera-tile.ts); for a
   * ferret on a camera not playing in this page, a crop of that camera's snapshot.jpg, if it has one.
   */
  private maybePhoto(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('.photo canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const photo = store.photos.get(this.ferret?.id);
    if (photo) {
      if (photo.ts === this.photoAt) return;
      this.photoAt = photo.ts;
      canvas.width = photo.bitmap.width;
      canvas.height = photo.bitmap.height;
      ctx.drawImage(photo.bitmap, 0, 0);
      return;
    }
    const s = this.ferret?.sighting;
    if (!s || store.playing.has(s.camera) || noSnapshot.has(s.camera)) return;
    // Give a playing video the first chance to provide the photo.
    this.firstSighting ??= Date.now();
    if (Date.now() - this.firstSighting < SNAPSHOT_AFTER_MS) {
      this.recheck ??= window.setTimeout(() => {
        this.recheck = undefined;
        this.requestUpdate();
      }, SNAPSHOT_AFTER_MS);
      return;
    }
    const key = `${s.camera}:${s.ts}`;
    if (key === this.photoFor || Date.now() - this.photoAt < PHOTO_EVERY_MS) return;
    this.photoFor = key;
    this.photoAt = Date.now();
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      if (!img.naturalWidth || store.photos.has(this.ferret.id)) return;
      const sx = img.naturalWidth / s.width;
      const sy = img.naturalHeight / s.height;
      const c = squareCrop([s.box[0] * sx, s.box[1] * sy, s.box[2] * sx, s.box[3] * sy], img.naturalWidth, img.naturalHeight, 0.35);
      canvas.width = 128;
      canvas.height = 128;
      ctx.drawImage(img, c.x, c.y, c.w, c.h, 0, 0, 128, 128);
    };
    // No snapshot route (or no frame yet): the initial stays; do not ask this camera again for a while.
    img.onerror = () => {
      noSnapshot.add(s.camera);
      window.setTimeout(() => noSnapshot.delete(s.camera), 10 * 60_000);
    };
    img.src = `api/cameras/${enc(s.camera)}/snapshot.jpg?t=${s.ts}`;
  }

  override render() {
    const f = this.ferret;
    if (!f) return nothing;
    const name = f.name || f.id;
    const [dayStart, dayEnd] = dayBounds(this.now);
    const minutes = minutesByBehavior(this.episodes, dayStart, dayEnd, Math.max(this.now, Date.now()));
    const order = [...BEHAVIORS, ...Object.keys(minutes).filter((b) => !(BEHAVIORS as readonly string[]).includes(b))];
    const rows = order.filter((b) => (minutes[b] ?? 0) >= 0.5);
    return html`
      <article aria-label="Ferret ${name}">
        <header>
          <div class="photo" aria-hidden="true">${name.slice(0, 1).toUpperCase()}<canvas width="1" height="1"></canvas></div>
          <div>
            <h3>${name} ${f.name ? html`<span class="id">${f.id}</span>` : nothing}</h3>
            <div class="now">
              ${f.behavior
                ? html`<span class="chip behavior" data-behavior=${f.behavior}>${dot(f.behavior)}${behaviorLabel(f.behavior)}</span>
                    ${f.since ? html`<span>since ${clock(f.since)} (${duration(this.now > f.since ? Math.max(this.now, Date.now()) - f.since : 0)})</span>` : nothing}
                    ${f.zone ? html`<span>· ${f.zone}</span>` : nothing}`
                : html`<span>No behavior yet</span>`}
            </div>
          </div>
        </header>
        ${this.compact
          ? nothing
          : html`
              <section>
                <h4>Today</h4>
                ${rows.length
                  ? html`<ul class="minutes">
                      ${rows.map((b) => html`<li>${dot(b)}${behaviorLabel(b)} ${fmtMinutes(minutes[b])}</li>`)}
                    </ul>`
                  : html`<p class="note">${this.historyError ?? 'Nothing recorded today yet.'}</p>`}
              </section>
              <section>
                <h4>24 h</h4>
                <fw-timeline .episodes=${this.episodes} .dayStart=${dayStart} .dayEnd=${dayEnd} .now=${this.now}></fw-timeline>
              </section>
              <section>
                <h4>7 days</h4>
                ${this.historyError
                  ? html`<p class="note">${this.historyError}</p>`
                  : html`<fw-activity-chart .days=${weekActivity(this.summaries, addDays(dayStart, -6))}></fw-activity-chart>`}
              </section>
            `}
      </article>
    `;
  }
}

customElements.define('fw-ferret-card', FerretCard);
