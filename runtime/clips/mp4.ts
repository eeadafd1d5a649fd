// Turning live fMP4 fragments into a stand-alone clip without re-encoding: init segment + the
// fragments as they are, except that each fragment's decode time (tfdt) is shifted so the clip
// starts at 0. Without the shift players take the camera's running media time as the start
// (ffprobe reports "duration" = end time, Chromium shows a 20 s clip as 0:10–0:20 of 0:20).
// Only the small moof is copied; the sample data (mdat) is written from the packager's buffer.

export class ClipFormatError extends Error {
  override name = 'ClipFormatError';
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function boxAt(buf: Buffer, off: number, end: number): Box {
  if (off + 8 > end) throw new ClipFormatError('truncated box header');
  let size = buf.readUInt32BE(off);
  let header = 8;
  if (size === 1) {
    if (off + 16 > end) throw new ClipFormatError('truncated largesize header');
    size = Number(buf.readBigUInt64BE(off + 8));
    header = 16;
  } else if (size === 0) {
    size = end - off;
  }
  const type = buf.toString('latin1', off + 4, off + 8);
  if (size < header || off + size > end) throw new ClipFormatError(`box "${type}" of size ${size} does not fit`);
  return { type, start: off + header, end: off + size };
}

function* childBoxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let off = start;
  while (off + 8 <= end) {
    const b = boxAt(buf, off, end);
    yield b;
    off = b.end;
  }
}

/** Byte length of the leading moof box of a moof+mdat fragment. */
export function moofLength(fragment: Buffer): number {
  const b = boxAt(fragment, 0, fragment.length);
  if (b.type !== 'moof') throw new ClipFormatError(`fragment starts with "${b.type}", not "moof"`);
  return b.end;
}

interface TfdtRef {
  trackId: number;
  /** Offset of the tfdt payload (version byte). */
  at: number;
}

function tfdts(moof: Buffer): TfdtRef[] {
  const out: TfdtRef[] = [];
  const top = boxAt(moof, 0, moof.length);
  for (const traf of childBoxes(moof, top.start, top.end)) {
    if (traf.type !== 'traf') continue;
    let trackId = -1;
    let at = -1;
    for (const c of childBoxes(moof, traf.start, traf.end)) {
      if (c.type === 'tfhd' && c.end - c.start >= 8) trackId = moof.readUInt32BE(c.start + 4);
      else if (c.type === 'tfdt') at = c.start;
    }
    if (at >= 0) out.push({ trackId, at });
  }
  return out;
}

function readTfdt(moof: Buffer, at: number): number {
  return moof[at] === 1 ? Number(moof.readBigUInt64BE(at + 4)) : moof.readUInt32BE(at + 4);
}

/** Decode time (ticks) of each track in a fragment, by track id. */
export function fragmentDecodeTimes(fragment: Buffer): Map<number, number> {
  const moof = fragment.subarray(0, moofLength(fragment));
  const out = new Map<number, number>();
  for (const t of tfdts(moof)) out.set(t.trackId, readTfdt(moof, t.at));
  return out;
}

/**
 * The fragment with its decode times reduced by `base` (per track id, from the clip's first
 * fragment), as [new moof, original mdat] ready to write. Returns undefined when a time would go
 * below zero: the stream jumped back (an encoder restart), so the clip must end before it.
 */
export function rebaseFragment(fragment: Buffer, base: ReadonlyMap<number, number>): [Buffer, Buffer] | undefined {
  const len = moofLength(fragment);
  const moof = Buffer.from(fragment.subarray(0, len));
  for (const t of tfdts(moof)) {
    const b = base.get(t.trackId) ?? 0;
    const v = readTfdt(moof, t.at) - b;
    if (v < 0) return undefined;
    if (moof[t.at] === 1) moof.writeBigUInt64BE(BigInt(v), t.at + 4);
    else moof.writeUInt32BE(v, t.at + 4);
  }
  return [moof, fragment.subarray(len)];
}
