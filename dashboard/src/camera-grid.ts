// The camera grid: 1, 2×2, 3×3, … columns for the number of cameras (one column on a phone), one
// camera enlarged on click.
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { store } from './live-store';
import { StoreController } from './store-controller';
import { gridColumns } from './geometry';
import './camera-tile';

export class CameraGrid extends LitElement {
  static override properties = { enlarged: { state: true } };
  declare enlarged: string | null;

  constructor() {
    super();
    this.enlarged = null;
    new StoreController(this, ['cameras', 'stream']);
  }

  static override styles = css`
    :host { display: block; }
    .grid { display: grid; gap: var(--gap); grid-template-columns: repeat(var(--cols, 1), minmax(0, 1fr)); }
    .cols-1 { --cols: 1; }
    .cols-2 { --cols: 2; }
    .cols-3 { --cols: 3; }
    .cols-4 { --cols: 4; }
    /* One camera (or an enlarged one) gets the row, but not more height than the screen has. */
    .cols-1 > fw-camera-tile { justify-self: center; width: 100%; max-width: calc(74vh * 16 / 9); }
    @media (max-width: 640px) {
      .grid { --cols: 1; }
    }
    .empty { color: var(--muted); background: var(--panel); border: 1px dashed var(--line); border-radius: var(--radius); padding: 24px; }
    code { color: var(--text); }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('toggle-enlarge', this.onToggle as EventListener);
    this.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('toggle-enlarge', this.onToggle as EventListener);
    this.removeEventListener('keydown', this.onKey);
  }

  private readonly onToggle = (e: CustomEvent<string>): void => {
    this.enlarged = this.enlarged === e.detail ? null : e.detail;
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape' && this.enlarged) this.enlarged = null;
  };

  override render() {
    const cams = store.cameras;
    if (cams.length === 0) {
      return html`<p class="empty">No cameras yet. Add a <code>ferret-camera</code> and an <code>rtsp-hls-stream</code> node in Node-RED.</p>`;
    }
    const enlarged = cams.some((c) => c.id === this.enlarged) ? this.enlarged : null;
    const cols = enlarged ? 1 : gridColumns(cams.length);
    return html`
      <div class="grid cols-${cols}" data-cols=${cols}>
        ${repeat(
          cams,
          (c) => c.id,
          (c) => html`<fw-camera-tile
            .camera=${c}
            .stream=${store.streams.get(c.id)}
            ?enlarged=${enlarged === c.id}
            ?hidden=${enlarged !== null && enlarged !== c.id}
          ></fw-camera-tile>`,
        )}
      </div>
    `;
  }
}

customElements.define('fw-camera-grid', CameraGrid);
