// A real RTSP server (GStreamer's gst-rtsp-server, driven by rtsp_server.py) for integration tests
// and benchmarks: an H.264 camera on 127.0.0.1 that serves RTSP over TCP and UDP, can be killed
// like a camera losing power, and restarted on the same port.
//
// Mount SPECs:  'file:/abs/clip.mp4' — an H.264 MP4, stream-copied and looped forever in real time
//               'test:640x360@15'    — a generated live H.264 source (cheap, no file needed)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './shared';
import { ffmpegPath } from './media';
import { freePort } from './ports';
import { processAlive, waitForExit } from './procs';

export interface RtspServerOptions {
  /** TCP port; a free one (outside the ephemeral range, see ports.ts) when omitted. */
  port?: number;
  /** mount path ('/cam' or 'cam') -> SPEC */
  mounts: Record<string, string>;
  /** Give up starting after this long (default 10 s). */
  readyTimeoutMs?: number;
}

export interface RtspServer {
  readonly port: number;
  /** rtsp://127.0.0.1:<port>/<mount> */
  url(mount: string): string;
  /** SIGTERM (clean shutdown of server and feeders), SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL the server and its feeder ffmpeg processes at once: a camera that loses power. */
  kill(): Promise<void>;
  /** Start again on the SAME port (stopping first if still running); resolves when ready. */
  restart(): Promise<void>;
  /** PIDs of the running server process and its feeders ([] when stopped). */
  pids(): number[];
  /** The last few kB of the server's stderr (GStreamer and feeder errors), for failure messages. */
  stderrTail(): string;
}

export type RtspAvailability = { ok: true } | { ok: false; reason: string };

const NEEDED_ELEMENTS = ['udpsrc', 'tsdemux', 'h264parse', 'rtph264pay', 'videotestsrc', 'x264enc', 'queue'];
const READY_RE = /^READY (\d+)$/;
const FEEDER_RE = /^FEEDER (\S+) (\d+)$/;

/** Python with PyGObject: $FERRETWATCH_PYTHON, else Debian's /usr/bin/python3 (a pyenv python on PATH lacks gi). */
export function rtspPython(): string {
  if (process.env.FERRETWATCH_PYTHON) return process.env.FERRETWATCH_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** rtsp_server.py, whether this module runs compiled (dist-x/test/support) or from source. */
export function rtspServerScript(): string {
  const candidates = [path.join(__dirname, 'rtsp_server.py'), path.join(repoRoot, 'test', 'support', 'rtsp_server.py')];
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[candidates.length - 1];
}

let availability: RtspAvailability | undefined;

/** Whether this machine can run the server: python3-gi, gst-rtsp-server, the GStreamer elements, ffmpeg. */
export function rtspServerAvailable(): RtspAvailability {
  if (availability) return availability;
  const check = [
    'import gi',
    "gi.require_version('Gst', '1.0')",
    "gi.require_version('GstRtspServer', '1.0')",
    'from gi.repository import Gst, GstRtspServer',
    'Gst.init(None)',
    `missing = [e for e in ${JSON.stringify(NEEDED_ELEMENTS)} if Gst.ElementFactory.find(e) is None]`,
    "print('MISSING ' + ' '.join(missing) if missing else 'OK')",
  ].join('\n');
  const py = spawnSync(rtspPython(), ['-c', check], { encoding: 'utf8', timeout: 15000 });
  const out = (py.stdout ?? '').trim();
  if (py.error || py.status !== 0) {
    const why = py.error ? py.error.message : (py.stderr ?? '').trim().split('\n').pop();
    availability = {
      ok: false,
      reason: `GStreamer RTSP server unavailable via ${rtspPython()} (${why}); install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-{good,bad,ugly}`,
    };
  } else if (out.startsWith('MISSING')) {
    availability = { ok: false, reason: `GStreamer elements missing: ${out.slice(8)} (install gstreamer1.0-plugins-{good,bad,ugly})` };
  } else {
    const ff = spawnSync(ffmpegPath(), ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10000 });
    availability = ff.status === 0 ? { ok: true } : { ok: false, reason: `ffmpeg not runnable as ${ffmpegPath()} (needed to feed file: mounts)` };
  }
  return availability;
}

/**
 * Skip reason for tests that need the server, or undefined when it is available. Like sharedPath:
 * prints "# skip: ..." on a user's machine, throws under CI where the server must be present.
 */
export function rtspServerSkip(): string | undefined {
  const a = rtspServerAvailable();
  if (a.ok) return undefined;
  if (process.env.CI) throw new Error(`CI requires the RTSP test server: ${a.reason}`);
  console.log(`# skip: ${a.reason}`);
  return a.reason;
}

