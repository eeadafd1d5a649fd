import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isProgressLine, LineSplitter, parseProgress } from '../../../runtime/ffmpeg/progress';

describe('parseProgress', () => {
  test('the common stats line', () => {
    assert.deepEqual(parseProgress('frame=  123 fps= 30 q=-1.0 size=    1234kB time=00:00:04.10 bitrate=2466.1kbits/s speed=1.01x    '), {
      frame: 123,
      fps: 30,
      sizeKb: 1234,
      timeS: 4.1,
      bitrateKbps: 2466.1,
      speed: 1.01,
    });
  });

  test('first line before any output: N/A fields are left out (captured from ffmpeg 5.1)', () => {
    assert.deepEqual(parseProgress('frame=    0 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=N/A    '), {
      frame: 0,
      fps: 0,
      sizeKb: 0,
      timeS: 0,
    });
    assert.deepEqual(parseProgress('frame=    0 fps=0.0 q=-1.0 size=N/A time=N/A bitrate=N/A speed=N/A'), { frame: 0, fps: 0 });
  });

  test('final Lsize= line (captured from ffmpeg 5.1)', () => {
    assert.deepEqual(parseProgress('frame=   60 fps=0.0 q=-1.0 Lsize=      13kB time=00:00:01.90 bitrate=  55.5kbits/s speed=21.2x    '), {
      frame: 60,
      fps: 0,
      sizeKb: 13,
      timeS: 1.9,
      bitrateKbps: 55.5,
      speed: 21.2,
    });
  });

  test('values glued together, hours, KiB units, negative time', () => {
    const p = parseProgress('frame=123456fps=29.97q=28.0size=12345678kBtime=01:02:03.45bitrate=12345.6kbits/sspeed=0.999x');
    assert.deepEqual(p, { frame: 123456, fps: 29.97, sizeKb: 12345678, timeS: 3723.45, bitrateKbps: 12345.6, speed: 0.999 });
    assert.equal(parseProgress('frame=1 fps=1 q=-1.0 size=  512KiB time=00:00:01.00 bitrate=1.0kbits/s speed=1x')?.sizeKb, 512);
    assert.equal(parseProgress('frame=1 size=2048B time=00:00:01.00 bitrate=1.0kbits/s')?.sizeKb, 2);
    assert.equal(parseProgress('frame=    0 fps=0.0 q=0.0 size=       0kB time=-577014:32:22.77 bitrate=  -0.0kbits/s speed=N/A')?.timeS, -(577014 * 3600 + 32 * 60 + 22.77));
  });

  test('audio-only stats start with size=', () => {
    assert.deepEqual(parseProgress('size=     256kB time=00:00:16.00 bitrate= 131.1kbits/s speed= 512x'), { sizeKb: 256, timeS: 16, bitrateKbps: 131.1, speed: 512 });
  });

  test('log lines are not stats', () => {
    for (const l of ['[error] rtsp://cam/x: Connection refused', 'Input #0, lavfi, from \'testsrc\':', 'Stream mapping:', '']) {
      assert.equal(parseProgress(l), undefined);
      assert.equal(isProgressLine(l), false);
    }
  });
});

describe('LineSplitter', () => {
  test('splits on \\r and \\n and keeps partial lines across chunks', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('frame=  1 fps=0\rframe=  2 f'), ['frame=  1 fps=0']);
    assert.deepEqual(s.push('ps=1\r'), ['frame=  2 fps=1']);
    assert.deepEqual(s.push('[error] a\r\n[error] b\n\nc'), ['[error] a', '[error] b']);
    assert.deepEqual(s.flush(), ['c']);
    assert.deepEqual(s.flush(), []);
  });

  test('a stream without line breaks cannot grow without bound', () => {
    const s = new LineSplitter(10);
    assert.deepEqual(s.push('abcdef'), []);
    assert.deepEqual(s.push('ghijkl'), ['abcdefghijkl']);
    assert.deepEqual(s.flush(), []);
  });
});
