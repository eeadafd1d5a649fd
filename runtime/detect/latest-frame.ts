// Latest-frame-wins hand-over between a producer that must never wait (ffmpeg's stdout, read
// continuously so the decoder never stalls) and a consumer that may be slow (inference). A newer
// frame replaces an unconsumed one, which is counted as dropped; nothing ever queues.

export interface Slotted<M> {
  buf: Uint8Array;
  meta: M;
  /** Frames replaced before the consumer took one, since its previous take. */
  dropped: number;
  /** How long next() waited (0 when a frame was already there). */
  waitMs: number;
}

export class LatestFrameSlot<M> {
  private ready: { buf: Uint8Array; meta: M } | null = null;
  private waiter: { resolve: (v: Slotted<M> | null) => void; since: number } | null = null;
  private droppedSince = 0;
  private closed = false;
  /** Frames replaced before inference, since construction. */
  droppedTotal = 0;
  /** Frames offered, since construction. */
  offered = 0;

  /** `recycle` gets back the buffer of a replaced frame. */
  constructor(private readonly recycle: (buf: Uint8Array) => void) {}

  /** A new complete frame: hand it to a waiting consumer, or keep it as the newest. */
  put(buf: Uint8Array, meta: M): void {
    this.offered++;
    if (this.closed) {
      this.recycle(buf);
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      const dropped = this.droppedSince;
      this.droppedSince = 0;
      w.resolve({ buf, meta, dropped, waitMs: performance.now() - w.since });
      return;
    }
    if (this.ready) {
      this.recycle(this.ready.buf);
      this.droppedSince++;
      this.droppedTotal++;
    }
    this.ready = { buf, meta };
  }

  /** Count a frame that was thrown away before reaching the slot (e.g. geometry not known yet). */
  countDropped(): void {
    this.droppedSince++;
    this.droppedTotal++;
  }

  /** The newest frame, waiting for one if needed; null once closed. One consumer at a time. */
  next(): Promise<Slotted<M> | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new Error('LatestFrameSlot.next() is already waiting'));
    const r = this.ready;
    if (r) {
      this.ready = null;
      const dropped = this.droppedSince;
      this.droppedSince = 0;
      return Promise.resolve({ buf: r.buf, meta: r.meta, dropped, waitMs: 0 });
    }
    return new Promise((resolve) => {
      this.waiter = { resolve, since: performance.now() };
    });
  }

  /** Throw away an unconsumed frame (e.g. the source restarted and the geometry may have changed). */
  clear(): void {
    if (this.ready) this.recycle(this.ready.buf);
    this.ready = null;
  }

  /** Wake a waiting consumer with null; later next() calls resolve null at once. */
  close(): void {
    this.closed = true;
    this.clear();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(null);
  }

  /** Accept frames again after close(). */
  reopen(): void {
    this.closed = false;
  }
}
