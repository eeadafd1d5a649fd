// Samples are real ffmpeg 5.1.9 stderr (Debian 12), provoked on this machine: closed ports, a fake
// RTSP/HTTP server answering 401/403/404/5xx, unresolvable hosts, missing and non-media files.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { reasonFromStderr, stripLogPrefix } from '../../../runtime/ffmpeg/reasons';

const reason = (text: string, code: number | null = 1, signal: string | null = null): string => reasonFromStderr(text.split('\n'), code, signal);

describe('reasonFromStderr: real ffmpeg 5.1 messages', () => {
  test('connection refused (rtsp tcp and http to a closed port)', () => {
    assert.equal(
      reason('[tcp @ 0x55bde0617580] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused\nrtsp://127.0.0.1:1/x: Connection refused'),
      'connection refused',
    );
    assert.equal(
      reason('[tcp @ 0x560cd312df40] [error] Connection to tcp://127.0.0.1:1 failed: Connection refused\n[error] http://127.0.0.1:1/x.m3u8: Connection refused'),
      'connection refused',
    );
  });

  test('401 from an RTSP camera and from HTTP', () => {
    const rtsp = '[rtsp @ 0x559463206940] method OPTIONS failed: 401 Unauthorized\nrtsp://***@127.0.0.1:18554/s: Server returned 401 Unauthorized (authorization failed)';
    assert.equal(reason(rtsp), '401 Unauthorized (check user and password)');
    assert.equal(
      reason('[http @ 0x55c891c6a140] HTTP error 401 Unauthorized\nhttp://127.0.0.1:18080/401: Server returned 401 Unauthorized (authorization failed)'),
      '401 Unauthorized (check user and password)',
    );
  });

  test('404, 403 and 5xx', () => {
    assert.equal(reason('[rtsp @ 0x55741525c940] method OPTIONS failed: 404 Not Found\nrtsp://127.0.0.1:18555/s: Server returned 404 Not Found'), 'stream not found (404)');
    assert.equal(reason('[http @ 0x55f37de87140] HTTP error 403 Forbidden\nhttp://127.0.0.1:18080/403: Server returned 403 Forbidden (access denied)'), '403 Forbidden (check user permissions)');
    assert.equal(reason('[http @ 0x55f61071a140] HTTP error 500 Internal Server Error\nhttp://127.0.0.1:18080/500: Server returned 5XX Server Error reply'), 'camera server error (5xx)');
  });

  test('host name not found: the cause is on an earlier line than the last', () => {
    assert.equal(
      reason('[tcp @ 0x55e217a05580] Failed to resolve hostname nonexistent.invalid: Name or service not known\nrtsp://nonexistent.invalid/x: Input/output error'),
      'host name not found',
    );
  });

  test('timeouts and unreachable hosts', () => {
    assert.equal(reason('http://127.0.0.1:18080/silent: Connection timed out'), 'connection timed out');
    assert.equal(reason('[tcp @ 0x5581] Connection to tcp://10.1.2.3:554?timeout=0 failed: No route to host\nrtsp://10.1.2.3/x: No route to host'), 'host unreachable');
    assert.equal(reason('[tcp @ 0x5581] Connection to tcp://10.1.2.3:554 failed: Network is unreachable'), 'host unreachable');
  });

  test('files: missing, not media', () => {
    assert.equal(reason('/nonexistent/file.mp4: No such file or directory'), 'file not found');
    assert.equal(reason('bad.txt: Invalid data found when processing input'), 'invalid data from source');
    assert.equal(
      reason(
        "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55bb31e1f880] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score of 1, misdetection possible!\n[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55bb31e1f880] moov atom not found\nrnd.mp4: Invalid data found when processing input",
      ),
      'invalid data from source',
    );
  });

  test('no video stream', () => {
    assert.equal(reason("[fatal] Stream map '0:v' matches no streams.\nTo ignore this, add a trailing '?' to the map."), 'no video stream');
    assert.equal(reason('[error] Output file #0 does not contain any stream'), 'no video stream');
  });

  test('unsupported codecs', () => {
    assert.equal(reason("[fatal] Unknown encoder 'libfoo'"), 'unsupported codec libfoo (no encoder)');
    assert.equal(reason("[fatal] Unknown decoder 'nosuchdec'"), 'unsupported codec nosuchdec (no decoder)');
    assert.equal(reason('Decoder (codec hevc) not found for input stream #0:0'), 'unsupported codec hevc (no decoder)');
  });
});

describe('reasonFromStderr: fallbacks', () => {
  test('the last meaningful line, redacted and trimmed', () => {
    const long = `[error] Something odd happened at rtsp://admin:s3cret@cam/x ${'x'.repeat(200)}`;
    const out = reason(`${long}\nConversion failed!\n`);
    assert.ok(out.startsWith('Something odd happened at rtsp://***@cam/x'), out);
    assert.ok(!out.includes('s3cret'));
    assert.ok(out.length <= 120);
    assert.ok(out.endsWith('…'));
  });

  test('stats lines and noise are skipped', () => {
    assert.equal(reason('Some decoder warning\nframe=  10 fps=5 q=-1.0 size=1kB time=00:00:01.00 bitrate=1kbits/s speed=1x\nExiting normally, received signal 15.'), 'Some decoder warning');
  });

  test('nothing on stderr: exit code or signal', () => {
    assert.equal(reasonFromStderr([], 1, null), 'ffmpeg exited with code 1');
    assert.equal(reasonFromStderr([], 255, null), 'ffmpeg exited with code 255');
    assert.equal(reasonFromStderr([], 0, null), 'source ended');
    assert.equal(reasonFromStderr([], null, 'SIGKILL'), 'ffmpeg was stopped by SIGKILL');
  });

  test('the newest matching line wins over stale warnings', () => {
    assert.equal(reason('[h264 @ 0x1] [error] Invalid data found when processing input\n[error] rtsp://cam/x: Connection timed out'), 'connection timed out');
  });
});

describe('stripLogPrefix', () => {
  test('removes context and level prefixes', () => {
    assert.equal(stripLogPrefix('[tcp @ 0x55fd00802840] [verbose] Successfully connected'), 'Successfully connected');
    assert.equal(stripLogPrefix('[error] x.mp4: End of file'), 'x.mp4: End of file');
    assert.equal(stripLogPrefix('plain'), 'plain');
  });
});
