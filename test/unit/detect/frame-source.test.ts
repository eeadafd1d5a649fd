// FrameSource with a real ffmpeg: latest-frame-wins under a slow consumer (ffmpeg keeps its pace,
// frames are dropped and counted), frame geometry, restart after a crash, no process left behind.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSource } from '../../../runtime/detect/frame-source';
import { frameOutputArgs } from '../../../runtime/detect/source-args';
import { FFMPEG } from './ffmpeg-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A 320x240 30 fps live-paced test pattern, letterboxed to 160x160 rgb24. */
function source(fps = 30): FrameSource {
  return new FrameSource({
    name: 'test',
    ffmpegPath: FFMPEG,
    args: () => [
      '-hide_banner', '-nostdin', '-loglevel', 'info', '-stats',
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${fps}`,
      ...frameOutputArgs({ fps, width: 160, height: 160 }),
    ],
    width: 160,
    height: 160,
    stallTimeoutMs: 5000,
  });
}

describe('FrameSource (real ffmpeg)', () => {
  test('a slow consumer gets the newest frame; older ones are dropped and counted; ffmpeg never waits', async () => {
    const src = source(30);
    const states: string[] = [];
    src.on('state', (s) => states.push(s));
    src.start();
    try {
      const first = await src.next();
      assert.ok(first);
      src.release(first);
      const t0 = Date.now();
      const f0 = src.stats.frames;
      let dropped = 0;
      let lastId = first.frameId;
      for (let i = 0; i < 8; i++) {
        await sleep(250); // "inference" four times slower than the frame rate
        const f = await src.next();
        assert.ok(f);
        assert.ok(f.frameId > lastId, 'frame ids increase');
        // The frame handed over is the newest one: nothing newer had arrived yet, or at most one.
        assert.ok(src.stats.frames - 1 - f.frameId <= 1, `frame ${f.frameId} of ${src.stats.frames}`);
        dropped += f.dropped;
        assert.equal(f.dropped, f.frameId - lastId - 1, 'dropped = gap in frame ids');
        lastId = f.frameId;
        src.release(f);
      }
      const elapsedS = (Date.now() - t0) / 1000;
      const produced = src.stats.frames - f0;
      // ffmpeg kept (about) real time although we took only 4 frames/s.
      assert.ok(produced >= 30 * elapsedS * 0.6, `ffmpeg delivered ${produced} frames in ${elapsedS.toFixed(1)} s`);
      assert.ok(dropped >= produced - 10, `dropped ${dropped} of ${produced}`);
      assert.equal(src.stats.dropped >= dropped, true);
      assert.ok(!states.includes('stalled') && !states.includes('restarting'), `states: ${states.join(' → ')}`);
      assert.ok(src.buffersAllocated <= 4, `buffers allocated: ${src.buffersAllocated}`);
    } finally {
      await src.stop();
    }
  });

  test('frame geometry: model-size rgb24, source size from ffmpeg, exact gray letterbox', async () => {
    const src = source(10);
    src.start();
    try {
      const f = await src.next();
      assert.ok(f);
      assert.equal(f.rgb.length, 160 * 160 * 3);
      assert.deepEqual([f.width, f.height, f.srcW, f.srcH], [160, 160, 320, 240]);
      assert.deepEqual([f.lb.newW, f.lb.newH, f.lb.padX, f.lb.padY], [160, 120, 0, 20]);
      const px = (x: number, y: number) => Array.from(f.rgb.subarray((y * 160 + x) * 3, (y * 160 + x) * 3 + 3));
      assert.deepEqual(px(80, 5), [114, 114, 114], 'top bar');
      assert.deepEqual(px(80, 150), [114, 114, 114], 'bottom bar');
      assert.notDeepEqual(px(80, 80), [114, 114, 114], 'picture');
      assert.ok(Math.abs(Date.now() - f.ts) < 5000);
      src.release(f);
    } finally {
      await src.stop();
    }
  });

  test('a killed ffmpeg is restarted and frames continue; stop() leaves no process and wakes next()', async () => {
    const src = source(10);
    // The supervisor's retry timer is unref'd (it must not keep Node-RED alive): hold the loop open.
    const keepAlive = setInterval(() => undefined, 1000);
    src.start();
    const f1 = await src.next();
    assert.ok(f1);
    src.release(f1);
    const pid1 = src.pid;
    assert.ok(alive(pid1));
    process.kill(pid1 as number, 'SIGKILL');
    const f2 = await src.next();
    assert.ok(f2, 'a frame after the restart');
    assert.ok(f2.frameId > f1.frameId);
    assert.notEqual(src.pid, pid1);
    assert.equal(src.stats.restarts, 1);
    src.release(f2);
    const pid2 = src.pid;
    const waiting = src.next();
    await src.stop();
    assert.ok(!alive(pid2), 'ffmpeg exited');
    assert.equal(src.pid, undefined);
    const w = await waiting;
    if (w) src.release(w); // a frame may have won the race with stop()
    assert.equal(await src.next(), null, 'next() after stop() is null');
    clearInterval(keepAlive);
  });
});
