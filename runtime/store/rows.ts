// Validates what enqueue() receives and snapshots it into a flat tuple, so a bad row is refused at
// the call site (naming the field) instead of poisoning a batch later, and a caller mutating its
// message after enqueue() cannot change what gets written. Strings stay strings here; the writer
// interns them inside the batch transaction.
import type { Alert, BehaviorChangePayload, DailySummary, Episode, TrackLifecyclePayload } from '../contracts';
import { encodeConfidence, encodeDate, isDateString, roundSeconds } from './schema';
import type { ClipRecord, WriteKind, WriteRows } from './types';

export type BehaviorTuple = [ferretId: string, name: string | null, camera: string | null, behavior: string, previous: string | null, confidence: number, ts: number, zone: string | null];
export type EpisodeTuple = [episodeId: string, ferretId: string, name: string | null, camera: string | null, behavior: string, start: number, end: number | null, durationS: number | null, confidence: number, zone: string | null, clip: string | null];
export type SummaryTuple = [ferretId: string, name: string | null, date: number, json: string];
export type AlertTuple = [alertId: string, ferretId: string | null, name: string | null, type: string, message: string, ts: number];
export type ClipTuple = [id: string, camera: string | null, ferretId: string | null, behavior: string | null, episodeId: string | null, start: number, end: number | null, bytes: number, path: string];
export type TrackTuple = [camera: string | null, trackId: string, ferretId: string | null, name: string | null, event: 0 | 1, ts: number, durationS: number | null, pathPx: number | null];

export interface TupleFor {
  behavior: BehaviorTuple;
  episode: EpisodeTuple;
  summary: SummaryTuple;
  alert: AlertTuple;
  clip: ClipTuple;
  track: TrackTuple;
}

function fail(kind: string, field: string, want: string): never {
  throw new TypeError(`${kind}.${field} must be ${want}`);
}

function str(o: Record<string, unknown>, kind: string, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0) fail(kind, field, 'a non-empty string');
  return v;
}

function optStr(o: Record<string, unknown>, kind: string, field: string): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') fail(kind, field, 'a string or null');
  return v;
}

function num(o: Record<string, unknown>, kind: string, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(kind, field, 'a finite number');
  return v;
}

function optNum(o: Record<string, unknown>, kind: string, field: string): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(kind, field, 'a finite number or null');
  return v;
}

function ms(o: Record<string, unknown>, kind: string, field: string): number {
  return Math.round(num(o, kind, field));
}

function optMs(o: Record<string, unknown>, kind: string, field: string): number | null {
  const v = optNum(o, kind, field);
  return v === null ? null : Math.round(v);
}

function behaviorTuple(r: BehaviorChangePayload): BehaviorTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'behavior';
  return [str(o, k, 'ferretId'), optStr(o, k, 'name'), optStr(o, k, 'camera'), str(o, k, 'behavior'), optStr(o, k, 'previous'), encodeConfidence(num(o, k, 'confidence')), ms(o, k, 'since'), optStr(o, k, 'zone')];
}

function episodeTuple(r: Episode): EpisodeTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'episode';
  const start = ms(o, k, 'start');
  const end = optMs(o, k, 'end');
  if (end !== null && end < start) fail(k, 'end', '≥ start');
  const durationS = roundSeconds(num(o, k, 'durationS'));
  return [
    str(o, k, 'episodeId'),
    str(o, k, 'ferretId'),
    optStr(o, k, 'name'),
    optStr(o, k, 'camera'),
    str(o, k, 'behavior'),
    start,
    end,
    // A closed episode's duration is end - start: store nothing (8 bytes a row) unless it differs.
    end !== null && Math.abs(durationS * 1000 - (end - start)) < 0.5 ? null : durationS,
    encodeConfidence(num(o, k, 'confidence')),
    optStr(o, k, 'zone'),
    optStr(o, k, 'clip'),
  ];
}

function summaryTuple(r: DailySummary): SummaryTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'summary';
  const ferretId = str(o, k, 'ferretId');
  const name = optStr(o, k, 'name');
  if (!isDateString(o.date)) fail(k, 'date', 'a YYYY-MM-DD string');
  // ferretId, name and date are columns (or derivable); the JSON keeps only the figures.
  const { ferretId: _f, name: _n, date: _d, ...rest } = r;
  return [ferretId, name, encodeDate(o.date as string), JSON.stringify(rest)];
}

function alertTuple(r: Alert): AlertTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'alert';
  return [str(o, k, 'alertId'), optStr(o, k, 'ferretId'), optStr(o, k, 'name'), str(o, k, 'type'), typeof o.message === 'string' ? o.message : fail(k, 'message', 'a string'), ms(o, k, 'ts')];
}

function clipTuple(r: ClipRecord): ClipTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'clip';
  const bytes = num(o, k, 'bytes');
  if (bytes < 0) fail(k, 'bytes', '≥ 0');
  return [str(o, k, 'id'), optStr(o, k, 'camera'), optStr(o, k, 'ferretId'), optStr(o, k, 'behavior'), optStr(o, k, 'episodeId'), ms(o, k, 'start'), optMs(o, k, 'end'), Math.round(bytes), str(o, k, 'path')];
}

function trackTuple(r: TrackLifecyclePayload): TrackTuple {
  const o = r as unknown as Record<string, unknown>;
  const k = 'track';
  if (o.event !== 'track-start' && o.event !== 'track-end') fail(k, 'event', '"track-start" or "track-end"');
  return [optStr(o, k, 'camera'), str(o, k, 'trackId'), optStr(o, k, 'ferretId'), optStr(o, k, 'name'), o.event === 'track-start' ? 0 : 1, ms(o, k, 'ts'), optNum(o, k, 'durationS'), optNum(o, k, 'pathLengthPx')];
}

const ENCODERS: { [K in WriteKind]: (r: WriteRows[K]) => TupleFor[K] } = {
  behavior: behaviorTuple,
  episode: episodeTuple,
  summary: summaryTuple,
  alert: alertTuple,
  clip: clipTuple,
  track: trackTuple,
};

/** Throws a TypeError naming the offending field; returns a snapshot ready for the batch. */
export function toTuple<K extends WriteKind>(kind: K, row: WriteRows[K]): TupleFor[K] {
  const enc = ENCODERS[kind] as ((r: WriteRows[K]) => TupleFor[K]) | undefined;
  if (!enc) throw new TypeError(`unknown write kind "${String(kind)}"`);
  if (row === null || typeof row !== 'object') throw new TypeError(`${kind} row must be an object`);
  return enc(row);
}
