// The behavior-history store: one SQLite file (WAL) per FerretWatch instance.
//
// Writes are batched: enqueue() validates and buffers a row and returns its sequence number; the
// buffer is written in ONE transaction every flushIntervalMs or as soon as maxBatch rows wait.
// A 'flushed' event reports the highest durable sequence number, so a caller knows when a row has
// reached the disk. Reads use prepared statements over the indexes in migrations.ts and see
// committed rows only (at most one flush interval behind the writers).
//
// Identity changes and outbox messages are rare and must be durable when the call returns, so they
// commit immediately in their own small transaction instead of joining the batch.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Alert, DailySummary, Episode } from '../contracts';
import { decodeCursor, encodeCursor } from './cursor';
import { Dictionary } from './dictionary';
import { parseIdentitiesFile } from './identities-json';
import { migrate, schemaVersion } from './migrations';
import { toTuple, type AlertTuple, type BehaviorTuple, type ClipTuple, type EpisodeTuple, type SummaryTuple, type TrackTuple, type TupleFor } from './rows';
import {
  TABLES,
  configureConnection,
  decodeConfidence,
  decodeDate,
  decodeEmbedding,
  encodeDate,
  encodeEmbedding,
  localDayEnd,
  localDayStart,
  type SynchronousLevel,
} from './schema';
import type {
  AlertQuery,
  ClipQuery,
  ClipRecord,
  EpisodePage,
  EpisodeQuery,
  FerretInfo,
  FlushInfo,
  Identity,
  OutboxMessage,
  StoreStats,
  SummaryQuery,
  WriteErrorInfo,
  WriteKind,
  WriteRows,
} from './types';

export interface StoreOptions {
  /** Flush buffered rows at most this long after the first one was enqueued (default 250). */
  flushIntervalMs?: number;
  /** Flush immediately once this many rows wait (default 1000). */
  maxBatch?: number;
  /** Rows kept in memory while the database refuses writes; the oldest are dropped beyond it (default 100000). */
  maxPending?: number;
  /** See docs/store.md for the measured trade-off (default NORMAL). */
  synchronous?: SynchronousLevel;
  busyTimeoutMs?: number;
  cacheKiB?: number;
  onFlushed?: (info: FlushInfo) => void;
  onWriteError?: (err: Error, info: WriteErrorInfo) => void;
  /** Clock for created/updated columns (tests). */
  now?: () => number;
}

