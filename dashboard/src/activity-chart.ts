// 7 days of activity for one ferret (uPlot, loaded on first use): active and sleeping minutes per day.
import { LitElement, css, html, unsafeCSS } from 'lit';
import type uPlotType from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { isActive } from './behaviors';
import { addDays, dayBounds, isoDay } from './format';

const shortDay = (ms: number): string => new Date(ms).toLocaleDateString(undefined, { weekday: 'short' });
import type { DailySummary } from './types';

let uplotModule: Promise<typeof uPlotType> | undefined;
const loadUplot = (): Promise<typeof uPlotType> => (uplotModule ??= import('uplot').then((m) => m.default));

export interface DayActivity {
  day: number; // local noon, ms
  active: number;
  sleeping: number;
}

/** One entry per day from `from` (local noon) for n days; missing days are zero. */
export function weekActivity(summaries: readonly DailySummary[], from: number, n = 7): DayActivity[] {
  const byDate = new Map(summaries.map((s) => [s.date, s]));
  const out: DayActivity[] = [];
  for (let i = 0; i < n; i++) {
    const day = addDays(from, i);
    const s = byDate.get(isoDay(day));
    let active = 0;
    let sleeping = 0;
    for (const [b, m] of Object.entries(s?.minutes ?? {})) {
      if (isActive(b)) active += m;
      else if (b === 'sleeping') sleeping += m;
    }
    out.push({ day, active: Math.round(active), sleeping: Math.round(sleeping) });
  }
  return out;
}

export class ActivityChart extends LitElement {
  static override properties = { days: { attribute: false } };
  declare days: DayActivity[];
  private plot?: uPlotType;
  private ro?: ResizeObserver;

  constructor() {
    super();
    this.days = [];
  }

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-width: 0; }
      .wrap { width: 100%; min-height: 150px; }
      .uplot { font-family: inherit; color: var(--muted); }
      .u-legend { font-size: 12px; color: var(--text); }
      .u-legend .u-marker { border-radius: 2px; }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ro?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  override render() {
    const total = this.days.reduce((s, d) => s + d.active, 0);
    return html`<div class="wrap" role="img" aria-label="Active minutes over the last 7 days: ${total} in total"></div>`;
  }

  protected override updated(): void {
    void this.sync();
  }

  private async sync(): Promise<void> {
    const uPlot = await loadUplot();
    // Everything below runs without awaiting: concurrent syncs cannot both create a plot.
    const wrap = this.renderRoot.querySelector<HTMLDivElement>('.wrap');
    if (!wrap || !this.isConnected) return;
    const xs = this.days.map((d) => d.day / 1000);
    const data: uPlotType.AlignedData = [xs, this.days.map((d) => d.active), this.days.map((d) => d.sleeping)];
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const width = Math.max(200, wrap.clientWidth);
    const bars = uPlot.paths.bars!;
    const first = this.days[0]?.day ?? addDays(dayBounds(Date.now())[0], -6);
    const last = this.days[this.days.length - 1]?.day ?? first;
    this.plot = new uPlot(
      {
        width,
        height: 150,
        cursor: { drag: { x: false, y: false } },
        legend: { live: false },
        scales: { x: { time: true, range: () => [(first - 43_200_000) / 1000, (last + 43_200_000) / 1000] }, y: { range: (_u, _min, max) => [0, Math.max(60, max * 1.1)] } },
        axes: [
          { stroke: '#aab3bd', grid: { show: false }, ticks: { stroke: '#2f3640' }, splits: (u) => [...(u.data[0] as number[])], values: (_u, splits) => splits.map((s) => shortDay(s * 1000)), space: 40 },
          { stroke: '#aab3bd', grid: { stroke: '#2f3640' }, ticks: { stroke: '#2f3640' }, size: 44, label: 'min', labelSize: 14 },
        ],
        series: [
          {},
          { label: 'active', fill: '#2bb3a3', stroke: '#2bb3a3', paths: bars({ size: [0.35, 24], align: -1 }), points: { show: false } },
          { label: 'sleeping', fill: '#6f7fd8', stroke: '#6f7fd8', paths: bars({ size: [0.35, 24], align: 1 }), points: { show: false } },
        ],
      },
      data,
      wrap,
    );
    this.ro = new ResizeObserver(() => {
      const w = Math.max(200, wrap.clientWidth);
      if (this.plot && Math.abs(this.plot.width - w) > 2) this.plot.setSize({ width: w, height: 150 });
    });
    this.ro.observe(wrap);
  }
}

customElements.define('fw-activity-chart', ActivityChart);
