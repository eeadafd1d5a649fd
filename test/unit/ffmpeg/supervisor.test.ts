// The supervisor against the real ffmpeg binary, with tiny lavfi sources (64×48, 10 fps, real-time)
// so each case costs a few ms of CPU. Timeouts are shortened through the options; no assertion is
// about speed, only about what happens and in which order.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StreamState } from '../../../runtime/contracts';
import { Backoff, type BackoffOptions } from '../../../runtime/ffmpeg/backoff';
import { FfmpegSupervisor, type FfmpegSupervisorOptions } from '../../../runtime/ffmpeg/supervisor';
import { withCredentials } from '../../../runtime/ffmpeg/redact';
import { resolveFfmpeg } from '../../../runtime/ffmpeg/resolve';
import { waitFor } from '../../support/wait';

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-stats'];
const TINY = 'testsrc=s=64x48:r=10';
const RAW_OUT = ['-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];

/** Backoff that records the delays it hands out; no jitter, short base. */
class RecordingBackoff extends Backoff {
  readonly delays: number[] = [];
  constructor(opts: BackoffOptions = {}) {
    super({ baseMs: 100, maxMs: 2000, jitter: 0, ...opts });
  }
  override next(): number {
    const d = super.next();
    this.delays.push(d);
    return d;
  }
}

interface Harness {
  sup: FfmpegSupervisor;
  states: Array<{ state: StreamState; reason?: string }>;
  stderr: string[];
  logs: string[];
  pids: number[];
  exits: Array<{ code: number | null; signal: string | null }>;
  stdoutBytes: () => number;
}

function harness(opts: Partial<FfmpegSupervisorOptions> & Pick<FfmpegSupervisorOptions, 'args'>): Harness {
  const states: Harness['states'] = [];
  const stderr: string[] = [];
  const logs: string[] = [];
  const pids: number[] = [];
  const exits: Harness['exits'] = [];
  let bytes = 0;
  const userArgs = opts.args;
  const sup: FfmpegSupervisor = new FfmpegSupervisor({
    name: 'test',
    ffmpegPath: resolveFfmpeg().path,
    stallTimeoutMs: 3000,
    checkIntervalMs: 100,
    killTimeoutMs: 500,
    backoff: new RecordingBackoff(),
    log: {
      debug: (m) => logs.push(m),
      info: (m) => logs.push(m),
      warn: (m) => logs.push(m),
      error: (m) => logs.push(m),
    },
    onStdout: (c) => (bytes += c.length),
    ...opts,
    args: () => {
      // Record the pid of the previous spawn lazily: the new one is known right after spawn().
      setImmediate(() => sup.pid !== undefined && !pids.includes(sup.pid) && pids.push(sup.pid));
      return userArgs();
    },
  });
  sup.on('state', (state, reason) => states.push({ state, reason }));
  sup.on('stderr', (l) => stderr.push(l));
  sup.on('exit', (code, signal) => exits.push({ code, signal }));
  return { sup, states, stderr, logs, pids, exits, stdoutBytes: () => bytes };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const waitState = (h: Harness, state: StreamState, ms = 8000, from = 0): Promise<{ state: StreamState; reason?: string }> =>
  waitFor(`state ${state} (seen: ${JSON.stringify(h.states)})`, () => h.states.slice(from).find((s) => s.state === state), ms, 25);

describe('FfmpegSupervisor', () => {
  test('goes live on stdout bytes, reports progress, and stop() leaves no process', async () => {
    const h = harness({ args: () => [...QUIET, '-re', '-f', 'lavfi', '-i', TINY, ...RAW_OUT] });
    let progressEvents = 0;
    h.sup.on('progress', () => progressEvents++);
    h.sup.on('state', () => {
      throw new Error('a listener that throws must not break the supervisor');
    });
    h.sup.start();
    assert.equal(h.sup.state, 'starting');
    try {
      await waitState(h, 'live');
      assert.ok(h.stdoutBytes() > 0);
      await waitFor('a progress event', () => progressEvents > 0 && (h.sup.stats.frames ?? 0) > 0, 8000);
      const stats = h.sup.stats;
      assert.equal(stats.restarts, 0);
      assert.ok(typeof stats.fps === 'number');
      assert.ok(h.logs.some((l) => l.includes("'state' listener threw")), 'the throwing listener was logged');
    } finally {
      const pid = h.sup.pid;
      assert.ok(pid !== undefined);
      await h.sup.stop();
      assert.equal(h.sup.state, 'stopped');
      assert.equal(h.sup.pid, undefined);
      assert.equal(alive(pid), false, 'ffmpeg is gone after stop()');
    }
    assert.deepEqual(
      h.states.map((s) => s.state),
      ['starting', 'live', 'stopped'],
    );
    assert.equal(h.sup.attempt, 1, 'no restart after stop');
  });

  test("liveWhen 'progress': advancing stats mark live when ffmpeg writes no stdout", async () => {
    const h = harness({ liveWhen: 'progress', onStdout: undefined, args: () => [...QUIET, '-re', '-f', 'lavfi', '-i', TINY, '-f', 'null', '-'] });
    h.sup.start();
    try {
      await waitState(h, 'live');
      assert.ok((h.sup.stats.frames ?? 0) > 0);
    } finally {
      await h.sup.stop();
    }
  });

  test('a missing input file: failed with the human reason, retrying with growing delays', async () => {
    const backoff = new RecordingBackoff();
    const h = harness({ backoff, args: () => [...QUIET, '-i', '/nonexistent/ferret.mp4', ...RAW_OUT] });
    h.sup.start();
    try {
      const failed = await waitState(h, 'failed');
      assert.equal(failed.reason, 'file not found');
      await waitFor('three attempts', () => h.sup.attempt >= 4, 8000, 25);
      assert.deepEqual(backoff.delays.slice(0, 3), [100, 200, 400], 'delays double');
      // Later attempts stay 'failed' with an unchanged reason: no 'starting' again, no duplicate events.
      assert.deepEqual(
        h.states.map((s) => s.state),
        ['starting', 'failed'],
      );
      assert.equal(h.sup.stats.lastReason, 'file not found');
      assert.ok(h.sup.stats.restarts >= 3);
    } finally {
      await h.sup.stop();
    }
    assert.equal(h.sup.state, 'stopped');
  });

  test('a closed RTSP port: connection refused', async () => {
    const h = harness({ args: () => [...QUIET, '-rtsp_transport', 'tcp', '-i', 'rtsp://127.0.0.1:1/cam', ...RAW_OUT] });
    h.sup.start();
    try {
      assert.equal((await waitState(h, 'failed')).reason, 'connection refused');
    } finally {
      await h.sup.stop();
    }
  });

  test('401 from an RTSP camera: reason shown, password never leaves the supervisor (even at debug level)', async () => {
    const password = 'p@ss:w/rd#?';
    const seen: string[] = [];
    const server = net.createServer((sock) => {
      sock.on('data', (d) => {
        const text = d.toString();
        seen.push(text);
        const cseq = /CSeq:\s*(\d+)/i.exec(text)?.[1] ?? '1';
        sock.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n`);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const url = withCredentials(`rtsp://127.0.0.1:${port}/live`, 'admin', password);
    // trace level: ffmpeg prints the URL and the Authorization header it sends.
    const h = harness({ args: () => ['-hide_banner', '-nostdin', '-loglevel', 'level+trace', '-rtsp_transport', 'tcp', '-i', url, ...RAW_OUT] });
    h.sup.start();
    try {
      const failed = await waitState(h, 'failed');
      assert.equal(failed.reason, '401 Unauthorized (check user and password)');
      assert.ok(seen.some((t) => /Authorization: Basic/i.test(t)), 'ffmpeg did send the (decoded) credentials to the camera');
    } finally {
      await h.sup.stop();
      server.close();
    }
    const basic = Buffer.from(`admin:${password}`).toString('base64');
    const everything = [...h.stderr, ...h.logs, ...h.states.map((s) => s.reason ?? ''), JSON.stringify(h.sup.stats)].join('\n');
    assert.ok(h.stderr.length > 5, 'debug output was produced and inspected');
    for (const secret of [password, encodeURIComponent(password), basic, 'p%40ss']) {
      assert.ok(!everything.includes(secret), `"${secret}" leaked`);
    }
    assert.ok(everything.includes('rtsp://***@127.0.0.1'), 'the URL is still shown, redacted');
    assert.ok(h.stderr.some((l) => l.includes('Authorization: ***')), 'the auth header line was seen and redacted');
  });

  test('a state listener may stop the supervisor: no retry is scheduled behind its back', async () => {
    const h = harness({ args: () => [...QUIET, '-i', '/nonexistent/ferret.mp4', ...RAW_OUT] });
    let stopped: Promise<void> | undefined;
    h.sup.on('state', (state) => {
      if (state === 'failed') stopped = h.sup.stop();
    });
    h.sup.start();
    await waitState(h, 'stopped');
    await stopped;
    await new Promise((r) => setTimeout(r, 400)); // longer than the 100 ms backoff
    assert.equal(h.sup.attempt, 1);
    assert.equal(h.sup.state, 'stopped');
    assert.equal(h.sup.pid, undefined);
  });

  test('spawn error (ENOENT): failed with a clear reason', async () => {
    const h = harness({ ffmpegPath: '/nonexistent/bin/ffmpeg', args: () => ['-version'] });
    h.sup.start();
    try {
      assert.equal((await waitState(h, 'failed')).reason, 'ffmpeg not found at /nonexistent/bin/ffmpeg');
      await waitFor('a retry', () => h.sup.attempt >= 2, 5000, 25);
    } finally {
      await h.sup.stop();
    }
  });

  test('exit code 0 (source ended) after being live: restarting, then live again', async () => {
    const h = harness({ args: () => [...QUIET, '-re', '-f', 'lavfi', '-i', `${TINY}:d=0.5`, ...RAW_OUT] });
    h.sup.start();
    try {
      await waitState(h, 'live');
      const restarting = await waitState(h, 'restarting');
      assert.equal(restarting.reason, 'source ended');
      assert.equal(h.exits[0].code, 0);
      const idx = h.states.indexOf(restarting);
      await waitState(h, 'live', 8000, idx);
      assert.ok(h.sup.attempt >= 2);
      assert.equal(h.sup.stats.lastReason, 'source ended');
    } finally {
      await h.sup.stop();
    }
  });

  test('the backoff resets after healthyResetMs of live output', async () => {
    const backoff = new RecordingBackoff();
    // Each run is live for ~0.5 s, longer than healthyResetMs: every retry starts from the base delay.
    const h = harness({ backoff, healthyResetMs: 150, checkIntervalMs: 50, args: () => [...QUIET, '-re', '-f', 'lavfi', '-i', `${TINY}:d=0.5`, ...RAW_OUT] });
    h.sup.start();
    try {
      await waitFor('three exits', () => h.exits.length >= 3, 15000, 25);
    } finally {
      await h.sup.stop();
    }
    assert.deepEqual(backoff.delays.slice(0, 3), [100, 100, 100]);
  });

  test('stall before any output (FIFO nobody writes): stalled, killed (SIGKILL if needed), restarted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sup-'));
    const fifo = path.join(dir, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const h = harness({ stallTimeoutMs: 600, args: () => [...QUIET, '-f', 'rawvideo', '-s', '64x48', '-pix_fmt', 'gray', '-i', fifo, ...RAW_OUT] });
    h.sup.start();
    try {
      const stalled = await waitState(h, 'stalled');
      assert.match(stalled.reason ?? '', /^stalled: no data for/);
      const firstPid = h.sup.pid;
      await waitFor('a second ffmpeg', () => h.sup.attempt >= 2 && h.sup.pid !== undefined && h.sup.pid !== firstPid, 8000, 25);
      assert.equal(h.sup.state, 'failed', 'never live: later attempts show failed');
      assert.ok(firstPid !== undefined && !alive(firstPid), 'the stalled process was killed');
    } finally {
      await h.sup.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(h.sup.state, 'stopped');
  });

  test('stall after being live: live → stalled → restarting', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sup-'));
    const fifo = path.join(dir, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const h = harness({ stallTimeoutMs: 600, args: () => [...QUIET, '-f', 'rawvideo', '-s', '64x48', '-pix_fmt', 'gray', '-i', fifo, ...RAW_OUT] });
    h.sup.start();
    // Opening for write completes once ffmpeg opens the FIFO for reading.
    const writer = await fs.promises.open(fifo, 'w');
    try {
      await writer.write(Buffer.alloc(64 * 48 * 20, 128)); // 20 frames, then silence with the pipe held open
      await waitState(h, 'live');
      const stalled = await waitState(h, 'stalled');
      assert.match(stalled.reason ?? '', /^stalled: no data for/);
      const restarting = await waitState(h, 'restarting');
      assert.match(restarting.reason ?? '', /^stalled/);
      assert.deepEqual(
        h.states.slice(0, 4).map((s) => s.state),
        ['starting', 'live', 'stalled', 'restarting'],
      );
    } finally {
      await h.sup.stop();
      await writer.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('restart(reason) replaces a live process at once; stop() during a backoff wait resolves at once', async () => {
    const h = harness({ args: () => [...QUIET, '-re', '-f', 'lavfi', '-i', TINY, ...RAW_OUT] });
    h.sup.start();
    try {
      await waitState(h, 'live');
      const pid1 = h.sup.pid;
      h.sup.restart('settings changed');
      const r = await waitState(h, 'restarting');
      assert.equal(r.reason, 'settings changed');
      await waitState(h, 'live', 8000, h.states.indexOf(r));
      assert.notEqual(h.sup.pid, pid1);
      assert.equal(h.sup.stats.restarts, 1);
    } finally {
      await h.sup.stop();
    }

    const backoff = new RecordingBackoff({ baseMs: 60000, maxMs: 60000 });
    const f = harness({ backoff, args: () => [...QUIET, '-i', '/nonexistent/x.mp4', ...RAW_OUT] });
    f.sup.start();
    await waitState(f, 'failed');
    assert.equal(f.sup.pid, undefined, 'waiting for the next attempt');
    await f.sup.stop();
    assert.equal(f.sup.state, 'stopped');
    assert.equal(f.sup.attempt, 1);
  });
});
