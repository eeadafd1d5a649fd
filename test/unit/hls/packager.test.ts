import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HlsPackager, HlsPackagerOptions, PartEvent, SegmentEvent, parseHlsName } from '../../../runtime/hls/packager';
import { checkPlaylist } from './conformance';
import { countFrames, feed, haveFfmpeg, liveClock, makeFmp4, T0, tmpFile, topBoxes } from './fixture';

function packager(opts: HlsPackagerOptions = {}) {
  const clock = liveClock();
  const p = new HlsPackager({ segmentTargetS: 2, partTargetS: 0.2, now: clock.now, ...opts });
  clock.attach(p);
  const parts: PartEvent[] = [];
  const segments: SegmentEvent[] = [];
  p.on('part', (e: PartEvent) => parts.push(e));
  p.on('segment', (e: SegmentEvent) => segments.push(e));
  const keyframeParts = () => new Set(parts.filter((e) => e.independent).map((e) => e.uri));
  return { p, clock, parts, segments, keyframeParts };
}

describe('HlsPackager on real ffmpeg output', () => {
  test('8 s at 30 fps, GOP 1 s, 0.2 s fragments: 3 closed segments of 2 s plus one in progress', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p, parts, segments } = packager();
    const inits: unknown[] = [];
    p.on('init', (e) => inits.push(e));
    feed(p, makeFmp4(), 1000);
    assert.equal(inits.length, 1);
    assert.equal(parts.length, 40);
    assert.deepEqual(segments.map((s) => [s.msn, s.durationS, s.parts]), [[0, 2, 10], [1, 2, 10], [2, 2, 10]]);
    const info = p.info;
    assert.match(info.codec!, /^avc1\.[0-9a-f]{6}$/);
    assert.deepEqual([info.width, info.height, info.timescale], [320, 240, 15360]);
    assert.deepEqual([info.lastMsn, info.lastPart, info.lastSegmentMsn], [3, 9, 2]);
    assert.equal(info.targetDurationS, 2);
    // Parts are numbered per segment and INDEPENDENT exactly on keyframes (every 5th part here).
    parts.forEach((e, i) => {
      assert.equal(e.msn, Math.floor(i / 10));
      assert.equal(e.part, i % 10);
      assert.equal(e.independent, i % 5 === 0);
      assert.equal(e.durationS, 0.2);
    });
    assert.ok(p.getPart(3, 9), 'parts of the segment in progress are served');
    assert.equal(p.getSegment(3), undefined, 'the segment in progress is not');
    assert.equal(p.getPart(3, 10), undefined);
  });

  test('LL and plain playlists pass the conformance checks', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p, keyframeParts } = packager();
    feed(p, makeFmp4(), 4096);
    const ll = checkPlaylist(p.playlist({ ll: true })!, { ll: true, keyframeParts: keyframeParts() });
    assert.equal(ll.partTarget, 0.2);
    assert.equal(ll.targetDuration, 2);
    assert.equal(ll.mediaSequence, 0);
    assert.deepEqual(ll.segments.map((s) => s.duration), [2, 2, 2]);
    assert.equal(ll.pending?.parts.length, 10);
    assert.equal(ll.preloadHint, 'part4.0.m4s', 'a full GOP at the target predicts a new segment');
    assert.equal(ll.segments[0].pdt, T0 - 200, 'PDT anchored at the first fragment, minus its duration');
    const plain = checkPlaylist(p.playlist({ ll: false })!, { ll: false });
    assert.deepEqual(plain.segments.map((s) => s.uri), ll.segments.map((s) => s.uri));
  });

  test('a burst of backlog: PDT follows the earliest arrival and stays consistent with EXTINF', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    // All 8 s arrive at one instant (the clock does not move): the last fragment shows the real
    // delay (its end was captured at T0 at the latest), and the segments closed during the burst
    // are re-stamped with it, so PDTs still advance by exactly the segment durations.
    const p = new HlsPackager({ segmentTargetS: 2, partTargetS: 0.2, now: () => T0, startMsn: 1000 });
    feed(p, makeFmp4(), 65536);
    const pl = checkPlaylist(p.playlist({ ll: true })!, { ll: true });
    assert.deepEqual(pl.segments.map((s) => s.uri), ['seg1000.m4s', 'seg1001.m4s', 'seg1002.m4s']);
    assert.equal(pl.segments[0].pdt, T0 - 8000, 'the 8 s of media ended at T0');
    assert.equal(pl.pending?.pdt, T0 - 8000 + 6000);
  });

  test('a probing backlog longer than a segment does not leave PDT late (start-up window)', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    // ffmpeg held back 3 s while probing, then sent them at once; the rest arrives in real time.
    let now = T0;
    const p = new HlsPackager({ segmentTargetS: 2, partTargetS: 0.2, now: () => now });
    // Arrival minus the stamped end of each fragment, as stamped when it arrived.
    const slack: number[] = [];
    p.on('fragment', (f: { wallMs: number; durationS: number }) => {
      slack.push(now - (f.wallMs + f.durationS * 1000));
      if (slack.length >= 15) now += f.durationS * 1000; // after the burst (15 x 0.2 s), real time
    });
    feed(p, makeFmp4(), 4096);
    const pl = checkPlaylist(p.playlist({ ll: true })!, { ll: true });
    // Fragment 15 (media end 3.2 s) arrived at T0 + 0.2 s: media 0 was captured at T0 - 3000.
    assert.equal(pl.segments[0].pdt, T0 - 3000, 'closed segments re-stamped with the real delay');
    assert.equal(pl.pending?.pdt, T0 - 3000 + 6000);
    // Every fragment after the burst is stamped as ending when it arrived: no hidden latency.
    assert.deepEqual(slack.slice(15), slack.slice(15).map(() => 0));
  });

  test('after the start-up window, an early fragment does not move PDT (EXTINF continuity)', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const clock = liveClock();
    const p = new HlsPackager({ segmentTargetS: 2, partTargetS: 0.2, now: clock.now });
    clock.attach(p);
    const buf = makeFmp4();
    feed(p, buf.subarray(0, Math.floor(buf.length / 2)), 4096);
    clock.advance(20_000); // 20 s late: the window is over; a 20 s jump is re-anchored ...
    clock.advance(-19_900); // ... but 100 ms early after the window is not
    feed(p, buf.subarray(Math.floor(buf.length / 2)), 4096);
    checkPlaylist(p.playlist({ ll: true })!, { ll: true });
    const pl = checkPlaylist(p.playlist({ ll: false })!, { ll: false });
    assert.equal(pl.segments[0].pdt, T0 - 200, 'anchor from the first fragment kept');
  });

  test('every preload hint names the part that really comes next', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p } = packager();
    let hint: string | undefined;
    let checked = 0;
    p.on('part', (e: PartEvent) => {
      if (hint) {
        assert.equal(e.uri, hint, 'hinted URI');
        checked++;
      }
      hint = p.hasPlaylist ? /PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(p.playlist()!)?.[1] : undefined;
      if (hint) {
        const m = /^part(\d+)\.(\d+)\.m4s$/.exec(hint)!;
        assert.ok(p.isNextPart(Number(m[1]), Number(m[2])), 'the hinted part may be held');
      }
    });
    feed(p, makeFmp4(), 1500);
    assert.equal(checked, 29, 'every part after the first closed segment');
  });

  test('segment bytes are the concatenated parts, held once; init + segment decodes in ffprobe', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p } = packager();
    feed(p, makeFmp4(), 777);
    const seg = p.getSegment(1)!;
    const parts = Array.from({ length: 10 }, (_, i) => p.getPart(1, i)!);
    assert.ok(Buffer.concat(parts).equals(seg));
    assert.ok(parts.every((b) => b.buffer === seg.buffer), 'parts are views into the segment buffer');
    const tmp = tmpFile('seg1.mp4', Buffer.concat([p.initSegment!, seg]));
    try {
      const probe = countFrames(tmp.file);
      assert.deepEqual(probe, { codec: 'h264', width: 320, height: 240, frames: 60 });
    } finally {
      tmp.cleanup();
    }
  });

  test('output does not depend on how stdout was chunked', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const file = makeFmp4();
    const results = [13, 1000, 65536, file.length].map((size) => {
      const { p } = packager();
      feed(p, file, size);
      return [p.playlist({ ll: true }), p.getSegment(0), p.getSegment(2), p.getPart(3, 9)];
    });
    for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
  });

  test('joining mid-GOP: nothing is published before the first keyframe', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const file = makeFmp4();
    const boxes = topBoxes(file);
    const moofs = boxes.filter((b) => b.type === 'moof');
    // init, then skip the first two fragments (a keyframe part and one after it).
    const moov = boxes.find((b) => b.type === 'moov')!;
    const stream = Buffer.concat([file.subarray(0, moov.end), file.subarray(moofs[2].start)]);
    const { p, parts } = packager();
    feed(p, stream, 1000);
    assert.equal(parts[0].independent, true);
    assert.equal(parts.length, 40 - 5, 'the rest of the first GOP is dropped');
    checkPlaylist(p.playlist({ ll: true })!, { ll: true });
  });

  test('reset() after an encoder restart: MSNs continue, discontinuity, new init generation when it changed', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p, clock, segments, keyframeParts } = packager({ playlistSegments: 4 });
    const inits: Array<{ gen: number; uri: string }> = [];
    p.on('init', (e) => inits.push(e));
    feed(p, makeFmp4(), 5000);
    let reloaded = false;
    void p.waitForPart(3, Infinity, 10_000).then((r) => (reloaded = r === 'ready'));
    p.reset();
    assert.deepEqual(segments.map((s) => s.msn), [0, 1, 2, 3], 'the segment in progress is closed by the restart');
    assert.equal(p.getSegment(3)?.length, Buffer.concat(Array.from({ length: 10 }, (_, i) => p.getPart(3, i)!)).length);
    clock.advance(5000);
    feed(p, makeFmp4(), 5000); // same encoder settings: identical init
    assert.deepEqual(inits.map((i) => i.uri), ['init.mp4', 'init.mp4']);
    const s4 = segments.find((s) => s.msn === 4)!;
    assert.equal(s4.discontinuity, true);
    let pl = checkPlaylist(p.playlist({ ll: true })!, { ll: true, keyframeParts: keyframeParts() });
    assert.deepEqual(pl.segments.map((s) => [s.msn, s.discontinuity]), [[3, false], [4, true], [5, false], [6, false]]);
    assert.equal(pl.discontinuitySequence, 0);

    p.reset();
    clock.advance(5000);
    feed(p, makeFmp4({ size: '160x120' }), 5000);
    assert.deepEqual(inits.map((i) => i.uri), ['init.mp4', 'init.mp4', 'init1.mp4']);
    assert.equal(p.info.width, 160);
    pl = checkPlaylist(p.playlist({ ll: true })!, { ll: true, keyframeParts: keyframeParts() });
    const byMsn = new Map(pl.segments.map((s) => [s.msn, s]));
    assert.equal(byMsn.get(8)?.discontinuity, true);
    assert.equal(byMsn.get(8)?.map, 'init1.mp4');
    // Segments up to 6 have slid out; the first listed one comes after 1 discontinuity.
    assert.deepEqual(pl.segments.map((s) => s.msn), [7, 8, 9, 10]);
    assert.equal(pl.discontinuitySequence, 1);
    assert.equal(p.getSegment(4), undefined, 'old segments are dropped');
    assert.ok(p.getSegment(5), 'two past the window are kept');
    assert.ok(p.getInit(0), 'the old init stays while segments using it are kept');
    assert.ok(p.getInit(1));
    assert.equal(reloaded, false, 'promise settles asynchronously');
    return new Promise<void>((r) => setImmediate(r)).then(() => assert.equal(reloaded, true));
  });

  test('fragmentsSince: clips start at a keyframe, hold raw moof+mdat with wall clock, and decode', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p } = packager({ prebufferS: 3 });
    const seen: number[] = [];
    p.on('fragment', (f: { wallMs: number }) => seen.push(f.wallMs));
    feed(p, makeFmp4(), 4096);
    // Kept: back to the newest keyframe at least 3 s before the newest fragment.
    const all = p.fragmentsSince(0);
    assert.ok(all[0].keyframe);
    const span = all[all.length - 1].wallMs - all[0].wallMs;
    assert.ok(span >= 3000 && span < 4000 + 1, `prebuffer spans ${span} ms`);
    const newest = seen[seen.length - 1];
    const clip = p.fragmentsSince(newest - 1500);
    assert.ok(clip[0].keyframe, 'starts at a keyframe');
    assert.ok(clip[0].wallMs <= newest - 1500 && clip[0].wallMs > newest - 1500 - 1000, 'the last keyframe before the asked time');
    for (let i = 1; i < clip.length; i++) assert.ok(Math.abs(clip[i].wallMs - clip[i - 1].wallMs - clip[i - 1].durationS * 1000) < 1e-6);
    assert.equal(clip[0].data.toString('latin1', 4, 8), 'moof');
    const tmp = tmpFile('clip.mp4', Buffer.concat([clip[0].init, ...clip.map((f) => f.data)]));
    try {
      assert.equal(countFrames(tmp.file).frames, Math.round(clip.reduce((a, f) => a + f.durationS, 0) * 30));
    } finally {
      tmp.cleanup();
    }
    p.reset();
    assert.deepEqual(p.fragmentsSince(0), [], 'a restart starts a new pre-buffer');
  });

  test('window: playlistSegments listed, two more kept, parts only near the live edge', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p, segments, keyframeParts } = packager({ playlistSegments: 3 });
    feed(p, makeFmp4({ seconds: 20 }), 8192);
    assert.equal(segments.length, 9);
    const pl = checkPlaylist(p.playlist({ ll: true })!, { ll: true, keyframeParts: keyframeParts() });
    assert.deepEqual(pl.segments.map((s) => s.msn), [6, 7, 8]);
    assert.deepEqual(pl.segments.map((s) => s.parts.length), [0, 10, 10]);
    assert.ok(p.getSegment(4) && p.getSegment(5) && p.getPart(4, 0), 'two segments past the window stay downloadable');
    assert.equal(p.getSegment(3), undefined);
  });

  test('diskDir mirrors init, segments and a plain playlist, and deletes what slid out', async (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-hls-disk-'));
    try {
      const { p } = packager({ playlistSegments: 3, diskDir: path.join(dir, 'cam') });
      feed(p, makeFmp4({ seconds: 20 }), 8192);
      await p.flushDisk();
      const files = fs.readdirSync(path.join(dir, 'cam')).sort();
      assert.deepEqual(files, ['index.m3u8', 'init.mp4', 'seg4.m4s', 'seg5.m4s', 'seg6.m4s', 'seg7.m4s', 'seg8.m4s']);
      assert.ok(fs.readFileSync(path.join(dir, 'cam', 'seg8.m4s')).equals(p.getSegment(8)!));
      checkPlaylist(fs.readFileSync(path.join(dir, 'cam', 'index.m3u8'), 'utf8'), { ll: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no disk writes by default', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p } = packager();
    const orig = fs.promises.writeFile;
    let writes = 0;
    (fs.promises as { writeFile: unknown }).writeFile = (...a: unknown[]) => {
      writes++;
      return (orig as (...x: unknown[]) => Promise<void>)(...a);
    };
    try {
      feed(p, makeFmp4(), 8192);
    } finally {
      (fs.promises as { writeFile: unknown }).writeFile = orig;
    }
    assert.equal(writes, 0);
  });
});

describe('HlsPackager input errors', () => {
  test('a corrupt box size throws, keeps throwing until reset(), then works again', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const { p, parts } = packager();
    const bad = Buffer.alloc(16);
    bad.writeUInt32BE(3, 0);
    bad.write('moof', 4, 'latin1');
    assert.throws(() => p.push(bad), /size 3/);
    assert.throws(() => p.push(Buffer.alloc(8)), /size 3/);
    p.reset();
    feed(p, makeFmp4(), 4096);
    assert.equal(parts.length, 40);
  });

  test('a malformed moof is skipped with a warning', (t) => {
    if (!haveFfmpeg()) return t.skip('ffmpeg not installed');
    const file = Buffer.from(makeFmp4());
    const moof = topBoxes(file).filter((b) => b.type === 'moof')[3];
    // Break the traf size inside the 4th moof (its first child after mfhd).
    file.writeUInt32BE(0xffff, moof.start + 8 + 16);
    const { p, parts } = packager();
    const warnings: Error[] = [];
    p.on('warning', (e: Error) => warnings.push(e));
    feed(p, file, 4096);
    assert.equal(warnings.length, 1);
    assert.equal(parts.length, 39);
  });
});

