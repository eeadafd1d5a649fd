// ffmpeg's `-stats` line, e.g.
//   frame=  123 fps= 30 q=-1.0 size=    1234kB time=00:00:04.10 bitrate=2466.1kbits/s speed=1.01x
// is the only liveness signal when the output goes to files (HLS) rather than to stdout. ffmpeg
// rewrites it in place with '\r', so stderr needs a splitter that honours '\r' as well as '\n'.

export interface FfmpegProgress {
  frame?: number;
  fps?: number;
  sizeKb?: number;
  timeS?: number;
  bitrateKbps?: number;
  speed?: number;
}

const FRAME = /frame=\s*(\d+)/;
const FPS = /fps=\s*(\d+(?:\.\d+)?)/;
// 5.1 prints kB, 6.x+ prints KiB; 'L' prefix on the last line (Lsize=); N/A before any output.
const SIZE = /size=\s*(\d+(?:\.\d+)?)\s*(kB|KiB|kiB|MB|MiB|B)/;
const TIME = /time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/;
const BITRATE = /bitrate=\s*(\d+(?:\.\d+)?)\s*kbits\/s/;
const SPEED = /speed=\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)x/;

/** True when the line looks like a stats line rather than a log message. */
export function isProgressLine(line: string): boolean {
  const s = line.trimStart();
  if (s.startsWith('frame=') || s.startsWith('size=') || s.startsWith('Lsize=')) return true;
  return s.includes('time=') && (s.includes('bitrate=') || s.includes('speed='));
}

/** Parse a stats line; undefined when the line is not one. Fields that read N/A are left out. */
export function parseProgress(line: string): FfmpegProgress | undefined {
  if (!isProgressLine(line)) return undefined;
  const p: FfmpegProgress = {};
  let m = FRAME.exec(line);
  if (m) p.frame = Number(m[1]);
  m = FPS.exec(line);
  if (m) p.fps = Number(m[1]);
  m = SIZE.exec(line);
  if (m) p.sizeKb = toKb(Number(m[1]), m[2]);
  m = TIME.exec(line);
  if (m) {
    const t = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
    // Negative times show up for a moment when the first timestamps are below the start time.
    p.timeS = m[1] ? -t : t;
  }
  m = BITRATE.exec(line);
  if (m) p.bitrateKbps = Number(m[1]);
  m = SPEED.exec(line);
  if (m) p.speed = Number(m[1]);
  return p;
}

function toKb(value: number, unit: string): number {
  switch (unit) {
    case 'B':
      return value / 1024;
    case 'MB':
    case 'MiB':
      return value * 1024;
    default:
      return value;
  }
}

/**
 * Splits a text stream into lines on '\r' and '\n' (any mix), keeping the unfinished tail for the
 * next chunk. Empty lines are dropped. A tail longer than maxPartial is flushed as a line, so a
 * stream without line breaks cannot grow memory without bound.
 */
export class LineSplitter {
  private tail = '';

  constructor(private readonly maxPartial = 64 * 1024) {}

  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (i > start) out.push(text.slice(start, i));
        start = i + 1;
      }
    }
    this.tail = start < text.length ? text.slice(start) : '';
    if (this.tail.length > this.maxPartial) {
      out.push(this.tail);
      this.tail = '';
    }
    return out;
  }

  /** The unfinished last line, if any (call at end of stream). */
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest ? [rest] : [];
  }
}
