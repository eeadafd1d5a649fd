// The page: live camera grid, ferret cards, alerts, clips. `?view=compact` (the Node-RED editor
// tab) shows only the cameras and the current behaviors.
import { LitElement, html, nothing } from 'lit';
import { store } from './live-store';
import { StoreController } from './store-controller';
import type { NameDialog, NameRequest } from './name-dialog';
import './camera-grid';
import './ferret-list';
import './alerts';
import './clips';
import './name-dialog';

export function isCompact(loc: Location = window.location): boolean {
  return new URLSearchParams(loc.search).get('view') === 'compact' || loc.hash === '#compact';
}

const CONNECTION_TEXT = { connecting: 'connecting…', live: 'live data', reconnecting: 'reconnecting…' } as const;

export class FwApp extends LitElement {
  static override properties = { toast: { state: true } };
  declare toast: string;
  private readonly compact = isCompact();
  private toastTimer?: number;

  constructor() {
    super();
    this.toast = '';
    new StoreController(this, ['connection']);
  }

  /** Light DOM: page layout lives in app.css, and #live/#ferrets/#clips anchors work. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.documentElement.classList.toggle('compact', this.compact);
    this.addEventListener('name-track', this.onNameTrack as EventListener);
    this.addEventListener('named', this.onNamed as EventListener);
  }

  private readonly onNameTrack = (e: CustomEvent<NameRequest>): void => {
    this.querySelector<NameDialog>('fw-name-dialog')?.open(e.detail);
  };

  private readonly onNamed = (e: CustomEvent<{ name: string }>): void => {
    this.toast = `Saved: from now on this ferret is “${e.detail.name}”.`;
    if (this.toastTimer) window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast = ''), 5000);
  };

  override render() {
    const conn = store.connection;
    const header = html`<header class="top">
      <h1><span aria-hidden="true">◉</span> FerretWatch</h1>
      <span class="conn conn-${conn}" role="status">${CONNECTION_TEXT[conn]}</span>
      ${this.compact
        ? html`<a class="open-full" href="./" target="_blank" rel="noopener">Open dashboard ↗</a>`
        : html`<nav aria-label="Sections">
            <a href="#live">Live</a><a href="#ferrets">Ferrets</a><a href="#alerts">Alerts</a><a href="#clips">Clips</a>
          </nav>`}
    </header>`;
    if (this.compact) {
      return html`${header}
        <main>
          <section id="live" aria-label="Cameras"><fw-camera-grid></fw-camera-grid></section>
          <section id="ferrets" aria-label="Current behaviors"><fw-ferret-list compact></fw-ferret-list></section>
        </main>
        <fw-name-dialog></fw-name-dialog>
        <p class="toast" role="status" aria-live="polite">${this.toast || nothing}</p>`;
    }
    return html`${header}
      <main>
        <section id="live" aria-labelledby="h-live">
          <h2 id="h-live">Live</h2>
          <fw-camera-grid></fw-camera-grid>
        </section>
        <div class="columns">
          <section id="ferrets" aria-labelledby="h-ferrets">
            <h2 id="h-ferrets">Ferrets</h2>
            <fw-ferret-list></fw-ferret-list>
          </section>
          <section id="alerts" aria-labelledby="h-alerts">
            <h2 id="h-alerts">Alerts</h2>
            <fw-alert-list></fw-alert-list>
          </section>
        </div>
        <section id="clips" aria-labelledby="h-clips">
          <h2 id="h-clips">Clips</h2>
          <fw-clip-list></fw-clip-list>
        </section>
      </main>
      <fw-name-dialog></fw-name-dialog>
      <p class="toast" role="status" aria-live="polite">${this.toast || nothing}</p>`;
  }
}

customElements.define('fw-app', FwApp);
