import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Box, BoxParser, BoxParseError } from '../../../runtime/hls/boxes';

function box(type: string, payload: Buffer | number): Buffer {
  const body = typeof payload === 'number' ? Buffer.alloc(payload, type.charCodeAt(0)) : payload;
  const b = Buffer.alloc(8 + body.length);
  b.writeUInt32BE(8 + body.length, 0);
  b.write(type, 4, 'latin1');
  body.copy(b, 8);
  return b;
}

function largeBox(type: string, payloadLen: number): Buffer {
  const b = Buffer.alloc(16 + payloadLen, 7);
  b.writeUInt32BE(1, 0);
  b.write(type, 4, 'latin1');
  b.writeBigUInt64BE(BigInt(16 + payloadLen), 8);
  return b;
}

// A small stream shaped like ffmpeg's: ftyp, moov, then moof/mdat pairs (one with a 64-bit size).
const stream = Buffer.concat([box('ftyp', 12), box('moov', 40), box('moof', 20), box('mdat', 33), box('moof', 0), largeBox('mdat', 17), box('free', 1)]);
const expected = ['ftyp', 'moov', 'moof', 'mdat', 'moof', 'mdat', 'free'];

describe('BoxParser', () => {
  test('one chunk with several boxes', () => {
    const p = new BoxParser();
    const boxes = p.push(stream);
    assert.deepEqual(boxes.map((b) => b.type), expected);
    assert.deepEqual(Buffer.concat(boxes.map((b) => b.data)), stream);
    assert.equal(p.pending, 0);
  });

  test('split into two chunks at every byte offset gives the same boxes', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new BoxParser();
      const boxes = [...p.push(stream.subarray(0, cut)), ...p.push(stream.subarray(cut))];
      assert.deepEqual(boxes.map((b) => b.type), expected, `cut at ${cut}`);
      assert.ok(Buffer.concat(boxes.map((b) => b.data)).equals(stream), `bytes at cut ${cut}`);
      assert.equal(p.pending, 0);
    }
  });

  test('fed one byte at a time (headers split across chunks)', () => {
    const p = new BoxParser();
    const boxes: Box[] = [];
    for (let i = 0; i < stream.length; i++) {
      boxes.push(...p.push(stream.subarray(i, i + 1)));
      const done = boxes.reduce((a, b) => a + b.data.length, 0);
      assert.equal(p.pending, i + 1 - done);
    }
    assert.deepEqual(boxes.map((b) => b.type), expected);
    assert.ok(Buffer.concat(boxes.map((b) => b.data)).equals(stream));
  });

  test('a truncated box stays pending and is not returned', () => {
    const p = new BoxParser();
    const cut = stream.length - 3;
    const boxes = p.push(stream.subarray(0, cut));
    assert.deepEqual(boxes.map((b) => b.type), expected.slice(0, -1));
    assert.equal(p.pending, 9 - 3);
    p.reset();
    assert.equal(p.pending, 0);
    assert.deepEqual(p.push(box('moof', 4)).map((b) => b.type), ['moof']);
  });

  test('largesize box parsed with its 16-byte header', () => {
    const p = new BoxParser();
    const [b] = p.push(largeBox('mdat', 100));
    assert.equal(b.type, 'mdat');
    assert.equal(b.data.length, 116);
  });

  test('size 0, size < 8 and largesize < 16 are rejected with a clear error', () => {
    const zero = box('mdat', 4);
    zero.writeUInt32BE(0, 0);
    assert.throws(() => new BoxParser().push(zero), (e: Error) => e instanceof BoxParseError && /size 0/.test(e.message));
    const tiny = box('moof', 4);
    tiny.writeUInt32BE(5, 0);
    assert.throws(() => new BoxParser().push(tiny), /size 5 \(< 8\)/);
    const large = largeBox('mdat', 4);
    large.writeBigUInt64BE(12n, 8);
    assert.throws(() => new BoxParser().push(large), /largesize 12/);
  });

  test('a box over the size limit is an error before it is buffered', () => {
    const p = new BoxParser({ maxBoxSize: 1000 });
    const head = Buffer.alloc(8);
    head.writeUInt32BE(1001, 0);
    head.write('mdat', 4, 'latin1');
    assert.throws(() => p.push(head), /exceeds the 1000-byte limit/);
    assert.equal(p.pending, 0, 'state dropped after the error');
    const huge = largeBox('mdat', 0);
    huge.writeBigUInt64BE(2n ** 40n, 8);
    assert.throws(() => new BoxParser().push(huge), /exceeds/);
  });

  test('many small chunks: each box is assembled once and pending tracks the tail', () => {
    const big = box('mdat', 100_000);
    const p = new BoxParser();
    let got: Buffer | undefined;
    for (let off = 0; off < big.length; off += 7) {
      const out = p.push(big.subarray(off, off + 7));
      if (out.length) got = out[0].data;
    }
    assert.ok(got && got.equals(big));
    assert.equal(p.pending, 0);
  });
});
