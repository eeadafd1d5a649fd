// Event clips from a real packager fed with real fMP4 from ffmpeg (fragment by fragment, on a clock
// that advances with the media): pre-roll from the buffer, post-roll after the end, the cap, an
// encoder restart mid-clip, a camera that delivers nothing, write failures; the files play
// (ffprobe: duration, start 0, every frame decodes).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HlsPackager, type Fragment } from '../../../runtime/hls/packager';
import { ClipRecorder, type ClipRecorderOptions } from '../../../runtime/clips/recorder';
import { ClipFormatError, fragmentDecodeTimes, moofLength, rebaseFragment } from '../../../runtime/clips/mp4';
import { clipPath, clipUrl, isClipId, newClipId } from '../../../runtime/clips/paths';
import type { ClipRecord } from '../../../runtime/store/types';
import { FFPROBE, haveFfmpeg, liveClock, makeFmp4, topBoxes } from '../hls/fixture';
import { tempDir } from './helpers';

const FPS = 10;
const skip = haveFfmpeg() ? false : 'ffmpeg/ffprobe not available';

function probe(file: string): { duration: number; start: number; frames: number } {
  const out = JSON.parse(
    execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames:format=duration,start_time', '-of', 'json', file], { timeout: 30_000 }).toString(),
  );
  return { duration: Number(out.format.duration), start: Number(out.format.start_time), frames: Number(out.streams[0].nb_read_frames) };
}

/** A live camera: a packager fed one fragment at a time from a 20 s, 1 s-GOP, 0.5 s-fragment clip. */
class Camera {
  readonly clock = liveClock();
  readonly packager: HlsPackager;
  readonly fragments: Fragment[] = [];
  private pairs: Buffer[] = [];
  private init: Buffer;
  private next = 0;

  constructor(buf: Buffer) {
    this.packager = new HlsPackager({ segmentTargetS: 1, partTargetS: 0.5, prebufferS: 10, now: this.clock.now });
    this.clock.attach(this.packager);
    this.packager.on('fragment', (f: Fragment) => this.fragments.push(f));
    const boxes = topBoxes(buf);
    this.init = Buffer.concat(boxes.filter((b) => b.type === 'ftyp' || b.type === 'moov').map((b) => buf.subarray(b.start, b.end)));
    for (let i = 0; i < boxes.length; i++) {
      if (boxes[i].type === 'moof') this.pairs.push(buf.subarray(boxes[i].start, boxes[i + 1].end));
    }
    this.packager.push(this.init);
  }

  get total(): number {
    return this.pairs.length;
  }

  /** Feeds fragments until `n` have been fed in this session. */
  feedTo(n: number): void {
    while (this.next < Math.min(n, this.pairs.length)) this.packager.push(this.pairs[this.next++]);
  }

  /** The encoder restarts: a new session from media time 0 with the same init. */
  restart(): void {
    this.packager.reset();
    this.packager.push(this.init);
    this.next = 0;
  }

  /** Wall-clock ms of the first fed fragment plus `s` seconds of media. */
  wall(s: number): number {
    return this.fragments[0].wallMs + s * 1000;
  }
}

