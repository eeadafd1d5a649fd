// Schema migrations keyed on PRAGMA user_version. Migration i (0-based) takes a database from
// version i to i+1; each runs in its own transaction together with the user_version bump, so a
// failure leaves the file at the last complete version. Append new migrations; never edit old ones
// (files in the field are already at those versions).
//
// History tables reference strings (ferret ids, cameras, behaviors, zones, alert types) through the
// `dict` table: an integer id costs 1–2 bytes per row and per index entry instead of 8–12 bytes of
// text repeated millions of times. docs/store.md documents every table.
import type Database from 'better-sqlite3';

export interface Migration {
  /** What the step adds, for error messages and docs. */
  name: string;
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'identities and behavior history',
    up: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
      CREATE TABLE dict (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);

      CREATE TABLE ferrets (
        id TEXT PRIMARY KEY,
        name TEXT,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE ferret_embeddings (
        ferret_id TEXT NOT NULL REFERENCES ferrets (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (ferret_id, idx)
      ) WITHOUT ROWID;
      CREATE TABLE cameras (
        id TEXT PRIMARY KEY,
        name TEXT,
        created INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE behavior_changes (
        id INTEGER PRIMARY KEY,
        ferret_id INTEGER NOT NULL,
        camera INTEGER,
        behavior INTEGER NOT NULL,
        previous INTEGER,
        confidence INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        zone INTEGER
      );
      CREATE INDEX behavior_changes_ferret_ts ON behavior_changes (ferret_id, ts);

      CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        episode_id TEXT NOT NULL UNIQUE,
        ferret_id INTEGER NOT NULL,
        camera INTEGER,
        behavior INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER,
        duration_s REAL, -- NULL when it equals ("end" - start) / 1000, i.e. almost always
        confidence INTEGER NOT NULL,
        zone INTEGER,
        clip_id TEXT
      );
      CREATE INDEX episodes_ferret_start ON episodes (ferret_id, start);
      CREATE INDEX episodes_behavior_start ON episodes (behavior, start);
      CREATE INDEX episodes_start ON episodes (start);
      -- Open episodes can be arbitrarily old; this tiny partial index finds them for timelines.
      CREATE INDEX episodes_open ON episodes (ferret_id, start) WHERE "end" IS NULL;

      CREATE TABLE daily_summaries (
        ferret_id INTEGER NOT NULL,
        date INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (ferret_id, date)
      ) WITHOUT ROWID;

      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL UNIQUE,
        ferret_id INTEGER,
        type INTEGER NOT NULL,
        message TEXT NOT NULL,
        ts INTEGER NOT NULL
      );
      CREATE INDEX alerts_ts ON alerts (ts);

      CREATE TABLE clips (
        id TEXT PRIMARY KEY,
        camera INTEGER,
        ferret_id INTEGER,
        behavior INTEGER,
        episode_id TEXT,
        start INTEGER NOT NULL,
        "end" INTEGER,
        bytes INTEGER NOT NULL,
        path TEXT NOT NULL
      );
      CREATE INDEX clips_start ON clips (start);
    `,
  },
  {
    name: 'MQTT outbox and track lifecycle events',
    up: `
      -- AUTOINCREMENT: ids are never reused, so a late ack can never delete a newer message.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        payload BLOB NOT NULL,
        qos INTEGER NOT NULL DEFAULT 0,
        retain INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL
      );
      CREATE TABLE track_events (
        id INTEGER PRIMARY KEY,
        camera INTEGER,
        track_id TEXT NOT NULL,
        ferret_id INTEGER,
        event INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        duration_s REAL,
        path_px REAL
      );
    `,
  },
  {
    name: "the tracker's identity state",
    // JSON the tracker keeps per identity (enrolled, last seen, last camera …); the registry-wide
    // part (next anonymous id) lives in meta under 'identity_registry'.
    up: 'ALTER TABLE ferrets ADD COLUMN state TEXT;',
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export interface MigrateResult {
  from: number;
  to: number;
}

/**
 * Brings `db` to `target` (default: the latest version). Refuses a file written by newer code
 * (a higher user_version) rather than guessing at a schema it does not know.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  target: number = migrations.length,
): MigrateResult {
  const from = schemaVersion(db);
  if (from > migrations.length) {
    throw new Error(`database schema version ${from} is newer than this code supports (${migrations.length}); upgrade FerretWatch`);
  }
  if (target < from) throw new Error(`cannot migrate down from schema version ${from} to ${target}`);
  for (let v = from; v < target; v++) {
    const m = migrations[v];
    const step = db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      // user_version lives in the file header and is part of the transaction.
      db.pragma(`user_version = ${v + 1}`);
    });
    try {
      step.immediate();
    } catch (err) {
      const e = err as Error;
      e.message = `schema migration ${v + 1} (${m.name}) failed: ${e.message}`;
      throw e;
    }
  }
  return { from, to: Math.max(from, target) };
}
