import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearFfmpegCache, FFMPEG_NOT_FOUND, parseVersionLine, resolveFfmpeg, resolveFfprobe } from '../../../runtime/ffmpeg/resolve';

const systemFfmpeg = ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].find((p) => fs.existsSync(p));

describe('resolveFfmpeg', () => {
  test('parses the version line', () => {
    assert.equal(parseVersionLine('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers'), '5.1.9-0+deb12u1');
    assert.equal(parseVersionLine('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/'), 'N-47683-g0e8eb07980-static');
  });

  test('FFMPEG_PATH wins over PATH', { skip: !systemFfmpeg && 'no system ffmpeg' }, () => {
    clearFfmpegCache();
    const r = resolveFfmpeg({ FFMPEG_PATH: systemFfmpeg, PATH: '' });
    assert.equal(r.source, 'FFMPEG_PATH');
    assert.equal(r.path, systemFfmpeg);
    assert.match(r.version, /^\S+$/);
  });

  test('an FFMPEG_PATH that does not exist is an error, not a silent fallback', () => {
    clearFfmpegCache();
    assert.throws(() => resolveFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', PATH: process.env.PATH }), /FFMPEG_PATH/);
  });

  test('ffmpeg on PATH, cached', { skip: !systemFfmpeg && 'no system ffmpeg' }, () => {
    clearFfmpegCache();
    const env = { PATH: `/nonexistent-dir${path.delimiter}${path.dirname(systemFfmpeg!)}` };
    const r = resolveFfmpeg(env);
    assert.equal(r.source, 'PATH');
    assert.equal(r.path, systemFfmpeg);
    assert.equal(resolveFfmpeg(env), r, 'second call returns the cached object');
  });

  test('falls back to the installer package, then to a clear error', () => {
    clearFfmpegCache();
    // A fake "ffmpeg" script stands in for the npm static build.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-ffmpeg-'));
    const fake = path.join(dir, 'ffmpeg');
    fs.writeFileSync(fake, '#!/bin/sh\necho "ffmpeg version 9.9-fake Copyright"\n', { mode: 0o755 });
    try {
      const r = resolveFfmpeg({ PATH: '' }, { installerPath: () => fake });
      assert.deepEqual(r, { path: fake, source: '@ffmpeg-installer/ffmpeg', version: '9.9-fake' });
      clearFfmpegCache();
      assert.throws(() => resolveFfmpeg({ PATH: '' }, { installerPath: () => undefined }), (err: Error) => err.message === FFMPEG_NOT_FOUND);
      assert.match(FFMPEG_NOT_FOUND, /apt-get install ffmpeg.*FFMPEG_PATH/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      clearFfmpegCache();
    }
  });
});

describe('resolveFfprobe', () => {
  test('FFPROBE_PATH, PATH, beside ffmpeg, or undefined', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-ffprobe-'));
    const script = '#!/bin/sh\necho "ffmpeg version 9.9-fake"\n';
    fs.writeFileSync(path.join(dir, 'ffmpeg'), script, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'ffprobe'), script, { mode: 0o755 });
    try {
      clearFfmpegCache();
      assert.equal(resolveFfprobe({ FFPROBE_PATH: path.join(dir, 'ffprobe'), PATH: '' }), path.join(dir, 'ffprobe'));
      assert.equal(resolveFfprobe({ PATH: dir }), path.join(dir, 'ffprobe'));
      assert.equal(resolveFfprobe({ PATH: '' }, { installerPath: () => path.join(dir, 'ffmpeg') }), path.join(dir, 'ffprobe'));
      clearFfmpegCache();
      assert.equal(resolveFfprobe({ PATH: '' }, { installerPath: () => undefined }), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      clearFfmpegCache();
    }
  });
});
