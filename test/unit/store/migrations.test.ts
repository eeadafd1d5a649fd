import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../../runtime/store/migrations';
import { configureConnection } from '../../../runtime/store/schema';
import { BehaviorStore } from '../../../runtime/store/store';
import { T0, tempDir } from './helpers';

const dir = tempDir(after);

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
}

describe('schema migrations', () => {
  test('an empty file is migrated to the current version with WAL and foreign keys on', () => {
    const file = path.join(dir, 'empty.db');
    const store = BehaviorStore.open(file);
    const db = store.database;
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.ok(SCHEMA_VERSION >= 2);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
    assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
    for (const t of ['ferrets', 'ferret_embeddings', 'cameras', 'behavior_changes', 'episodes', 'daily_summaries', 'alerts', 'clips', 'outbox', 'track_events']) {
      assert.ok(tables(db).includes(t), `table ${t} exists`);
    }
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'episodes'").all() as Array<{ name: string }>).map((r) => r.name);
    for (const i of ['episodes_ferret_start', 'episodes_behavior_start', 'episodes_start']) assert.ok(indexes.includes(i), `index ${i}`);
    store.close();
  });

  test('a version-1 file with data is upgraded and its data stays readable', () => {
    const file = path.join(dir, 'v1.db');
    const db = new Database(file);
    configureConnection(db);
    assert.deepEqual(migrate(db, MIGRATIONS, 1), { from: 0, to: 1 });
    assert.equal(schemaVersion(db), 1);
    assert.ok(!tables(db).includes('outbox'), 'v1 has no outbox yet');
    db.prepare("INSERT INTO dict (id, text) VALUES (1, 'ferret-1'), (2, 'sleeping')").run();
    db.prepare("INSERT INTO ferrets (id, name, created, updated) VALUES ('ferret-1', 'Loki', 1, 1)").run();
    db.prepare("INSERT INTO episodes (episode_id, ferret_id, behavior, start, \"end\", duration_s, confidence) VALUES ('e1', 1, 2, ?, ?, 60, 900)").run(T0, T0 + 60_000);
    db.close();

    const store = BehaviorStore.open(file);
    assert.equal(store.stats().schemaVersion, SCHEMA_VERSION);
    const eps = store.timeline('ferret-1', T0, T0 + 86_400_000);
    assert.equal(eps.length, 1);
    assert.equal(eps[0].episodeId, 'e1');
    assert.equal(eps[0].name, 'Loki');
    assert.equal(eps[0].behavior, 'sleeping');
    assert.equal(eps[0].confidence, 0.9);
    assert.equal(store.outboxPush('a/b', 'x'), 1, 'the outbox added by migration 2 works');
    store.close();
  });

  test('migrating an up-to-date file does nothing', () => {
    const db = new Database(path.join(dir, 'empty.db'));
    assert.deepEqual(migrate(db), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    db.close();
  });

  test('a file from newer code is refused', () => {
    const file = path.join(dir, 'future.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => BehaviorStore.open(file), /newer than this code supports/);
  });

  test('a failing migration rolls back entirely and keeps the previous version', () => {
    const db = new Database(':memory:');
    const steps = [
      { name: 'one', up: 'CREATE TABLE a (x INTEGER)' },
      { name: 'two', up: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' },
    ];
    assert.throws(() => migrate(db, steps), /schema migration 2 \(two\) failed/);
    assert.equal(schemaVersion(db), 1);
    assert.deepEqual(tables(db), ['a']);
    db.close();
  });
});
