import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay } from '../../../runtime/ffmpeg/backoff';

const mid = (): number => 0.5; // no jitter

describe('backoffDelay', () => {
  test('doubles from 1 s up to the 30 s cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 20, 1000].map((a) => backoffDelay(a, { random: mid }));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  test('jitter stays within ±20 % and never exceeds the cap', () => {
    assert.equal(backoffDelay(0, { random: () => 0 }), 800);
    assert.equal(backoffDelay(0, { random: () => 0.999999 }), 1200);
    assert.equal(backoffDelay(3, { random: () => 0 }), 6400);
    assert.equal(backoffDelay(10, { random: () => 0.999999 }), 30000, 'cap is a hard maximum');
    assert.equal(backoffDelay(10, { random: () => 0 }), 24000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, {});
      assert.ok(d >= 3200 && d <= 4800, `attempt 2 delay ${d} outside 4000 ±20 %`);
    }
  });

  test('custom base, factor and cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((a) => backoffDelay(a, { baseMs: 50, factor: 3, maxMs: 1000, random: mid })),
      [50, 150, 450, 1000],
    );
    assert.equal(backoffDelay(-3, { random: mid }), 1000, 'negative attempts count as the first');
  });
});

describe('Backoff', () => {
  test('counts attempts and resets', () => {
    const b = new Backoff({ random: mid });
    assert.deepEqual([b.next(), b.next(), b.next()], [1000, 2000, 4000]);
    assert.equal(b.attempts, 3);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 1000);
  });

  test('uses the injected random for jitter', () => {
    const values = [0, 0.999999, 0.5];
    const b = new Backoff({ random: () => values.shift() ?? 0.5 });
    assert.deepEqual([b.next(), b.next(), b.next()], [800, 2400, 4000]);
  });
});
