import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MotionDetector } from '../../../runtime/detect/motion';
import { letterbox, letterboxFilter } from '../../../runtime/detect/letterbox';
import { lavfiFrames } from './ffmpeg-fixtures';

const W = 320;
const H = 240;
const FPS = 10;

/** Gray 320x240 clip with sensor-like noise and a 40x40 white square at x = 20 + 40 t, y = 100. */
function movingSquareArgs(extraVf = ''): string[] {
  return [
    '-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=${FPS}:d=4`,
    '-f', 'lavfi', '-i', `color=c=white:s=40x40:r=${FPS}:d=4`,
    '-filter_complex', `[0][1]overlay=x='20+t*40':y=100,noise=alls=12:allf=t${extraVf}`,
    '-frames:v', '40',
  ];
}

describe('motion detector', () => {
  test('one box follows a moving square (after the start-up ghost is absorbed)', () => {
    const frames = lavfiFrames(movingSquareArgs(), W, H);
    assert.equal(frames.length, 40);
    const md = new MotionDetector();
    let checked = 0;
    frames.forEach((f, k) => {
      const boxes = md.process(f, W, H, 3);
      if (k === 0) assert.equal(boxes.length, 0, 'first frame only seeds the background');
      // The square sat at x=20..60 when the background was seeded; that ghost is absorbed after
      // `absorbAfter` (15) still frames, so from frame 25 on there must be exactly one box.
      if (k < 25) return;
      assert.equal(boxes.length, 1, `frame ${k}: ${JSON.stringify(boxes)}`);
      const [x1, y1, x2, y2] = boxes[0].box;
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      const expCx = 20 + (40 * k) / FPS + 20;
      assert.ok(Math.abs(cx - expCx) <= 4, `frame ${k}: centre x ${cx} vs ${expCx}`);
      assert.ok(Math.abs(cy - 120) <= 4, `frame ${k}: centre y ${cy} vs 120`);
      assert.ok(Math.abs(x2 - x1 - 40) <= 8 && Math.abs(y2 - y1 - 40) <= 8, `frame ${k}: size ${x2 - x1}x${y2 - y1}`);
      assert.ok(boxes[0].score > 0.5);
      checked++;
    });
    assert.equal(checked, 15);
  });

  test('a still, noisy clip gives no boxes after the first frame', () => {
    const frames = lavfiFrames(
      ['-f', 'lavfi', '-i', `color=c=0x605040:s=${W}x${H}:r=${FPS}:d=2`, '-vf', 'drawbox=x=100:y=60:w=50:h=80:color=white:t=fill,noise=alls=12:allf=t', '-frames:v', '20'],
      W,
      H,
    );
    const md = new MotionDetector();
    const counts = frames.map((f) => md.process(f, W, H, 3).length);
    assert.deepEqual(counts, new Array(frames.length).fill(0));
  });

  test('a global brightness jump re-seeds instead of reporting one huge box', () => {
    const gray = (v: number): Uint8Array => new Uint8Array(160 * 120).fill(v);
    const md = new MotionDetector();
    assert.equal(md.process(gray(80), 160, 120, 1).length, 0);
    assert.equal(md.process(gray(80), 160, 120, 1).length, 0);
    assert.equal(md.process(gray(160), 160, 120, 1).length, 0);
    assert.equal(md.lastWasGlobalChange, true);
    assert.equal(md.process(gray(160), 160, 120, 1).length, 0);
    assert.equal(md.lastWasGlobalChange, false);
    // A real local change after the jump is still seen.
    const f = gray(160);
    for (let y = 40; y < 70; y++) f.fill(20, y * 160 + 50, y * 160 + 90);
    const boxes = md.process(f, 160, 120, 1);
    assert.equal(boxes.length, 1);
    assert.deepEqual(boxes[0].box, [50, 40, 90, 70]);
  });

  test('detect() on letterboxed frames maps boxes back to source pixels', async () => {
    const size = 320;
    const frames = lavfiFrames(movingSquareArgs(`,${letterboxFilter(size, size)}`), size, size);
    const lb = letterbox(W, H, size, size);
    assert.equal(lb.padY, 40);
    const md = new MotionDetector({}, size, size);
    let last: Awaited<ReturnType<MotionDetector['detect']>> | undefined;
    for (const f of frames) last = await md.detect(f, lb, W, H);
    assert.ok(last);
    assert.equal(last.detections.length, 1);
    const d = last.detections[0];
    assert.equal(d.label, 'motion');
    assert.equal(d.classId, -1);
    const cx = (d.box[0] + d.box[2]) / 2;
    const cy = (d.box[1] + d.box[3]) / 2;
    assert.ok(Math.abs(cx - (20 + 40 * 3.9 + 20)) <= 4, `centre x ${cx}`);
    assert.ok(Math.abs(cy - 120) <= 4, `centre y ${cy}`);
    assert.ok(typeof last.timings.inferMs === 'number');
  });
});
