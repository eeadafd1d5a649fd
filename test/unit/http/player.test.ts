import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as vm from 'node:vm';
import express from 'express';
import { Hub } from '../../../runtime/hub';
import { createApiRouter } from '../../../runtime/http/api';
import { cameraFromSearch, streamUrlFor, recoveryFor, shouldJumpToLive, registerPlayerRoutes, PLAYER_JS, PLAYER_CSP } from '../../../runtime/http/player';

describe('player: client-side helpers', () => {
  test('cameraFromSearch accepts only valid camera ids', () => {
    assert.equal(cameraFromSearch('?camera=cam'), 'cam');
    assert.equal(cameraFromSearch('?ll=0&camera=front-door_2'), 'front-door_2');
    assert.equal(cameraFromSearch('?camera=' + 'a'.repeat(32)), 'a'.repeat(32));
    for (const bad of ['', '?', '?camera=', '?camera=Cam', '?camera=' + 'a'.repeat(33), '?camera=..%2Fetc', '?camera=%3Cscript%3E', '?camera=a%20b', '?camera=a/b', '?cam=x']) {
      assert.equal(cameraFromSearch(bad), undefined, bad);
    }
  });

  test('streamUrlFor keeps the page prefix and refuses anything but our playlists', () => {
    assert.equal(streamUrlFor('/ferretwatch/hls/cam/index.m3u8', '/ferretwatch/'), '/ferretwatch/hls/cam/index.m3u8');
    assert.equal(streamUrlFor('/ferretwatch/hls/cam/plain.m3u8', '/red/ferretwatch/'), '/red/ferretwatch/hls/cam/plain.m3u8');
    for (const bad of [undefined, 42, 'https://evil.example/x.m3u8', '//evil.example/ferretwatch/hls/cam/index.m3u8', 'javascript:alert(1)', '/ferretwatch/hls/../../x.m3u8', '/ferretwatch/hls/cam/seg1.m4s', '/other/hls/cam/index.m3u8']) {
      assert.equal(streamUrlFor(bad, '/ferretwatch/'), undefined, String(bad));
    }
  });

  test('recoveryFor: network → startLoad (reload without a manifest), media → recoverMediaError then reload', () => {
    assert.equal(recoveryFor({ fatal: false, type: 'networkError', details: 'fragLoadError' }, 0), 'none');
    assert.equal(recoveryFor({ fatal: true, type: 'networkError', details: 'fragLoadError' }, 0), 'startLoad');
    assert.equal(recoveryFor({ fatal: true, type: 'networkError', details: 'levelLoadTimeOut' }, 0), 'startLoad');
    assert.equal(recoveryFor({ fatal: true, type: 'networkError', details: 'manifestLoadError' }, 0), 'reload');
    assert.equal(recoveryFor({ fatal: true, type: 'mediaError', details: 'bufferAppendError' }, 0), 'recoverMedia');
    assert.equal(recoveryFor({ fatal: true, type: 'mediaError', details: 'bufferAppendError' }, 2), 'reload');
    assert.equal(recoveryFor({ fatal: true, type: 'otherError', details: 'internalException' }, 0), 'reload');
  });

  test('shouldJumpToLive: only when playing and well past the target latency', () => {
    assert.equal(shouldJumpToLive(1.1, 1, false), false);
    assert.equal(shouldJumpToLive(3.9, 1, false), false, 'hls.js catches up by itself near the target');
    assert.equal(shouldJumpToLive(4.1, 1, false), true);
    assert.equal(shouldJumpToLive(4.1, 1, true), false, 'a paused view is left alone');
    assert.equal(shouldJumpToLive(9, null, false), false, 'no target before the first playlist');
    assert.equal(shouldJumpToLive(NaN, 1, false), false);
  });

  test('player.js is valid, self-contained JavaScript', () => {
    assert.doesNotThrow(() => new vm.Script(PLAYER_JS, { filename: 'player.js' }));
    // Serialised functions must not reach for module scope (compiled imports look like xyz_1.name).
    assert.doesNotMatch(PLAYER_JS, /\b[a-z_]+_\d\.\w+/i);
    assert.doesNotMatch(PLAYER_JS, /\brequire\(|\bexports\./);
    assert.match(PLAYER_JS, /playerMain\(window, document\);\s*$/);
  });
});

describe('player: HTTP routes', () => {
  let server: http.Server;
  let base: string;

  before(async () => {
    const app = express();
    app.use('/ferretwatch', createApiRouter(new Hub()));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/ferretwatch`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('registerPlayerRoutes is idempotent', () => {
    const r = express.Router();
    registerPlayerRoutes(r);
    const n = r.stack.length;
    registerPlayerRoutes(r);
    assert.equal(r.stack.length, n);
    assert.ok(n >= 4);
  });

  test('the page: static HTML under a strict CSP, no inline script or style, same bytes whatever the query', async () => {
    const r = await fetch(`${base}/player?camera=cam`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.equal(csp, PLAYER_CSP);
    assert.match(csp, /(^|; )default-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const html = await r.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 2);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /\ssrc="[^"]+"/);
      assert.equal(body.trim(), '', 'no inline script');
    }
    assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=|<style/i, 'no inline handlers or styles');
    assert.match(html, /src="vendor\/hls\.min\.js\?v=\d+\.\d+\.\d+"/);
    assert.match(html, /src="player\.js"/);
    const other = await (await fetch(`${base}/player?camera=other-cam`)).text();
    assert.equal(other, html, 'the id is never templated into the page');
  });

  test('a bad camera id is refused before it goes anywhere', async () => {
    for (const bad of ['%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'CAM', '..%2F..%2Fetc', 'a'.repeat(33)]) {
      const r = await fetch(`${base}/player?camera=${bad}`);
      assert.equal(r.status, 400, bad);
      const body = await r.text();
      assert.doesNotMatch(body, /<script|alert|etc/);
    }
    assert.equal((await fetch(`${base}/player?camera=a&camera=b`)).status, 400, 'repeated parameter');
    // Without an id the page loads and asks for one (client side).
    assert.equal((await fetch(`${base}/player`)).status, 200);
  });

  test('player.js and player.css are served with their types', async () => {
    const js = await fetch(`${base}/player.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(await js.text(), PLAYER_JS);
    const css = await fetch(`${base}/player.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(await css.text(), /video\{/);
  });

  test('hls.js comes from the installed package with a long cache', async () => {
    const r = await fetch(`${base}/vendor/hls.min.js`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /javascript/);
    const cc = r.headers.get('cache-control') ?? '';
    assert.match(cc, /max-age=31536000/);
    assert.match(cc, /immutable/);
    const body = await r.text();
    assert.ok(body.length > 100_000, `hls.min.js is ${body.length} bytes`);
    assert.ok(body.includes('isSupported'), 'looks like hls.js');
  });
});
