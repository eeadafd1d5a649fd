import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseFragment, parseInit, hevcCodecSuffix, Fmp4Error } from '../../../runtime/hls/fmp4';
import { FFPROBE, haveFfmpeg, makeFmp4, topBoxes, tmpFile } from './fixture';

function fullBox(type: string, version: number, flags: number, body: Buffer): Buffer {
  const b = Buffer.alloc(12 + body.length);
  b.writeUInt32BE(b.length, 0);
  b.write(type, 4, 'latin1');
  b.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 8);
  body.copy(b, 12);
  return b;
}

function container(type: string, ...kids: Buffer[]): Buffer {
  const body = Buffer.concat(kids);
  const b = Buffer.alloc(8 + body.length);
  b.writeUInt32BE(b.length, 0);
  b.write(type, 4, 'latin1');
  body.copy(b, 8);
  return b;
}

function u32(...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
  return b;
}

function probe(file: string) {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,level,width,height,time_base', '-of', 'json', file]).toString();
  return JSON.parse(out).streams[0];
}

describe('fmp4 on real ffmpeg output', () => {
  test('parseInit: h264 track, timescale, size and the RFC 6381 codec matching ffprobe', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const file = makeFmp4();
    const boxes = topBoxes(file);
    const moov = boxes.find((b) => b.type === 'moov')!;
    const info = parseInit(file.subarray(0, moov.end));
    const tmp = tmpFile('x.mp4', file);
    try {
      const p = probe(tmp.file);
      assert.equal(info.width, p.width);
      assert.equal(info.height, p.height);
      assert.equal(`1/${info.timescale}`, p.time_base);
      assert.equal(info.trackId, 1);
      const m = /^avc1\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(info.codec);
      assert.ok(m, info.codec);
      assert.equal(parseInt(m[3], 16), p.level, 'level byte');
      const idc = ({ Baseline: 66, 'Constrained Baseline': 66, Main: 77, High: 100 } as Record<string, number>)[p.profile];
      assert.equal(parseInt(m[1], 16), idc, `profile ${p.profile}`);
    } finally {
      tmp.cleanup();
    }
  });

  test('parseFragment: durations add up, tfdt is continuous, keyframes exactly every GOP', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const fps = 30;
    const file = makeFmp4({ seconds: 8, fps, gop: 30, fragUs: 200_000 });
    const boxes = topBoxes(file);
    const moov = boxes.find((b) => b.type === 'moov')!;
    const init = parseInit(file.subarray(0, moov.end));
    let expectTime = 0;
    let frames = 0;
    let keys = 0;
    for (const b of boxes.filter((x) => x.type === 'moof')) {
      const f = parseFragment(file.subarray(b.start, b.end), init.timescale, init);
      assert.equal(f.trackId, init.trackId);
      assert.equal(f.baseDecodeTime, expectTime, 'tfdt continues where the previous fragment ended');
      assert.equal(f.keyframe, frames % 30 === 0, `keyframe flag at frame ${frames}`);
      assert.ok(f.durationS > 0 && f.durationS <= 0.2 + 1e-9, `fragment of ${f.durationS}s`);
      assert.equal(f.durationTicks, (f.sampleCount * init.timescale) / fps);
      if (f.keyframe) keys++;
      expectTime += f.durationTicks;
      frames += f.sampleCount;
    }
    assert.equal(frames, 8 * fps);
    assert.equal(keys, 8);
    assert.equal(expectTime / init.timescale, 8);
  });

  test('parseInit: HEVC gives an hvc1 codec string', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const file = makeFmp4({ seconds: 1, codec: 'libx265', size: '320x240' });
    const moov = topBoxes(file).find((b) => b.type === 'moov')!;
    const info = parseInit(file.subarray(0, moov.end));
    // Main profile (1), compatibility flags 0x60000000 reversed (6), Main tier, level from the stream.
    assert.match(info.codec, /^hvc1\.1\.6\.L\d+(\.[0-9A-F]{1,2})*$/);
    assert.deepEqual([info.width, info.height], [320, 240]);
  });
});

