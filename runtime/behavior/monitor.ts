// Everything the ferret-behavior node does besides Node-RED plumbing, clock-free: the engine, the
// episodes of the current and the previous local day (for summaries and health rules), daily
// summaries at local midnight and on request, and health alerts. Time comes only from the
// payloads and from tick(nowMs), so tests replay days in milliseconds.
import type { Alert, BehaviorChangePayload, DailySummary, Episode, TracksPayload } from '../contracts';
import { BehaviorEngine, type BehaviorEngineOptions, type EngineOutput } from './engine';
import { HealthMonitor, lastTimes, type HealthConfigInput } from './health';
import { addDays, localDate, localDayBounds, summarizeDay, type SummaryOptions, type TimeZoneSpec } from './summary';

export interface BehaviorMonitorOptions {
  engine?: BehaviorEngineOptions;
  /** Local time zone of the summaries and health rules (undefined = the process's). */
  tz?: TimeZoneSpec;
  /** Health rules; false switches them all off. */
  health?: HealthConfigInput | false;
  /** Health rules are checked at most this often (ms, default 60 s). */
  healthEveryMs?: number;
  summary?: Omit<SummaryOptions, 'tz'>;
  /** Daily summaries kept per ferret for the sleep-share baseline (default 14). */
  historyDays?: number;
}

export interface MonitorOutput {
  changes: BehaviorChangePayload[];
  started: Episode[];
  closed: Episode[];
  alerts: Alert[];
  summaries: DailySummary[];
}

export class BehaviorMonitor {
  readonly engine: BehaviorEngine;
  private readonly tz: TimeZoneSpec;
  private readonly health: HealthMonitor | null;
  private readonly healthEveryMs: number;
  private readonly summaryOpts: SummaryOptions;
  private readonly historyDays: number;
  /** Closed episodes per ferret, pruned to the current and previous local day. */
  private readonly episodes = new Map<string, Episode[]>();
  private readonly history = new Map<string, DailySummary[]>();
  private date: string | null = null;
  private lastHealthMs = -Infinity;

  constructor(opts: BehaviorMonitorOptions = {}) {
    this.engine = new BehaviorEngine(opts.engine);
    this.tz = opts.tz;
    this.health = opts.health === false ? null : new HealthMonitor({ ...opts.health, tz: opts.tz });
    this.healthEveryMs = opts.healthEveryMs ?? 60_000;
    this.summaryOpts = { ...opts.summary, tz: opts.tz };
    this.historyDays = opts.historyDays ?? 14;
  }

  ingest(p: TracksPayload): MonitorOutput {
    const out = this.wrap(this.engine.ingest(p));
    this.rollDate(p.ts, out);
    this.maybeCheckHealth(p.ts, out);
    return out;
  }

  /** Time-based work: out_of_view and episode closure, midnight summaries, health rules. Call ~1/s. */
  tick(nowMs: number): MonitorOutput {
    const out = this.wrap(this.engine.tick(nowMs));
    this.rollDate(nowMs, out);
    this.maybeCheckHealth(nowMs, out);
    return out;
  }

  /** Today's summary so far for every identified ferret (msg.topic "summary"). */
  summaries(nowMs: number): DailySummary[] {
    const date = localDate(nowMs, this.tz);
    return this.ferrets().map((id) => this.summarize(id, date, nowMs));
  }

  /** Close every open episode (shutdown). */
  closeAll(): Episode[] {
    const closed = this.engine.closeAll();
    for (const ep of closed) this.remember(ep);
    return closed;
  }

  /** Closed and open episodes of a ferret that overlap the kept days. */
  episodesOf(ferretId: string, nowMs: number): Episode[] {
    const open = this.engine.openEpisodes(nowMs).filter((e) => e.ferretId === ferretId);
    return [...(this.episodes.get(ferretId) ?? []), ...open];
  }

  private wrap(o: EngineOutput): MonitorOutput {
    for (const ep of o.closedEpisodes) this.remember(ep);
    return { changes: o.changes, started: o.startedEpisodes, closed: o.closedEpisodes, alerts: [], summaries: [] };
  }

  private remember(ep: Episode): void {
    let list = this.episodes.get(ep.ferretId);
    if (!list) this.episodes.set(ep.ferretId, (list = []));
    list.push(ep);
  }

  /** Identified ferrets (unidentified tracks get no summaries or alerts: they may be anything). */
  private ferrets(): string[] {
    const ids = new Set<string>();
    for (const s of this.engine.states()) if (s.identified) ids.add(s.ferretId);
    for (const id of this.episodes.keys()) if (!id.includes(':')) ids.add(id);
    return [...ids].sort();
  }

  private nameOf(ferretId: string): string | null {
    return this.engine.state(ferretId)?.name ?? this.episodes.get(ferretId)?.find((e) => e.name)?.name ?? null;
  }

  private summarize(ferretId: string, date: string, nowMs: number): DailySummary {
    const [from, to] = localDayBounds(date, this.tz);
    return summarizeDay(
      {
        ferretId,
        name: this.nameOf(ferretId),
        date,
        episodes: this.episodesOf(ferretId, nowMs),
        nowMs: Math.min(nowMs, to),
        distanceBodyLengths: this.engine.distance.total(ferretId, from, to),
      },
      this.summaryOpts,
    );
  }

  /** At the first moment of a new local day: the finished day's summaries, then forget older episodes. */
  private rollDate(nowMs: number, out: MonitorOutput): void {
    const today = localDate(nowMs, this.tz);
    if (this.date === null) {
      this.date = today;
      return;
    }
    if (today <= this.date) return;
    const finished = this.date;
    this.date = today;
    for (const id of this.ferrets()) {
      const s = this.summarize(id, finished, nowMs);
      out.summaries.push(s);
      const h = this.history.get(id) ?? [];
      h.push(s);
      while (h.length > this.historyDays) h.shift();
      this.history.set(id, h);
    }
    const [keepFrom] = localDayBounds(addDays(today, -1), this.tz);
    for (const [id, list] of this.episodes) {
      const kept = list.filter((e) => (e.end ?? Infinity) >= keepFrom);
      if (kept.length) this.episodes.set(id, kept);
      else this.episodes.delete(id);
    }
    this.engine.distance.prune(keepFrom);
  }

  private maybeCheckHealth(nowMs: number, out: MonitorOutput): void {
    if (!this.health || nowMs - this.lastHealthMs < this.healthEveryMs) return;
    this.lastHealthMs = nowMs;
    out.alerts.push(...this.checkHealth(nowMs));
  }

  private checkHealth(nowMs: number): Alert[] {
    const health = this.health as HealthMonitor;
    const date = localDate(nowMs, this.tz);
    const inputs = this.ferrets().map((id) => {
      const st = this.engine.state(id);
      const eps = this.episodesOf(id, nowMs);
      const times = lastTimes(eps, st?.behavior ? { behavior: st.behavior } : null, nowMs);
      return {
        ferretId: id,
        name: this.nameOf(id),
        firstSeen: st?.firstSeen ?? eps[0]?.start ?? nowMs,
        lastEating: times.lastEating,
        lastActivity: times.lastActivity,
        today: this.summarize(id, date, nowMs),
        history: this.history.get(id) ?? [],
      };
    });
    return health.check(nowMs, inputs);
  }
}
