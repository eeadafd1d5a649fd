// Daily summaries per ferret in the owner's LOCAL day: a night's sleep from 22:00 to 07:00 is split
// at local midnight, and a DST day is 23 or 25 hours long. Pure: episodes in, DailySummary out.
import type { DailySummary, Episode } from '../contracts';

/** Minutes east of UTC at a UTC instant. */
export type OffsetFn = (utcMs: number) => number;

/**
 * A time zone: fixed offset in minutes east of UTC, an IANA name ("Europe/Madrid"), a function,
 * or undefined for the process's own zone.
 */
export type TimeZoneSpec = number | string | OffsetFn | undefined;

const intlCache = new Map<string, Intl.DateTimeFormat>();

function intlOffset(timeZone: string): OffsetFn {
  let fmt = intlCache.get(timeZone);
  if (!fmt) {
    // Throws RangeError for an unknown zone, which is what a misconfigured node should see.
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    intlCache.set(timeZone, fmt);
  }
  const f = fmt;
  return (utcMs: number) => {
    const parts: Record<string, number> = {};
    for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
  };
}

export function offsetFn(tz: TimeZoneSpec): OffsetFn {
  if (typeof tz === 'function') return tz;
  if (typeof tz === 'number') return () => tz;
  if (typeof tz === 'string') return intlOffset(tz);
  return (utcMs: number) => -new Date(utcMs).getTimezoneOffset();
}

/** Local calendar date (YYYY-MM-DD) of a UTC instant. */
export function localDate(utcMs: number, tz: TimeZoneSpec): string {
  const off = offsetFn(tz);
  return new Date(utcMs + off(utcMs) * 60000).toISOString().slice(0, 10);
}

/** Local hour of day with fraction (0 ≤ h < 24). */
export function localHour(utcMs: number, tz: TimeZoneSpec): number {
  const off = offsetFn(tz);
  const local = utcMs + off(utcMs) * 60000;
  const dayMs = ((local % 86400000) + 86400000) % 86400000;
  return dayMs / 3600000;
}

/** UTC instant of a local wall-clock time on `date` (handles DST by re-checking the offset there). */
export function localTimeToUtc(date: string, hour: number, tz: TimeZoneSpec): number {
  const off = offsetFn(tz);
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d) + hour * 3600000;
  let utc = wall - off(wall) * 60000;
  utc = wall - off(utc) * 60000;
  return utc;
}

/** [start, end) of a local day in UTC ms. */
export function localDayBounds(date: string, tz: TimeZoneSpec): [number, number] {
  const [y, m, d] = date.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return [localTimeToUtc(date, 0, tz), localTimeToUtc(next, 0, tz)];
}

/** The local date `days` after `date` (negative for before). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * Distance travelled per ferret in 15-minute bins (every time zone's offset is a multiple of 15
 * minutes, so bins never straddle a local midnight). Body lengths.
 */
export class DistanceLedger {
  static readonly BIN_MS = 15 * 60000;
  private readonly bins = new Map<string, Map<number, number>>();

  add(ferretId: string, tMs: number, bodyLengths: number): void {
    if (!(bodyLengths > 0)) return;
    let m = this.bins.get(ferretId);
    if (!m) {
      m = new Map();
      this.bins.set(ferretId, m);
    }
    const bin = Math.floor(tMs / DistanceLedger.BIN_MS);
    m.set(bin, (m.get(bin) ?? 0) + bodyLengths);
  }

  /** Sum over bins starting in [fromMs, toMs). */
  total(ferretId: string, fromMs: number, toMs: number): number {
    const m = this.bins.get(ferretId);
    if (!m) return 0;
    let sum = 0;
    const lo = Math.ceil(fromMs / DistanceLedger.BIN_MS);
    const hi = Math.ceil(toMs / DistanceLedger.BIN_MS);
    for (const [bin, v] of m) if (bin >= lo && bin < hi) sum += v;
    return sum;
  }

  /** Forget bins older than `beforeMs` (keep a week or so for the health rules). */
  prune(beforeMs: number): void {
    const lim = Math.floor(beforeMs / DistanceLedger.BIN_MS);
    for (const m of this.bins.values()) for (const bin of m.keys()) if (bin < lim) m.delete(bin);
  }
}

export interface SummaryOptions {
  tz?: TimeZoneSpec;
  /** Eating episodes shorter than this are not meals (a sniff at the bowl). */
  mealMinS?: number;
  drinkMinS?: number;
  litterMinS?: number;
  /** Behaviors that are not "activity" for first/last activity. */
  inactiveBehaviors?: readonly string[];
}

export const DEFAULT_INACTIVE_BEHAVIORS: readonly string[] = ['sleeping', 'resting', 'hiding', 'out_of_view'];

export interface SummaryInput {
  ferretId: string;
  name: string | null;
  /** Local date YYYY-MM-DD. */
  date: string;
  /** Episodes of this ferret overlapping the day (others are ignored); open ones (end null) run to nowMs. */
  episodes: readonly Episode[];
  nowMs?: number;
  distanceBodyLengths?: number;
}

export function summarizeDay(input: SummaryInput, opts: SummaryOptions = {}): DailySummary {
  const [dayStart, dayEnd] = localDayBounds(input.date, opts.tz);
  const now = input.nowMs ?? dayEnd;
  const mealMin = opts.mealMinS ?? 30;
  const drinkMin = opts.drinkMinS ?? 2;
  const litterMin = opts.litterMinS ?? 2;
  const inactive = new Set(opts.inactiveBehaviors ?? DEFAULT_INACTIVE_BEHAVIORS);
  const minutes: Record<string, number> = {};
  let meals = 0;
  let drinks = 0;
  let litterVisits = 0;
  let longestSleepMs = 0;
  let first: number | null = null;
  let last: number | null = null;

  for (const ep of input.episodes) {
    if (ep.ferretId !== input.ferretId) continue;
    const end = ep.end ?? Math.max(ep.start, now);
    const a = Math.max(ep.start, dayStart);
    const b = Math.min(end, dayEnd);
    if (b <= a) continue;
    const ms = b - a;
    minutes[ep.behavior] = (minutes[ep.behavior] ?? 0) + ms / 60000;
    // Counted events belong to the day they started in, so a meal at 23:59 is not counted twice.
    const startsToday = ep.start >= dayStart && ep.start < dayEnd;
    const durS = (end - ep.start) / 1000;
    if (startsToday) {
      if (ep.behavior === 'eating' && durS >= mealMin) meals++;
      else if (ep.behavior === 'drinking' && durS >= drinkMin) drinks++;
      else if (ep.behavior === 'litter' && durS >= litterMin) litterVisits++;
    }
    if (ep.behavior === 'sleeping' && ms > longestSleepMs) longestSleepMs = ms;
    if (!inactive.has(ep.behavior)) {
      if (first === null || a < first) first = a;
      if (last === null || b > last) last = b;
    }
  }
  for (const k of Object.keys(minutes)) minutes[k] = Math.round(minutes[k] * 100) / 100;

  return {
    ferretId: input.ferretId,
    name: input.name,
    date: input.date,
    minutes,
    meals,
    drinks,
    litterVisits,
    distanceBodyLengths: Math.round((input.distanceBodyLengths ?? 0) * 10) / 10,
    longestSleepMin: Math.round((longestSleepMs / 60000) * 100) / 100,
    firstActivity: first,
    lastActivity: last,
  };
}
