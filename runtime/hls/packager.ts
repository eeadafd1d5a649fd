// In-memory HLS / LL-HLS packager fed with ffmpeg's fragmented-MP4 stdout
// (-movflags +frag_keyframe+empty_moov+default_base_moof -frag_duration <µs>).
// Every moof+mdat pair becomes one part; parts are grouped into segments that start at a keyframe
// and close at the first keyframe once the segment target is reached. Nothing touches the disk
// unless diskDir is given (SD cards wear out).

import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { BoxParser } from './boxes';
import { InitInfo, parseFragment, parseInit } from './fmp4';
import { initName, partName, segmentName } from './names';
import { PlaylistSegment, PlaylistView, renderMediaPlaylist, targetDuration } from './playlist';
import { PartWaiters, WaitResult } from './waiters';

export { parseHlsName, HlsName } from './names';

export interface HlsPackagerOptions {
  /** Segment target in seconds; segments close at the first keyframe after this much media. */
  segmentTargetS?: number;
  /** Complete segments listed in the playlist. */
  playlistSegments?: number;
  /** Configured part duration (ffmpeg's -frag_duration); the floor of PART-TARGET. */
  partTargetS?: number;
  /** Publish the low-latency playlist (parts, blocking reload, preload hints). */
  ll?: boolean;
  /** Seconds of recent fragments kept for event clips (fragmentsSince). */
  prebufferS?: number;
  /** Also write init, segments and a plain playlist here (off by default). */
  diskDir?: string;
  /** MSN of the first segment (default 0). */
  startMsn?: number;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

/** One moof+mdat as received, for event clips. */
export interface Fragment {
  /** Wall-clock time of the fragment's first sample (ms since epoch). */
  wallMs: number;
  durationS: number;
  keyframe: boolean;
  /** Raw moof+mdat bytes. */
  data: Buffer;
  /** The init segment these bytes decode with. */
  init: Buffer;
}

export interface HlsInfo {
  /** RFC 6381 codec string; undefined (like width, height, timescale) until ffmpeg's init arrives. */
  codec?: string;
  width?: number;
  height?: number;
  timescale?: number;
  /** Position of the newest part (-1/-1 before the first). */
  lastMsn: number;
  lastPart: number;
  /** MSN of the newest complete segment (-1 before the first). */
  lastSegmentMsn: number;
  /** Configured part target (PART-TARGET may be raised above it, see playlist.ts). */
  partTargetS: number;
  segmentTargetS: number;
  /** EXT-X-TARGETDURATION of the current playlist. */
  targetDurationS: number;
  ll: boolean;
}

export interface PartEvent {
  msn: number;
  part: number;
  uri: string;
  durationS: number;
  independent: boolean;
}

export interface SegmentEvent {
  msn: number;
  uri: string;
  durationS: number;
  parts: number;
  discontinuity: boolean;
}

export interface InitEvent extends InitInfo {
  gen: number;
  uri: string;
}

interface StoredPart {
  index: number;
  data: Buffer;
  durationTicks: number;
  durationS: number;
  independent: boolean;
  wallMs: number;
  init: Buffer;
}

interface StoredSegment {
  msn: number;
  /** Media time of the first sample (s), for the wall-clock mapping. */
  startS: number;
  parts: StoredPart[];
  /** Concatenated parts, set when the segment closes. */
  data?: Buffer;
  durationTicks: number;
  durationS: number;
  wallMs: number;
  discontinuity: boolean;
  /** Discontinuity sequence number: discontinuities at or before this segment. */
  dsn: number;
  gen: number;
}

/** Segments kept past the playlist window for clients still downloading them. */
const EXTRA_SEGMENTS = 2;
/** A segment may close this much short of the target, so GOP timestamp jitter does not add a GOP. */
const SEGMENT_TOLERANCE = 0.95;
/** Re-anchor wall time when media time and the clock disagree by more than this (drift, stalls). */
const MAX_WALL_SKEW_MS = 10_000;
/**
 * Wall time after an encoder session's first fragment during which the anchor follows the earliest
 * arrival. ffmpeg can hold back several seconds while probing its input (analyzeduration defaults
 * to 5 s) and then deliver that backlog in one burst; only fragments that arrive after the burst
 * show the real delay.
 */
const STARTUP_WINDOW_MS = 15_000;

export class HlsPackager extends EventEmitter {
  readonly ll: boolean;
  private readonly segmentTargetS: number;
  private readonly playlistSegments: number;
  private readonly partTargetS: number;
  private readonly prebufferMs: number;
  private readonly diskDir?: string;
  private readonly now: () => number;

