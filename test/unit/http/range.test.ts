// Range header interpretation for clip files (RFC 9110 §14.1.2): single ranges, suffixes, open
// ends, clamping, 416 cases, and headers that must be ignored (→ whole file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, parseRange } from '../../../runtime/clips/range';

test('single ranges, open ends and suffixes', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 }, 'suffix longer than the file: all of it');
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { kind: 'partial', start: 990, end: 999 }, 'end clamped');
  assert.deepEqual(parseRange(' bytes=5-5 ', 1000), { kind: 'partial', start: 5, end: 5 });
});

test('unsatisfiable: first byte past the end, empty suffix, empty file', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=5000-6000', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
});

test('ignored (whole file): absent, malformed, other units, multiple ranges, reversed', () => {
  for (const h of [undefined, '', 'bytes=', 'bytes=-', 'items=0-5', 'bytes=0-1,5-9', 'bytes=abc-', 'bytes=9-2', 'bytes=0x10-']) {
    assert.deepEqual(parseRange(h, 1000), { kind: 'full' }, String(h));
  }
});

test('Content-Range values', () => {
  assert.equal(contentRange(1000, { start: 0, end: 99 }), 'bytes 0-99/1000');
  assert.equal(contentRange(1000), 'bytes */1000');
});
