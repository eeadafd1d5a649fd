// The last few seconds of timestamped results (tracks, detections) per camera, so the overlay can
// show the boxes that belong to the frame on screen — which is seconds behind the newest result.

export interface Timed {
  ts: number;
}

export class TimedBuffer<T extends Timed> {
  private items: T[] = [];

  constructor(
    private readonly keepMs = 10_000,
    private readonly max = 400,
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    // Results arrive in time order; a late one is slotted in rather than appended.
    if (items.length === 0 || items[items.length - 1].ts <= item.ts) items.push(item);
    else items.splice(this.indexAfter(item.ts), 0, item);
    const newest = items[items.length - 1].ts;
    let drop = 0;
    while (drop < items.length - 1 && (newest - items[drop].ts > this.keepMs || items.length - drop > this.max)) drop++;
    if (drop > 0) items.splice(0, drop);
  }

  /** First index whose ts is > t. */
  private indexAfter(t: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].ts <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The result for time t: the newest one not later than t + leadMs (a result stamped a few ms
   * after the frame's PDT belongs to that frame), provided it is at most maxAgeMs older than t.
   */
  at(t: number, maxAgeMs: number, leadMs = 40): T | undefined {
    const i = this.indexAfter(t + leadMs) - 1;
    if (i < 0) return undefined;
    const item = this.items[i];
    return t - item.ts <= maxAgeMs ? item : undefined;
  }

  /**
   * The results on both sides of t: `before` (newest with ts ≤ t, at most maxAgeMs older) and
   * `after` (the next one), for interpolating between two results of a slow detector.
   */
  around(t: number, maxAgeMs: number): { before?: T; after?: T } {
    const i = this.indexAfter(t);
    const before = i > 0 && t - this.items[i - 1].ts <= maxAgeMs ? this.items[i - 1] : undefined;
    return { before, after: this.items[i] };
  }

  latest(): T | undefined {
    return this.items[this.items.length - 1];
  }

  clear(): void {
    this.items = [];
  }
}
