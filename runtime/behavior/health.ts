// Health rules on top of behaviors. Each rule is configurable and can be switched off; each fires
// ONCE per condition episode: the alertId names the condition's start (e.g. the last meal), so
// calling check() every tick returns the alert the first time only, and a new meal followed by
// another long fast yields a new alert.
import type { Alert, DailySummary, Episode } from '../contracts';
import { DEFAULT_INACTIVE_BEHAVIORS, localDate, localDayBounds, addDays, type TimeZoneSpec } from './summary';

export interface HealthConfig {
  tz?: TimeZoneSpec;
  noEating: { enabled: boolean; hours: number };
  /** Inactivity counted only inside the daily active window [fromHour, toHour) local (may wrap midnight). */
  noActivity: { enabled: boolean; hours: number; fromHour: number; toHour: number };
  /**
   * Today's sleep share (sleeping / observed minutes) more than percentAbove % above the median of
   * the previous `days` days. Checked from checkAfterHour local (a morning is mostly the night's
   * sleep), with at least minHistoryDays of history and minObservedMin observed today.
   */
  sleepShare: { enabled: boolean; percentAbove: number; days: number; minHistoryDays: number; checkAfterHour: number; minObservedMin: number };
  inactiveBehaviors?: readonly string[];
}

export const DEFAULT_HEALTH_CONFIG: HealthConfig = {
  noEating: { enabled: true, hours: 8 },
  noActivity: { enabled: true, hours: 6, fromHour: 8, toHour: 23 },
  sleepShare: { enabled: true, percentAbove: 30, days: 7, minHistoryDays: 3, checkAfterHour: 20, minObservedMin: 120 },
};

export interface HealthConfigInput {
  tz?: TimeZoneSpec;
  noEating?: Partial<HealthConfig['noEating']>;
  noActivity?: Partial<HealthConfig['noActivity']>;
  sleepShare?: Partial<HealthConfig['sleepShare']>;
  inactiveBehaviors?: readonly string[];
}

export function healthConfig(input: HealthConfigInput = {}): HealthConfig {
  return {
    tz: input.tz,
    noEating: { ...DEFAULT_HEALTH_CONFIG.noEating, ...input.noEating },
    noActivity: { ...DEFAULT_HEALTH_CONFIG.noActivity, ...input.noActivity },
    sleepShare: { ...DEFAULT_HEALTH_CONFIG.sleepShare, ...input.sleepShare },
    inactiveBehaviors: input.inactiveBehaviors,
  };
}

/** What the rules need to know about one ferret. */
export interface FerretHealthInput {
  ferretId: string;
  name: string | null;
  /** When the ferret was first observed: the baseline when it never ate / was never active. */
  firstSeen: number;
  /** Latest moment it was eating (now while it eats), or null. */
  lastEating: number | null;
  /** Latest moment of a non-rest behavior, or null. */
  lastActivity: number | null;
  /** Today's summary so far. */
  today?: DailySummary;
  /** Summaries of earlier days (any order, any count; the rule takes the previous `days`). */
  history?: readonly DailySummary[];
}

/**
 * lastEating / lastActivity from a ferret's episodes and its current state.
 * `current` is the ongoing behavior, which counts up to nowMs.
 */
export function lastTimes(
  episodes: readonly Episode[],
  current: { behavior: string } | null,
  nowMs: number,
  inactiveBehaviors: readonly string[] = DEFAULT_INACTIVE_BEHAVIORS,
): { lastEating: number | null; lastActivity: number | null } {
  const inactive = new Set(inactiveBehaviors);
  let lastEating: number | null = null;
  let lastActivity: number | null = null;
  for (const ep of episodes) {
    const end = ep.end ?? nowMs;
    if (ep.behavior === 'eating' && (lastEating === null || end > lastEating)) lastEating = end;
    if (!inactive.has(ep.behavior) && (lastActivity === null || end > lastActivity)) lastActivity = end;
  }
  if (current) {
    if (current.behavior === 'eating') lastEating = nowMs;
    if (!inactive.has(current.behavior)) lastActivity = nowMs;
  }
  return { lastEating, lastActivity };
}

