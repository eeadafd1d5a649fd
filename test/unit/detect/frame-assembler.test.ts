import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool, FrameAssembler } from '../../../runtime/detect/frame-assembler';
import { LatestFrameSlot } from '../../../runtime/detect/latest-frame';
import { InputSizeWatcher } from '../../../runtime/detect/input-size';

describe('FrameAssembler', () => {
  test('cuts arbitrary chunks into whole frames, in order, reusing pooled buffers', () => {
    const pool = new BufferPool(6);
    const asm = new FrameAssembler(6, () => pool.take());
    const got: number[][] = [];
    const onFrame = (b: Uint8Array) => {
      got.push(Array.from(b));
      pool.give(b);
    };
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i);
    // Chunks of 1, 4, 7 and 8 bytes: frames straddle chunk boundaries, one chunk holds 1+ frames.
    asm.push(bytes.subarray(0, 1), onFrame);
    asm.push(bytes.subarray(1, 5), onFrame);
    asm.push(bytes.subarray(5, 12), onFrame);
    asm.push(bytes.subarray(12, 20), onFrame);
    assert.deepEqual(got, [
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
      [12, 13, 14, 15, 16, 17],
    ]);
    assert.equal(asm.pending, 2);
    assert.ok(pool.allocated <= 2, `allocated ${pool.allocated}`);
  });

  test('reset() drops a partial frame (a restarted ffmpeg starts at a frame boundary)', () => {
    const asm = new FrameAssembler(4, () => new Uint8Array(4));
    const got: number[][] = [];
    asm.push(Uint8Array.of(9, 9), (b) => got.push(Array.from(b)));
    asm.reset();
    asm.push(Uint8Array.of(1, 2, 3, 4), (b) => got.push(Array.from(b)));
    assert.deepEqual(got, [[1, 2, 3, 4]]);
    assert.throws(() => new FrameAssembler(0, () => new Uint8Array(0)), /positive/);
  });
});

describe('LatestFrameSlot (latest-frame-wins)', () => {
  test('a newer frame replaces an untaken one, which is counted and recycled', async () => {
    const recycled: Uint8Array[] = [];
    const slot = new LatestFrameSlot<number>((b) => recycled.push(b));
    const a = new Uint8Array(1);
    const b = new Uint8Array(1);
    const c = new Uint8Array(1);
    slot.put(a, 1);
    slot.put(b, 2);
    slot.put(c, 3);
    const got = await slot.next();
    assert.equal(got?.meta, 3);
    assert.equal(got?.buf, c);
    assert.equal(got?.dropped, 2);
    assert.equal(got?.waitMs, 0);
    assert.deepEqual(recycled, [a, b]);
    assert.equal(slot.droppedTotal, 2);
    assert.equal(slot.offered, 3);
  });

  test('a waiting consumer gets the next frame directly, with its wait time', async () => {
    const slot = new LatestFrameSlot<string>(() => undefined);
    const p = slot.next();
    await assert.rejects(slot.next(), /already waiting/);
    setTimeout(() => slot.put(new Uint8Array(1), 'x'), 30);
    const got = await p;
    assert.equal(got?.meta, 'x');
    assert.equal(got?.dropped, 0);
    assert.ok((got?.waitMs ?? 0) >= 20, `waited ${got?.waitMs}`);
  });

  test('close() wakes the consumer with null and recycles what is left; reopen() accepts frames again', async () => {
    const recycled: Uint8Array[] = [];
    const slot = new LatestFrameSlot<number>((b) => recycled.push(b));
    const waiting = slot.next();
    slot.close();
    assert.equal(await waiting, null);
    const late = new Uint8Array(1);
    slot.put(late, 1);
    assert.deepEqual(recycled, [late]);
    assert.equal(await slot.next(), null);
    slot.reopen();
    slot.put(new Uint8Array(1), 2);
    assert.equal((await slot.next())?.meta, 2);
  });
});

describe('InputSizeWatcher', () => {
  test('reads the source size from the input report, with or without level prefixes', () => {
    const w = new InputSizeWatcher();
    const lines = [
      '[info] Input #0, rtsp, from \'rtsp://127.0.0.1:8554/cam\':',
      '[info]   Duration: N/A, start: 0.000000, bitrate: N/A',
      '[info]   Stream #0:0: Video: h264 (High), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 30 fps, 30 tbr, 90k tbn',
    ];
    for (const l of lines) assert.equal(w.push(l), undefined);
    assert.equal(w.settled, false);
    assert.deepEqual(w.push('[info] Stream mapping:'), { width: 1920, height: 1080 });
    assert.equal(w.settled, true);
    // The output section's stream line (the 640x640 rgb24 frames) must not override it.
    assert.equal(w.push('  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 640x640'), undefined);
    assert.deepEqual(w.current, { width: 1920, height: 1080 });
    w.reset();
    assert.equal(w.current, undefined);
  });

  test('a 90° display matrix swaps width and height; a report without video settles with no size', () => {
    const w = new InputSizeWatcher();
    w.push("Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':");
    w.push('  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv), 1920x1080, 30 fps');
    w.push('    Side data:');
    w.push('      displaymatrix: rotation of -90.00 degrees');
    assert.deepEqual(w.push('Output #0, rawvideo, to \'pipe:1\':'), { width: 1080, height: 1920 });
    const a = new InputSizeWatcher();
    a.push("Input #0, wav, from 'x.wav':");
    a.push('  Stream #0:0: Audio: pcm_s16le, 44100 Hz, stereo');
    assert.equal(a.push('Stream mapping:'), undefined);
    assert.equal(a.settled, true);
  });
});
