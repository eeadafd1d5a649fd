import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileOutbox, MemoryOutbox, Outbox, OutboxStoreLike, storeOutbox } from '../../../runtime/mqtt/outbox';
import { tmpDir } from './helpers';

function contract(name: string, make: () => Outbox): void {
  test(`${name}: push/peek/ack keep push order`, () => {
    const o = make();
    try {
      const ids = [o.push('a', '1'), o.push('b', Buffer.from([0, 255]), { qos: 0, retain: true }), o.push('c', '3')];
      assert.ok(ids[0] < ids[1] && ids[1] < ids[2]);
      assert.equal(o.count(), 3);
      const head = o.peek(2);
      assert.deepEqual(head.map((e) => e.topic), ['a', 'b']);
      assert.deepEqual(Buffer.from(head[1].payload), Buffer.from([0, 255]));
      assert.equal(head[1].qos, 0);
      assert.equal(head[1].retain, true);
      assert.equal(head[0].qos, 1);
      o.ack(ids[1]);
      o.ack(ids[1]);
      o.ack(999999);
      assert.deepEqual(o.peek(10).map((e) => e.topic), ['a', 'c']);
      o.ack(ids[0]);
      o.ack(ids[2]);
      assert.equal(o.count(), 0);
      assert.deepEqual(o.peek(10), []);
      assert.ok(o.push('d', '4') > ids[2], 'ids only grow');
    } finally {
      o.close();
    }
  });
}

describe('outbox', () => {
  contract('MemoryOutbox', () => new MemoryOutbox());
  contract('FileOutbox', () => new FileOutbox(tmpDir('fw-outbox-')));

  test('FileOutbox survives a restart with unacked entries, in order', () => {
    const dir = tmpDir('fw-outbox-');
    const a = new FileOutbox(dir);
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) ids.push(a.push('ferretwatch/x/events', JSON.stringify({ i })));
    a.push('bin', Buffer.from([1, 2, 3]), { retain: true });
    for (const id of ids.slice(0, 20)) a.ack(id);
    a.close();

    const b = new FileOutbox(dir);
    assert.equal(b.count(), 31);
    const all = b.peek(100);
    assert.deepEqual(all.slice(0, 30).map((e) => JSON.parse(String(e.payload)).i), Array.from({ length: 30 }, (_, k) => k + 20));
    assert.deepEqual(Buffer.from(all[30].payload), Buffer.from([1, 2, 3]));
    assert.equal(all[30].retain, true);
    const next = b.push('t', 'new');
    assert.ok(next > all[30].id, 'ids keep growing after a restart');
    b.close();
  });

  test('FileOutbox ignores a torn last line and keeps appending cleanly', () => {
    const dir = tmpDir('fw-outbox-');
    const a = new FileOutbox(dir);
    a.push('t', 'one');
    a.push('t', 'two');
    a.close();
    fs.appendFileSync(path.join(dir, 'outbox.jsonl'), '{"id":3,"t":"t","q":1,"r":0,"p":"thr');
    const b = new FileOutbox(dir);
    assert.deepEqual(b.peek(10).map((e) => e.payload), ['one', 'two']);
    b.push('t', 'three');
    b.close();
    const c = new FileOutbox(dir);
    assert.deepEqual(c.peek(10).map((e) => e.payload), ['one', 'two', 'three']);
    c.close();
  });

  test('FileOutbox compacts its log once enough entries are acked', () => {
    const dir = tmpDir('fw-outbox-');
    const o = new FileOutbox(dir, { compactEvery: 10 });
    const ids = Array.from({ length: 30 }, (_, i) => o.push('t', `m${i}`));
    const before = fs.statSync(path.join(dir, 'outbox.jsonl')).size;
    for (const id of ids.slice(0, 25)) o.ack(id);
    const after = fs.statSync(path.join(dir, 'outbox.jsonl')).size;
    assert.ok(after < before / 2, `log should shrink: ${before} -> ${after}`);
    assert.deepEqual(o.peek(10).map((e) => e.payload), ['m25', 'm26', 'm27', 'm28', 'm29']);
    o.close();
    const again = new FileOutbox(dir);
    assert.deepEqual(again.peek(10).map((e) => e.payload), ['m25', 'm26', 'm27', 'm28', 'm29']);
    again.close();
  });

  test('FileOutbox refuses a second writer on the same directory', () => {
    const dir = tmpDir('fw-outbox-');
    const a = new FileOutbox(dir);
    assert.throws(() => new FileOutbox(dir), /already open/);
    a.close();
    const b = new FileOutbox(dir);
    b.close();
  });

  test('FileOutbox takes over the lock of a dead process', () => {
    const dir = tmpDir('fw-outbox-');
    fs.writeFileSync(path.join(dir, 'outbox.lock'), '2147483646');
    const o = new FileOutbox(dir);
    o.push('t', 'x');
    assert.equal(o.count(), 1);
    o.close();
  });

  test('storeOutbox adapts the SQLite store interface', () => {
    const rows: Array<{ id: number; topic: string; payload: Uint8Array; qos: number; retain: number }> = [];
    let next = 1;
    const store: OutboxStoreLike = {
      outboxPush: (topic, payload, qos, retain) => {
        rows.push({ id: next, topic, payload: new Uint8Array(Buffer.from(payload)), qos, retain: retain ? 1 : 0 });
        return next++;
      },
      outboxPeek: (limit) => rows.slice(0, limit),
      outboxAck: (id) => {
        const i = rows.findIndex((r) => r.id === id);
        if (i >= 0) rows.splice(i, 1);
      },
      outboxCount: () => rows.length,
    };
    const o = storeOutbox(store);
    const id = o.push('t', 'hello', { retain: true });
    const [e] = o.peek(1);
    assert.equal(e.id, id);
    assert.equal(e.retain, true);
    assert.equal(e.qos, 1);
    assert.equal(Buffer.from(e.payload).toString(), 'hello');
    o.ack(id);
    assert.equal(o.count(), 0);
  });
});
