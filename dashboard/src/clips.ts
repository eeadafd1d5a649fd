// Recorded clips with filters (ferret, behavior, day), played in place.
import { LitElement, css, html, nothing } from 'lit';
import { enc, getJson, isHistoryUnavailable, listOf, NO_STORE_TEXT } from './api';
import { BEHAVIORS, behaviorLabel } from './behaviors';
import { clock, dayLabel, duration, isoDay } from './format';
import { store } from './live-store';
import { StoreController } from './store-controller';
import type { ClipInfo } from './types';

export class ClipList extends LitElement {
  static override properties = {
    clips: { state: true },
    error: { state: true },
    playing: { state: true },
    loading: { state: true },
  };
  declare clips: ClipInfo[];
  declare error: string | null;
  declare playing: string | null;
  declare loading: boolean;
  private filter = { ferret: '', behavior: '', day: isoDay(Date.now()) };

  constructor() {
    super();
    this.clips = [];
    this.error = null;
    this.playing = null;
    this.loading = false;
    new StoreController(this, ['ferrets']);
  }

  static override styles = css`
    :host { display: block; }
    form { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: var(--gap); }
    label { display: grid; gap: 2px; font-size: 13px; color: var(--muted); }
    select, input { font: inherit; color: var(--text); background: var(--panel-2); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-height: 36px; max-width: 100%; }
    button { font: inherit; color: #0b1620; background: var(--accent); border: 0; border-radius: 6px; padding: 7px 14px; font-weight: 650; cursor: pointer; min-height: 36px; }
    button.secondary { color: var(--text); background: var(--panel-2); border: 1px solid var(--line); }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
    li { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
    .row { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
    .meta { color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
    .row button { margin-left: auto; }
    video { display: block; width: 100%; max-height: 60vh; margin-top: 8px; background: #000; border-radius: 6px; }
    .note { color: var(--muted); margin: 0; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  async load(): Promise<void> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(this.filter)) if (v) q.set(k, v);
    this.loading = true;
    try {
      this.clips = listOf<ClipInfo>(await getJson<unknown>(`api/clips?${q}`), 'clips').sort((a, b) => b.start - a.start);
      this.error = null;
    } catch (e) {
      this.clips = [];
      this.error = isHistoryUnavailable(e) ? `Clips: ${NO_STORE_TEXT}` : `Clips: ${(e as Error).message}`;
    }
    this.loading = false;
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    this.filter = { ferret: String(data.get('ferret') ?? ''), behavior: String(data.get('behavior') ?? ''), day: String(data.get('day') ?? '') };
    this.playing = null;
    void this.load();
  }

  override render() {
    const ferrets = [...store.ferrets.values()];
    return html`
      <form @submit=${this.onSubmit} aria-label="Filter clips">
        <label>Ferret
          <select name="ferret">
            <option value="">all</option>
            ${ferrets.map((f) => html`<option value=${f.id} ?selected=${this.filter.ferret === f.id}>${f.name ?? f.id}</option>`)}
          </select>
        </label>
        <label>Behavior
          <select name="behavior">
            <option value="">all</option>
            ${BEHAVIORS.map((b) => html`<option value=${b} ?selected=${this.filter.behavior === b}>${behaviorLabel(b)}</option>`)}
          </select>
        </label>
        <label>Day <input type="date" name="day" .value=${this.filter.day}></label>
        <button type="submit">Show</button>
      </form>
      ${this.error
        ? html`<p class="note" role="status">${this.error}</p>`
        : this.clips.length === 0
          ? html`<p class="note" role="status">${this.loading ? 'Loading…' : 'No clips for this filter.'}</p>`
          : html`<ol>
              ${this.clips.map((c) => this.renderClip(c))}
            </ol>`}
    `;
  }

  private renderClip(c: ClipInfo) {
    const who = c.ferretId ? (store.ferrets.get(c.ferretId)?.name ?? c.ferretId) : 'unknown ferret';
    const open = this.playing === c.id;
    return html`<li data-clip=${c.id}>
      <div class="row">
        <strong>${clock(c.start)}</strong>
        <span class="meta">${dayLabel(c.start)} · ${who} · ${behaviorLabel(c.behavior)}${c.camera ? ` · ${c.camera}` : ''}${c.end ? ` · ${duration(c.end - c.start)}` : ''}</span>
        <button class=${open ? 'secondary' : ''} aria-expanded=${open ? 'true' : 'false'} @click=${() => (this.playing = open ? null : c.id)}>${open ? 'Close' : 'Play'}</button>
      </div>
      ${open ? html`<video src="api/clips/${enc(c.id)}.mp4" controls autoplay muted playsinline preload="auto" aria-label="Clip of ${who}"></video>` : nothing}
    </li>`;
  }
}

customElements.define('fw-clip-list', ClipList);
