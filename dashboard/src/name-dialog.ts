// Naming a tracked ferret: POST api/ferrets {name, trackId}. From then on the tracker, Home
// Assistant and the timelines use the name.
import { LitElement, css, html, nothing } from 'lit';
import { postJson } from './api';
import { store } from './live-store';

export interface NameRequest {
  camera: string;
  trackId: string;
  ferretId: string | null;
  label: string;
}

export class NameDialog extends LitElement {
  static override properties = { req: { state: true }, error: { state: true }, busy: { state: true } };
  declare req: NameRequest | null;
  declare error: string | null;
  declare busy: boolean;

  constructor() {
    super();
    this.req = null;
    this.error = null;
    this.busy = false;
  }

  static override styles = css`
    dialog { color: var(--text); background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px; width: min(92vw, 380px); }
    dialog::backdrop { background: rgba(0, 0, 0, 0.6); }
    h2 { margin: 0 0 8px; font-size: 18px; }
    p { margin: 0 0 12px; color: var(--muted); }
    label { display: grid; gap: 4px; }
    input { font: inherit; color: var(--text); background: var(--panel-2); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
    .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 14px; }
    button { font: inherit; border-radius: 6px; padding: 7px 14px; cursor: pointer; font-weight: 650; }
    button[type='submit'] { color: #0b1620; background: var(--accent); border: 0; }
    button[type='button'] { color: var(--text); background: var(--panel-2); border: 1px solid var(--line); }
    .error { color: #ffb4ab; margin: 8px 0 0; }
  `;

  open(req: NameRequest): void {
    this.req = req;
    this.error = null;
    void this.updateComplete.then(() => {
      const d = this.renderRoot.querySelector('dialog');
      if (d && !d.open) d.showModal();
      this.renderRoot.querySelector('input')?.focus();
    });
  }

  private close(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.req = null;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const req = this.req;
    const input = this.renderRoot.querySelector('input');
    const name = input?.value.trim() ?? '';
    if (!req || !name) return;
    this.busy = true;
    try {
      const res = await postJson<{ ferretId?: string; id?: string; name?: string }>('api/ferrets', { name, trackId: req.trackId });
      const id = res?.ferretId ?? res?.id ?? req.ferretId;
      if (id) store.rename(id, res?.name ?? name);
      this.dispatchEvent(new CustomEvent('named', { detail: { name, trackId: req.trackId }, bubbles: true, composed: true }));
      this.close();
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const r = this.req;
    return html`<dialog aria-labelledby="name-title" @close=${() => (this.req = null)}>
      ${r
        ? html`<form @submit=${this.submit}>
            <h2 id="name-title">Name this ferret</h2>
            <p>${r.label} on ${r.camera}</p>
            <label>Name <input name="name" required maxlength="40" autocomplete="off" .value=${r.ferretId && !r.label.startsWith('track ') && r.label !== r.ferretId ? r.label : ''}></label>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
            <div class="buttons">
              <button type="button" @click=${this.close}>Cancel</button>
              <button type="submit" ?disabled=${this.busy}>Save</button>
            </div>
          </form>`
        : nothing}
    </dialog>`;
  }
}

customElements.define('fw-name-dialog', NameDialog);