  private readonly parser = new BoxParser();
  private readonly waiters: PartWaiters;
  private failed?: Error;
  private ftyp?: Buffer;
  private moof?: Buffer;
  private initInfo?: InitInfo;
  private sessionHasInit = false;
  private gen = -1;
  private readonly inits = new Map<number, Buffer>();

  private segments: StoredSegment[] = [];
  private current?: StoredSegment;
  private nextMsn = 0;
  private dsn = 0;
  private discontinuityPending = false;
  private lastMsn = -1;
  private lastPart = -1;
  private partsInGop = 0;
  private lastGopParts = 0;

  /** wall ms = offset + media ms, per encoder session. */
  private wallOffsetMs?: number;
  /** Arrival (wall ms) of the session's first fragment; the start-up window counts from it. */
  private sessionStartMs?: number;
  /** MSN of the session's first segment: segments from it on share the session's wall offset. */
  private sessionFirstMsn = 0;
  private prebuffer: StoredPart[] = [];
  private diskQueue: Promise<void> = Promise.resolve();
  /** Rendered playlists, valid until the next part, segment or restart (woken waiters share them). */
  private cache: { ll?: string; plain?: string } = {};
  private closed = false;

  constructor(opts: HlsPackagerOptions = {}) {
    super();
    this.segmentTargetS = opts.segmentTargetS ?? 2;
    this.playlistSegments = Math.max(1, opts.playlistSegments ?? 5);
    this.partTargetS = opts.partTargetS ?? 0.5;
    this.ll = opts.ll ?? true;
    this.prebufferMs = (opts.prebufferS ?? 10) * 1000;
    this.diskDir = opts.diskDir;
    this.now = opts.now ?? Date.now;
    this.nextMsn = opts.startMsn ?? 0;
    this.waiters = new PartWaiters();
    if (!(this.segmentTargetS > 0) || !(this.partTargetS > 0)) throw new RangeError('segmentTargetS and partTargetS must be > 0');
  }

  /**
   * Feed raw ffmpeg stdout. Throws on a corrupt stream (bad box size, unreadable moov) and keeps
   * throwing until reset(), i.e. until ffmpeg is restarted; a single unreadable moof is skipped
   * with a 'warning' event instead.
   */
  push(chunk: Buffer): void {
    if (this.closed) return;
    if (this.failed) throw this.failed;
    try {
      this.ingest(chunk);
    } catch (err) {
      this.failed = err as Error;
      throw err;
    }
  }

  private ingest(chunk: Buffer): void {
    for (const box of this.parser.push(chunk)) {
      switch (box.type) {
        case 'ftyp':
          this.ftyp = box.data;
          break;
        case 'moov':
          this.onInit(this.ftyp ? Buffer.concat([this.ftyp, box.data]) : Buffer.from(box.data));
          this.ftyp = undefined;
          break;
        case 'moof':
          this.moof = this.initInfo ? box.data : undefined;
          break;
        case 'mdat':
          if (this.moof) this.onFragment(this.moof, box.data);
          this.moof = undefined;
          break;
        default:
          // styp, sidx, mfra, free …: nothing HLS needs.
          break;
      }
    }
  }

  /**
   * The encoder restarted: forget partial boxes, close the segment in progress, and mark the next
   * segment as a discontinuity. Media sequence numbers keep increasing.
   */
  reset(): void {
    this.parser.reset();
    this.failed = undefined;
    this.ftyp = undefined;
    this.moof = undefined;
    this.restartSession();
    this.sessionHasInit = false;
  }

  /** Stop: wake every parked request with 'closed' and ignore further input. */
  close(): void {
    this.closed = true;
    this.waiters.close();
  }

  get initSegment(): Buffer | undefined {
    return this.inits.get(this.gen);
  }

  /** Init segment of a generation named in the playlist (parseHlsName's gen). */
  getInit(gen: number): Buffer | undefined {
    return this.inits.get(gen);
  }

  getSegment(msn: number): Buffer | undefined {
    return this.findSegment(msn)?.data;
  }

  getPart(msn: number, part: number): Buffer | undefined {
    const seg = this.current && this.current.msn === msn ? this.current : this.findSegment(msn);
    return seg?.parts[part]?.data;
  }

  /** A playlist exists once the first segment is complete. */
  get hasPlaylist(): boolean {
    return this.segments.length > 0 && this.initInfo !== undefined;
  }

  /** Render the playlist (LL variant by default when the packager is LL); undefined before the first segment. */
  playlist(opts: { ll?: boolean } = {}): string | undefined {
    if (!this.hasPlaylist) return undefined;
    const ll = (opts.ll ?? this.ll) && this.ll;
    const key = ll ? 'll' : 'plain';
    return (this.cache[key] ??= renderMediaPlaylist(this.view(ll), { ll }));
  }