describe('ClipRecorder', { skip }, () => {
  let buf: Buffer;
  const dir = tempDir(after);
  let n = 0;

  before(() => {
    buf = makeFmp4({ seconds: 20, fps: FPS, gop: FPS, fragUs: 500_000 });
  });

  function setup(opts: Partial<ClipRecorderOptions> = {}) {
    const cam = new Camera(buf);
    const clipsDir = path.join(dir, `run-${++n}`);
    const rec = new ClipRecorder({ clipsDir, source: (c) => (c === 'cam' ? cam.packager : undefined), now: cam.clock.now, ...opts });
    const clips: Array<{ rec: ClipRecord; reason: string }> = [];
    const warnings: string[] = [];
    rec.on('clip', (r, reason) => clips.push({ rec: r, reason }));
    rec.on('warning', (e) => warnings.push(e.message));
    return { cam, rec, clips, warnings, clipsDir };
  }

  test('pre-roll from the buffer, post-roll after the end; a valid file starting at 0', async () => {
    const { cam, rec, clips, clipsDir } = setup();
    assert.equal(cam.total, 40);
    cam.feedTo(24); // 12 s of stream so far
    const id = rec.begin({ key: 'k', camera: 'cam', ferretId: 'ferret-1', behavior: 'playing', startMs: cam.wall(10) });
    assert.ok(id && isClipId(id), `clip id ${id}`);
    assert.equal(rec.clipIdFor('k'), id, 'the backlog is already written');
    assert.equal(rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: 0 }), id, 'same key: same clip');
    assert.equal(rec.recording, 1);
    cam.feedTo(28);
    rec.end('k', cam.wall(14));
    assert.equal(rec.attachEpisode('k', 'ep-1'), id);
    cam.feedTo(40);
    await rec.settled();
    assert.equal(rec.recording, 0);
    assert.equal(clips.length, 1);
    const { rec: r, reason } = clips[0];
    assert.equal(reason, 'end');
    assert.equal(r.id, id);
    assert.equal(r.episodeId, 'ep-1');
    assert.equal(r.ferretId, 'ferret-1');
    assert.equal(r.start, Math.round(cam.wall(5)), 'starts at the keyframe 5 s (pre-roll) before the event');
    assert.equal(r.end, Math.round(cam.wall(19)), 'ends 5 s (post-roll) after the event');
    assert.ok(r.path.startsWith(path.join(clipsDir, 'cam') + path.sep) && r.path.endsWith(`${id}.mp4`));
    assert.equal(fs.statSync(r.path).size, r.bytes);
    assert.equal(fs.existsSync(`${r.path}.part`), false);
    const p = probe(r.path);
    assert.equal(p.start, 0);
    assert.ok(Math.abs(p.duration - 14) <= 0.2, `duration ${p.duration}`);
    assert.equal(p.frames, 14 * FPS);
    assert.equal(rec.clipIdFor('ep-1'), id);
  });

  test('capped at maxS', async () => {
    const { cam, rec, clips } = setup({ maxS: 3 });
    cam.feedTo(10);
    rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: cam.wall(5) });
    cam.feedTo(40);
    await rec.settled();
    assert.equal(clips.length, 1);
    assert.equal(clips[0].reason, 'cap');
    assert.ok(clips[0].rec.end! - clips[0].rec.start <= 3000, `${clips[0].rec.end! - clips[0].rec.start} ms`);
    const p = probe(clips[0].rec.path);
    assert.ok(p.duration <= 3.05 && p.duration >= 2.4, `duration ${p.duration}`);
  });

  test('an encoder restart mid-clip closes the clip with what it has (still playable)', async () => {
    const { cam, rec, clips } = setup();
    cam.feedTo(20);
    rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: cam.wall(9) });
    cam.feedTo(26);
    cam.restart();
    cam.feedTo(10);
    await rec.settled();
    assert.equal(clips.length, 1);
    assert.equal(clips[0].reason, 'restart');
    const p = probe(clips[0].rec.path);
    assert.ok(Math.abs(p.duration - 9) <= 0.2, `duration ${p.duration} (4 s … 13 s of the first session)`);
    assert.equal(p.frames, 9 * FPS);
  });

  test('an alert whose window is older than the buffer is not recorded; one inside it is', async () => {
    const { cam, rec, clips } = setup({ preRollS: 2, postRollS: 2 });
    cam.feedTo(40); // the buffer now holds about the last 10 s (10 … 20 s)
    assert.equal(rec.begin({ key: 'old', camera: 'cam', ferretId: null, behavior: 'alert:x', startMs: cam.wall(2), endMs: cam.wall(2) }), undefined);
    assert.equal(rec.begin({ key: 'k', camera: 'nope', ferretId: null, behavior: null, startMs: cam.wall(15) }), undefined, 'no stream for the camera');
    const id = rec.begin({ key: 'a', camera: 'cam', ferretId: null, behavior: 'alert:x', startMs: cam.wall(15), endMs: cam.wall(15) });
    assert.ok(id);
    await rec.settled();
    assert.equal(clips.length, 1, 'complete from the buffer alone');
    assert.equal(clips[0].rec.start, Math.round(cam.wall(13)));
    assert.equal(clips[0].rec.end, Math.round(cam.wall(17)));
  });

  test('a camera that delivers nothing: the clip times out, no file, no record', async () => {
    const src = Object.assign(new EventEmitter(), { fragmentsSince: () => [] as Fragment[] });
    const t = 1_000_000;
    const rec = new ClipRecorder({ clipsDir: path.join(dir, 'silent'), source: () => src, now: () => t + 60_000, maxS: 30, graceS: 0 });
    const clips: ClipRecord[] = [];
    rec.on('clip', (r) => clips.push(r));
    const id = rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: t });
    assert.ok(id);
    assert.equal(rec.clipIdFor('k'), undefined, 'no video yet: no clip id to hand out');
    await new Promise((r) => setTimeout(r, 20));
    await rec.settled();
    assert.equal(rec.recording, 0);
    assert.deepEqual(clips, []);
    assert.equal(src.listenerCount('fragment'), 0, 'listeners removed');
    const left = fs.readdirSync(path.join(dir, 'silent'), { recursive: true }).filter((f) => String(f).endsWith('.part'));
    assert.deepEqual(left, []);
  });

  test('an episode attached after the clip closed re-emits the record (the store row gets updated)', async () => {
    const { cam, rec, clips } = setup({ postRollS: 1 });
    cam.feedTo(20);
    rec.begin({ key: 'k', camera: 'cam', ferretId: 'f', behavior: 'playing', startMs: cam.wall(8), endMs: cam.wall(9) });
    await rec.settled();
    assert.equal(clips.length, 1);
    assert.equal(clips[0].rec.episodeId, null);
    assert.equal(rec.attachEpisode('k', 'ep-9'), clips[0].rec.id);
    assert.equal(clips.length, 2);
    assert.equal(clips[1].reason, 'episode');
    assert.equal(clips[1].rec.episodeId, 'ep-9');
    assert.equal(rec.clipIdFor('ep-9'), clips[0].rec.id);
    assert.equal(rec.attachEpisode('unknown', 'ep-10'), undefined);
  });

  test('close() finishes clips in progress; a failing write drops the clip with a warning', async () => {
    const a = setup();
    a.cam.feedTo(20);
    a.rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: a.cam.wall(9) });
    await a.rec.close();
    assert.equal(a.clips.length, 1);
    assert.equal(a.clips[0].reason, 'shutdown');
    assert.equal(a.rec.begin({ key: 'k2', camera: 'cam', ferretId: null, behavior: null, startMs: a.cam.wall(9) }), undefined, 'closed');

    const b = setup();
    fs.writeFileSync(b.clipsDir, 'not a directory');
    b.cam.feedTo(20);
    b.rec.begin({ key: 'k', camera: 'cam', ferretId: null, behavior: null, startMs: b.cam.wall(9), endMs: b.cam.wall(9) });
    b.cam.feedTo(30);
    await b.rec.settled();
    assert.deepEqual(b.clips, []);
    assert.equal(b.warnings.length, 1);
    assert.match(b.warnings[0], /could not write .*\.mp4\.part/);
  });

  test('sweepPartials removes files a crash left behind', async () => {
    const { rec, clipsDir } = setup();
    const stale = path.join(clipsDir, 'cam', '2025-01-06', 'cam-20250106T101500-abcd.mp4.part');
    const kept = path.join(clipsDir, 'cam', '2025-01-06', 'cam-20250106T101500-abcd.mp4');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(stale, 'x');
    fs.writeFileSync(kept, 'y');
    assert.equal(await rec.sweepPartials(), 1);
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(kept), true);
  });
});