describe('parseHlsName', () => {
  test('accepts exactly the names the packager publishes', () => {
    assert.deepEqual(parseHlsName('init.mp4'), { kind: 'init', gen: 0 });
    assert.deepEqual(parseHlsName('init3.mp4'), { kind: 'init', gen: 3 });
    assert.deepEqual(parseHlsName('seg0.m4s'), { kind: 'segment', msn: 0 });
    assert.deepEqual(parseHlsName('seg12345.m4s'), { kind: 'segment', msn: 12345 });
    assert.deepEqual(parseHlsName('part7.0.m4s'), { kind: 'part', msn: 7, part: 0 });
    assert.deepEqual(parseHlsName('part7.12.m4s'), { kind: 'part', msn: 7, part: 12 });
  });

  test('rejects everything else', () => {
    for (const n of [
      '', 'index.m3u8', '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f', 'seg1.m4s/../x', 'seg1.m4s\0.txt', 'seg-1.m4s', 'seg01.m4s',
      'seg1.m4s.bak', 'seg1.M4S', ' seg1.m4s', 'seg1.m4s\n', 'segx.m4s', 'seg1e3.m4s', 'seg99999999999999999999.m4s', 'part1.m4s', 'part1..m4s',
      'part1.2.3.m4s', 'part1.-2.m4s', 'init0.mp4', 'init.mp4/', '/init.mp4', 'init.mp4?x', 'INIT.mp4', 'init-1.mp4', 'seg1.m4s%00',
    ]) {
      assert.equal(parseHlsName(n), undefined, JSON.stringify(n));
    }
  });
});