  /**
   * Resolves once part (msn, part) exists or the stream moved past it ('ready'), or on timeout.
   * part = Infinity waits for segment msn to be complete.
   */
  waitForPart(msn: number, part: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    return this.waiters.wait(msn, part, timeoutMs, signal);
  }

  /** Requests currently parked in waitForPart. */
  get waitingRequests(): number {
    return this.waiters.size;
  }

  /** Whether (msn, part) could be the next part to appear: requests for it may be held. */
  isNextPart(msn: number, part: number): boolean {
    if (this.current) return (msn === this.current.msn && part === this.current.parts.length) || (msn === this.nextMsn && part === 0);
    return msn === this.nextMsn && part === 0;
  }

  get info(): HlsInfo {
    const i = this.initInfo;
    return {
      codec: i?.codec,
      width: i?.width,
      height: i?.height,
      timescale: i?.timescale,
      lastMsn: this.lastMsn,
      lastPart: this.lastPart,
      lastSegmentMsn: this.segments.length ? this.segments[this.segments.length - 1].msn : -1,
      partTargetS: this.partTargetS,
      segmentTargetS: this.segmentTargetS,
      targetDurationS: targetDuration({ segmentTargetS: this.segmentTargetS, segments: this.segments.slice(this.windowStart()) }),
      ll: this.ll,
    };
  }

  /**
   * Recent fragments for an event clip, starting at the last keyframe at or before wallMs (or the
   * oldest keyframe kept), so init + the returned data decodes on its own.
   */
  fragmentsSince(wallMs: number): Fragment[] {
    const buf = this.prebuffer;
    let start = -1;
    for (let i = 0; i < buf.length; i++) {
      if (!buf[i].independent) continue;
      if (start < 0 || buf[i].wallMs <= wallMs) start = i;
      if (buf[i].wallMs > wallMs) break;
    }
    if (start < 0) return [];
    return buf.slice(start).map((p) => ({ wallMs: p.wallMs, durationS: p.durationS, keyframe: p.independent, data: p.data, init: p.init }));
  }

  // --- ingest -------------------------------------------------------------------------------

  private onInit(init: Buffer): void {
    const info = parseInit(init);
    // A second moov without reset(): ffmpeg was restarted behind our back; same treatment.
    if (this.sessionHasInit) this.restartSession();
    this.sessionHasInit = true;
    const prev = this.inits.get(this.gen);
    if (!prev || !prev.equals(init)) {
      this.gen++;
      this.inits.set(this.gen, init);
      this.writeFile(initName(this.gen), init);
    }
    this.initInfo = info;
    const ev: InitEvent = { ...info, gen: this.gen, uri: initName(this.gen) };
    this.emit('init', ev);
  }

  private restartSession(): void {
    if (this.current) this.closeSegment(this.current, true);
    this.current = undefined;
    if (this.lastMsn >= 0) this.discontinuityPending = true;
    this.wallOffsetMs = undefined;
    this.sessionStartMs = undefined;
    this.sessionFirstMsn = this.nextMsn;
    this.partsInGop = 0;
    this.lastGopParts = 0;
    // Clips never mix streams: the old fragments have other timestamps (and maybe another init).
    this.prebuffer = [];
  }

  private onFragment(moof: Buffer, mdat: Buffer): void {
    const init = this.inits.get(this.gen)!;
    const ts = this.initInfo!.timescale;
    let f;
    try {
      f = parseFragment(moof, ts, this.initInfo);
    } catch (err) {
      this.emit('warning', err);
      return;
    }
    const wallMs = this.wallClock(f.baseDecodeTime / ts, f.durationS);
    const part: StoredPart = {
      index: 0,
      data: Buffer.concat([moof, mdat]),
      durationTicks: f.durationTicks,
      durationS: f.durationS,
      independent: f.keyframe,
      wallMs,
      init,
    };

    let seg = this.current;
    if (!seg && !f.keyframe) return; // joined mid-GOP: nothing decodable until the next keyframe
    if (seg && f.keyframe && seg.durationS >= this.segmentTargetS * SEGMENT_TOLERANCE) {
      this.closeSegment(seg, false);
      seg = undefined;
    }
    if (!seg) {
      const disc = this.discontinuityPending;
      this.discontinuityPending = false;
      if (disc) this.dsn++;
      const startS = f.baseDecodeTime / ts;
      seg = { msn: this.nextMsn++, startS, parts: [], durationTicks: 0, durationS: 0, wallMs, discontinuity: disc, dsn: this.dsn, gen: this.gen };
      this.current = seg;
    }
    if (f.keyframe) {
      if (this.partsInGop > 0) this.lastGopParts = this.partsInGop;
      this.partsInGop = 1;
    } else {
      this.partsInGop++;
    }
    part.index = seg.parts.length;
    seg.parts.push(part);
    seg.durationTicks += f.durationTicks;
    seg.durationS = seg.durationTicks / ts;
    this.lastMsn = seg.msn;
    this.lastPart = part.index;
    this.cache = {};
    this.addToPrebuffer(part);

    const ev: PartEvent = { msn: seg.msn, part: part.index, uri: partName(seg.msn, part.index), durationS: part.durationS, independent: part.independent };
    this.emit('part', ev);
    const frag: Fragment = { wallMs, durationS: part.durationS, keyframe: part.independent, data: part.data, init };
    this.emit('fragment', frag);
    this.waiters.notify(seg.msn, part.index);
  }

