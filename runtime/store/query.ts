// Answers the history queries a node receives as msg.payload ({kind, ferretId, from, to, …}).
// Validation errors are QueryErrors naming the offending field, so the node can send a useful reply.
import type { DailySummary, Episode } from '../contracts';
import { isDateString, localDate, localDayStart } from './schema';
import type { BehaviorStore } from './store';
import { MAX_PAGE } from './store';

export class QueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'QueryError';
  }
}

export type QueryKind = 'timeline' | 'episodes' | 'summary';

export interface QueryPayload {
  kind: QueryKind;
  ferretId?: string;
  /** ms epoch, ISO date-time, or 'YYYY-MM-DD' (local midnight). */
  from?: number | string;
  to?: number | string;
  /** episodes only */
  behavior?: string;
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
}

export type QueryResult =
  | { kind: 'timeline'; ferretId: string; from: number; to: number; episodes: Episode[] }
  | { kind: 'episodes'; items: Episode[]; nextCursor: string | null }
  | { kind: 'summary'; ferretId: string | null; from: string | null; to: string | null; summaries: DailySummary[] };

/** Longest timeline a single query may ask for; longer spans should page through `episodes`. */
export const MAX_TIMELINE_MS = 31 * 86_400_000;

function field<T>(p: Record<string, unknown>, name: string): T | undefined {
  const v = p[name];
  return v === null || v === undefined || v === '' ? undefined : (v as T);
}

/** ms epoch, ISO date-time or YYYY-MM-DD (local midnight); throws a QueryError naming `name`. */
export function parseTime(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new QueryError(name, 'must be a finite number of ms');
    return Math.round(v);
  }
  if (typeof v === 'string') {
    if (isDateString(v)) return localDayStart(v);
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new QueryError(name, 'must be ms since the epoch, an ISO date-time or YYYY-MM-DD');
}

/** A local calendar day from YYYY-MM-DD or any parseTime value. */
export function parseDay(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (isDateString(v)) return v;
  return localDate(parseTime(name, v)!);
}

function ferretIdOf(p: Record<string, unknown>, required: boolean): string | undefined {
  const v = field<unknown>(p, 'ferretId');
  if (v === undefined) {
    if (required) throw new QueryError('ferretId', 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new QueryError('ferretId', 'must be a string');
  return v;
}

export function handleQuery(store: BehaviorStore, payload: unknown): QueryResult {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new QueryError('payload', 'must be an object');
  const p = payload as Record<string, unknown>;
  const kind = p.kind;
  switch (kind) {
    case 'timeline': {
      const ferretId = ferretIdOf(p, true)!;
      const from = parseTime('from', field(p, 'from'));
      if (from === undefined) throw new QueryError('from', 'is required');
      const to = parseTime('to', field(p, 'to'));
      if (to === undefined) throw new QueryError('to', 'is required');
      if (to <= from) throw new QueryError('to', 'must be after from');
      if (to - from > MAX_TIMELINE_MS) throw new QueryError('to', 'timeline spans at most 31 days; use kind "episodes" to page through more');
      return { kind, ferretId, from, to, episodes: store.timeline(ferretId, from, to) };
    }
    case 'episodes': {
      const ferret = ferretIdOf(p, false);
      const from = parseTime('from', field(p, 'from'));
      const to = parseTime('to', field(p, 'to'));
      if (from !== undefined && to !== undefined && to <= from) throw new QueryError('to', 'must be after from');
      const behavior = field<unknown>(p, 'behavior');
      if (behavior !== undefined && typeof behavior !== 'string') throw new QueryError('behavior', 'must be a string');
      const limit = field<unknown>(p, 'limit');
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)) {
        throw new QueryError('limit', `must be an integer from 1 to ${MAX_PAGE}`);
      }
      const order = field<unknown>(p, 'order');
      if (order !== undefined && order !== 'asc' && order !== 'desc') throw new QueryError('order', 'must be "asc" or "desc"');
      const cursor = field<unknown>(p, 'cursor');
      if (cursor !== undefined && typeof cursor !== 'string') throw new QueryError('cursor', 'must be a string');
      try {
        const page = store.episodes({ ferret, behavior: behavior as string | undefined, from, to, limit: limit as number | undefined, cursor: cursor as string | undefined, order: order as 'asc' | 'desc' | undefined });
        return { kind, ...page };
      } catch (err) {
        if (err instanceof RangeError) throw new QueryError('cursor', 'is not a cursor returned by this query');
        throw err;
      }
    }
    case 'summary': {
      const ferretId = ferretIdOf(p, false);
      const from = parseDay('from', field(p, 'from'));
      const to = parseDay('to', field(p, 'to'));
      if (from !== undefined && to !== undefined && to < from) throw new QueryError('to', 'must not be before from');
      return { kind, ferretId: ferretId ?? null, from: from ?? null, to: to ?? null, summaries: store.summaries({ ferret: ferretId, from, to }) };
    }
    default:
      throw new QueryError('kind', 'must be "timeline", "episodes" or "summary"');
  }
}