// Servers still running, killed synchronously if the test process exits without stopping them.
// (The server also asks the kernel for SIGTERM when its parent dies, and feeders for SIGKILL.)
const live = new Set<() => void>();
let exitHookInstalled = false;
function trackForExit(killNow: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const k of live) k();
    });
  }
  live.add(killNow);
  return () => live.delete(killNow);
}

function normalizeMount(mount: string): string {
  return mount.startsWith('/') ? mount : `/${mount}`;
}

/** Command-line arguments for rtsp_server.py (exported for unit tests of the SPEC plumbing). */
export function serverArgs(port: number, mounts: Record<string, string>): string[] {
  const args = ['--port', String(port), '--address', '127.0.0.1'];
  for (const [mount, spec] of Object.entries(mounts)) {
    if (!/^(file|test):/.test(spec)) throw new Error(`bad RTSP mount spec for ${mount}: ${spec} (want file:<mp4> or test:<w>x<h>@<fps>)`);
    args.push('--mount', `${normalizeMount(mount)}=${spec}`);
  }
  return args;
}

class GstRtspServerProcess implements RtspServer {
  private child?: ChildProcess;
  private feeders = new Map<string, number>();
  private stderr = '';
  private untrack?: () => void;
  private exited?: Promise<void>;

  constructor(
    readonly port: number,
    private readonly mounts: Record<string, string>,
    private readonly readyTimeoutMs: number,
  ) {}

  url(mount: string): string {
    return `rtsp://127.0.0.1:${this.port}${normalizeMount(mount)}`;
  }

  pids(): number[] {
    if (!this.child?.pid || this.child.exitCode !== null || this.child.signalCode !== null) return [];
    return [this.child.pid, ...this.feeders.values()].filter(processAlive);
  }

  stderrTail(): string {
    return this.stderr;
  }

  start(): Promise<void> {
    this.stderr = '';
    this.feeders.clear();
    const child = spawn(rtspPython(), ['-u', rtspServerScript(), ...serverArgs(this.port, this.mounts)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FFMPEG_PATH: ffmpegPath() },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const allPids = () => [child.pid ?? -1, ...this.feeders.values()].filter((p) => p > 0);
    this.untrack = trackForExit(() => {
      for (const p of allPids()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    child.once('exit', () => this.untrack?.());
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-8000);
    });

    return new Promise<void>((resolve, reject) => {
      let buf = '';
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.hardKill();
        reject(new Error(`RTSP server on port ${this.port} did not start: ${why}\n${this.stderr.trim()}`));
      };
      const timer = setTimeout(() => fail(`not ready within ${this.readyTimeoutMs} ms`), this.readyTimeoutMs);
      child.once('error', (e) => fail(e.message));
      child.once('exit', (code, sig) => fail(`exited with ${code ?? sig}`));
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          const feeder = FEEDER_RE.exec(line);
          if (feeder) this.feeders.set(feeder[1], Number(feeder[2]));
          if (READY_RE.test(line) && !settled) {
            settled = true;
            clearTimeout(timer);
            resolve();
          }
        }
      });
    });
  }

  private hardKill(): void {
    const pids = [this.child?.pid ?? -1, ...this.feeders.values()].filter((p) => p > 0);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private isRunning(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(): Promise<void> {
    const feeders = [...this.feeders.values()];
    if (this.isRunning()) {
      this.hardKill();
      await this.exited;
    }
    await waitForExit(feeders, 3000);
  }

  async stop(): Promise<void> {
    const feeders = [...this.feeders.values()];
    if (this.isRunning()) {
      this.child?.kill('SIGTERM');
      const timedOut = await Promise.race([
        this.exited?.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 3000).unref()),
      ]);
      if (timedOut) {
        this.hardKill();
        await this.exited;
      }
    }
    if (!(await waitForExit(feeders, 2000))) {
      for (const p of feeders) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await waitForExit(feeders, 2000);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Start a server and resolve once it accepts clients (file: feeders already streaming). Rejects,
 * with the server's stderr, if it is not ready within `readyTimeoutMs`. Without an explicit port,
 * a port clash at bind time is retried on another port.
 */
export async function startRtspServer(opts: RtspServerOptions): Promise<RtspServer> {
  if (Object.keys(opts.mounts).length === 0) throw new Error('startRtspServer: no mounts');
  const attempts = opts.port ? 1 : 3;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    const server = new GstRtspServerProcess(port, opts.mounts, opts.readyTimeoutMs ?? 10000);
    try {
      await server.start();
      return server;
    } catch (e) {
      lastErr = e;
      if (!/cannot listen/.test(String(e))) break;
    }
  }
  throw lastErr;
}
