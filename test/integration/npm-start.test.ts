// `npm start` on a fresh user dir: Node-RED starts with this package, deploys the demo flow, and the
// demo camera plays as HLS through Node-RED's own HTTP server (RED.httpNode). Stopping it leaves no ffmpeg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { freePort } from '../support/ports';
import { childPids, processAlive } from '../support/procs';
import { waitFor } from '../support/wait';
import { repoRoot } from '../support/shared';

test('npm start runs Node-RED with the demo flow and serves the demo camera as HLS', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const mqttPort = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-start-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'start.js')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), FERRETWATCH_USER_DIR: userDir, FERRETWATCH_CAMERA_URL: '', FERRETWATCH_CAMERA_ID: '', FERRETWATCH_MQTT_PORT: String(mqttPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    const cams = await waitFor(
      'the demo camera live in /ferretwatch/api/cameras',
      async () => {
        const r = await fetch(`${base}/ferretwatch/api/cameras`);
        const list = (await r.json()) as Array<{ id: string; state: string }>;
        return list.find((c) => c.id === 'demo' && c.state === 'live') ? list : undefined;
      },
      60_000,
      500,
    );
    assert.equal(cams.length, 1);
    const playlist = await waitFor(
      'segments in the demo playlist',
      async () => {
        const t = await (await fetch(`${base}/ferretwatch/hls/demo/index.m3u8`)).text();
        return /#EXTINF/.test(t) ? t : undefined;
      },
      20_000,
      250,
    );
    assert.match(playlist, /#EXT-X-MAP:URI="init\.mp4"/);
    assert.ok(fs.existsSync(path.join(userDir, 'flows.json')), 'the demo flow was deployed');
    assert.match(output, /ffmpeg/i, 'ffmpeg choice logged at start-up');
    // The rest of the demo pipeline is deployed and answering: dashboard, history (behavior-store), API document.
    const dash = await fetch(`${base}/ferretwatch/`);
    assert.equal(dash.status, 200);
    assert.match(dash.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    await dash.arrayBuffer();
    const stats = await waitFor('history stats from the behavior-store', async () => {
      const r = await fetch(`${base}/ferretwatch/api/stats`);
      return r.status === 200 ? r.json() : undefined;
    }, 20_000, 500);
    assert.ok(stats);
    assert.equal((await fetch(`${base}/ferretwatch/api/openapi.json`)).status, 200);
    assert.doesNotMatch(output, /\[error\]/, 'no errors in the Node-RED log');
  } catch (e) {
    console.log(output.slice(-4000));
    throw e;
  } finally {
    const kids = childPids(child.pid!, { recursive: true });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await waitFor('no process left', () => kids.every((p) => !processAlive(p)), 5000).catch(() => undefined);
    for (const p of kids) assert.equal(processAlive(p), false, `process ${p} left behind`);
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});