  /**
   * Wall time of a sample at media time mediaS. It follows media time from an offset, so
   * PROGRAM-DATE-TIME advances exactly by EXTINF. A fragment is written when the frame after it
   * arrives, so "it ended now" (arrival minus its duration for its start) is the latest its frames
   * can have been captured; the offset is the earliest such estimate. During the start-up window it
   * moves earlier whenever a fragment arrives earlier than the offset predicts (a probing backlog
   * delivered in a burst makes the first estimates late, by seconds, and a late PDT hides that much
   * latency from players and shifts event clips), and every segment of the session is re-stamped so
   * the PDTs stay consistent with EXTINF. After the window it moves only when media time and the
   * clock disagree by more than MAX_WALL_SKEW_MS (camera clock drift, a stall that the timestamps
   * do not show), which is rare enough that the jump is harmless.
   */
  private wallClock(mediaS: number, durationS: number): number {
    const now = this.now();
    const candidate = now - (mediaS + durationS) * 1000;
    const off = this.wallOffsetMs;
    this.sessionStartMs ??= now;
    const startingUp = now - this.sessionStartMs < STARTUP_WINDOW_MS;
    if (off === undefined || candidate - off > MAX_WALL_SKEW_MS || off - candidate > MAX_WALL_SKEW_MS) {
      this.wallOffsetMs = candidate;
    } else if (candidate < off && startingUp) {
      this.wallOffsetMs = candidate;
      this.restampSession(candidate - off);
    }
    return this.wallOffsetMs! + mediaS * 1000;
  }

  /** Shift the wall times of everything stamped in this session (closed segments, clip buffer) by deltaMs. */
  private restampSession(deltaMs: number): void {
    for (const s of this.segments) if (s.msn >= this.sessionFirstMsn) s.wallMs += deltaMs;
    for (const p of this.prebuffer) p.wallMs += deltaMs;
    this.cache = {};
  }

  private closeSegment(seg: StoredSegment, byRestart: boolean): void {
    // Its PROGRAM-DATE-TIME is final now; the offset may have moved during a start-up burst.
    seg.wallMs = (this.wallOffsetMs ?? seg.wallMs - seg.startS * 1000) + seg.startS * 1000;
    // One copy per segment; the parts become views into it so the bytes are held once.
    const data = Buffer.concat(seg.parts.map((p) => p.data));
    let off = 0;
    for (const p of seg.parts) {
      const len = p.data.length;
      p.data = data.subarray(off, off + len);
      off += len;
    }
    seg.data = data;
    this.segments.push(seg);
    if (this.current === seg) this.current = undefined;
    this.cache = {};
    this.prune();
    this.writeFile(segmentName(seg.msn), data);
    if (this.diskDir) this.writeFile('index.m3u8', Buffer.from(renderMediaPlaylist(this.view(false), { ll: false })));
    const ev: SegmentEvent = { msn: seg.msn, uri: segmentName(seg.msn), durationS: seg.durationS, parts: seg.parts.length, discontinuity: seg.discontinuity };
    this.emit('segment', ev);
    // A restart ends the segment without a following part; wake requests blocked on its completion.
    if (byRestart) this.waiters.notify(seg.msn, Infinity);
  }

  private prune(): void {
    const keepFrom = Math.max(0, this.windowStart() - EXTRA_SEGMENTS);
    if (keepFrom === 0) return;
    const dropped = this.segments.splice(0, keepFrom);
    for (const s of dropped) this.removeFile(segmentName(s.msn));
    const used = new Set<number>([this.gen, ...this.segments.map((s) => s.gen)]);
    for (const g of this.inits.keys()) {
      if (used.has(g)) continue;
      this.inits.delete(g);
      this.removeFile(initName(g));
    }
  }

