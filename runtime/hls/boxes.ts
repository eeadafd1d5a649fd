// Streaming splitter for top-level ISO-BMFF boxes. ffmpeg's stdout arrives in arbitrary pipe-sized
// chunks, so a box (or even its 8-byte header) may straddle chunk boundaries, and one chunk may hold
// several boxes. Chunks are kept in a list and each complete box is assembled exactly once, so the
// cost stays linear in the bytes pushed however the stream is chopped up.

export interface Box {
  /** Four-character box type, e.g. "moof". */
  type: string;
  /** The whole box, header included. */
  data: Buffer;
}

export interface BoxParserOptions {
  /** Largest box accepted; a bigger one is treated as a corrupt stream (bounded memory). */
  maxBoxSize?: number;
}

export const DEFAULT_MAX_BOX_SIZE = 64 * 1024 * 1024;

export class BoxParseError extends Error {
  override name = 'BoxParseError';
}

export class BoxParser {
  private readonly maxBoxSize: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Offset into chunks[0] of the first unconsumed byte. */
  private head = 0;
  /** Size of the box at the head once its header has been read (0 while unknown). */
  private nextSize = 0;
  private nextType = '';

  constructor(opts: BoxParserOptions = {}) {
    this.maxBoxSize = opts.maxBoxSize ?? DEFAULT_MAX_BOX_SIZE;
  }

  /** Bytes received but not yet returned as part of a complete box. */
  get pending(): number {
    return this.buffered;
  }

  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.head = 0;
    this.nextSize = 0;
    this.nextType = '';
  }

  /**
   * Feed the next chunk; returns the boxes it completed, in stream order. Throws BoxParseError on a
   * size that cannot be valid (the parser is reset first, since a byte stream cannot be resynced).
   */
  push(chunk: Buffer): Box[] {
    const out: Box[] = [];
    if (chunk.length === 0) return out;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.nextSize === 0 && !this.readHeader()) break;
      if (this.buffered < this.nextSize) break;
      out.push({ type: this.nextType, data: this.take(this.nextSize) });
      this.nextSize = 0;
    }
    return out;
  }

  /** Reads the header at the head if enough bytes are buffered; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.buffered < 8) return false;
    const h = this.peek(8);
    const size32 = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    let size = size32;
    if (size32 === 1) {
      if (this.buffered < 16) return false;
      const large = this.peek(16).readBigUInt64BE(8);
      if (large < 16n) this.fail(`box "${printable(type)}" has largesize ${large} (< 16)`);
      if (large > BigInt(this.maxBoxSize)) this.fail(`box "${printable(type)}" of ${large} bytes exceeds the ${this.maxBoxSize}-byte limit`);
      size = Number(large);
    } else if (size32 === 0) {
      this.fail(`box "${printable(type)}" has size 0 (extends to end of file), which a live stream cannot use`);
    } else if (size32 < 8) {
      this.fail(`box "${printable(type)}" has size ${size32} (< 8)`);
    }
    if (size > this.maxBoxSize) this.fail(`box "${printable(type)}" of ${size} bytes exceeds the ${this.maxBoxSize}-byte limit`);
    this.nextSize = size;
    this.nextType = type;
    return true;
  }

  private fail(msg: string): never {
    this.reset();
    throw new BoxParseError(msg);
  }

  /** First n buffered bytes without consuming them (copies only when they straddle chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let off = this.head;
    for (const c of this.chunks) {
      const m = Math.min(c.length - off, n - filled);
      c.copy(out, filled, off, off + m);
      filled += m;
      off = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes and returns the first n bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    const avail = first.length - this.head;
    let out: Buffer;
    if (avail >= n) {
      out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const m = Math.min(c.length - this.head, n - filled);
        c.copy(out, filled, this.head, this.head + m);
        filled += m;
        this.head += m;
        if (this.head === c.length) {
          this.chunks.shift();
          this.head = 0;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}

function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}
