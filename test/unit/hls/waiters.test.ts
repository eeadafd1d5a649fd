import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PartWaiters, WaitResult } from '../../../runtime/hls/waiters';

function track(p: Promise<WaitResult>): { result?: WaitResult } {
  const box: { result?: WaitResult } = {};
  void p.then((r) => (box.result = r));
  return box;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PartWaiters', () => {
  test('resolves in (msn, part) order, only the satisfied ones', async () => {
    const w = new PartWaiters();
    const a = track(w.wait(5, 2, 10_000));
    const b = track(w.wait(5, 3, 10_000));
    const c = track(w.wait(6, 0, 10_000));
    const whole = track(w.wait(5, Infinity, 10_000));
    w.notify(5, 2);
    await tick();
    assert.deepEqual([a.result, b.result, c.result, whole.result], ['ready', undefined, undefined, undefined]);
    w.notify(6, 0);
    await tick();
    // A part index past the end of segment 5 is satisfied by part 0 of segment 6 (rfc8216bis 6.2.5.2).
    assert.deepEqual([b.result, c.result, whole.result], ['ready', 'ready', 'ready']);
    assert.equal(w.size, 0);
  });

  test('an already reached position resolves at once', async () => {
    const w = new PartWaiters();
    w.notify(3, 1);
    assert.equal(await w.wait(3, 0, 1000), 'ready');
    assert.equal(await w.wait(2, 9, 1000), 'ready');
    assert.equal(w.size, 0);
  });

  test('timeouts fire per waiter from one shared timer, in deadline order', async () => {
    const w = new PartWaiters();
    const order: string[] = [];
    const p1 = w.wait(9, 0, 60).then((r) => order.push(`late:${r}`));
    const p2 = w.wait(9, 1, 10).then((r) => order.push(`early:${r}`));
    const p3 = w.wait(1, 0, 5000).then((r) => order.push(`kept:${r}`));
    await Promise.all([p1, p2]);
    assert.deepEqual(order, ['early:timeout', 'late:timeout']);
    assert.equal(w.size, 1);
    w.notify(1, 0);
    await p3;
    assert.deepEqual(order, ['early:timeout', 'late:timeout', 'kept:ready']);
  });

  test('abort removes the waiter; close resolves the rest and refuses new ones', async () => {
    const w = new PartWaiters();
    const ac = new AbortController();
    const a = w.wait(4, 0, 10_000, ac.signal);
    const b = w.wait(4, 1, 10_000);
    ac.abort();
    assert.equal(await a, 'aborted');
    assert.equal(w.size, 1);
    w.close();
    assert.equal(await b, 'closed');
    assert.equal(await w.wait(9, 9, 10), 'closed');
    const pre = new AbortController();
    pre.abort();
    assert.equal(await new PartWaiters().wait(1, 1, 10, pre.signal), 'aborted');
  });

  test('1000 waiters on many positions all resolve correctly across notifies', async () => {
    const w = new PartWaiters();
    const boxes: Array<{ msn: number; part: number; box: { result?: WaitResult } }> = [];
    const acs: AbortController[] = [];
    for (let i = 0; i < 1000; i++) {
      const msn = 100 + (i % 10);
      const part = (i * 7) % 6;
      const ac = new AbortController();
      acs.push(ac);
      boxes.push({ msn, part, box: track(w.wait(msn, part, 60_000, ac.signal)) });
    }
    // A tenth of the clients go away.
    for (let i = 0; i < 1000; i += 10) acs[i].abort();
    await tick();
    assert.equal(w.size, 900);
    for (let msn = 100; msn < 110; msn++) {
      for (let part = 0; part < 6; part++) {
        w.notify(msn, part);
        await tick();
        for (const b of boxes) {
          if (b.box.result === 'aborted') continue;
          const due = b.msn < msn || (b.msn === msn && b.part <= part);
          assert.equal(b.box.result, due ? 'ready' : undefined, `waiter (${b.msn},${b.part}) after notify (${msn},${part})`);
        }
      }
    }
    assert.equal(w.size, 0);
    assert.equal(boxes.filter((b) => b.box.result === 'aborted').length, 100);
  });
});
