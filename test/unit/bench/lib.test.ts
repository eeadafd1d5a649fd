// Shared benchmark helpers (bench/lib): statistics, table output, the pixel clock's decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize, p50p95 } from '../../../bench/lib/stats';
import { formatTable } from '../../../bench/lib/report';
import { CELL_W, CLOCK_BITS, ROW_H, clockSourceArgs, decodeClockStripe } from '../../../bench/lib/clock-source';

test('percentile interpolates between closest ranks and ignores non-finite values', () => {
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([0, 10], 95), 9.5);
  assert.equal(percentile([5, NaN, Infinity], 50), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(summarize([1, 2, 3]), { n: 3, min: 1, p50: 2, p95: 2.9, max: 3, mean: 2 });
  assert.deepEqual(p50p95([1000.4, 1200.6], 0), { p50: 1101, p95: 1191 });
});

test('formatTable aligns columns, right-aligns numbers, shows missing values as –', () => {
  const t = formatTable(['mode', 'ms'], [['LL', 1061], ['plain', undefined]]).split('\n');
  assert.deepEqual(t, ['mode     ms', '-----  ----', 'LL     1061', 'plain     –']);
});

/** RGBA pixels of a stripe as the clock source draws it (16 = black, 235 = white). */
function stripe(value: number, flip?: number): Uint8ClampedArray {
  const w = CLOCK_BITS * CELL_W;
  const px = new Uint8ClampedArray(w * 2 * ROW_H * 4);
  for (let y = 0; y < 2 * ROW_H; y++) {
    for (let x = 0; x < w; x++) {
      const b = Math.floor(x / CELL_W);
      let bit = Math.floor(value / 2 ** b) % 2;
      if (y >= ROW_H) bit = 1 - bit;
      if (y >= ROW_H && b === flip) bit = 1 - bit;
      const v = bit ? 235 : 16;
      px.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return px;
}

test('decodeClockStripe reads the stamped value and rejects a cell that disagrees with its twin', () => {
  const w = CLOCK_BITS * CELL_W;
  for (const v of [0, 1, 1234567, 2 ** CLOCK_BITS - 1]) assert.equal(decodeClockStripe(stripe(v), w, CLOCK_BITS, CELL_W, ROW_H), v);
  assert.equal(decodeClockStripe(stripe(1234567, 5), w, CLOCK_BITS, CELL_W, ROW_H), undefined);
});

test('clockSourceArgs: real-time lavfi source, wall clock from RTCTIME, camera-like H.264 over UDP', () => {
  const a = clockSourceArgs({ udpPort: 23456, epochMs: 1_700_000_000_000 });
  assert.deepEqual(a.slice(a.indexOf('-re'), a.indexOf('-re') + 3), ['-re', '-f', 'lavfi']);
  const vf = a[a.indexOf('-vf') + 1];
  assert.match(vf, /setpts=RTCTIME-1700000000000000/);
  assert.match(vf, /geq=lum=/);
  assert.ok(a.includes('zerolatency'));
  assert.equal(a[a.length - 1], 'udp://127.0.0.1:23456?pkt_size=1316');
});
