// One supervised ffmpeg job: spawns it (argument array, never a shell), watches stdout and the stats
// line for liveness, restarts it with backoff when it dies or stalls, and reports a small typed state
// machine. Cameras drop off Wi-Fi, reboot and change passwords; the supervisor turns all of that into
// `failed: 401 Unauthorized …` / `restarting: connection timed out` and keeps trying in the background.
//
// Credentials: every stderr line is redacted (URL credentials, plus the literal secrets found in the
// argument list) before it is logged, emitted or kept for a reason. Arguments are logged via argsForLog.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { StreamState, StreamStats } from '../contracts';
import { argsForLog } from './args';
import { Backoff } from './backoff';
import { LineSplitter, parseProgress, type FfmpegProgress } from './progress';
import { reasonFromStderr } from './reasons';
import { collectSecrets, redactText } from './redact';
import { resolveFfmpeg } from './resolve';

export interface SupervisorLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface SupervisorStats extends StreamStats {
  /** Reason of the last exit, stall or restart (redacted). */
  lastReason?: string;
  /** ms epoch of the last state change. */
  since: number;
}

export interface FfmpegSupervisorOptions {
  /** For logs only (camera name, job name). */
  name: string;
  /** Default: resolveFfmpeg().path, looked up at each spawn. */
  ffmpegPath?: string;
  /** Rebuilt at every spawn, so credentials and demo time offsets are fresh. */
  args: () => string[];
  /** No stdout bytes and no stats progress for this long → 'stalled', kill, restart (default 10000). */
  stallTimeoutMs?: number;
  /** Backoff resets after the process has been live this long (default 60000). */
  healthyResetMs?: number;
  backoff?: Backoff;
  log?: Partial<SupervisorLog>;
  /** Receives ffmpeg's stdout. Must not throw (if it does, the error is logged and ignored). */
  onStdout?: (chunk: Buffer) => void;
  /** 'output' (default): the first stdout bytes mark live. 'progress': advancing stats lines do (ffmpeg writes files). */
  liveWhen?: 'output' | 'progress';
  /** Working directory for ffmpeg (e.g. the HLS output directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How often stall and health are checked (default 1000). */
  checkIntervalMs?: number;
  /** SIGTERM → SIGKILL grace (default 2000). */
  killTimeoutMs?: number;
  /** Recent stderr lines kept for the exit reason (default 30). */
  stderrLines?: number;
}

export interface SupervisorEvents {
  state: [state: StreamState, reason?: string];
  progress: [stats: SupervisorStats];
  stderr: [line: string];
  exit: [code: number | null, signal: NodeJS.Signals | null];
}

const noop = (): void => {};