/** Milliseconds of [fromMs, toMs) that fall inside the daily local window [fromHour, toHour). */
export function activeWindowOverlapMs(fromMs: number, toMs: number, fromHour: number, toHour: number, tz: TimeZoneSpec): number {
  if (toMs <= fromMs) return 0;
  let total = 0;
  // Start a day early: a window wrapping midnight begins on the previous local date.
  let date = addDays(localDate(fromMs, tz), -1);
  for (let guard = 0; guard < 400; guard++) {
    const [dayStart, dayEnd] = localDayBounds(date, tz);
    if (dayStart >= toMs) break;
    // Hours are added to the local midnight: on a DST day the window shifts by an hour, which a
    // health rule measured in hours can live with.
    const ws = dayStart + fromHour * 3600000;
    const we = toHour > fromHour ? dayStart + toHour * 3600000 : dayEnd + toHour * 3600000;
    const a = Math.max(ws, fromMs);
    const b = Math.min(we, toMs);
    if (b > a) total += b - a;
    date = addDays(date, 1);
  }
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Sleep share of a summary: sleeping minutes over observed minutes (out_of_view is not observed). */
export function sleepShare(s: DailySummary): { share: number; observedMin: number } {
  let observed = 0;
  for (const [b, m] of Object.entries(s.minutes)) if (b !== 'out_of_view') observed += m;
  return { share: observed > 0 ? (s.minutes.sleeping ?? 0) / observed : 0, observedMin: observed };
}

function hoursText(ms: number): string {
  return (ms / 3600000).toFixed(1);
}

export class HealthMonitor {
  readonly config: HealthConfig;
  /** condition key (type:ferretId) → alertId currently fired for it. */
  private readonly active = new Map<string, string>();

  constructor(config: HealthConfigInput = {}) {
    this.config = healthConfig(config);
  }

  /** New alerts at nowMs (each condition episode fires once). */
  check(nowMs: number, ferrets: readonly FerretHealthInput[]): Alert[] {
    const out: Alert[] = [];
    for (const f of ferrets) {
      this.noEating(nowMs, f, out);
      this.noActivity(nowMs, f, out);
      this.sleepShare(nowMs, f, out);
    }
    return out;
  }

  /** Forget fired alerts (e.g. after a restart the caller wants them again). */
  reset(): void {
    this.active.clear();
  }

  private fire(out: Alert[], type: string, f: FerretHealthInput, conditionId: string, ts: number, message: string): void {
    const key = `${type}:${f.ferretId}`;
    const alertId = `${type}:${f.ferretId}:${conditionId}`;
    if (this.active.get(key) === alertId) return;
    this.active.set(key, alertId);
    out.push({ alertId, ferretId: f.ferretId, name: f.name, type, message, ts });
  }

  private clear(type: string, f: FerretHealthInput): void {
    this.active.delete(`${type}:${f.ferretId}`);
  }

  private label(f: FerretHealthInput): string {
    return f.name ?? f.ferretId;
  }

  private noEating(nowMs: number, f: FerretHealthInput, out: Alert[]): void {
    const c = this.config.noEating;
    if (!c.enabled) return this.clear('no_eating', f);
    const since = f.lastEating ?? f.firstSeen;
    const ms = nowMs - since;
    if (ms >= c.hours * 3600000) {
      const what = f.lastEating === null ? 'since first seen' : 'since the last meal';
      this.fire(out, 'no_eating', f, String(since), nowMs, `${this.label(f)} has not eaten for ${hoursText(ms)} h (${what})`);
    } else this.clear('no_eating', f);
  }

  private noActivity(nowMs: number, f: FerretHealthInput, out: Alert[]): void {
    const c = this.config.noActivity;
    if (!c.enabled) return this.clear('no_activity', f);
    const since = f.lastActivity ?? f.firstSeen;
    const ms = activeWindowOverlapMs(since, nowMs, c.fromHour, c.toHour, this.config.tz);
    if (ms >= c.hours * 3600000) {
      this.fire(out, 'no_activity', f, String(since), nowMs, `${this.label(f)} has shown no activity for ${hoursText(ms)} h of its usual active hours (${c.fromHour}:00–${c.toHour}:00)`);
    } else this.clear('no_activity', f);
  }

  private sleepShare(nowMs: number, f: FerretHealthInput, out: Alert[]): void {
    const c = this.config.sleepShare;
    if (!c.enabled || !f.today) return this.clear('sleep_share', f);
    const tz = this.config.tz;
    const today = f.today;
    const [dayStart] = localDayBounds(today.date, tz);
    if (nowMs < dayStart + c.checkAfterHour * 3600000) return; // too early to judge: keep any fired state
    const t = sleepShare(today);
    if (t.observedMin < c.minObservedMin) return;
    const earliest = addDays(today.date, -c.days);
    const shares = (f.history ?? [])
      .filter((s) => s.date < today.date && s.date >= earliest)
      .map(sleepShare)
      .filter((s) => s.observedMin >= c.minObservedMin)
      .map((s) => s.share);
    if (shares.length < c.minHistoryDays) return;
    const med = median(shares);
    if (t.share > med * (1 + c.percentAbove / 100) && t.share > 0) {
      const pct = med > 0 ? Math.round((t.share / med - 1) * 100) : 100;
      this.fire(
        out,
        'sleep_share',
        f,
        today.date,
        nowMs,
        `${this.label(f)} slept ${Math.round(t.share * 100)} % of the observed time today, ${pct} % above its ${c.days}-day median (${Math.round(med * 100)} %)`,
      );
    } else this.clear('sleep_share', f);
  }
}
