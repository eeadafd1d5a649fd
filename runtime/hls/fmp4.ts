// Pure readers for the few fragmented-MP4 fields HLS packaging needs: from the init segment the
// video track's id, timescale, size and RFC 6381 codec string; from each moof the decode time,
// duration and whether it starts with a sync sample. Nothing here copies sample data.

export interface InitInfo {
  timescale: number;
  trackId: number;
  /** RFC 6381 codec string, e.g. "avc1.64001f" or "hvc1.1.6.L93.B0"; the sample entry type when unknown. */
  codec: string;
  width: number;
  height: number;
  /** trex defaults for the video track; fragments fall back to them when tfhd/trun omit a field. */
  defaultSampleDuration?: number;
  defaultSampleFlags?: number;
}

export interface FragmentInfo {
  trackId: number;
  sequenceNumber: number;
  baseDecodeTime: number;
  durationTicks: number;
  durationS: number;
  sampleCount: number;
  /** True when the first sample is a sync sample (sample_is_non_sync_sample clear). */
  keyframe: boolean;
}

/** The subset of InitInfo parseFragment uses to pick and default the video track. */
export type TrackDefaults = Pick<InitInfo, 'trackId' | 'defaultSampleDuration' | 'defaultSampleFlags'>;

export class Fmp4Error extends Error {
  override name = 'Fmp4Error';
}

const SAMPLE_IS_NON_SYNC = 0x10000;

interface Span {
  type: string;
  /** Offset of the payload (after the header). */
  start: number;
  /** Offset one past the box's last byte. */
  end: number;
}

function children(buf: Buffer, start: number, end: number): Span[] {
  const out: Span[] = [];
  let off = start;
  while (off + 8 <= end) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    let header = 8;
    if (size === 1) {
      if (off + 16 > end) throw new Fmp4Error(`truncated largesize header of "${type}"`);
      size = Number(buf.readBigUInt64BE(off + 8));
      header = 16;
    } else if (size === 0) {
      size = end - off;
    }
    if (size < header || off + size > end) throw new Fmp4Error(`box "${type}" of size ${size} does not fit its parent`);
    out.push({ type, start: off + header, end: off + size });
    off += size;
  }
  return out;
}

function child(buf: Buffer, parent: Span, type: string): Span | undefined {
  return children(buf, parent.start, parent.end).find((b) => b.type === type);
}