export class FfmpegSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly opts: FfmpegSupervisorOptions;
  private readonly backoff: Backoff;
  private readonly log: SupervisorLog;
  private readonly stallTimeoutMs: number;
  private readonly healthyResetMs: number;
  private readonly liveWhen: 'output' | 'progress';

  private _state: StreamState = 'stopped';
  private reason: string | undefined;
  private lastEmittedReason: string | undefined;
  private since = Date.now();

  private wanted = false;
  private child: ChildProcess | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private stopPromise: Promise<void> | undefined;
  private stopResolve: (() => void) | undefined;
  private startPending = false;

  // Per attempt.
  private spawns = 0;
  private attemptLive = false;
  private liveAt = 0;
  private healthyCounted = false;
  private killReason: string | undefined;
  private manualRestart = false;
  private spawnError: string | undefined;
  private secrets: string[] = [];
  private recent: string[] = [];
  private stdoutBytes = 0;
  private progressTicks = 0;
  private lastProgress: FfmpegProgress | undefined;
  private seenBytes = 0;
  private seenTicks = 0;
  private lastActivityAt = 0;

  private readonly counters = { restarts: 0, frames: undefined as number | undefined, fps: undefined as number | undefined, bitrateKbps: undefined as number | undefined, speed: undefined as number | undefined };

  constructor(opts: FfmpegSupervisorOptions) {
    super();
    this.opts = opts;
    this.backoff = opts.backoff ?? new Backoff();
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 10000;
    this.healthyResetMs = opts.healthyResetMs ?? 60000;
    this.liveWhen = opts.liveWhen ?? 'output';
    const l = opts.log ?? {};
    this.log = { debug: l.debug ?? noop, info: l.info ?? noop, warn: l.warn ?? noop, error: l.error ?? noop };
  }

  get state(): StreamState {
    return this._state;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Number of ffmpeg processes spawned since start(). */
  get attempt(): number {
    return this.spawns;
  }

  get stats(): SupervisorStats {
    const c = this.counters;
    return { fps: c.fps, bitrateKbps: c.bitrateKbps, speed: c.speed, frames: c.frames, restarts: c.restarts, lastReason: this.reason, since: this.since };
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.spawns = 0;
    this.setState('starting');
    this.checkTimer = setInterval(() => this.check(), this.opts.checkIntervalMs ?? 1000);
    this.checkTimer.unref();
    // Started again while a stop() is still waiting for the old process: spawn once it has exited.
    if (this.child) this.startPending = true;
    else this.spawnNow();
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. No restart follows. */
  stop(): Promise<void> {
    this.wanted = false;
    this.startPending = false;
    this.clearTimer('retryTimer');
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = undefined;
    if (this.stopPromise) return this.stopPromise;
    if (!this.child) {
      this.setState('stopped');
      return Promise.resolve();
    }
    this.stopPromise = new Promise<void>((resolve) => (this.stopResolve = resolve));
    this.kill();
    return this.stopPromise;
  }

  /** Kill the current process (if any) and start a new one right away. Ignored when stopped. */
  restart(reason = 'restart requested'): void {
    if (!this.wanted) return;
    if (this.child) {
      this.killReason = reason;
      this.manualRestart = true;
      this.setState('restarting', reason);
      this.kill();
    } else {
      this.clearTimer('retryTimer');
      this.setState('restarting', reason);
      this.spawnNow();
    }
  }

  // ------------------------------------------------------------------------------------------

  private spawnNow(): void {
    this.retryTimer = undefined;
    if (!this.wanted) return;
    if (this.spawns > 0) this.counters.restarts++;
    this.spawns++;
    this.attemptLive = false;
    this.healthyCounted = false;
    this.killReason = undefined;
    this.manualRestart = false;
    this.spawnError = undefined;
    this.recent = [];
    this.stdoutBytes = this.seenBytes = 0;
    this.progressTicks = this.seenTicks = 0;
    this.lastProgress = undefined;
    this.lastActivityAt = Date.now();
    // Rates describe the running process; a dead one has none (restarts is cumulative).
    this.counters.frames = this.counters.fps = this.counters.bitrateKbps = this.counters.speed = undefined;

    let bin: string;
    let args: string[];
    try {
      bin = this.opts.ffmpegPath ?? resolveFfmpeg().path;
      args = this.opts.args();
    } catch (err) {
      this.finishAttempt(undefined, null, null, redactText((err as Error).message));
      return;
    }
    this.secrets = collectSecrets(args);
    this.log.debug(`${this.opts.name}: spawn #${this.spawns}: ${bin} ${argsForLog(args)}`);

    let child: ChildProcess;
    try {
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.opts.cwd, env: this.opts.env, windowsHide: true });
    } catch (err) {
      this.finishAttempt(undefined, null, null, `cannot start ffmpeg: ${redactText((err as Error).message, this.secrets)}`);
      return;
    }
    this.child = child;
    const splitter = new LineSplitter();

    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutBytes += chunk.length;
      if (!this.attemptLive && this.liveWhen === 'output' && child === this.child) this.goLive();
      const sink = this.opts.onStdout;
      if (sink) {
        try {
          sink(chunk);
        } catch (err) {
          this.log.error(`${this.opts.name}: onStdout threw: ${(err as Error).message}`);
        }
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of splitter.push(text)) this.onStderrLine(line, child);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        // Spawn failed: Node may or may not follow with 'close'; finish here and ignore a later close.
        const what = err.code === 'ENOENT' ? `ffmpeg not found at ${bin}` : `cannot start ffmpeg (${err.code ?? err.message})`;
        this.spawnError = redactText(what, this.secrets);
        this.onClose(child, null, null);
      } else {
        this.log.warn(`${this.opts.name}: ffmpeg process error: ${redactText(err.message, this.secrets)}`);
      }
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      for (const line of splitter.flush()) this.onStderrLine(line, child);
      this.onClose(child, code, signal);
    });
  }

  private onStderrLine(line: string, child: ChildProcess): void {
    if (child !== this.child) return;
    const progress = parseProgress(line);
    if (progress) {
      this.onProgress(progress);
      return;
    }
    const clean = redactText(line, this.secrets);
    this.recent.push(clean);
    if (this.recent.length > (this.opts.stderrLines ?? 30)) this.recent.shift();
    this.log.debug(`${this.opts.name}: ffmpeg: ${clean}`);
    this.emitSafe('stderr', clean);
  }

  private onProgress(p: FfmpegProgress): void {
    const prev = this.lastProgress;
    // A repeated stats line with nothing advancing is not a sign of life.
    const advanced = !prev || p.frame !== prev.frame || p.timeS !== prev.timeS || p.sizeKb !== prev.sizeKb;
    this.lastProgress = p;
    const c = this.counters;
    if (p.frame !== undefined) c.frames = p.frame;
    if (p.fps !== undefined) c.fps = p.fps;
    if (p.bitrateKbps !== undefined) c.bitrateKbps = p.bitrateKbps;
    if (p.speed !== undefined) c.speed = p.speed;
    if (advanced && ((p.frame ?? 0) > 0 || (p.timeS ?? 0) > 0 || (p.sizeKb ?? 0) > 0)) {
      this.progressTicks++;
      if (!this.attemptLive && this.liveWhen === 'progress') this.goLive();
    }
    this.emitSafe('progress', this.stats);
  }

  private goLive(): void {
    this.attemptLive = true;
    this.liveAt = Date.now();
    this.lastActivityAt = this.liveAt;
    this.setState('live');
  }

  private check(): void {
    const now = Date.now();
    if (this.child && !this.killTimer && this.child.pid !== undefined) {
      if (this.stdoutBytes !== this.seenBytes || this.progressTicks !== this.seenTicks) {
        this.seenBytes = this.stdoutBytes;
        this.seenTicks = this.progressTicks;
        this.lastActivityAt = now;
      } else if (now - this.lastActivityAt >= this.stallTimeoutMs) {
        const reason = `stalled: no data for ${formatSeconds(now - this.lastActivityAt)}`;
        this.killReason = reason;
        // While failing, keep showing 'failed' (with the new reason) rather than flapping.
        this.setState(this._state === 'failed' ? 'failed' : 'stalled', reason);
        this.log.warn(`${this.opts.name}: ${reason}; killing ffmpeg`);
        this.kill();
      }
    }
    if (this.attemptLive && !this.healthyCounted && now - this.liveAt >= this.healthyResetMs) {
      this.healthyCounted = true;
      this.backoff.reset();
    }
  }

  private kill(): void {
    const child = this.child;
    if (!child || this.killTimer) return;
    try {
      child.kill('SIGTERM');
    } catch {
      /* already gone */
    }
    this.killTimer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }, this.opts.killTimeoutMs ?? 2000);
    this.killTimer.unref();
  }

  private onClose(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return; // a late event from a process already handled
    this.child = undefined;
    this.clearTimer('killTimer');
    if (child.pid !== undefined) this.emitSafe('exit', code, signal);
    this.finishAttempt(child, code, signal);
  }

  private finishAttempt(child: ChildProcess | undefined, code: number | null, signal: NodeJS.Signals | null, errorReason?: string): void {
    const resolveStop = this.stopResolve;
    this.stopResolve = undefined;
    this.stopPromise = undefined;
    if (!this.wanted) {
      this.setState('stopped');
      resolveStop?.();
      return;
    }
    resolveStop?.();
    if (this.child || this.retryTimer) return; // an 'exit' listener already started the next attempt
    if (this.startPending) {
      this.startPending = false;
      this.spawnNow();
      return;
    }
    const reason = errorReason ?? this.spawnError ?? this.killReason ?? reasonFromStderr(this.recent, code, signal);
    const wasLive = this.attemptLive;
    if (this.manualRestart) {
      this.setState('restarting', reason);
      if (!this.wanted || this.child || this.retryTimer) return; // a 'state' listener took over
      this.log.info(`${this.opts.name}: restarting: ${reason}`);
      this.retryTimer = setTimeout(() => this.spawnNow(), 0);
      return;
    }
    const delay = this.backoff.next();
    this.setState(wasLive ? 'restarting' : 'failed', reason);
    if (!this.wanted || this.child || this.retryTimer) return; // a 'state' listener stopped or restarted us
    const how = child ? `ffmpeg exited (${signal ?? `code ${code}`})` : 'ffmpeg did not start';
    this.log.warn(`${this.opts.name}: ${how}: ${reason}; retry in ${formatSeconds(delay)}`);
    this.retryTimer = setTimeout(() => this.spawnNow(), delay);
    this.retryTimer.unref();
  }

  private setState(state: StreamState, reason?: string): void {
    if (reason !== undefined) this.reason = reason;
    const changed = state !== this._state || (state === 'failed' && reason !== undefined && reason !== this.lastEmittedReason);
    if (!changed) return;
    this._state = state;
    this.since = Date.now();
    this.lastEmittedReason = reason;
    if (state === 'live' || state === 'starting') this.log.info(`${this.opts.name}: ${state}`);
    this.emitSafe('state', state, reason);
  }

  private clearTimer(which: 'retryTimer' | 'killTimer'): void {
    const t = this[which];
    if (t) clearTimeout(t);
    this[which] = undefined;
  }

  // A listener that throws must not break the supervisor's bookkeeping (or crash Node-RED).
  private emitSafe<K extends keyof SupervisorEvents>(event: K, ...args: SupervisorEvents[K]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error(`${this.opts.name}: '${String(event)}' listener threw: ${(err as Error).message}`);
    }
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
}
