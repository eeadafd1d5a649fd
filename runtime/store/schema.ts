// How the behavior history is laid out on disk and how a connection is configured.
// The DDL itself lives in migrations.ts (one entry per schema version); this module holds the
// connection pragmas and the small value encodings the tables rely on. docs/store.md explains both.
import type Database from 'better-sqlite3';

export type SynchronousLevel = 'NORMAL' | 'FULL';

export interface ConnectionOptions {
  /** NORMAL (default): durable against process crashes in WAL mode; FULL also against power loss. */
  synchronous?: SynchronousLevel;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Page cache size in KiB (negative cache_size); indexes of a 10M-row table like a few MiB. */
  cacheKiB?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Applies the pragmas every connection needs; must run outside a transaction (journal_mode). */
export function configureConnection(db: Database.Database, opts: ConnectionOptions = {}): void {
  const memory = db.memory;
  if (!memory) db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
  db.pragma(`cache_size = ${-Math.max(1024, Math.floor(opts.cacheKiB ?? 16384))}`);
  // Keeps the -wal file from staying at its high-water mark after a burst (bytes).
  db.pragma('journal_size_limit = 16777216');
  db.pragma('temp_store = MEMORY');
}

// ---- value encodings (compact on disk, decoded at the API boundary) ----

/** Confidence 0..1 is stored as an integer in per-mille (1–2 bytes instead of an 8-byte REAL). */
export function encodeConfidence(c: number): number {
  if (!Number.isFinite(c)) return 0;
  return Math.min(1000, Math.max(0, Math.round(c * 1000)));
}

export function decodeConfidence(permille: number): number {
  return permille / 1000;
}

/** Durations keep millisecond precision; integral values are then stored as integers by SQLite. */
export function roundSeconds(s: number): number {
  return Math.round(s * 1000) / 1000;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDateString(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** 'YYYY-MM-DD' → YYYYMMDD (a 4-byte integer that sorts like the date). */
export function encodeDate(date: string): number {
  if (!isDateString(date)) throw new TypeError(`invalid date "${date}" (expected YYYY-MM-DD)`);
  return Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
}

export function decodeDate(n: number): string {
  const y = Math.floor(n / 10000);
  const m = Math.floor(n / 100) % 100;
  const d = n % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The local calendar date of a ms timestamp, as DailySummary.date uses it. */
export function localDate(ms: number): string {
  const t = new Date(ms);
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}

/** Local midnight of a 'YYYY-MM-DD' date in ms (Date.parse would read it as UTC). */
export function localDayStart(date: string): number {
  if (!isDateString(date)) throw new TypeError(`invalid date "${date}" (expected YYYY-MM-DD)`);
  return new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))).getTime();
}

/** Local midnight of the day after `date`, so [localDayStart, localDayEnd) is the whole day even across DST. */
export function localDayEnd(date: string): number {
  const start = new Date(localDayStart(date));
  return new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1).getTime();
}

/** Embeddings are stored as little-endian float32 BLOBs (4 bytes per dimension). */
export function encodeEmbedding(v: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i], i * 4);
  return out;
}

export function decodeEmbedding(b: Buffer): Float32Array {
  const out = new Float32Array(b.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

/** Table names the store owns, in the order stats() reports them. */
export const TABLES = [
  'ferrets',
  'ferret_embeddings',
  'cameras',
  'dict',
  'behavior_changes',
  'episodes',
  'daily_summaries',
  'alerts',
  'clips',
  'track_events',
  'outbox',
] as const;
export type TableName = (typeof TABLES)[number];