function need(span: Span, bytes: number, what: string): void {
  if (span.end - span.start < bytes) throw new Fmp4Error(`"${span.type}" too short for ${what}`);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Parse ftyp+moov (the bytes ffmpeg writes before the first moof). */
export function parseInit(init: Buffer): InitInfo {
  const top: Span = { type: '', start: 0, end: init.length };
  const moov = child(init, top, 'moov');
  if (!moov) throw new Fmp4Error('init segment has no moov box');

  interface Track {
    trackId: number;
    timescale: number;
    handler: string;
    codec: string;
    width: number;
    height: number;
  }
  const tracks: Track[] = [];
  for (const trak of children(init, moov.start, moov.end)) {
    if (trak.type !== 'trak') continue;
    const t: Track = { trackId: 0, timescale: 0, handler: '', codec: '', width: 0, height: 0 };
    const tkhd = child(init, trak, 'tkhd');
    if (tkhd) {
      const v = init[tkhd.start];
      need(tkhd, v === 1 ? 24 : 16, 'track_ID');
      t.trackId = init.readUInt32BE(tkhd.start + (v === 1 ? 20 : 12));
    }
    const mdia = child(init, trak, 'mdia');
    if (mdia) {
      const mdhd = child(init, mdia, 'mdhd');
      if (mdhd) {
        const v = init[mdhd.start];
        need(mdhd, v === 1 ? 24 : 16, 'timescale');
        t.timescale = init.readUInt32BE(mdhd.start + (v === 1 ? 20 : 12));
      }
      const hdlr = child(init, mdia, 'hdlr');
      if (hdlr) {
        need(hdlr, 12, 'handler_type');
        t.handler = init.toString('latin1', hdlr.start + 8, hdlr.start + 12);
      }
      const stbl = ['minf', 'stbl'].reduce<Span | undefined>((s, name) => (s ? child(init, s, name) : undefined), mdia);
      const stsd = stbl && child(init, stbl, 'stsd');
      if (stsd) {
        need(stsd, 8, 'entry_count');
        const entry = children(init, stsd.start + 8, stsd.end)[0];
        if (entry) Object.assign(t, describeSampleEntry(init, entry, t.handler === 'vide'));
      }
    }
    tracks.push(t);
  }
  const video = tracks.find((t) => t.handler === 'vide') ?? tracks[0];
  if (!video) throw new Fmp4Error('moov has no track');
  if (!video.timescale) throw new Fmp4Error(`track ${video.trackId} has no timescale`);

  const info: InitInfo = {
    timescale: video.timescale,
    trackId: video.trackId,
    codec: video.codec,
    width: video.width,
    height: video.height,
  };
  const mvex = child(init, moov, 'mvex');
  if (mvex) {
    for (const trex of children(init, mvex.start, mvex.end)) {
      if (trex.type !== 'trex') continue;
      need(trex, 24, 'defaults');
      if (init.readUInt32BE(trex.start + 4) !== video.trackId) continue;
      info.defaultSampleDuration = init.readUInt32BE(trex.start + 12);
      info.defaultSampleFlags = init.readUInt32BE(trex.start + 20);
    }
  }
  return info;
}

function describeSampleEntry(buf: Buffer, entry: Span, visual: boolean): { codec: string; width: number; height: number } {
  const out = { codec: entry.type, width: 0, height: 0 };
  // VisualSampleEntry: 8 bytes SampleEntry + 70 bytes of fixed fields, then child boxes.
  if (!visual || entry.end - entry.start < 78) return out;
  out.width = buf.readUInt16BE(entry.start + 24);
  out.height = buf.readUInt16BE(entry.start + 26);
  const boxes = children(buf, entry.start + 78, entry.end);
  const avcC = boxes.find((b) => b.type === 'avcC');
  const hvcC = boxes.find((b) => b.type === 'hvcC');
  if (avcC && avcC.end - avcC.start >= 4) {
    out.codec = `${entry.type}.${hex2(buf[avcC.start + 1])}${hex2(buf[avcC.start + 2])}${hex2(buf[avcC.start + 3])}`;
  } else if (hvcC && hvcC.end - hvcC.start >= 13) {
    out.codec = `${entry.type}.${hevcCodecSuffix(buf.subarray(hvcC.start, hvcC.end))}`;
  }
  return out;
}

/** ISO/IEC 14496-15 Annex E form: <space><profile>.<compat reversed>.<tier><level>[.<constraint bytes>]. */
export function hevcCodecSuffix(hvcC: Buffer): string {
  const b1 = hvcC[1];
  const space = ['', 'A', 'B', 'C'][b1 >> 6];
  const tier = (b1 >> 5) & 1 ? 'H' : 'L';
  const profile = b1 & 0x1f;
  let compat = hvcC.readUInt32BE(2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (compat & 1);
    compat >>>= 1;
  }
  const constraints: string[] = [];
  for (let i = 6; i < 12; i++) constraints.push(hvcC[i].toString(16).toUpperCase());
  while (constraints.length && constraints[constraints.length - 1] === '0') constraints.pop();
  const level = hvcC[12];
  return [`${space}${profile}`, (reversed >>> 0).toString(16).toUpperCase(), `${tier}${level}`, ...constraints].join('.');
}

/**
 * Parse one moof. `track` selects the traf (the video track id from parseInit) and supplies trex
 * defaults; without it the first traf is used.
 */
export function parseFragment(moof: Buffer, timescale: number, track?: Partial<TrackDefaults>): FragmentInfo {
  const top = children(moof, 0, moof.length).find((b) => b.type === 'moof');
  if (!top) throw new Fmp4Error('not a moof box');
  if (!(timescale > 0)) throw new Fmp4Error(`bad timescale ${timescale}`);
  let sequenceNumber = 0;
  for (const box of children(moof, top.start, top.end)) {
    if (box.type === 'mfhd') {
      need(box, 8, 'sequence_number');
      sequenceNumber = moof.readUInt32BE(box.start + 4);
      continue;
    }
    if (box.type !== 'traf') continue;
    const parsed = parseTraf(moof, box, track);
    if (!parsed) continue;
    return { ...parsed, sequenceNumber, durationS: parsed.durationTicks / timescale };
  }
  throw new Fmp4Error(track?.trackId !== undefined ? `moof has no traf for track ${track.trackId}` : 'moof has no traf');
}

function parseTraf(buf: Buffer, traf: Span, track?: Partial<TrackDefaults>): Omit<FragmentInfo, 'sequenceNumber' | 'durationS'> | undefined {
  const boxes = children(buf, traf.start, traf.end);
  const tfhd = boxes.find((b) => b.type === 'tfhd');
  if (!tfhd) throw new Fmp4Error('traf without tfhd');
  need(tfhd, 8, 'track_ID');
  const tfFlags = buf.readUInt32BE(tfhd.start) & 0xffffff;
  const trackId = buf.readUInt32BE(tfhd.start + 4);
  if (track?.trackId !== undefined && trackId !== track.trackId) return undefined;

  let off = tfhd.start + 8;
  if (tfFlags & 0x01) off += 8; // base-data-offset
  if (tfFlags & 0x02) off += 4; // sample-description-index
  let defaultDuration = track?.defaultSampleDuration ?? 0;
  let defaultFlags = track?.defaultSampleFlags ?? 0;
  if (tfFlags & 0x08) {
    need(tfhd, off + 4 - tfhd.start, 'default-sample-duration');
    defaultDuration = buf.readUInt32BE(off);
    off += 4;
  }
  if (tfFlags & 0x10) off += 4; // default-sample-size
  if (tfFlags & 0x20) {
    need(tfhd, off + 4 - tfhd.start, 'default-sample-flags');
    defaultFlags = buf.readUInt32BE(off);
  }

  let baseDecodeTime = 0;
  const tfdt = boxes.find((b) => b.type === 'tfdt');
  if (tfdt) {
    const v = buf[tfdt.start];
    need(tfdt, v === 1 ? 12 : 8, 'baseMediaDecodeTime');
    baseDecodeTime = v === 1 ? Number(buf.readBigUInt64BE(tfdt.start + 4)) : buf.readUInt32BE(tfdt.start + 4);
  }

  let durationTicks = 0;
  let sampleCount = 0;
  let firstFlags: number | undefined;
  for (const trun of boxes) {
    if (trun.type !== 'trun') continue;
    need(trun, 8, 'sample_count');
    const flags = buf.readUInt32BE(trun.start) & 0xffffff;
    const count = buf.readUInt32BE(trun.start + 4);
    let p = trun.start + 8;
    if (flags & 0x01) p += 4; // data-offset
    let firstSampleFlags: number | undefined;
    if (flags & 0x04) {
      need(trun, p + 4 - trun.start, 'first-sample-flags');
      firstSampleFlags = buf.readUInt32BE(p);
      p += 4;
    }
    const hasDur = (flags & 0x100) !== 0;
    const hasFlags = (flags & 0x400) !== 0;
    const stride = (hasDur ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (hasFlags ? 4 : 0) + (flags & 0x800 ? 4 : 0);
    if (p + stride * count > trun.end) throw new Fmp4Error(`trun with ${count} samples is truncated`);
    const flagsAt = (hasDur ? 4 : 0) + (flags & 0x200 ? 4 : 0);
    if (hasDur) {
      for (let i = 0; i < count; i++) durationTicks += buf.readUInt32BE(p + i * stride);
    } else {
      durationTicks += defaultDuration * count;
    }
    if (firstFlags === undefined && count > 0) {
      firstFlags = firstSampleFlags ?? (hasFlags ? buf.readUInt32BE(p + flagsAt) : defaultFlags);
    }
    sampleCount += count;
  }
  return {
    trackId,
    baseDecodeTime,
    durationTicks,
    sampleCount,
    keyframe: sampleCount > 0 && ((firstFlags ?? defaultFlags) & SAMPLE_IS_NON_SYNC) === 0,
  };
}
