// Turns per-frame candidates into a state that does not flicker. A challenger must collect
// `hold` seconds of evidence before it replaces the current behavior; its evidence leaks away
// twice as fast while the current behavior wins, so a 50/50 boundary (whose random walk would
// otherwise reach any hold now and then) practically never switches, while a real change that is
// 80 % clean still does (after hold / 0.4). A frame of a third behavior neither adds to nor takes
// from a challenger: a ferret waking up that pauses once is still not asleep.
// Evidence is time, not frames, so 5 fps and 2 fps cameras switch after the same number of
// seconds: a frame is credited with the time since the previous one (up to maxDtS, the window
// its features describe), the first frame of a new challenger with at least onsetS, and a frame
// without evidence (missed detection, dropped frame, tick) continues a winning challenger for
// up to carryS, so a change can complete in a gap rather than at the next detection.
// A candidate may carry `vouchS` (rules.ts): its whole feature window already shows the behavior,
// so its evidence is at least that many seconds — at 2 fps the frames before it could not tell.
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
  /**
   * One frame after a gap counts for at most this long (a single frame after a stall is not 5 s of
   * evidence). Default 2 s = the short feature window: a frame's features describe that much of
   * the past, so a 2 fps camera that drops a frame or two loses no evidence.
   */
  maxDtS?: number;
  /**
   * A frame without evidence (a missed detection, a dropped frame) within this long of the last
   * candidate continues that candidate (`carry`): the behavior seen up to the gap is assumed to
   * go on through it, so a change can complete during the gap instead of at the next detection.
   */
  carryS?: number;
  /**
   * The first frame of a new candidate counts for at least this long (default 0.5 s = the speed
   * window, the shortest of the features): at 5 fps frames are 0.2 s apart, but what a frame
   * shows has been true for the whole window it measured.
   */
  onsetS?: number;
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
  /** Seconds credited by frames that showed this behavior (not carried through gaps). */
  observed: number;
  /** Seconds carried through gaps since it was last seen. */
  carried: number;
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
  private last: Candidate | null = null;
  private lastCandMs = 0;
  private readonly evidence = new Map<string, Evidence>();
  private readonly hold: Record<string, number>;
  private readonly defaultHold: number;
  private readonly maxDt: number;
  private readonly leak: number;
  private readonly carryMs: number;
  private readonly onsetMs: number;

  constructor(opts: HysteresisOptions = {}) {
    this.hold = { ...DEFAULT_HOLD_S, ...(opts.holdS ?? {}) };
    this.defaultHold = opts.defaultHoldS ?? 2;
    this.maxDt = opts.maxDtS ?? 2;
    this.leak = opts.leak ?? 2;
    this.carryMs = (opts.carryS ?? 1) * 1000;
    this.onsetMs = (opts.onsetS ?? 0.5) * 1000;
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
    this.last = candidate;
    this.lastCandMs = tMs;
    return this.step(tMs, candidate);
  }

  /**
   * No evidence at tMs (missed detection, dropped frame, timer tick): within carryS of the last
   * candidate, a challenger that was winning goes on, so a change can complete in the gap. A last
   * candidate that agrees with the current state is not carried: the next frame's candidate is
   * credited with the gap instead (update), which is what lets a change that began in the gap count it.
   */
  carry(tMs: number): StateChange | null {
    const last = this.last;
    if (last === null || this.lastMs === null || tMs <= this.lastMs || tMs - this.lastCandMs > this.carryMs) return null;
    if (last.behavior === this.current) return null;
    const ev = this.evidence.get(last.behavior);
    if (!ev) return null;
    // A behavior is carried through a gap at most as long as it was actually seen: one stray
    // frame followed by a lost track is not a second of evidence.
    const room = Math.min(this.carryMs / 1000, ev.observed) - ev.carried;
    const credit = Math.min(this.maxDt, (tMs - this.lastMs) / 1000, room);
    if (!(credit > 0)) return null;
    // Time not credited here stays for the next frame to claim.
    this.lastMs += credit * 1000;
    ev.seconds += credit;
    ev.carried += credit;
    return this.maybeSwitch(last.behavior, ev);
  }

  private step(tMs: number, candidate: Candidate): StateChange | null {
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
      this.decayAll(dt);
      return null;
    }

    let ev = this.evidence.get(candidate.behavior);
    let credit = dt;
    if (!ev) {
      // A frame's features describe at least the shortest feature window before it, so the first
      // frame of a new candidate vouches for that much time even when frames come faster.
      const start = Math.max(Math.min(prevMs, tMs - this.onsetMs), this.since);
      credit = Math.max(dt, (tMs - start) / 1000);
      ev = { seconds: 0, observed: 0, carried: 0, start, confSum: 0, n: 0, zone: null };
      this.evidence.set(candidate.behavior, ev);
    }
    ev.seconds += credit;
    ev.observed += credit;
    const vouch = candidate.vouchS ?? 0;
    if (vouch > ev.seconds) {
      // A frame whose whole feature window shows the behavior vouches for that much of it,
      // whatever the frames before could tell (undecided, or leaked away by a contrary frame).
      const start = Math.max(tMs - vouch * 1000, this.since);
      const vouched = Math.max(ev.seconds, (tMs - start) / 1000);
      ev.observed += vouched - ev.seconds;
      ev.seconds = vouched;
      ev.start = Math.min(ev.start, start);
    }
    ev.carried = 0;
    ev.confSum += candidate.confidence;
    ev.n++;
    if (candidate.zone !== null) ev.zone = candidate.zone;
    return this.maybeSwitch(candidate.behavior, ev, tMs);
  }

  private maybeSwitch(behavior: string, ev: Evidence, tMs = this.lastMs as number): StateChange | null {
    const hold = this.holdFor(behavior);
    if (ev.seconds + 1e-9 < hold) return null;
    return this.switchTo(behavior, hold <= 0 ? tMs : ev.start, ev.confSum / ev.n, ev.zone);
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

  private decayAll(dt: number): void {
    if (dt <= 0) return;
    for (const [b, ev] of this.evidence) {
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
    if (this.last && this.last.behavior !== behavior) this.last = null; // a forced state is not carried as the old candidate
    return { behavior, previous, since: this.since, confidence, zone };
  }
}
