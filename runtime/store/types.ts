// The store's public value types (what callers pass in and get back). Rows on disk are compact
// encodings of these; see schema.ts and docs/store.md.
import type { Alert, BehaviorChangePayload, DailySummary, Episode, TrackLifecyclePayload } from '../contracts';

/** A recorded video clip, written by whoever cuts clips around episodes. */
export interface ClipRecord {
  id: string;
  camera: string | null;
  ferretId: string | null;
  behavior: string | null;
  episodeId: string | null;
  start: number;
  end: number | null;
  bytes: number;
  /** Absolute path of the clip file (retention deletes it). */
  path: string;
}

/** What `enqueue(kind, row)` accepts for each kind. */
export interface WriteRows {
  behavior: BehaviorChangePayload;
  episode: Episode;
  summary: DailySummary;
  alert: Alert;
  clip: ClipRecord;
  track: TrackLifecyclePayload;
}
export type WriteKind = keyof WriteRows;
export const WRITE_KINDS: readonly WriteKind[] = ['behavior', 'episode', 'summary', 'alert', 'clip', 'track'];

/** Reported after every committed batch: every enqueue() sequence number ≤ lastSeq is durable. */
export interface FlushInfo {
  rows: number;
  firstSeq: number;
  lastSeq: number;
  counts: Partial<Record<WriteKind, number>>;
  /** Rows the database refused (e.g. a constraint); they are not retried. */
  rejected: number;
  ms: number;
}

export interface WriteErrorInfo {
  /** Rows given up on (refused rows, or the oldest rows dropped when the pending buffer overflowed). */
  dropped: number;
  /** True when the whole batch failed and stays pending for a retry. */
  willRetry: boolean;
}

export interface CurrentBehavior {
  behavior: string;
  since: number;
  camera: string | null;
  zone: string | null;
  confidence: number;
}

export interface FerretInfo {
  id: string;
  name: string | null;
  created: number;
  updated: number;
  /** Number of enrolment embeddings stored for re-identification. */
  embeddings: number;
  current: CurrentBehavior | null;
}

export interface Identity {
  ferretId: string;
  name: string | null;
  embeddings: Float32Array[];
  /** What else the tracker keeps per identity (enrolled, lastSeenTs, lastCamera …), as JSON; null when none. */
  state?: Record<string, unknown> | null;
}

export interface EpisodeQuery {
  ferret?: string;
  behavior?: string;
  /** Episodes whose start is ≥ from (ms). */
  from?: number;
  /** Episodes whose start is < to (ms). */
  to?: number;
  /** Page size, default 100, at most 1000. */
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
  /** By (start, rowid); default ascending. */
  order?: 'asc' | 'desc';
}

export interface EpisodePage {
  items: Episode[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface SummaryQuery {
  ferret?: string;
  /** Inclusive 'YYYY-MM-DD'. */
  from?: string;
  /** Inclusive 'YYYY-MM-DD'. */
  to?: string;
}

export interface AlertQuery {
  since?: number;
  limit?: number;
}

export interface ClipQuery {
  ferret?: string;
  behavior?: string;
  /** Local calendar day 'YYYY-MM-DD'; or use from/to (ms, on clip start). */
  day?: string;
  from?: number;
  to?: number;
  limit?: number;
}

export interface OutboxMessage {
  id: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  created: number;
}

export interface StoreStats {
  schemaVersion: number;
  rows: Record<string, number>;
  /** Main file + -wal + -shm, in bytes. */
  fileBytes: number;
  walBytes: number;
  pending: number;
  transactions: number;
  rowsWritten: number;
}
