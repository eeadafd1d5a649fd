// The RTSP test server itself: real GStreamer RTSP over TCP and UDP, a file mount stream-copied in a
// loop and a generated test mount, a late joiner that still decodes, and kill/restart on one port.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRtspServer, rtspServerSkip, type RtspServer } from '../support/rtsp-server';
import { ensureSmallClip, ffprobeJson, runFfmpeg, videoStream } from '../support/media';
import { findProcesses, parseStat, processAlive } from '../support/procs';
import { serverArgs } from '../support/rtsp-server';

describe('RTSP test server plumbing (no server needed)', () => {
  test('serverArgs normalizes mounts and rejects unknown SPEC kinds', () => {
    assert.deepEqual(serverArgs(8554, { cam: 'file:/a b.mp4', '/t': 'test:64x48@5' }), [
      '--port', '8554', '--address', '127.0.0.1', '--mount', '/cam=file:/a b.mp4', '--mount', '/t=test:64x48@5',
    ]);
    assert.throws(() => serverArgs(8554, { cam: 'rtsp://elsewhere' }), /bad RTSP mount spec/);
  });

  test('parseStat survives a process name with spaces and parentheses', () => {
    const s = parseStat('4242 (ffmpeg (x) y) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 1 0 1 0 0');
    assert.deepEqual(s, { pid: 4242, comm: 'ffmpeg (x) y', state: 'S', ppid: 17, cpuTicks: 300 });
  });
});

const skip = rtspServerSkip();

describe('RTSP test server (GStreamer)', { skip, timeout: 90000 }, () => {
  let server: RtspServer;
  let clip: string;
  let startedAt = 0;

  before(async () => {
    clip = await ensureSmallClip(); // 640x360 15 fps, encoded once per machine
    const t0 = Date.now();
    server = await startRtspServer({ mounts: { '/cam': `file:${clip}`, '/test': 'test:320x240@10' } });
    startedAt = Date.now();
    console.log(`rtsp server ready on port ${server.port} in ${startedAt - t0} ms`);
  });

  after(async () => {
    await server?.stop();
  });

  // A short analysis window: the server starts every client at a keyframe with SPS/PPS, so ffprobe
  // knows the size from the first access unit and need not sit through its default 5 s.
  // A failure carries the server's stderr: a GStreamer crash is otherwise only "connection refused".
  const probe = (mount: string, transport: 'tcp' | 'udp') =>
    ffprobeJson(server.url(mount), ['-rtsp_transport', transport, '-analyzeduration', '500000', '-probesize', '65536'], {
      timeoutMs: 15000,
    })
      .then(videoStream)
      .catch((e: Error) => {
        throw new Error(`${e.message}\nRTSP server stderr: ${server.stderrTail().trim() || '(empty)'}`);
      });
  // One client after the other: two clients setting up a freshly shared media at the same moment
  // once took GStreamer's RTSP server down in CI (rtsp-server 1.22), and no test here is about that.
  const probeBoth = async (mount: string) => [await probe(mount, 'tcp'), await probe(mount, 'udp')];

  test('file: mount is H.264 640x360 over both TCP and UDP', async () => {
    const [tcp, udp] = await probeBoth('/cam');
    for (const v of [tcp, udp]) {
      assert.equal(v.codec_name, 'h264');
      assert.equal(v.width, 640);
      assert.equal(v.height, 360);
    }
  });

  test('test: mount is H.264 at the requested size over both TCP and UDP', async () => {
    const [tcp, udp] = await probeBoth('/test');
    for (const v of [tcp, udp]) {
      assert.equal(v.codec_name, 'h264');
      assert.equal(v.width, 320);
      assert.equal(v.height, 240);
    }
  });

  test('a client joining 15 s after start (after the 6 s clip looped) decodes frames', async () => {
    const wait = 15000 - (Date.now() - startedAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Decoding (not just probing) proves SPS/PPS and a keyframe reach a late joiner; exit 0 or reject.
    await runFfmpeg(['-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', server.url('/cam'), '-frames:v', '10', '-f', 'null', '-'], {
      timeoutMs: 15000,
    });
  });

  test('kill() takes the camera down with its feeder; restart() brings it back on the same port', async () => {
    const before = server.pids();
    assert.ok(before.length >= 2, `server + feeder pids expected, got ${before}`);
    const port = server.port;

    await server.kill();
    assert.deepEqual(before.filter(processAlive), [], 'no server or feeder process survives kill()');
    assert.deepEqual(server.pids(), []);
    await assert.rejects(probe('/cam', 'tcp'), /Connection refused/);

    const t0 = Date.now();
    await server.restart();
    const ready = Date.now();
    let firstOk = 0;
    let lastErr: unknown;
    while (!firstOk && Date.now() - t0 < 10000) {
      try {
        const v = await probe('/cam', 'tcp');
        assert.equal(v.width, 640);
        firstOk = Date.now();
      } catch (e) {
        lastErr = e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(firstOk, `no successful probe within 10 s of restart: ${lastErr}`);
    assert.equal(server.port, port);
    assert.ok(server.url('/cam').includes(`:${port}/`));
    console.log(`restart -> ready ${ready - t0} ms, restart -> first successful ffprobe ${firstOk - t0} ms`);
  });

  test('stop() leaves no feeder ffmpeg behind', async () => {
    const pids = server.pids();
    const feeders = findProcesses(clip, { comm: 'ffmpeg' }).filter((p) => pids.includes(p.pid));
    assert.equal(feeders.length, 1, 'the looping feeder is visible in /proc while serving');
    await server.stop();
    assert.deepEqual(pids.filter(processAlive), []);
    assert.deepEqual(
      findProcesses(clip, { comm: 'ffmpeg' }).filter((p) => p.pid === feeders[0].pid),
      [],
    );
  });
});
