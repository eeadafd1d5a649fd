// Retry delays for ffmpeg restarts: exponential so a dead camera is not hammered, capped so a camera
// that comes back is picked up within half a minute, jittered so several cameras behind the same
// flaky switch do not reconnect in lockstep.

export interface BackoffOptions {
  /** First delay, ms (default 1000). */
  baseMs?: number;
  /** Upper bound of any delay, ms, jitter included (default 30000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Relative jitter: the delay is scaled by a factor in [1 - jitter, 1 + jitter] (default 0.2). */
  jitter?: number;
  /** Uniform [0, 1) source; injectable so tests are deterministic (default Math.random). */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based), in whole ms. Pure apart from opts.random. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 30000;
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.2;
  const random = opts.random ?? Math.random;
  const n = Math.max(0, Math.floor(attempt));
  // Cap before the power overflows to Infinity for very long outages.
  const raw = Math.min(max, base * Math.pow(factor, Math.min(n, 64)));
  const scaled = raw * (1 + jitter * (2 * random() - 1));
  return Math.round(Math.min(max, Math.max(0, scaled)));
}

export class Backoff {
  private count = 0;

  constructor(private readonly opts: BackoffOptions = {}) {}

  /** The delay to wait now (ms); each call counts as one more attempt. */
  next(): number {
    return backoffDelay(this.count++, this.opts);
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
  }
}
