import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collectSecrets, redactText, redactUrl, sanitizeForDisplay, withCredentials } from '../../../runtime/ffmpeg/redact';

const NASTY = 'p@ss:w/rd#?';
const ENCODED = encodeURIComponent(NASTY); // p%40ss%3Aw%2Frd%23%3F

function assertNoSecret(text: string, ...secrets: string[]): void {
  for (const s of secrets) assert.ok(!text.includes(s), `"${s}" survived in: ${text}`);
}

describe('withCredentials', () => {
  test('percent-encodes user and password so special characters stay inside the userinfo', () => {
    const url = withCredentials('rtsp://192.168.1.10:554/stream1', 'ad min', NASTY);
    assert.equal(url, `rtsp://ad%20min:${ENCODED}@192.168.1.10:554/stream1`);
    // A URL parser agrees where the host starts and decodes the same password back.
    const parsed = new URL(url.replace(/^rtsp:/, 'http:'));
    assert.equal(parsed.hostname, '192.168.1.10');
    assert.equal(decodeURIComponent(parsed.password), NASTY);
    assert.equal(decodeURIComponent(parsed.username), 'ad min');
  });

  test('replaces credentials already in the URL', () => {
    assert.equal(withCredentials('rtsp://old:secret@cam.local/live', 'admin', 'new'), 'rtsp://admin:new@cam.local/live');
    // Raw '@' and ':' in the old password: everything up to the last '@' before the path goes.
    assert.equal(withCredentials('rtsp://old:se@c:ret@cam.local/live', 'u', 'p'), 'rtsp://u:p@cam.local/live');
  });

  test('user without password, password without user, neither', () => {
    assert.equal(withCredentials('http://cam/snap.jpg', 'viewer'), 'http://viewer@cam/snap.jpg');
    assert.equal(withCredentials('http://cam/snap.jpg', undefined, 'pin'), 'http://:pin@cam/snap.jpg');
    assert.equal(withCredentials('rtsp://u:p@cam/x'), 'rtsp://u:p@cam/x');
    assert.equal(withCredentials('rtsp://cam/x', '', ''), 'rtsp://cam/x');
  });

  test('leaves files and demo: alone', () => {
    assert.equal(withCredentials('/videos/a.mp4', 'u', 'p'), '/videos/a.mp4');
    assert.equal(withCredentials('demo:', 'u', 'p'), 'demo:');
  });
});

