// Learns the source frame size from ffmpeg's input report on stderr, one line at a time, as the
// supervisor hands lines over. The report ends at "Stream mapping:" / "Output #0"; only then is a
// display-matrix rotation (which swaps width and height) known for sure.
import { parseInputVideoSize } from './image';

const END_RE = /^(Stream mapping:|Output #0|Press \[q\])/;
const MAX_LINES = 200;
const LEVEL_RE = /^\[(?:trace|debug|verbose|info|warning|error|fatal|panic)\] /;

export class InputSizeWatcher {
  private lines: string[] = [];
  private seenInput = false;
  private size: { width: number; height: number } | undefined;
  private ended = false;

  /** The input report is over (whether or not a size was found in it). */
  get settled(): boolean {
    return this.ended;
  }

  get current(): { width: number; height: number } | undefined {
    return this.size;
  }

  /** Feed one stderr line; returns the size on the line that settles it, else undefined. */
  push(line: string): { width: number; height: number } | undefined {
    if (this.ended) return undefined;
    // `-loglevel level+info` prefixes every line with "[info] ".
    const l = line.trimEnd().replace(LEVEL_RE, '');
    if (!this.seenInput) {
      if (!/^Input #0/.test(l.trimStart())) return undefined;
      this.seenInput = true;
    }
    if (END_RE.test(l.trimStart())) {
      this.ended = true;
      this.size = parseInputVideoSize(this.lines.join('\n'));
      this.lines = [];
      return this.size;
    }
    if (this.lines.length < MAX_LINES) this.lines.push(l);
    return undefined;
  }

  /** A new ffmpeg process: forget what the last one said. */
  reset(): void {
    this.lines = [];
    this.seenInput = false;
    this.ended = false;
    this.size = undefined;
  }
}