  /** Index in this.segments of the first listed segment: the last N, more if they span < 3 target durations. */
  private windowStart(): number {
    const segs = this.segments;
    let start = Math.max(0, segs.length - this.playlistSegments);
    // rfc8216bis 6.2.2: a live playlist must not shrink below three target durations.
    const td = targetDuration({ segmentTargetS: this.segmentTargetS, segments: segs.slice(start) });
    let total = 0;
    for (let i = start; i < segs.length; i++) total += segs[i].durationS;
    while (start > 0 && total < 3 * td) total += segs[--start].durationS;
    return start;
  }

  private addToPrebuffer(part: StoredPart): void {
    const buf = this.prebuffer;
    buf.push(part);
    const cutoff = part.wallMs - this.prebufferMs;
    // Keep whole GOPs: drop only what precedes the newest keyframe that is already old enough.
    let k = -1;
    for (let i = 0; i < buf.length && buf[i].wallMs <= cutoff; i++) if (buf[i].independent) k = i;
    if (k > 0) buf.splice(0, k);
    // Hard bound for streams with absurdly long GOPs.
    let drop = 0;
    while (drop < buf.length - 1 && buf[drop].wallMs < cutoff - 2 * this.prebufferMs) drop++;
    if (drop > 0) buf.splice(0, drop);
  }

  private findSegment(msn: number): StoredSegment | undefined {
    const segs = this.segments;
    if (!segs.length) return undefined;
    const s = segs[msn - segs[0].msn];
    return s && s.msn === msn ? s : undefined;
  }

  private view(ll: boolean): PlaylistView {
    const listed = this.segments.slice(this.windowStart());
    const segments: PlaylistSegment[] = listed.map((s) => ({
      msn: s.msn,
      uri: segmentName(s.msn),
      durationS: s.durationS,
      wallMs: s.wallMs,
      discontinuity: s.discontinuity,
      mapUri: initName(s.gen),
      parts: ll ? s.parts.map((p) => ({ uri: partName(s.msn, p.index), durationS: p.durationS, independent: p.independent })) : [],
    }));
    const first = listed[0] ?? this.current;
    const view: PlaylistView = {
      segmentTargetS: this.segmentTargetS,
      partTargetS: this.partTargetS,
      discontinuitySequence: first ? first.dsn : this.dsn,
      segments,
      independentSegments: true,
    };
    if (ll) {
      const c = this.current;
      if (c) {
        view.pending = {
          msn: c.msn,
          wallMs: this.wallOffsetMs !== undefined ? this.wallOffsetMs + c.startS * 1000 : c.wallMs,
          discontinuity: c.discontinuity,
          mapUri: initName(c.gen),
          parts: c.parts.map((p) => ({ uri: partName(c.msn, p.index), durationS: p.durationS, independent: p.independent })),
        };
      }
      const [msn, part] = this.predictNextPart();
      view.preloadHintUri = partName(msn, part);
    }
    return view;
  }

  /**
   * The hint must name the URI the next part will really get, which depends on whether it starts a
   * new segment (a keyframe once the target is reached). Keyframe cadence is regular for cameras
   * and ffmpeg -g, so predict it from the previous GOP's part count; when wrong, the hinted URI
   * never appears and its held request gets 404, which rfc8216bis 6.2.6 allows.
   */
  private predictNextPart(): [number, number] {
    const c = this.current;
    if (!c) return [this.nextMsn, 0];
    const keyNext = this.lastGopParts > 0 && this.partsInGop >= this.lastGopParts;
    if (keyNext && c.durationS >= this.segmentTargetS * SEGMENT_TOLERANCE) return [this.nextMsn, 0];
    return [c.msn, c.parts.length];
  }

  // --- optional disk mirror -------------------------------------------------------------------

  private writeFile(name: string, data: Buffer): void {
    const dir = this.diskDir;
    if (!dir) return;
    this.diskQueue = this.diskQueue
      .then(async () => {
        await fsp.mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `.${name}.tmp`);
        await fsp.writeFile(tmp, data);
        await fsp.rename(tmp, path.join(dir, name));
      })
      .catch((err) => {
        this.emit('warning', err);
      });
  }

  private removeFile(name: string): void {
    const dir = this.diskDir;
    if (!dir) return;
    this.diskQueue = this.diskQueue.then(() => fsp.rm(path.join(dir, name), { force: true })).catch((err) => {
      this.emit('warning', err);
    });
  }

  /** Resolves when pending disk writes are done (tests, shutdown). */
  flushDisk(): Promise<void> {
    return this.diskQueue;
  }
}
