// When a detect node sends: every processed frame that has detections, plus one empty result when
// detections disappear (so consumers learn "nothing any more" once, not five times a second).

export class EmissionGate {
  private had = false;

  /** Call once per processed frame with its detection count; true = send a message. */
  shouldEmit(count: number): boolean {
    if (count > 0) {
      this.had = true;
      return true;
    }
    if (this.had) {
      this.had = false;
      return true;
    }
    return false;
  }

  reset(): void {
    this.had = false;
  }
}

/** Rates and averages over the last `windowMs` of samples (fps, inference ms for the status). */
export class RateWindow {
  private readonly t: number[] = [];
  private readonly v: number[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(now: number, value: number): void {
    this.t.push(now);
    this.v.push(value);
    this.trim(now);
  }

  private trim(now: number): void {
    let k = 0;
    while (k < this.t.length && now - this.t[k] > this.windowMs) k++;
    if (k > 0) {
      this.t.splice(0, k);
      this.v.splice(0, k);
    }
  }

  /** Samples per second over the window (0 with fewer than two samples). */
  rate(now: number): number {
    this.trim(now);
    const n = this.t.length;
    if (n < 2) return 0;
    const span = (this.t[n - 1] - this.t[0]) / 1000;
    return span > 0 ? (n - 1) / span : 0;
  }

  mean(now: number): number {
    this.trim(now);
    if (this.v.length === 0) return 0;
    let s = 0;
    for (const x of this.v) s += x;
    return s / this.v.length;
  }

  clear(): void {
    this.t.length = 0;
    this.v.length = 0;
  }
}