describe('redactUrl', () => {
  test('hides encoded credentials built by withCredentials', () => {
    const url = withCredentials('rtsp://10.0.0.5:554/h264', 'admin', NASTY);
    const out = redactUrl(url);
    assert.equal(out, 'rtsp://***@10.0.0.5:554/h264');
    assertNoSecret(out, ENCODED, NASTY, 'admin');
  });

  test('hides raw (unencoded) special characters typed into a URL', () => {
    const out = redactUrl(`rtsp://admin:${NASTY}@10.0.0.5/stream`);
    assert.equal(out, 'rtsp://***@10.0.0.5/stream');
  });

  test('works on real ffmpeg 5.1 stderr lines with embedded URLs', () => {
    const lines = [
      `rtsp://admin:${ENCODED}@127.0.0.1:18554/s: Server returned 401 Unauthorized (authorization failed)`,
      `[debug] Opening an input file: rtsp://admin:${ENCODED}@127.0.0.1:18557/s.`,
      `[debug] Reading option '-i' ... matched as input url with argument 'rtsp://admin:${ENCODED}@127.0.0.1:18557/s'.`,
      `[tcp @ 0x55bde0617580] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused`,
    ];
    const out = lines.map(redactUrl);
    assert.equal(out[0], 'rtsp://***@127.0.0.1:18554/s: Server returned 401 Unauthorized (authorization failed)');
    assert.equal(out[2], "[debug] Reading option '-i' ... matched as input url with argument 'rtsp://***@127.0.0.1:18557/s'.");
    assert.equal(out[3], lines[3], 'lines without credentials are untouched (the "tcp @ 0x" context is not a credential)');
    for (const l of out) assertNoSecret(l, ENCODED, 'admin');
  });

  test('user-only credentials and several URLs in one text', () => {
    assert.equal(redactUrl('from http://bob@cam1/a to https://x:y@cam2/b'), 'from http://***@cam1/a to https://***@cam2/b');
  });

  test('password-like query and form parameters', () => {
    const out = redactUrl('http://cam/cgi-bin/snapshot.cgi?user=admin&password=hunter2&chn=1 pwd=abc token=xyz');
    assert.equal(out, 'http://cam/cgi-bin/snapshot.cgi?user=admin&password=***&chn=1 pwd=*** token=***');
    assert.equal(redactUrl('bypass=1'), 'bypass=1', 'only whole parameter names');
  });

  test('auth headers that ffmpeg prints at debug level', () => {
    const basic = `Authorization: Basic ${Buffer.from(`admin:${NASTY}`).toString('base64')}`;
    assert.equal(redactUrl(`[rtsp @ 0x1] [debug] ${basic}`), '[rtsp @ 0x1] [debug] Authorization: ***');
    assert.equal(redactUrl('Digest username="a", response="0123abcd"'), 'Digest username="a", response="***"');
  });

  test('a URL cut short inside the password (space or quote) is hidden rather than half-shown', () => {
    const out = redactUrl("rtsp://admin:pa'ss@cam/x");
    assertNoSecret(out, 'pa');
    assert.equal(redactUrl('rtsp://cam.local:554/x'), 'rtsp://cam.local:554/x', 'a numeric port is not a password');
    assert.equal(redactUrl('rtsp://[::1]:8554/x'), 'rtsp://[::1]:8554/x');
  });

  test('leaves text without credentials alone', () => {
    for (const s of ['', 'hello', 'rtsp://cam/live', 'frame=  1 fps=0.0 q=-1.0 size=N/A time=00:00:00.00 bitrate=N/A speed=N/A']) {
      assert.equal(redactUrl(s), s);
    }
  });
});

describe('sanitizeForDisplay', () => {
  test('removes credentials entirely', () => {
    assert.equal(sanitizeForDisplay(`rtsp://admin:${ENCODED}@10.0.0.5:554/h264?ch=1`), 'rtsp://10.0.0.5:554/h264?ch=1');
    assert.equal(sanitizeForDisplay('http://bob@cam/a'), 'http://cam/a');
    assert.equal(sanitizeForDisplay('rtsp://cam/a'), 'rtsp://cam/a');
    assert.equal(sanitizeForDisplay('demo:'), 'demo:');
  });

  test('never shows a raw password, even one containing / and @', () => {
    const out = sanitizeForDisplay(`rtsp://admin:${NASTY}@10.0.0.5/stream`);
    assertNoSecret(out, 'p@ss', 'w/rd', 'admin');
  });
});

describe('collectSecrets / redactText', () => {
  test('scrubs known secrets in both spellings, even without a URL around them', () => {
    const args = ['-i', withCredentials('rtsp://cam/x', 'admin', NASTY), '-f', 'null', '-'];
    const secrets = collectSecrets(args);
    assert.ok(secrets.includes(ENCODED) && secrets.includes(NASTY));
    const out = redactText(`login ${NASTY} failed; url part ${ENCODED}`, secrets);
    assertNoSecret(out, NASTY, ENCODED);
  });

  test('ignores args without credentials and too-short secrets', () => {
    assert.deepEqual(collectSecrets(['-i', 'rtsp://cam/x', 'pipe:1']), []);
    assert.deepEqual(collectSecrets(['rtsp://ab@cam/x']), []);
    assert.deepEqual(collectSecrets(['rtsp://a:b@cam/x']), ['a:b'], 'the 1-char password alone is too short to scrub');
  });
});
