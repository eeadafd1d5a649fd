// FallbackOutbox: the store's outbox while a store is open, a local one otherwise, in order.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FallbackOutbox, MemoryOutbox, type OutboxStoreLike } from '../../../runtime/mqtt/outbox';

/** An in-memory stand-in for BehaviorStore's outbox methods that can be "closed". */
function fakeStore() {
  const rows = new Map<number, { id: number; topic: string; payload: Buffer; qos: number; retain: boolean }>();
  let next = 1;
  let open = true;
  const check = () => {
    if (!open) throw new Error('store is closed');
  };
  const store: OutboxStoreLike & { close(): void; reopen(): void; readonly open: boolean } = {
    outboxPush(topic, payload, qos, retain) {
      check();
      const id = next++;
      rows.set(id, { id, topic, payload: Buffer.from(payload), qos, retain });
      return id;
    },
    outboxPeek(limit) {
      check();
      return [...rows.values()].slice(0, limit);
    },
    outboxAck(id) {
      check();
      rows.delete(id);
    },
    outboxCount() {
      check();
      return rows.size;
    },
    close: () => (open = false),
    reopen: () => (open = true),
    get open() {
      return open;
    },
  };
  return store;
}

/** Drains like the publisher: peek the head, ack it, repeat; returns the topics in order. */
function drain(o: FallbackOutbox): string[] {
  const out: string[] = [];
  for (;;) {
    const [e] = o.peek(1);
    if (!e) return out;
    out.push(e.topic);
    o.ack(e.id);
  }
}

describe('FallbackOutbox', () => {
  test('uses the store when one is open, the local outbox when not', () => {
    const store = fakeStore();
    const deployed: { store?: OutboxStoreLike } = {};
    const o = new FallbackOutbox(() => deployed.store, new MemoryOutbox());
    const a = o.push('a', 'x');
    assert.ok(a < 0, 'local ids are negative');
    deployed.store = store;
    assert.equal(o.usingStore(), false, 'the local outbox drains first');
    drain(o);
    const b = o.push('b', 'y');
    assert.ok(b > 0 && o.usingStore());
    assert.equal(store.outboxCount(), 1);
    assert.equal(o.count(), 1);
    const [e] = o.peek(5);
    assert.equal(e.payload.toString(), 'y');
    assert.equal(e.qos, 1);
  });

  test('keeps push order when the store closes and reopens in between (a redeploy)', () => {
    const store = fakeStore();
    const o = new FallbackOutbox(() => (store.open ? store : undefined), new MemoryOutbox());
    o.push('1', '');
    o.push('2', '');
    store.close();
    o.push('3', '');
    o.push('4', '');
    store.reopen();
    o.push('5', ''); // the local outbox still holds 3 and 4: 5 must come after them
    assert.equal(o.count(), 5);
    assert.deepEqual(drain(o), ['1', '2', '3', '4', '5']);
    o.push('6', '');
    assert.equal(store.outboxCount(), 1, 'back to the store once the local outbox is empty');
  });

  test('an ack for a store that closed meanwhile is not lost silently: the entry is re-sent later', () => {
    const store = fakeStore();
    const o = new FallbackOutbox(() => (store.open ? store : undefined), new MemoryOutbox());
    o.push('a', '');
    const [e] = o.peek(1);
    store.close();
    o.ack(e.id); // nowhere to ack: must not throw
    store.reopen();
    assert.deepEqual(drain(o), ['a'], 'redelivered (a QoS-1 duplicate), never dropped');
  });

  test('a store that throws on push falls back to the local outbox', () => {
    const store = fakeStore();
    const o = new FallbackOutbox(() => store, new MemoryOutbox());
    store.close();
    const id = o.push('a', '');
    assert.ok(id < 0);
    assert.equal(o.local.count(), 1);
  });
});