export interface StoreEvents {
  flushed: [info: FlushInfo];
  'write-error': [err: Error, info: WriteErrorInfo];
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

interface Pending<K extends WriteKind = WriteKind> {
  kind: K;
  seq: number;
  tuple: TupleFor[K];
}

interface EpisodeRow {
  id: number;
  episode_id: string;
  ferret_id: number;
  camera: number | null;
  behavior: number;
  start: number;
  end: number | null;
  duration_s: number | null;
  confidence: number;
  zone: number | null;
  clip_id: string | null;
}

interface ClipRow {
  id: string;
  camera: number | null;
  ferret_id: number | null;
  behavior: number | null;
  episode_id: string | null;
  start: number;
  end: number | null;
  bytes: number;
  path: string;
}

interface BatchResult {
  counts: Partial<Record<WriteKind, number>>;
  rejected: number;
  firstRejection?: Error;
}

type Stmt = Database.Statement<unknown[], unknown>;

const EP_COLS = 'id, episode_id, ferret_id, camera, behavior, start, "end", duration_s, confidence, zone, clip_id';
const CLIP_COLS = 'id, camera, ferret_id, behavior, episode_id, start, "end", bytes, path';
const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;
const MAX_SPAN_KEY = 'max_episode_ms';
const REGISTRY_KEY = 'identity_registry';
const HISTORY_TABLES = ['behavior_changes', 'episodes', 'daily_summaries', 'alerts', 'clips', 'track_events'] as const;

export class BehaviorStore extends EventEmitter<StoreEvents> {
  /** Opens (creating or migrating as needed) the store at `file`; ':memory:' works for tests. */
  static open(file: string, opts: StoreOptions = {}): BehaviorStore {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    try {
      configureConnection(db, opts);
      migrate(db);
      return new BehaviorStore(db, file, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  readonly file: string;
  private readonly db: Database.Database;
  private readonly dict: Dictionary;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly now: () => number;

  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private nextSeq = 1;
  private durable = 0;
  private failures = 0;
  private retryAt = 0;
  private transactions = 0;
  private rowsWritten = 0;

  /** ferret id → name, mirrors the ferrets table (it is tiny). */
  private readonly ferrets = new Map<string, string | null>();
  private readonly cameras = new Set<string>();
  private txUndo: Array<() => void> = [];
  /** Longest closed episode ever stored: how far before a day a timeline must look. */
  private maxEpisodeMs = 0;
  private maxEpisodeDirty = false;

  private readonly s: Record<string, Stmt>;
  private readonly pageStmts = new Map<string, Stmt>();
  private readonly clipStmts = new Map<string, Stmt>();
  private readonly writeTx: Database.Transaction<(batch: Pending[]) => BatchResult>;

  private constructor(db: Database.Database, file: string, opts: StoreOptions) {
    super();
    this.db = db;
    this.file = file;
    this.flushIntervalMs = Math.max(0, opts.flushIntervalMs ?? 250);
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 1000));
    this.maxPending = Math.max(this.maxBatch, Math.floor(opts.maxPending ?? 100_000));
    this.now = opts.now ?? Date.now;
    if (opts.onFlushed) this.on('flushed', opts.onFlushed);
    if (opts.onWriteError) this.on('write-error', opts.onWriteError);

    this.dict = new Dictionary(db);
    const p = (sql: string): Stmt => db.prepare(sql) as Stmt;
    this.s = {
      insertBehavior: p('INSERT INTO behavior_changes (ferret_id, camera, behavior, previous, confidence, ts, zone) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      upsertEpisode: p(`INSERT INTO episodes (episode_id, ferret_id, camera, behavior, start, "end", duration_s, confidence, zone, clip_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (episode_id) DO UPDATE SET ferret_id = excluded.ferret_id, camera = excluded.camera,
          behavior = excluded.behavior, start = excluded.start, "end" = excluded."end", duration_s = excluded.duration_s,
          confidence = excluded.confidence, zone = excluded.zone, clip_id = coalesce(excluded.clip_id, episodes.clip_id)`),
      upsertSummary: p('INSERT INTO daily_summaries (ferret_id, date, json) VALUES (?, ?, ?) ON CONFLICT (ferret_id, date) DO UPDATE SET json = excluded.json'),
      insertAlert: p('INSERT INTO alerts (alert_id, ferret_id, type, message, ts) VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING'),
      upsertClip: p(`INSERT INTO clips (${CLIP_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET camera = excluded.camera, ferret_id = excluded.ferret_id, behavior = excluded.behavior,
          episode_id = excluded.episode_id, start = excluded.start, "end" = excluded."end", bytes = excluded.bytes, path = excluded.path`),
      linkClip: p('UPDATE episodes SET clip_id = ? WHERE episode_id = ?'),
      insertTrack: p('INSERT INTO track_events (camera, track_id, ferret_id, event, ts, duration_s, path_px) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      ensureFerret: p(`INSERT INTO ferrets (id, name, created, updated) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated = excluded.updated WHERE ferrets.name IS NULL AND excluded.name IS NOT NULL`),
      ensureCamera: p('INSERT OR IGNORE INTO cameras (id, name, created) VALUES (?, NULL, ?)'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      getMeta: p('SELECT value FROM meta WHERE key = ?'),

      listFerrets: p(`SELECT f.id, f.name, f.created, f.updated, (SELECT count(*) FROM ferret_embeddings e WHERE e.ferret_id = f.id) AS embeddings
        FROM ferrets f ORDER BY f.created, f.id`),
      currentBehavior: p('SELECT camera, behavior, confidence, ts, zone FROM behavior_changes WHERE ferret_id = ? ORDER BY ts DESC, id DESC LIMIT 1'),
      timeline: p(`SELECT ${EP_COLS} FROM episodes
          WHERE ferret_id = @f AND start >= @lo AND start < @de AND ("end" IS NULL OR "end" > @ds)
        UNION ALL
        SELECT ${EP_COLS} FROM episodes WHERE ferret_id = @f AND "end" IS NULL AND start < @lo
        ORDER BY start, id`),
      summariesOne: p('SELECT ferret_id, date, json FROM daily_summaries WHERE ferret_id = ? AND date BETWEEN ? AND ? ORDER BY date'),
      summariesAll: p('SELECT ferret_id, date, json FROM daily_summaries WHERE date BETWEEN ? AND ? ORDER BY date, ferret_id'),
      alerts: p('SELECT alert_id, ferret_id, type, message, ts FROM alerts WHERE ts >= ? ORDER BY ts DESC, id DESC LIMIT ?'),
      getClip: p(`SELECT ${CLIP_COLS} FROM clips WHERE id = ?`),
      cameras: p('SELECT id, name, created FROM cameras ORDER BY id'),

      upsertIdentity: p(`INSERT INTO ferrets (id, name, created, updated, state) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated = excluded.updated, state = coalesce(excluded.state, ferrets.state)`),
      deleteEmbeddings: p('DELETE FROM ferret_embeddings WHERE ferret_id = ?'),
      insertEmbedding: p('INSERT INTO ferret_embeddings (ferret_id, idx, vec) VALUES (?, ?, ?)'),
      identities: p('SELECT id, name, state FROM ferrets ORDER BY created, id'),
      embeddings: p('SELECT ferret_id, vec FROM ferret_embeddings ORDER BY ferret_id, idx'),
      deleteFerret: p('DELETE FROM ferrets WHERE id = ?'),

      outboxPush: p('INSERT INTO outbox (topic, payload, qos, retain, created) VALUES (?, ?, ?, ?, ?)'),
      outboxPeek: p('SELECT id, topic, payload, qos, retain, created FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
      outboxAck: p('DELETE FROM outbox WHERE id = ?'),
      outboxCount: p('SELECT count(*) AS n FROM outbox'),
    };
    this.writeTx = db.transaction((batch: Pending[]) => this.writeRows(batch));

    for (const r of db.prepare('SELECT id, name FROM ferrets').all() as Array<{ id: string; name: string | null }>) this.ferrets.set(r.id, r.name);
    for (const r of db.prepare('SELECT id FROM cameras').all() as Array<{ id: string }>) this.cameras.add(r.id);
    const span = (this.s.getMeta.get(MAX_SPAN_KEY) as { value: number } | undefined)?.value;
    this.maxEpisodeMs = typeof span === 'number' ? span : 0;
  }

  /** The underlying connection, for retention and diagnostics (same thread, so it never races the batch). */
  get database(): Database.Database {
    return this.db;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Highest enqueue() sequence number known to be committed. */
  get durableSeq(): number {
    return this.durable;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  // ---------------------------------------------------------------- batched writes

  /**
   * Validates and buffers one row; returns its sequence number (see durableSeq / 'flushed').
   * Throws a TypeError naming the field when the row is malformed.
   */
  enqueue<K extends WriteKind>(kind: K, row: WriteRows[K]): number {
    if (this.closed) throw new Error('store is closed');
    const tuple = toTuple(kind, row);
    const seq = this.nextSeq++;
    this.pending.push({ kind, seq, tuple } as Pending);
    if (this.pending.length > this.maxPending) {
      const dropped = this.pending.length - this.maxPending;
      this.pending.splice(0, dropped);
      this.reportError(new Error(`store write buffer full: dropped the ${dropped} oldest rows`), { dropped, willRetry: false });
    }
    if (this.pending.length >= this.maxBatch && this.now() >= this.retryAt) this.flushQuietly();
    else this.arm();
    return seq;
  }

  /** Writes every pending row in one transaction now; returns the rows written. Throws if the batch failed (it stays pending). */
  flush(): number {
    return this.flushBatch(true);
  }

  /** Flushes, then closes the connection. Further calls are no-ops. */
  close(): void {
    if (this.closed) return;
    this.disarm();
    let error: unknown;
    try {
      this.flushBatch(true);
    } catch (err) {
      error = err;
    }
    this.closed = true;
    this.disarm(); // a failed final flush may have armed a retry
    try {
      this.db.pragma('optimize');
    } catch {
      // best effort: only refreshes planner statistics
    }
    this.db.close();
    if (error) throw error;
  }

  private arm(): void {
    if (this.timer || this.closed || this.pending.length === 0) return;
    const delay = Math.max(this.flushIntervalMs, this.retryAt - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.flushQuietly();
    }, delay);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flushQuietly(): void {
    try {
      this.flushBatch(false);
    } catch {
      // reported through 'write-error'; the batch stays pending and is retried
    }
  }

  private flushBatch(throwOnError: boolean): number {
    this.disarm();
    if (this.closed || this.pending.length === 0) return 0;
    const batch = this.pending;
    this.pending = [];
    const t0 = performance.now();
    const savedSpan = this.maxEpisodeMs;
    let result: BatchResult;
    try {
      result = this.writeTx.immediate(batch);
    } catch (err) {
      this.dict.rollback();
      for (let i = this.txUndo.length - 1; i >= 0; i--) this.txUndo[i]();
      this.txUndo = [];
      this.maxEpisodeMs = savedSpan;
      this.maxEpisodeDirty = false;
      this.pending = batch.concat(this.pending);
      this.failures++;
      this.retryAt = this.now() + Math.min(5000, 50 * 2 ** this.failures);
      this.reportError(err as Error, { dropped: 0, willRetry: true });
      this.arm();
      if (throwOnError) throw err;
      return 0;
    }
    this.dict.commit();
    this.txUndo = [];
    this.failures = 0;
    this.retryAt = 0;
    this.transactions++;
    const written = batch.length - result.rejected;
    this.rowsWritten += written;
    this.durable = batch[batch.length - 1].seq;
    const info: FlushInfo = {
      rows: written,
      firstSeq: batch[0].seq,
      lastSeq: this.durable,
      counts: result.counts,
      rejected: result.rejected,
      ms: performance.now() - t0,
    };
    if (result.rejected > 0) this.reportError(result.firstRejection!, { dropped: result.rejected, willRetry: false });
    try {
      this.emit('flushed', info);
    } catch (err) {
      // The batch is committed whatever a listener does; its bug must not look like a write failure.
      console.error('[ferretwatch store] a "flushed" listener threw:', err);
    }
    this.arm();
    return written;
  }

  private reportError(err: Error, info: WriteErrorInfo): void {
    if (this.listenerCount('write-error') > 0) this.emit('write-error', err, info);
    else console.error(`[ferretwatch store] ${err.message} (dropped ${info.dropped}${info.willRetry ? ', will retry' : ''})`);
  }

  /** Runs inside the batch transaction. A refused row (constraint) is skipped; anything that aborts the transaction propagates. */
  private writeRows(batch: Pending[]): BatchResult {
    const counts: Partial<Record<WriteKind, number>> = {};
    let rejected = 0;
    let firstRejection: Error | undefined;
    for (const p of batch) {
      try {
        this.writeOne(p);
        counts[p.kind] = (counts[p.kind] ?? 0) + 1;
      } catch (err) {
        // SQLite aborts only the failed statement for constraint errors; if the transaction itself is gone, give up the batch.
        if (!this.db.inTransaction) throw err;
        rejected++;
        firstRejection ??= err as Error;
      }
    }
    if (this.maxEpisodeDirty) {
      this.s.setMeta.run(MAX_SPAN_KEY, this.maxEpisodeMs);
      this.maxEpisodeDirty = false;
    }
    return { counts, rejected, firstRejection };
  }

  private writeOne(p: Pending): void {
    const d = this.dict;
    switch (p.kind) {
      case 'behavior': {
        const [ferretId, name, camera, behavior, previous, conf, ts, zone] = p.tuple as BehaviorTuple;
        this.ensureFerret(ferretId, name);
        this.ensureCamera(camera);
        this.s.insertBehavior.run(d.intern(ferretId), d.internOrNull(camera), d.intern(behavior), d.internOrNull(previous), conf, ts, d.internOrNull(zone));
        return;
      }
      case 'episode': {
        const [episodeId, ferretId, name, camera, behavior, start, end, durationS, conf, zone, clip] = p.tuple as EpisodeTuple;
        this.ensureFerret(ferretId, name);
        this.ensureCamera(camera);
        this.s.upsertEpisode.run(episodeId, d.intern(ferretId), d.internOrNull(camera), d.intern(behavior), start, end, durationS, conf, d.internOrNull(zone), clip);
        if (end !== null && end - start > this.maxEpisodeMs) {
          this.maxEpisodeMs = end - start;
          this.maxEpisodeDirty = true;
        }
        return;
      }
      case 'summary': {
        const [ferretId, name, date, json] = p.tuple as SummaryTuple;
        this.ensureFerret(ferretId, name);
        this.s.upsertSummary.run(d.intern(ferretId), date, json);
        return;
      }
      case 'alert': {
        const [alertId, ferretId, name, type, message, ts] = p.tuple as AlertTuple;
        if (ferretId !== null) this.ensureFerret(ferretId, name);
        this.s.insertAlert.run(alertId, d.internOrNull(ferretId), d.intern(type), message, ts);
        return;
      }
      case 'clip': {
        const [id, camera, ferretId, behavior, episodeId, start, end, bytes, file] = p.tuple as ClipTuple;
        this.ensureCamera(camera);
        this.s.upsertClip.run(id, d.internOrNull(camera), d.internOrNull(ferretId), d.internOrNull(behavior), episodeId, start, end, bytes, file);
        if (episodeId !== null) this.s.linkClip.run(id, episodeId);
        return;
      }
      case 'track': {
        const [camera, trackId, ferretId, name, event, ts, durationS, pathPx] = p.tuple as TrackTuple;
        if (ferretId !== null) this.ensureFerret(ferretId, name);
        this.ensureCamera(camera);
        this.s.insertTrack.run(d.internOrNull(camera), trackId, d.internOrNull(ferretId), event, ts, durationS, pathPx);
        return;
      }
    }
  }

  /** A ferret seen in history gets a ferrets row (so listFerrets shows it); a name fills a missing one. */
  private ensureFerret(id: string, name: string | null): void {
    const had = this.ferrets.has(id);
    const known = this.ferrets.get(id) ?? null;
    if (had && (known !== null || name === null)) return;
    const now = this.now();
    this.s.ensureFerret.run(id, name, now, now);
    this.ferrets.set(id, known ?? name);
    this.txUndo.push(() => {
      if (had) this.ferrets.set(id, known);
      else this.ferrets.delete(id);
    });
  }

  private ensureCamera(id: string | null): void {
    if (id === null || this.cameras.has(id)) return;
    this.s.ensureCamera.run(id, this.now());
    this.cameras.add(id);
    this.txUndo.push(() => this.cameras.delete(id));
  }

  // ---------------------------------------------------------------- queries

  /** Every known ferret with its latest behavior change. */
  listFerrets(): FerretInfo[] {
    const rows = this.s.listFerrets.all() as Array<{ id: string; name: string | null; created: number; updated: number; embeddings: number }>;
    return rows.map((r) => {
      const fid = this.dict.lookup(r.id);
      const cur =
        fid === undefined
          ? undefined
          : (this.s.currentBehavior.get(fid) as { camera: number | null; behavior: number; confidence: number; ts: number; zone: number | null } | undefined);
      return {
        ...r,
        current: cur
          ? {
              behavior: this.dict.text(cur.behavior),
              since: cur.ts,
              camera: this.dict.textOrNull(cur.camera),
              zone: this.dict.textOrNull(cur.zone),
              confidence: decodeConfidence(cur.confidence),
            }
          : null,
      };
    });
  }

  /** The ferret's name (null when unnamed or unknown). */
  ferretName(id: string): string | null {
    return this.ferrets.get(id) ?? null;
  }

  /** Whether the ferret has an identity or any history row. */
  knowsFerret(id: string): boolean {
    return this.ferrets.has(id);
  }

  listCameras(): Array<{ id: string; name: string | null; created: number }> {
    return this.s.cameras.all() as Array<{ id: string; name: string | null; created: number }>;
  }

  /** Episodes of one ferret that overlap [dayStartMs, dayEndMs), open ones included, by start. */
  timeline(ferretId: string, dayStartMs: number, dayEndMs: number): Episode[] {
    const f = this.dict.lookup(ferretId);
    if (f === undefined || !(dayEndMs > dayStartMs)) return [];
    const rows = this.s.timeline.all({ f, lo: dayStartMs - this.maxEpisodeMs, ds: dayStartMs, de: dayEndMs }) as EpisodeRow[];
    return rows.map((r) => this.toEpisode(r));
  }

  /** One page of episodes by start (keyset pagination; see types.ts EpisodeQuery). */
  episodes(q: EpisodeQuery = {}): EpisodePage {
    const order = q.order === 'desc' ? 'desc' : 'asc';
    const limit = clampLimit(q.limit);
    const cursor = q.cursor === undefined || q.cursor === null || q.cursor === '' ? undefined : decodeCursor(q.cursor);
    if (q.cursor && (!cursor || cursor.order !== order)) throw new RangeError('cursor is not valid for this query');
    const params: Record<string, number> = { from: q.from ?? FAR_PAST, to: q.to ?? FAR_FUTURE, limit: limit + 1 };
    if (q.ferret !== undefined) {
      const f = this.dict.lookup(q.ferret);
      if (f === undefined) return { items: [], nextCursor: null };
      params.ferret = f;
    }
    if (q.behavior !== undefined) {
      const b = this.dict.lookup(q.behavior);
      if (b === undefined) return { items: [], nextCursor: null };
      params.behavior = b;
    }
    if (cursor) {
      params.cs = cursor.start;
      params.ci = cursor.id;
    }
    const stmt = this.pageStmt(q.ferret !== undefined, q.behavior !== undefined, cursor !== undefined, order);
    const rows = stmt.all(params) as EpisodeRow[];
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => this.toEpisode(r)),
      nextCursor: more && last ? encodeCursor({ order, start: last.start, id: last.id }) : null,
    };
  }

  private pageStmt(ferret: boolean, behavior: boolean, cursor: boolean, order: 'asc' | 'desc'): Stmt {
    const key = `${+ferret}${+behavior}${+cursor}${order}`;
    let stmt = this.pageStmts.get(key);
    if (!stmt) {
      const where: string[] = [];
      if (ferret) where.push('ferret_id = @ferret');
      if (behavior) where.push('behavior = @behavior');
      where.push('start >= @from', 'start < @to');
      // Row values let SQLite seek the (…, start, rowid) index straight to the cursor.
      if (cursor) where.push(order === 'asc' ? '(start, id) > (@cs, @ci)' : '(start, id) < (@cs, @ci)');
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      // With both filters the ferret index is the selective one (a behavior spans every ferret).
      const index = ferret ? 'INDEXED BY episodes_ferret_start' : behavior ? 'INDEXED BY episodes_behavior_start' : 'INDEXED BY episodes_start';
      stmt = this.db.prepare(`SELECT ${EP_COLS} FROM episodes ${index} WHERE ${where.join(' AND ')} ORDER BY start ${dir}, id ${dir} LIMIT @limit`) as Stmt;
      this.pageStmts.set(key, stmt);
    }
    return stmt;
  }

  /** Daily summaries in [from, to] (inclusive local dates), by date. */
  summaries(q: SummaryQuery = {}): DailySummary[] {
    const from = q.from === undefined ? 0 : encodeDate(q.from);
    const to = q.to === undefined ? 99991231 : encodeDate(q.to);
    let rows: Array<{ ferret_id: number; date: number; json: string }>;
    if (q.ferret !== undefined) {
      const f = this.dict.lookup(q.ferret);
      if (f === undefined) return [];
      rows = this.s.summariesOne.all(f, from, to) as typeof rows;
    } else {
      rows = this.s.summariesAll.all(from, to) as typeof rows;
    }
    return rows.map((r) => {
      const ferretId = this.dict.text(r.ferret_id);
      return { ferretId, name: this.ferrets.get(ferretId) ?? null, date: decodeDate(r.date), ...(JSON.parse(r.json) as object) } as DailySummary;
    });
  }

  /** Alerts newest first. */
  alerts(q: AlertQuery = {}): Alert[] {
    const rows = this.s.alerts.all(q.since ?? FAR_PAST, clampLimit(q.limit)) as Array<{ alert_id: string; ferret_id: number | null; type: number; message: string; ts: number }>;
    return rows.map((r) => {
      const ferretId = this.dict.textOrNull(r.ferret_id);
      return { alertId: r.alert_id, ferretId, name: ferretId === null ? null : (this.ferrets.get(ferretId) ?? null), type: this.dict.text(r.type), message: r.message, ts: r.ts };
    });
  }

  /** Clips by start; `day` is a local calendar date. */
  clips(q: ClipQuery = {}): ClipRecord[] {
    let from = q.from ?? FAR_PAST;
    let to = q.to ?? FAR_FUTURE;
    if (q.day !== undefined) {
      from = Math.max(from, localDayStart(q.day));
      to = Math.min(to, localDayEnd(q.day));
    }
    const params: Record<string, number> = { from, to, limit: clampLimit(q.limit) };
    if (q.ferret !== undefined) {
      const f = this.dict.lookup(q.ferret);
      if (f === undefined) return [];
      params.ferret = f;
    }
    if (q.behavior !== undefined) {
      const b = this.dict.lookup(q.behavior);
      if (b === undefined) return [];
      params.behavior = b;
    }
    const key = `${+(q.ferret !== undefined)}${+(q.behavior !== undefined)}`;
    let stmt = this.clipStmts.get(key);
    if (!stmt) {
      const where = ['start >= @from', 'start < @to'];
      if (q.ferret !== undefined) where.push('ferret_id = @ferret');
      if (q.behavior !== undefined) where.push('behavior = @behavior');
      stmt = this.db.prepare(`SELECT ${CLIP_COLS} FROM clips WHERE ${where.join(' AND ')} ORDER BY start, id LIMIT @limit`) as Stmt;
      this.clipStmts.set(key, stmt);
    }
    return (stmt.all(params) as ClipRow[]).map((r) => this.toClip(r));
  }

  getClip(id: string): ClipRecord | undefined {
    const r = this.s.getClip.get(id) as ClipRow | undefined;
    return r ? this.toClip(r) : undefined;
  }

  /**
   * Rows in the history tables and known ferrets, for a status line. count(*) walks the smallest
   * index (~0.1 s per 10M rows), so callers throttle it.
   */
  counts(): { rows: number; ferrets: number } {
    let rows = 0;
    for (const t of HISTORY_TABLES) rows += (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { rows, ferrets: this.ferrets.size };
  }

  /** Row counts (count(*) scans an index: ~0.1 s per 10M rows) and on-disk size including the WAL. */
  stats(): StoreStats {
    const rows: Record<string, number> = {};
    for (const t of TABLES) rows[t] = (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    let fileBytes = 0;
    let walBytes = 0;
    if (this.db.memory) {
      fileBytes = (this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
    } else {
      for (const suffix of ['', '-wal', '-shm']) {
        try {
          const size = fs.statSync(this.file + suffix).size;
          fileBytes += size;
          if (suffix === '-wal') walBytes = size;
        } catch {
          // -wal/-shm exist only while the database is open in WAL mode
        }
      }
    }
    return { schemaVersion: schemaVersion(this.db), rows, fileBytes, walBytes, pending: this.pending.length, transactions: this.transactions, rowsWritten: this.rowsWritten };
  }

  private toEpisode(r: EpisodeRow): Episode {
    const ferretId = this.dict.text(r.ferret_id);
    const ep: Episode = {
      episodeId: r.episode_id,
      ferretId,
      name: this.ferrets.get(ferretId) ?? null,
      camera: this.dict.textOrNull(r.camera),
      behavior: this.dict.text(r.behavior),
      start: r.start,
      end: r.end,
      durationS: r.duration_s ?? (r.end !== null ? (r.end - r.start) / 1000 : 0),
      confidence: decodeConfidence(r.confidence),
      zone: this.dict.textOrNull(r.zone),
    };
    if (r.clip_id !== null) ep.clip = r.clip_id;
    return ep;
  }

  private toClip(r: ClipRow): ClipRecord {
    return {
      id: r.id,
      camera: this.dict.textOrNull(r.camera),
      ferretId: this.dict.textOrNull(r.ferret_id),
      behavior: this.dict.textOrNull(r.behavior),
      episodeId: r.episode_id,
      start: r.start,
      end: r.end,
      bytes: r.bytes,
      path: r.path,
    };
  }

  // ---------------------------------------------------------------- identities (immediate commits)

  /** Creates or renames a ferret and replaces its enrolment embeddings, atomically. */
  saveIdentity(ferretId: string, name: string | null, embeddings: Float32Array[]): void {
    this.assertOpen();
    if (typeof ferretId !== 'string' || ferretId.length === 0) throw new TypeError('ferretId must be a non-empty string');
    this.saveIdentities([{ ferretId, name, embeddings }]);
  }

  /** Creates or updates several identities in one transaction (others are untouched). */
  saveIdentities(list: readonly Identity[]): void {
    this.assertOpen();
    for (const [i, e] of list.entries()) {
      if (!e || typeof e.ferretId !== 'string' || e.ferretId.length === 0) throw new TypeError(`identities[${i}].ferretId must be a non-empty string`);
      if (!Array.isArray(e.embeddings)) throw new TypeError(`identities[${i}].embeddings must be an array`);
    }
    const now = this.now();
    this.db.transaction(() => {
      for (const { ferretId, name, embeddings, state } of list) {
        this.s.upsertIdentity.run(ferretId, name ?? null, now, now, state ? JSON.stringify(state) : null);
        this.s.deleteEmbeddings.run(ferretId);
        embeddings.forEach((v, i) => this.s.insertEmbedding.run(ferretId, i, encodeEmbedding(v)));
      }
    }).immediate();
    for (const { ferretId, name } of list) this.ferrets.set(ferretId, name ?? null);
  }

  /** Every ferret with its embeddings (possibly none), in enrolment order. */
  loadIdentities(): Identity[] {
    const byId = new Map<string, Identity>();
    for (const r of this.s.identities.all() as Array<{ id: string; name: string | null; state: string | null }>) {
      byId.set(r.id, { ferretId: r.id, name: r.name, embeddings: [], state: r.state === null ? null : (JSON.parse(r.state) as Record<string, unknown>) });
    }
    for (const r of this.s.embeddings.all() as Array<{ ferret_id: string; vec: Buffer }>) byId.get(r.ferret_id)?.embeddings.push(decodeEmbedding(r.vec));
    return [...byId.values()];
  }

  /** The tracker's registry-wide state (e.g. the next anonymous id), or null before the first save. */
  identityRegistryState(): Record<string, unknown> | null {
    const v = (this.s.getMeta.get(REGISTRY_KEY) as { value: string } | undefined)?.value;
    return typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : null;
  }

  /** Replaces the tracker's registry-wide state; committed when this returns. */
  saveIdentityRegistryState(state: Record<string, unknown>): void {
    this.assertOpen();
    if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new TypeError('identity registry state must be an object');
    this.s.setMeta.run(REGISTRY_KEY, JSON.stringify(state));
  }

  /**
   * Forgets a ferret's identity (row and embeddings). Its history stays readable (rows reference the
   * interned id, not the ferrets row) unless `purgeHistory` is set. Returns whether it existed.
   */
  deleteFerret(id: string, opts: { purgeHistory?: boolean } = {}): boolean {
    this.assertOpen();
    const f = this.dict.lookup(id);
    let changes = 0;
    this.db.transaction(() => {
      changes = this.s.deleteFerret.run(id).changes;
      if (opts.purgeHistory && f !== undefined) {
        for (const t of ['episodes', 'behavior_changes', 'daily_summaries', 'alerts', 'track_events']) {
          this.db.prepare(`DELETE FROM ${t} WHERE ferret_id = ?`).run(f);
        }
      }
    }).immediate();
    this.ferrets.delete(id);
    return changes > 0;
  }

  /**
   * Imports the tracker's pre-store identities file, then renames it to `<file>.migrated` so it is
   * imported once. Returns the number of identities imported (0 when the file does not exist).
   * A crash between commit and rename just imports the same identities again (idempotent).
   */
  migrateIdentitiesFromJson(file: string): number {
    this.assertOpen();
    if (!fs.existsSync(file)) return 0;
    const { identities: list, registry } = parseIdentitiesFile(fs.readFileSync(file, 'utf8'));
    this.db.transaction(() => {
      this.saveIdentities(list);
      if (registry) this.s.setMeta.run(REGISTRY_KEY, JSON.stringify({ ...(this.identityRegistryState() ?? {}), ...registry }));
    }).immediate();
    fs.renameSync(file, `${file}.migrated`);
    return list.length;
  }

  // ---------------------------------------------------------------- MQTT outbox (immediate commits)

  /** Appends a message; it is committed (durable against a process crash) when this returns. */
  outboxPush(topic: string, payload: Buffer | string, qos: number = 0, retain = false): number {
    this.assertOpen();
    if (typeof topic !== 'string' || topic.length === 0) throw new TypeError('topic must be a non-empty string');
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new TypeError('qos must be 0, 1 or 2');
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (!Buffer.isBuffer(body)) throw new TypeError('payload must be a Buffer or a string');
    return Number(this.s.outboxPush.run(topic, body, qos, retain ? 1 : 0, this.now()).lastInsertRowid);
  }

  /** The oldest messages (id order), optionally only those after `afterId` (e.g. beyond the in-flight ones). */
  outboxPeek(limit = 100, afterId = 0): OutboxMessage[] {
    const rows = this.s.outboxPeek.all(afterId, clampLimit(limit)) as Array<{ id: number; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: number; created: number }>;
    return rows.map((r) => ({ ...r, retain: r.retain === 1 }));
  }

  /** Removes delivered messages; returns how many existed. */
  outboxAck(ids: number | number[]): number {
    this.assertOpen();
    const list = Array.isArray(ids) ? ids : [ids];
    let n = 0;
    this.db.transaction(() => {
      for (const id of list) n += this.s.outboxAck.run(id).changes;
    }).immediate();
    return n;
  }

  outboxCount(): number {
    return (this.s.outboxCount.get() as { n: number }).n;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE;
  return Math.min(MAX_PAGE, Math.max(1, Math.floor(limit)));
}
