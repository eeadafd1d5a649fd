// Retention: deletes history older than a per-table number of days, and clips by age and by the
// total size of the clip files. Runs in small chunks (one short transaction each) with a yield to
// the event loop in between, so the batch writer is never blocked for more than a chunk's worth.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import * as fsp from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { encodeDate, localDate } from './schema';

export type RetainedTable = 'episodes' | 'behavior_changes' | 'daily_summaries' | 'alerts' | 'track_events' | 'clips' | 'outbox';

export interface RetentionPolicy {
  /** Keep rows younger than this many days, per table; a missing table is kept forever. */
  days?: Partial<Record<RetainedTable, number>>;
  /** Delete the oldest clips (rows and files) while their total size exceeds this. */
  clipsMaxBytes?: number;
}

export interface RetentionOptions {
  /** Rows per DELETE transaction (default 5000). */
  chunk?: number;
  now?: () => number;
  /** Deletes one clip file; ENOENT is ignored. Default fs.promises.unlink. */
  unlink?: (file: string) => Promise<void> | void;
  /** Pause between chunks; default setImmediate (lets pending I/O and flush timers run). */
  pause?: () => Promise<unknown>;
  /** Checked between chunks; stops the run early (e.g. the store is closing). */
  aborted?: () => boolean;
}

export interface RetentionReport {
  deleted: Partial<Record<RetainedTable, number>>;
  clipFilesDeleted: number;
  clipBytesFreed: number;
  /** Files that could not be deleted (their rows are gone either way). */
  unlinkErrors: Array<{ path: string; error: string }>;
  chunks: number;
}

const DAY_MS = 86_400_000;
const RETAINED: readonly RetainedTable[] = ['episodes', 'behavior_changes', 'daily_summaries', 'alerts', 'track_events', 'clips', 'outbox'];

/**
 * Tables whose deletion key is indexed delete through that index. behavior_changes and track_events
 * have no time index (it would cost bytes on every row for a once-a-day job); they are appended in
 * time order, so the oldest rows sit at the front of the rowid order and are deleted from there.
 */
const BY_INDEX: Partial<Record<RetainedTable, string>> = {
  episodes: 'SELECT id FROM episodes WHERE start < ? ORDER BY start LIMIT ?',
  alerts: 'SELECT id FROM alerts WHERE ts < ? ORDER BY ts LIMIT ?',
};

/** Applies `policy` once; resolves with what was deleted. */
export async function applyRetention(db: Database.Database, policy: RetentionPolicy, opts: RetentionOptions = {}): Promise<RetentionReport> {
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 5000));
  const now = (opts.now ?? Date.now)();
  const pause = opts.pause ?? (() => yieldToLoop());
  const aborted = opts.aborted ?? (() => false);
  const unlink = opts.unlink ?? ((f: string) => fsp.unlink(f));
  const report: RetentionReport = { deleted: {}, clipFilesDeleted: 0, clipBytesFreed: 0, unlinkErrors: [], chunks: 0 };
  const add = (t: RetainedTable, n: number): void => {
    report.deleted[t] = (report.deleted[t] ?? 0) + n;
  };

  /** Repeats `step` (one short transaction returning rows deleted) until it deletes less than a chunk. */
  const drain = async (t: RetainedTable, step: () => number): Promise<void> => {
    while (!aborted()) {
      const n = db.transaction(step).immediate();
      report.chunks++;
      add(t, n);
      if (n < chunk) return;
      await pause();
    }
  };

  const days = policy.days ?? {};
  for (const t of Object.keys(days)) {
    if (!RETAINED.includes(t as RetainedTable)) throw new TypeError(`retention: unknown table "${t}" (known: ${RETAINED.join(', ')})`);
  }
  for (const [table, d] of Object.entries(days) as Array<[RetainedTable, number]>) {
    if (!(d > 0) || table === 'clips') continue;
    const cutoff = now - d * DAY_MS;
    if (table === 'daily_summaries') {
      // WITHOUT ROWID: no rowid to select, so the chunk is picked by primary key.
      const delByKey = db.prepare(
        'DELETE FROM daily_summaries WHERE (ferret_id, date) IN (SELECT ferret_id, date FROM daily_summaries WHERE date < ? LIMIT ?)',
      );
      const cutDate = encodeDate(localDate(cutoff));
      await drain(table, () => delByKey.run(cutDate, chunk).changes);
    } else if (BY_INDEX[table]) {
      const del = db.prepare(`DELETE FROM ${table} WHERE id IN (${BY_INDEX[table]})`);
      await drain(table, () => del.run(cutoff, chunk).changes);
    } else if (table === 'outbox') {
      const del = db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created < ? ORDER BY id LIMIT ?)');
      await drain(table, () => del.run(cutoff, chunk).changes);
    } else if (table === 'behavior_changes' || table === 'track_events') {
      await drainFront(db, table, 'ts', cutoff, chunk, report, pause, aborted);
    }
  }

  const clipDays = days.clips;
  if (clipDays !== undefined && clipDays > 0) {
    const pick = db.prepare('SELECT id, path, bytes FROM clips WHERE start < ? ORDER BY start LIMIT ?');
    const cutoff = now - clipDays * DAY_MS;
    await deleteClips(db, () => pick.all(cutoff, chunk) as ClipPick[], chunk, unlink, report, pause, aborted);
  }
  if (policy.clipsMaxBytes !== undefined && policy.clipsMaxBytes >= 0) {
    const max = policy.clipsMaxBytes;
    const total = db.prepare('SELECT coalesce(sum(bytes), 0) AS n FROM clips');
    const oldest = db.prepare('SELECT id, path, bytes FROM clips ORDER BY start, id LIMIT ?');
    await deleteClips(
      db,
      () => {
        let excess = (total.get() as { n: number }).n - max;
        if (excess <= 0) return [];
        // Just enough of the oldest clips to get under the limit.
        const out: ClipPick[] = [];
        for (const c of oldest.all(chunk) as ClipPick[]) {
          if (excess <= 0) break;
          out.push(c);
          excess -= c.bytes;
        }
        return out;
      },
      chunk,
      unlink,
      report,
      pause,
      aborted,
    );
  }
  return report;
}

