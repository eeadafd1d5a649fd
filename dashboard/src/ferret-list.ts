// The ferret cards, from GET api/ferrets plus any ferret the live events mention.
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { store } from './live-store';
import { StoreController } from './store-controller';
import { NO_STORE_TEXT } from './api';
import './ferret-card';

export class FerretList extends LitElement {
  static override properties = { compact: { type: Boolean } };
  declare compact: boolean;

  constructor() {
    super();
    this.compact = false;
    new StoreController(this, ['ferrets', 'history']);
  }

  static override styles = css`
    :host { display: block; }
    .cards { display: grid; gap: var(--gap); grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); }
    :host([compact]) .cards { grid-template-columns: 1fr; gap: 6px; }
    .note { color: var(--muted); margin: 0 0 var(--gap); }
    .empty { color: var(--muted); background: var(--panel); border: 1px dashed var(--line); border-radius: var(--radius); padding: 16px; margin: 0; }
  `;

  override render() {
    const ferrets = [...store.ferrets.values()].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
    return html`
      ${store.history === 'unavailable' && !this.compact ? html`<p class="note" role="note">${NO_STORE_TEXT} Live behavior still shows here.</p>` : ''}
      ${ferrets.length
        ? html`<div class="cards">
            ${repeat(
              ferrets,
              (f) => f.id,
              (f) => html`<fw-ferret-card .ferret=${f} ?compact=${this.compact}></fw-ferret-card>`,
            )}
          </div>`
        : html`<p class="empty">No ferrets seen yet. They appear here once the tracker has followed one for a while.</p>`}
    `;
  }

  /** Cards re-render on behavior changes (their .ferret object is mutated in place). */
  protected override updated(): void {
    for (const card of this.renderRoot.querySelectorAll('fw-ferret-card')) (card as HTMLElement & { requestUpdate(): void }).requestUpdate();
  }
}

customElements.define('fw-ferret-list', FerretList);
