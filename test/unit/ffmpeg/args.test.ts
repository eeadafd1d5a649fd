import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  argsForLog,
  demoGraph,
  demoInputArgs,
  FfmpegArgs,
  fmp4OutputArgs,
  globalArgs,
  inputArgs,
  parseDemoUrl,
  sourceKind,
  transcodeArgs,
} from '../../../runtime/ffmpeg/args';
import { withCredentials } from '../../../runtime/ffmpeg/redact';
import { resolveFfmpeg } from '../../../runtime/ffmpeg/resolve';

describe('sourceKind', () => {
  test('classifies URLs and paths', () => {
    assert.equal(sourceKind('rtsp://cam/live'), 'rtsp');
    assert.equal(sourceKind('RTSPS://cam/live'), 'rtsps');
    assert.equal(sourceKind('http://cam/video.mjpg'), 'http');
    assert.equal(sourceKind('https://cam/index.m3u8'), 'https');
    assert.equal(sourceKind('/videos/ferrets.mp4'), 'file');
    assert.equal(sourceKind('C:\\videos\\a.mp4'), 'file');
    assert.equal(sourceKind('file:///videos/a.mp4'), 'file');
    assert.equal(sourceKind('demo:'), 'demo');
    assert.equal(sourceKind('demo:?fps=10'), 'demo');
    assert.equal(sourceKind('srt://cam:9000'), 'other');
  });
});

