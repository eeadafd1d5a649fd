// A day of behavior bands for one ferret (SVG: x = minute of the day).
import { LitElement, css, html, svg, nothing } from 'lit';
import { behaviorColor, behaviorLabel } from './behaviors';
import { clock, duration } from './format';
import type { Episode } from './types';

export class Timeline extends LitElement {
  static override properties = {
    episodes: { attribute: false },
    dayStart: { type: Number },
    dayEnd: { type: Number },
    now: { type: Number },
  };
  declare episodes: Episode[];
  declare dayStart: number;
  declare dayEnd: number;
  declare now: number;

  constructor() {
    super();
    this.episodes = [];
    this.dayStart = 0;
    this.dayEnd = 0;
    this.now = Date.now();
  }

  static override styles = css`
    :host { display: block; }
    svg { display: block; width: 100%; height: 22px; background: var(--panel-2); border-radius: 4px; }
    .ticks { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; margin-top: 2px; }
  `;

  override render() {
    const span = this.dayEnd - this.dayStart;
    if (!(span > 0)) return nothing;
    const W = 1440;
    const x = (t: number): number => ((Math.min(Math.max(t, this.dayStart), this.dayEnd) - this.dayStart) / span) * W;
    const bands = this.episodes
      .map((e) => ({ e, a: x(e.start), b: x(e.end ?? this.now) }))
      .filter((r) => r.b > r.a);
    const nowX = this.now >= this.dayStart && this.now < this.dayEnd ? x(this.now) : undefined;
    const label = bands.length ? `Behavior timeline, ${bands.length} episodes` : 'Behavior timeline: nothing recorded yet';
    return html`
      <svg viewBox="0 0 ${W} 20" preserveAspectRatio="none" role="img" aria-label=${label}>
        ${bands.map(
          (r) => svg`<rect x=${r.a.toFixed(1)} y="0" width=${Math.max(1, r.b - r.a).toFixed(1)} height="20" fill=${behaviorColor(r.e.behavior)}>
            <title>${behaviorLabel(r.e.behavior)} ${clock(r.e.start)}–${r.e.end ? clock(r.e.end) : 'now'} (${duration((r.e.end ?? this.now) - r.e.start)})</title>
          </rect>`,
        )}
        ${nowX !== undefined ? svg`<rect x=${(nowX - 1).toFixed(1)} y="0" width="2" height="20" fill="#e9edf1"></rect>` : nothing}
      </svg>
      <div class="ticks" aria-hidden="true"><span>0</span><span>6</span><span>12</span><span>18</span><span>24 h</span></div>
    `;
  }
}

customElements.define('fw-timeline', Timeline);
