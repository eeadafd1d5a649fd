// Cuts ffmpeg's rawvideo byte stream (arbitrary pipe chunks) into whole frames, copying each chunk
// once into a frame-sized buffer that comes from the caller's pool. No per-chunk allocation.

export class FrameAssembler {
  private buf: Uint8Array | null = null;
  private fill = 0;

  /** `alloc` hands out a frameBytes-long buffer (a pooled one, ideally). */
  constructor(
    readonly frameBytes: number,
    private readonly alloc: () => Uint8Array,
  ) {
    if (!(frameBytes > 0)) throw new Error(`frame size must be positive, got ${frameBytes}`);
  }

  /** Bytes of the frame being filled (0 right after a frame completed). */
  get pending(): number {
    return this.fill;
  }

  /** Copy `chunk` in; `onFrame` receives each completed buffer, and owns it from then on. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    let off = 0;
    while (off < chunk.length) {
      if (!this.buf) {
        this.buf = this.alloc();
        this.fill = 0;
      }
      const n = Math.min(this.frameBytes - this.fill, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.frameBytes) {
        const done = this.buf;
        this.buf = null;
        this.fill = 0;
        onFrame(done);
      }
    }
  }

  /** Forget a partial frame (a new ffmpeg process starts at a frame boundary); the buffer is kept. */
  reset(): void {
    this.fill = 0;
  }
}

/** A free list of equal-sized buffers; it grows on demand and never shrinks below what was used. */
export class BufferPool {
  private readonly free: Uint8Array[] = [];
  private created = 0;

  constructor(readonly bytes: number) {}

  /** Buffers ever allocated (a bounded number shows nothing leaks per frame). */
  get allocated(): number {
    return this.created;
  }

  take(): Uint8Array {
    const b = this.free.pop();
    if (b) return b;
    this.created++;
    return new Uint8Array(this.bytes);
  }

  give(b: Uint8Array): void {
    if (b.length === this.bytes && !this.free.includes(b)) this.free.push(b);
  }
}