interface ClipPick {
  id: string;
  path: string;
  bytes: number;
}

/** Rows first, files second: the database never points at a deleted file (a crash in between leaves an orphan file at worst). */
async function deleteClips(
  db: Database.Database,
  pick: () => ClipPick[],
  chunk: number,
  unlink: (file: string) => Promise<void> | void,
  report: RetentionReport,
  pause: () => Promise<unknown>,
  aborted: () => boolean,
): Promise<void> {
  const del = db.prepare('DELETE FROM clips WHERE id = ?');
  const unlinkClip = db.prepare('UPDATE episodes SET clip_id = NULL WHERE clip_id = ?');
  while (!aborted()) {
    const victims = pick();
    if (victims.length === 0) return;
    db.transaction(() => {
      for (const c of victims) {
        del.run(c.id);
        unlinkClip.run(c.id);
      }
    }).immediate();
    report.chunks++;
    report.deleted.clips = (report.deleted.clips ?? 0) + victims.length;
    for (const c of victims) {
      try {
        await unlink(c.path);
        report.clipFilesDeleted++;
        report.clipBytesFreed += c.bytes;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') report.unlinkErrors.push({ path: c.path, error: (err as Error).message });
      }
    }
    if (victims.length < chunk) return;
    await pause();
  }
}

/** Deletes rows older than `cutoff` from the front of the rowid order (see BY_INDEX). */
async function drainFront(
  db: Database.Database,
  table: 'behavior_changes' | 'track_events',
  col: 'ts',
  cutoff: number,
  chunk: number,
  report: RetentionReport,
  pause: () => Promise<unknown>,
  aborted: () => boolean,
): Promise<void> {
  const head = db.prepare(`SELECT max(id) AS last, max(${col}) AS newest, count(*) AS n FROM (SELECT id, ${col} FROM ${table} WHERE id > ? ORDER BY id LIMIT ?)`);
  const del = db.prepare(`DELETE FROM ${table} WHERE id > ? AND id <= ? AND ${col} < ?`);
  let after = -1;
  while (!aborted()) {
    const h = head.get(after, chunk) as { last: number | null; newest: number | null; n: number };
    if (h.last === null) return;
    const n = db.transaction(() => del.run(after, h.last, cutoff).changes).immediate();
    report.chunks++;
    report.deleted[table] = (report.deleted[table] ?? 0) + n;
    // Once a chunk holds rows at or past the cutoff, everything after it is newer (rows arrive in time order).
    if ((h.newest ?? 0) >= cutoff || h.n < chunk) return;
    after = h.last;
    await pause();
  }
}

/** Runs a policy periodically (never two runs at once); call stop() before closing the store. */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionReport> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database.Database,
    private readonly policy: RetentionPolicy,
    private readonly opts: RetentionOptions & { intervalMs?: number; onReport?: (r: RetentionReport) => void; onError?: (e: Error) => void } = {},
  ) {}

  start(): void {
    this.stopped = false;
    const every = Math.max(1000, this.opts.intervalMs ?? 3_600_000);
    this.timer = setInterval(() => void this.runNow().catch(() => undefined), every);
    this.timer.unref();
  }

  /** Runs once now (or joins the run in progress). */
  runNow(): Promise<RetentionReport> {
    if (this.running) return this.running;
    this.running = applyRetention(this.db, this.policy, { ...this.opts, aborted: () => this.stopped || !this.db.open || (this.opts.aborted?.() ?? false) })
      .then((r) => {
        this.opts.onReport?.(r);
        return r;
      })
      .catch((err: Error) => {
        this.opts.onError?.(err);
        throw err;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Stops the timer and makes a run in progress end after its current chunk. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