describe('inputArgs', () => {
  test('rtsp: transport and socket timeout (-timeout, µs, as ffmpeg 5.1 -h demuxer=rtsp says)', () => {
    assert.deepEqual(inputArgs({ url: 'rtsp://cam/live' }), ['-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'rtsp://cam/live']);
    assert.deepEqual(inputArgs({ url: 'rtsp://cam/live', transport: 'udp', timeoutMs: 5000 }), ['-rtsp_transport', 'udp', '-timeout', '5000000', '-i', 'rtsp://cam/live']);
    assert.deepEqual(inputArgs({ url: 'rtsps://cam/live', transport: 'auto' }), ['-timeout', '10000000', '-i', 'rtsps://cam/live']);
  });

  test('http: read/write timeout', () => {
    assert.deepEqual(inputArgs({ url: 'http://cam/video.mjpg', timeoutMs: 3000 }), ['-rw_timeout', '3000000', '-i', 'http://cam/video.mjpg']);
  });

  test('files: optional -re and endless loop before -i', () => {
    assert.deepEqual(inputArgs({ url: '/v/a.mp4' }), ['-i', '/v/a.mp4']);
    assert.deepEqual(inputArgs({ url: '/v/a.mp4', realtime: true, loop: true }), ['-re', '-stream_loop', '-1', '-i', '/v/a.mp4']);
  });

  test('demo: is lavfi at real-time pace, options from the URL', () => {
    const a = inputArgs({ url: 'demo:?width=320&height=180&fps=10' });
    assert.deepEqual(a.slice(0, 4), ['-re', '-f', 'lavfi', '-i']);
    assert.match(a[4], /s=320x180:r=10\[base\]/);
    assert.deepEqual(parseDemoUrl('demo:'), {});
    assert.deepEqual(parseDemoUrl('demo:?w=800&h=600&fps=oops'), { width: 800, height: 600, fps: undefined });
  });

  test('credentials pass through to -i but never to argsForLog', () => {
    const url = withCredentials('rtsp://10.0.0.5/h264', 'admin', 'p@ss:w/rd#?');
    const args = new FfmpegArgs().global().input({ url }).map('0:v:0').copyVideo().noAudio().add(...fmp4OutputArgs()).build();
    assert.ok(args.includes(url));
    const line = argsForLog(args);
    assert.ok(!line.includes('p%40ss') && !line.includes('admin'), line);
    assert.ok(line.includes(" -i 'rtsp://***@10.0.0.5/h264' "), line);
  });
});

describe('output pieces', () => {
  test('global flags', () => {
    assert.deepEqual(globalArgs(), ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-stats']);
    assert.deepEqual(globalArgs({ loglevel: 'error', stats: false }), ['-hide_banner', '-nostdin', '-loglevel', 'level+error']);
  });

  test('transcodeArgs: the seed parameters (ultrafast, zerolatency, 2 Mbit/s, 2 s GOP)', () => {
    const a = transcodeArgs({ fps: 15 });
    const opt = (k: string): string | undefined => a[a.indexOf(k) + 1];
    assert.equal(opt('-c:v'), 'libx264');
    assert.equal(opt('-preset'), 'ultrafast');
    assert.equal(opt('-tune'), 'zerolatency');
    assert.equal(opt('-b:v'), '2000k');
    assert.equal(opt('-g'), '30');
    assert.equal(opt('-keyint_min'), '30');
    assert.equal(opt('-force_key_frames'), 'expr:gte(t,n_forced*2)');
    assert.ok(!transcodeArgs().includes('-g'), 'no frame-count GOP without a known fps');
    const low = transcodeArgs({ bitrateKbps: 800, gopSeconds: 1 });
    assert.equal(low[low.indexOf('-b:v') + 1], '800k');
    assert.equal(low[low.indexOf('-bufsize') + 1], '1600k');
    assert.equal(low[low.indexOf('-force_key_frames') + 1], 'expr:gte(t,n_forced*1)');
  });

  test('fmp4OutputArgs', () => {
    assert.deepEqual(fmp4OutputArgs(), ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', 'pipe:1']);
    assert.deepEqual(fmp4OutputArgs({ fragDurationMs: 500 }).slice(4), ['-frag_duration', '500000', 'pipe:1']);
  });

  test('argsForLog quotes what a shell would split', () => {
    assert.equal(argsForLog(['-vf', "select='eq(n,0)'", '-y', 'out file.png']), `-vf 'select='\\''eq(n,0)'\\''' -y 'out file.png'`);
  });
});

// --- demo: rendered by the real ffmpeg (no -re: lavfi renders as fast as it can) -----------------

const W = 320;
const H = 180;
const FPS = 10;

/** Gray frames number `frames` of the demo graph built at wall time `now`. */
function grayFrames(now: number, frames: number[], extra: { periodS?: number; activeS?: number } = {}): Buffer[] {
  const graph = demoGraph({ width: W, height: H, fps: FPS, now, ...extra });
  const sel = frames.map((n) => `eq(n,${n})`).join('+');
  const out = execFileSync(
    resolveFfmpeg().path,
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-frames:v', String(frames.length), '-vf', `select='${sel}'`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    { maxBuffer: 64 * 1024 * 1024, timeout: 20000 },
  );
  const size = W * H;
  assert.equal(out.length, size * frames.length, 'one gray frame per selected index');
  return frames.map((_, i) => out.subarray(i * size, (i + 1) * size));
}

function changedPixels(a: Buffer, b: Buffer, threshold = 12): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > threshold) n++;
  return n;
}

describe('demo: synthetic camera', () => {
  test('positions follow the wall clock: two processes started 5 s apart draw the same frame', () => {
    // Process A built its args at wall time 10 s; B at 15 s. A's frame at t=5 s is B's frame at t=0.
    const [a0, a5] = grayFrames(10_000, [0, 5 * FPS]);
    const [b0] = grayFrames(15_000, [0]);
    assert.equal(changedPixels(a5, b0, 0), 0, 'same wall time, same picture');
    assert.ok(changedPixels(a0, a5) > 300, 'the blobs moved during the active phase');
  });

  test('busy phase: only blob-sized regions change; quiet phase: nothing changes', () => {
    const [m0, m1, m2] = grayFrames(20_000, [0, 1, 2]); // phase 20 s of 60: moving
    const moved = changedPixels(m0, m1);
    assert.ok(moved > 50, `consecutive frames differ where a blob moved (${moved} px)`);
    // Two blobs of ~30×13 px at 320×180, old and new place: far below a global change (no counters, no noise).
    assert.ok(moved < 0.06 * W * H, `change limited to the blobs (${moved} px)`);
    assert.ok(changedPixels(m1, m2) < 0.06 * W * H);

    const [q0, q10] = grayFrames(40_000, [0, 10 * FPS]); // phase 40 s and 50 s: still
    assert.equal(changedPixels(q0, q10, 0), 0, 'the scene is frozen in the quiet phase');
  });

  test('a cycle ends where it began (no jump when the blobs stop or restart)', () => {
    const [end] = grayFrames(0, [0], { periodS: 20, activeS: 8 }); // phase 0: start of the cycle
    const [still] = grayFrames(15_000, [0], { periodS: 20, activeS: 8 }); // phase 15: stopped at s = 8
    assert.ok(changedPixels(end, still) < 40, 'rounding at most');
  });

  test('demoInputArgs fixes the offset when built (wall clock by default)', () => {
    const a = demoInputArgs({ now: 61_500 });
    assert.match(a[4], /mod\(t\+1\.500,60\)/);
    const live = demoInputArgs();
    const expected = (Date.now() / 1000) % 60;
    const m = /mod\(t\+(\d+\.\d+),60\)/.exec(live[4]);
    assert.ok(m, live[4]);
    const d = Math.abs(Number(m[1]) - expected);
    assert.ok(Math.min(d, 60 - d) < 2, 'offset from Date.now()');
  });
});
