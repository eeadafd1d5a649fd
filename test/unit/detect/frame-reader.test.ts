import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFrames } from '../../../runtime/detect/frame-reader';
import { encodeJpeg } from '../../../runtime/detect/jpeg';
import { FFMPEG, tempDir } from './ffmpeg-fixtures';

const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';

function ffmpegPids(marker: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

describe('readFrames (offline, back-pressured)', () => {
  const dir = tempDir('reader');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clip = path.join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=200x100:rate=10:d=2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', clip]);

  test('samples at the requested fps, every frame, faster than real time', async () => {
    const t0 = Date.now();
    const got: Array<[number, number]> = [];
    for await (const f of readFrames({ input: clip, width: 64, height: 64, fps: 5 })) {
      assert.equal(f.rgb.length, 64 * 64 * 3);
      assert.deepEqual([f.srcW, f.srcH, f.lb.padY, f.lb.newH], [200, 100, 16, 32]);
      got.push([f.index, f.t]);
    }
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [i, i / 5]));
    assert.ok(Date.now() - t0 < 2000 * 3, 'not paced like a camera');
  });

  test('maxFrames, and an early break, stop ffmpeg', async () => {
    let n = 0;
    for await (const f of readFrames({ input: clip, width: 32, height: 32, maxFrames: 3 })) n += f.rgb.length === 32 * 32 * 3 ? 1 : 0;
    assert.equal(n, 3);
    // demo: never ends; leaving the loop must kill its ffmpeg (the odd size marks it as ours).
    const marker = 's=322x242';
    let seen = 0;
    for await (const f of readFrames({ input: 'demo:?width=322&height=242', width: 32, height: 32 })) {
      assert.deepEqual([f.srcW, f.srcH], [322, 242]);
      assert.ok(ffmpegPids(marker).length > 0, 'ffmpeg runs while we read');
      seen++;
      if (seen === 2) break;
    }
    assert.equal(seen, 2);
    assert.deepEqual(ffmpegPids(marker), [], 'no ffmpeg left');
  });

  test('a file that is not a picture is a one-line reason naming it', async () => {
    const txt = path.join(dir, 'notes.jpg');
    fs.writeFileSync(txt, 'hello, not a picture\n');
    const it = readFrames({ input: txt, width: 32, height: 32 });
    await assert.rejects(it.next(), (err: Error) => /ffmpeg could not read notes\.jpg/.test(err.message) && !err.message.includes('\n'));
  });
});

describe('encodeJpeg', () => {
  const dir = tempDir('jpeg');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('rgb24 → JPEG through ffmpeg, cropped to an odd size; ffprobe reads it', async () => {
    const w = 64;
    const h = 48;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) rgb.set([i % 256, (i * 3) % 256, 200], i * 3);
    const jpg = await encodeJpeg(rgb, w, h, { crop: { x: 5, y: 7, w: 33, h: 21 } });
    assert.equal(jpg[0], 0xff);
    assert.equal(jpg[1], 0xd8);
    assert.equal(jpg[jpg.length - 2], 0xff);
    assert.equal(jpg[jpg.length - 1], 0xd9);
    const file = path.join(dir, 'x.jpg');
    fs.writeFileSync(file, jpg);
    const probe = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]).toString());
    assert.deepEqual(probe.streams[0], { codec_name: 'mjpeg', width: 33, height: 21 });
    await assert.rejects(encodeJpeg(new Uint8Array(10), w, h), /not a 64x48 rgb24 frame/);
  });
});
