import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCameraId, isValidCameraId, checkSourceUrl, parseZones } from '../../../runtime/camera/config';
import { splitUrlCredentials } from '../../../runtime/camera/credentials';
import { parseInputVideo } from '../../../runtime/stream/stderr-info';
import { streamOptionsFromConfig } from '../../../runtime/stream/options';

describe('camera id', () => {
  test('accepts slugs of 1-32 characters', () => {
    for (const id of ['a', 'cage', 'cam_1', 'living-room', '0', 'a'.repeat(32)]) assert.equal(validateCameraId(id), id);
  });
  test('rejects anything else with a message that says what is allowed', () => {
    for (const id of ['', 'A', 'Cage', 'a b', 'a/b', '../x', 'a.b', 'a'.repeat(33), 'ñ', null, undefined, 42, 'cam%2f']) {
      assert.equal(isValidCameraId(id), false, String(id));
      assert.throws(() => validateCameraId(id), /a-z, 0-9/);
    }
  });
});

describe('source URL', () => {
  test('accepts rtsp, rtsps, http(s), file paths and demo:', () => {
    for (const u of ['rtsp://192.168.1.20:554/stream1', 'rtsps://cam.local/s', 'http://cam/video.mjpg', 'https://x/y.m3u8', '/media/clip.mp4', 'clip.mp4', 'demo:', 'demo:?fps=10', 'C:\\videos\\a.mp4']) {
      assert.equal(checkSourceUrl(u), undefined, u);
    }
  });
  test('rejects empty and unsupported schemes', () => {
    assert.match(checkSourceUrl('') ?? '', /empty/);
    assert.match(checkSourceUrl('ftp://x/y') ?? '', /unsupported/);
    assert.match(checkSourceUrl('javascript:alert(1)') ?? '', /unsupported/);
    assert.match(checkSourceUrl(undefined) ?? '', /empty/);
  });
});

describe('credentials in URLs', () => {
  test('splits user and password out of the URL', () => {
    assert.deepEqual(splitUrlCredentials('rtsp://admin:secret@10.0.0.5:554/s1'), { url: 'rtsp://10.0.0.5:554/s1', user: 'admin', password: 'secret' });
  });
  test('keeps an unencoded @ in the password and decodes percent-encoding', () => {
    assert.deepEqual(splitUrlCredentials('rtsp://admin:p@ss@cam/s'), { url: 'rtsp://cam/s', user: 'admin', password: 'p@ss' });
    assert.deepEqual(splitUrlCredentials('rtsp://a%20b:c%3Ad@cam/s'), { url: 'rtsp://cam/s', user: 'a b', password: 'c:d' });
  });
  test('user without password, and URLs without credentials, pass through', () => {
    assert.deepEqual(splitUrlCredentials('rtsp://viewer@cam/s'), { url: 'rtsp://cam/s', user: 'viewer', password: undefined });
    assert.deepEqual(splitUrlCredentials('rtsp://cam/s?x=a@b'), { url: 'rtsp://cam/s?x=a@b' });
    assert.deepEqual(splitUrlCredentials('/path/with@sign.mp4'), { url: '/path/with@sign.mp4' });
  });
});

describe('zones', () => {
  test('parses JSON text, marks mask zones', () => {
    const z = parseZones('[{"name":"food","points":[[0,0],[0.5,0],[0.5,0.5]]},{"name":"mask","points":[[0,0],[1,0],[1,1]]},{"name":"tv","mask":true,"points":[[0,0],[1,0],[1,1]]}]');
    assert.equal(z.length, 3);
    assert.equal(z[0].mask, undefined);
    assert.equal(z[1].mask, true);
    assert.equal(z[2].mask, true);
  });
  test('empty input is no zones', () => {
    assert.deepEqual(parseZones(''), []);
    assert.deepEqual(parseZones(undefined), []);
    assert.deepEqual(parseZones('[]'), []);
  });
  test('rejects bad zones with a reason', () => {
    assert.throws(() => parseZones('{'), /not valid JSON/);
    assert.throws(() => parseZones('{}'), /array/);
    assert.throws(() => parseZones('[{"name":"a","points":[[0,0],[1,1]]}]'), /at least 3/);
    assert.throws(() => parseZones('[{"name":"a","points":[[0,0],[1,1],[2,0]]}]'), /between 0 and 1/);
    assert.throws(() => parseZones('[{"points":[[0,0],[1,1],[1,0]]}]'), /needs a name/);
    assert.throws(() => parseZones('[{"name":"a","points":[[0,0],[1,1],[1,0]]},{"name":"a","points":[[0,0],[1,1],[1,0]]}]'), /used twice/);
  });
});

describe('ffmpeg input stream line', () => {
  test('reads codec, size and fps', () => {
    const v = parseInputVideo('  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 30 fps, 30 tbr, 90k tbn');
    assert.deepEqual(v, { codec: 'h264', width: 1920, height: 1080, fps: 30 });
    assert.equal(parseInputVideo('  Stream #0:1[0x101](eng): Video: hevc (Main), yuvj420p(pc), 2560x1440, 15 tbr, 90k tbn')?.codec, 'hevc');
    assert.equal(parseInputVideo('  Stream #0:0: Video: mjpeg (Baseline), yuvj422p(pc), 640x480, 25 tbr')?.codec, 'mjpeg');
  });
  test('ignores other lines', () => {
    assert.equal(parseInputVideo('  Stream #0:1: Audio: aac (LC), 44100 Hz, mono'), undefined);
    assert.equal(parseInputVideo('frame=  100 fps= 30 q=-1.0 size=1kB'), undefined);
  });
});

describe('stream node options', () => {
  test('defaults are the seed figures with 1/3 s LL parts', () => {
    const o = streamOptionsFromConfig({ camera: 'c' });
    assert.equal(o.mode, 'copy');
    assert.equal(o.segmentTargetS, 2);
    assert.equal(o.playlistSegments, 5);
    assert.equal(o.partTargetS, 0.333);
    assert.deepEqual(o.transcode, { preset: 'ultrafast', tune: 'zerolatency', bitrateKbps: 2000, gopSeconds: 2 });
    assert.equal(o.diskDir, undefined);
  });
  test('clamps and ignores nonsense', () => {
    const o = streamOptionsFromConfig({ camera: 'c', mode: 'transcode', segment: '99', playlist: 'x', part: '-1', bitrate: '50', preset: 'rm -rf', diskDir: '  ' });
    assert.equal(o.mode, 'transcode');
    assert.equal(o.segmentTargetS, 10);
    assert.equal(o.playlistSegments, 5);
    assert.equal(o.partTargetS, 0);
    assert.equal(o.transcode.bitrateKbps, 100);
    assert.equal(o.transcode.preset, 'ultrafast');
    assert.equal(o.diskDir, undefined);
  });
});
