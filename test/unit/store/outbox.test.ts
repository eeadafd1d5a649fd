import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { BehaviorStore } from '../../../runtime/store/store';
import { tempDir } from './helpers';

const dir = tempDir(after);

describe('MQTT outbox', () => {
  test('messages come back in push order and leave on ack', () => {
    const store = BehaviorStore.open(':memory:', { now: () => 42 });
    const a = store.outboxPush('ferretwatch/ferret-1/behavior', JSON.stringify({ behavior: 'eating' }), 1, true);
    const b = store.outboxPush('ferretwatch/ferret-2/behavior', Buffer.from([0, 1, 2]), 0, false);
    const c = store.outboxPush('ferretwatch/status', 'online', 2);
    assert.ok(a < b && b < c);
    assert.equal(store.outboxCount(), 3);
    const peek = store.outboxPeek(10);
    assert.deepEqual(peek.map((m) => m.id), [a, b, c]);
    assert.deepEqual(peek[0], { id: a, topic: 'ferretwatch/ferret-1/behavior', payload: Buffer.from('{"behavior":"eating"}'), qos: 1, retain: true, created: 42 });
    assert.deepEqual(peek[1].payload, Buffer.from([0, 1, 2]));
    assert.deepEqual(store.outboxPeek(1).map((m) => m.id), [a]);
    assert.deepEqual(store.outboxPeek(10, a).map((m) => m.id), [b, c], 'peek past the in-flight ones');
    assert.equal(store.outboxAck(b), 1);
    assert.equal(store.outboxAck(b), 0, 'acking twice is harmless');
    assert.deepEqual(store.outboxPeek(10).map((m) => m.id), [a, c]);
    assert.equal(store.outboxAck([a, c]), 2);
    assert.equal(store.outboxCount(), 0);
    const d = store.outboxPush('x', 'y');
    assert.ok(d > c, 'ids are never reused');
    assert.throws(() => store.outboxPush('', 'y'), /topic/);
    assert.throws(() => store.outboxPush('t', 'y', 3), /qos/);
    store.close();
  });

  test('a pushed message is committed when outboxPush returns', () => {
    const f = path.join(dir, 'outbox.db');
    const store = BehaviorStore.open(f, { flushIntervalMs: 60_000 });
    store.outboxPush('t/1', 'hello', 1);
    const other = new Database(f, { readonly: true });
    assert.equal((other.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n, 1, 'visible to another connection at once');
    other.close();
    store.close();
  });
});
