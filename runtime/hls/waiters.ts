// Parked requests for a part that does not exist yet (LL-HLS blocking playlist reload and
// preload-hinted part requests). Waiters sit in a min-heap ordered by (msn, part), so a notify pops
// exactly the satisfied ones; deadlines sit in a second min-heap served by one shared timer, so a
// few hundred parked browsers cost two heap entries each and no timers of their own.

export type WaitResult = 'ready' | 'timeout' | 'closed' | 'aborted';

interface Waiter {
  msn: number;
  part: number;
  deadline: number;
  settled: boolean;
  resolve: (r: WaitResult) => void;
  cleanup?: () => void;
}

/** Binary min-heap; entries whose waiter has settled are skipped lazily and compacted in bulk. */
class Heap {
  items: Waiter[] = [];
  constructor(private readonly less: (a: Waiter, b: Waiter) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): Waiter | undefined {
    return this.items[0];
  }

  push(w: Waiter): void {
    const a = this.items;
    a.push(w);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): Waiter | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Drop settled entries and re-heapify: O(n), done only when they are the majority. */
  compact(): void {
    this.items = this.items.filter((w) => !w.settled);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private down(i: number): void {
    const a = this.items;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(a[l], a[m])) m = l;
      if (r < n && this.less(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

const byPosition = (a: Waiter, b: Waiter) => a.msn < b.msn || (a.msn === b.msn && a.part < b.part);
const byDeadline = (a: Waiter, b: Waiter) => a.deadline < b.deadline;

export class PartWaiters {
  private readonly byPos = new Heap(byPosition);
  private readonly byTime = new Heap(byDeadline);
  private live = 0;
  private lastMsn = -Infinity;
  private lastPart = -Infinity;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of parked waiters. */
  get size(): number {
    return this.live;
  }

  /**
   * Resolves 'ready' once notify() reports a position >= (msn, part) (immediately if one already
   * has), 'timeout' after timeoutMs, 'closed' on close(), 'aborted' when signal aborts.
   * Part Infinity waits for the whole segment msn to be complete.
   */
  wait(msn: number, part: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    if (this.closed) return Promise.resolve('closed');
    if (this.reached(msn, part)) return Promise.resolve('ready');
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise<WaitResult>((resolve) => {
      const w: Waiter = { msn, part, deadline: this.now() + Math.max(0, timeoutMs), settled: false, resolve };
      if (signal) {
        const onAbort = () => this.settle(w, 'aborted');
        signal.addEventListener('abort', onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.live++;
      this.byPos.push(w);
      this.byTime.push(w);
      if (w.deadline < this.timerAt) this.schedule(w.deadline);
    });
  }

  /** A part (msn, part) now exists; wakes every waiter at or before it. */
  notify(msn: number, part: number): void {
    if (msn > this.lastMsn || (msn === this.lastMsn && part > this.lastPart)) {
      this.lastMsn = msn;
      this.lastPart = part;
    }
    for (;;) {
      const top = this.byPos.peek();
      if (!top) break;
      if (!top.settled && !this.reached(top.msn, top.part)) break;
      this.byPos.pop();
      if (!top.settled) this.settle(top, 'ready');
    }
    this.maybeCompact();
  }

  /** Resolve every waiter with 'closed' and refuse new ones. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    for (const w of this.byPos.items) if (!w.settled) this.settle(w, 'closed');
    this.byPos.items = [];
    this.byTime.items = [];
  }

  private reached(msn: number, part: number): boolean {
    return msn < this.lastMsn || (msn === this.lastMsn && part <= this.lastPart);
  }

  private settle(w: Waiter, r: WaitResult): void {
    if (w.settled) return;
    w.settled = true;
    this.live--;
    w.cleanup?.();
    w.resolve(r);
    if (r === 'aborted') this.maybeCompact();
  }

  private maybeCompact(): void {
    // Settled entries linger in the other heap until popped; compact once they dominate.
    if (this.byTime.size > 64 && this.byTime.size > 2 * this.live) this.byTime.compact();
    if (this.byPos.size > 64 && this.byPos.size > 2 * this.live) this.byPos.compact();
    if (this.live === 0) {
      this.byPos.items = [];
      this.byTime.items = [];
      this.clearTimer();
    }
  }

  private schedule(at: number): void {
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - this.now()));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    for (;;) {
      const top = this.byTime.peek();
      if (!top) break;
      if (top.settled) {
        this.byTime.pop();
        continue;
      }
      if (top.deadline > now) {
        this.schedule(top.deadline);
        break;
      }
      this.byTime.pop();
      this.settle(top, 'timeout');
    }
    this.maybeCompact();
  }
}