describe('clip fMP4 rewriting', { skip }, () => {
  test('decode times are rebased per track; moof copied, mdat shared; a jump back is refused', () => {
    const buf = makeFmp4({ seconds: 4, fps: FPS, gop: FPS, fragUs: 500_000 });
    const boxes = topBoxes(buf);
    const i = boxes.findIndex((b, k) => b.type === 'moof' && k > 4);
    const frag = buf.subarray(boxes[i].start, boxes[i + 1].end);
    const times = fragmentDecodeTimes(frag);
    assert.equal(times.size, 1);
    const [track, t] = [...times][0];
    assert.ok(t > 0);
    const [moof, mdat] = rebaseFragment(frag, new Map([[track, t]]))!;
    assert.equal(moof.length, moofLength(frag));
    assert.equal(mdat.buffer, frag.buffer, 'sample data is not copied');
    assert.equal(fragmentDecodeTimes(Buffer.concat([moof, mdat])).get(track), 0);
    assert.equal(fragmentDecodeTimes(frag).get(track), t, 'the original is untouched');
    assert.equal(rebaseFragment(frag, new Map([[track, t + 1]])), undefined);
    assert.throws(() => moofLength(buf), ClipFormatError, 'an ftyp is not a fragment');
    assert.throws(() => moofLength(Buffer.from([0, 0, 0, 99, 0x6d, 0x6f, 0x6f, 0x66])), /does not fit/);
  });

  test('ids, paths and URLs', () => {
    const t = new Date(2025, 0, 6, 10, 15, 0).getTime();
    const id = newClipId('cam-1', t, () => 'ab12');
    assert.equal(id, 'cam-1-20250106T101500-ab12');
    assert.ok(isClipId(id));
    assert.ok(!isClipId('../etc/passwd'));
    assert.equal(clipPath('/clips', 'cam-1', t, id), path.join('/clips', 'cam-1', '2025-01-06', `${id}.mp4`));
    assert.equal(clipUrl(id), `/ferretwatch/api/clips/${id}.mp4`);
  });
});
