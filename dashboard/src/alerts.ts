// Alerts, newest first (GET api/alerts, then live).
import { LitElement, css, html } from 'lit';
import { store } from './live-store';
import { StoreController } from './store-controller';
import { clock, dayLabel, isoDay } from './format';

export class AlertList extends LitElement {
  constructor() {
    super();
    new StoreController(this, ['alerts', 'history']);
  }

  static override styles = css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid #e0a526; border-radius: 6px; padding: 8px 10px; overflow-wrap: anywhere; }
    time { color: var(--muted); font-size: 13px; margin-right: 8px; }
    .type { color: var(--muted); font-size: 13px; }
    .empty { color: var(--muted); margin: 0; }
  `;

  override render() {
    const list = store.alerts.slice(0, 50);
    if (!list.length) return html`<p class="empty">${store.history === 'unavailable' ? 'No live alerts. Past alerts need a behavior-store node.' : 'No alerts.'}</p>`;
    const today = isoDay(Date.now());
    return html`<ol>
      ${list.map(
        (a) => html`<li>
          <time datetime=${new Date(a.ts).toISOString()}>${isoDay(a.ts) === today ? clock(a.ts) : `${dayLabel(a.ts)} ${clock(a.ts)}`}</time>
          <span>${a.message}</span>
          <span class="type">· ${a.name ?? a.ferretId ?? ''} ${a.type}</span>
        </li>`,
      )}
    </ol>`;
  }
}

customElements.define('fw-alert-list', AlertList);