describe('fmp4 synthetic edge cases', () => {
  const tfhdDefaults = (trackId: number, dur: number, flags: number) => fullBox('tfhd', 0, 0x020000 | 0x08 | 0x20, u32(trackId, dur, flags));

  test('multiple traf: the video track is picked by id; tfdt v1; tfhd defaults', () => {
    const audio = container('traf', fullBox('tfhd', 0, 0x020000, u32(2)), fullBox('tfdt', 0, 0, u32(999)), fullBox('trun', 0, 0x100, u32(2, 1024, 1024)));
    const tfdt64 = Buffer.alloc(8);
    tfdt64.writeBigUInt64BE(5_000_000_000n);
    // Video: default duration 3000, default flags non-sync, first-sample-flags says sync.
    const video = container('traf', tfhdDefaults(1, 3000, 0x01010000), fullBox('tfdt', 1, 0, tfdt64), fullBox('trun', 0, 0x01 | 0x04 | 0x200, u32(3, 0, 0x02000000, 10, 11, 12)));
    const moof = container('moof', fullBox('mfhd', 0, 0, u32(7)), audio, video);
    const f = parseFragment(moof, 90000, { trackId: 1 });
    assert.equal(f.trackId, 1);
    assert.equal(f.sequenceNumber, 7);
    assert.equal(f.baseDecodeTime, 5_000_000_000);
    assert.equal(f.sampleCount, 3);
    assert.equal(f.durationTicks, 9000);
    assert.equal(f.durationS, 0.1);
    assert.equal(f.keyframe, true);
    // Without a track id the first traf (audio) is used.
    assert.equal(parseFragment(moof, 48000).trackId, 2);
    assert.throws(() => parseFragment(moof, 90000, { trackId: 3 }), /no traf for track 3/);
  });

  test('keyframe from per-sample flags, then from tfhd/trex defaults', () => {
    const perSample = container('moof', container('traf', fullBox('tfhd', 0, 0x020000, u32(1)), fullBox('trun', 0, 0x100 | 0x400, u32(2, 100, 0x10000, 100, 0))));
    const f = parseFragment(perSample, 1000);
    assert.equal(f.keyframe, false, 'first sample flagged non-sync');
    assert.equal(f.durationTicks, 200);
    const byTrex = container('moof', container('traf', fullBox('tfhd', 0, 0x020000, u32(1)), fullBox('trun', 0, 0, u32(4))));
    assert.equal(parseFragment(byTrex, 1000, { trackId: 1, defaultSampleDuration: 40, defaultSampleFlags: 0x10000 }).keyframe, false);
    const g = parseFragment(byTrex, 1000, { trackId: 1, defaultSampleDuration: 40, defaultSampleFlags: 0 });
    assert.equal(g.keyframe, true);
    assert.equal(g.durationTicks, 160);
    const byTfhd = container('moof', container('traf', tfhdDefaults(1, 50, 0x10000), fullBox('trun', 0, 0, u32(2))));
    assert.equal(parseFragment(byTfhd, 1000, { trackId: 1, defaultSampleFlags: 0 }).keyframe, false, 'tfhd overrides trex');
  });

  test('truncated structures throw Fmp4Error, not RangeError', () => {
    const trun = fullBox('trun', 0, 0x100, u32(50, 1)); // claims 50 samples, has one
    const moof = container('moof', container('traf', fullBox('tfhd', 0, 0, u32(1)), trun));
    assert.throws(() => parseFragment(moof, 1000), Fmp4Error);
    const bad = container('moof', container('traf', fullBox('tfhd', 0, 0, u32(1))));
    bad.writeUInt32BE(9999, 8); // traf size beyond its parent
    assert.throws(() => parseFragment(bad, 1000), Fmp4Error);
    assert.throws(() => parseInit(container('ftyp', Buffer.alloc(8))), /no moov/);
  });

  test('hevcCodecSuffix follows ISO/IEC 14496-15 Annex E', () => {
    // profile_space 0, tier Main, profile 1, compat 0x60000000, constraints B0 00 00 00 00 00, level 93
    const hvcC = Buffer.from([1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93]);
    assert.equal(hevcCodecSuffix(hvcC), '1.6.L93.B0');
    // High tier, profile_space 1 (A), Main 10 (2), compat 0x20000000 -> reversed 4
    const hvcC2 = Buffer.from([1, 0x40 | 0x20 | 0x02, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0x01, 120]);
    assert.equal(hevcCodecSuffix(hvcC2), 'A2.4.H120.90.0.0.0.0.1');
  });
});
