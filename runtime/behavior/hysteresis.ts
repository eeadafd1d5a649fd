// Turns per-frame candidates into a state that does not flicker. A challenger must collect
// `hold` seconds of evidence before it replaces the current behavior; evidence leaks away twice
// as fast while other candidates win, so a 50/50 boundary (whose random walk would otherwise
// reach any hold now and then) practically never switches, while a real change that is 80 %
// clean still does (after hold / 0.4). Evidence is time, not frames: 5 fps and 2 fps cameras
// switch after the same number of seconds.
import type { Candidate } from './rules';

/** Seconds a new behavior must hold before it replaces the current one. 0 = immediate. */
export const DEFAULT_HOLD_S: Readonly<Record<string, number>> = {
  sleeping: 0, // the rules already waited sleepAfterS of stillness
  resting: 2.5,
  exploring: 2,
  playing: 1.5,
  eating: 5,
  drinking: 3,
  litter: 3,
  hiding: 2,
  social_play: 1.5,
  out_of_view: 0, // the engine's grace time is the hold
};

export interface HysteresisOptions {
  holdS?: Record<string, number>;
  /** Hold for labels missing from holdS. */
  defaultHoldS?: number;
  /** One frame after a gap counts for at most this long (a single frame after a stall is not 5 s of evidence). */
  maxDtS?: number;
  /** Evidence lost per second while another candidate wins (default 2). */
  leak?: number;
}

export interface StateChange {
  behavior: string;
  previous: string | null;
  /** When the evidence for the new behavior began (ms): the state's and the episode's start. */
  since: number;
  confidence: number;
  zone: string | null;
}

interface Evidence {
  seconds: number;
  start: number;
  confSum: number;
  n: number;
  zone: string | null;
}

export class Hysteresis {
  current: string | null = null;
  since = 0;
  confidence = 0;
  zone: string | null = null;
  private lastMs: number | null = null;
  private readonly evidence = new Map<string, Evidence>();
  private readonly hold: Record<string, number>;
  private readonly defaultHold: number;
  private readonly maxDt: number;
  private readonly leak: number;

  constructor(opts: HysteresisOptions = {}) {
    this.hold = { ...DEFAULT_HOLD_S, ...(opts.holdS ?? {}) };
    this.defaultHold = opts.defaultHoldS ?? 2;
    this.maxDt = opts.maxDtS ?? 1;
    this.leak = opts.leak ?? 2;
  }

  holdFor(behavior: string): number {
    return this.hold[behavior] ?? this.defaultHold;
  }

  /**
   * Feed one frame's candidate (null = no evidence: nothing changes, nothing decays, and the
   * next candidate's frame interval reaches back over the gap, up to maxDtS).
   * Returns the change when the state switched on this frame.
   */
  update(tMs: number, candidate: Candidate | null): StateChange | null {
    if (candidate === null) {
      if (this.lastMs === null) this.lastMs = tMs;
      return null;
    }
    const dt = this.lastMs === null ? 0 : Math.min(this.maxDt, Math.max(0, (tMs - this.lastMs) / 1000));
    const prevMs = this.lastMs === null ? tMs : Math.max(this.lastMs, tMs - this.maxDt * 1000);
    const firstMs = this.lastMs ?? tMs;
    this.lastMs = tMs;

    if (this.current === null) {
      // Nothing to protect yet: the first evidence is the best we have, and it describes the
      // ferret since it was first seen (the frames before only lacked history to judge).
      return this.switchTo(candidate.behavior, firstMs, candidate.confidence, candidate.zone);
    }

    if (candidate.behavior === this.current) {
      // Slow running mean: the state's confidence is how well the frames keep agreeing.
      this.confidence += (candidate.confidence - this.confidence) * 0.1;
      if (candidate.zone !== null) this.zone = candidate.zone;
      this.decayAll(dt, null);
      return null;
    }

    this.decayAll(dt, candidate.behavior);
    let ev = this.evidence.get(candidate.behavior);
    if (!ev) {
      ev = { seconds: 0, start: prevMs, confSum: 0, n: 0, zone: null };
      this.evidence.set(candidate.behavior, ev);
    }
    ev.seconds += dt;
    ev.confSum += candidate.confidence;
    ev.n++;
    if (candidate.zone !== null) ev.zone = candidate.zone;
    if (ev.seconds + 1e-9 >= this.holdFor(candidate.behavior)) {
      const start = this.holdFor(candidate.behavior) <= 0 ? tMs : ev.start;
      return this.switchTo(candidate.behavior, start, ev.confSum / ev.n, ev.zone);
    }
    return null;
  }

  /** Switch now, bypassing the hold (time-based transitions: out_of_view, hiding after a loss). */
  force(behavior: string, sinceMs: number, confidence: number, zone: string | null = null): StateChange | null {
    if (behavior === this.current) return null;
    if (this.lastMs === null || sinceMs > this.lastMs) this.lastMs = sinceMs;
    return this.switchTo(behavior, sinceMs, confidence, zone);
  }

  /** Evidence collected so far for `behavior` (seconds) and when it began; for forced switches. */
  pending(behavior: string): { seconds: number; start: number } | null {
    const ev = this.evidence.get(behavior);
    return ev ? { seconds: ev.seconds, start: ev.start } : null;
  }

  private decayAll(dt: number, except: string | null): void {
    if (dt <= 0) return;
    for (const [b, ev] of this.evidence) {
      if (b === except) continue;
      ev.seconds -= dt * this.leak;
      if (ev.seconds <= 0) this.evidence.delete(b);
    }
  }

  private switchTo(behavior: string, since: number, confidence: number, zone: string | null): StateChange {
    const previous = this.current;
    this.current = behavior;
    // The new state cannot start before the old one did.
    this.since = previous === null ? since : Math.max(since, this.since);
    this.confidence = confidence;
    this.zone = zone;
    this.evidence.clear();
    return { behavior, previous, since: this.since, confidence, zone };
  }
}
