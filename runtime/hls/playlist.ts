// Media playlist writers (RFC 8216 and its Low-Latency revision, draft-pantos-hls-rfc8216bis).
// Pure: the packager hands over a snapshot of its window and gets text back, so every spec rule
// below is checked in unit tests without running ffmpeg.

export interface PlaylistPart {
  uri: string;
  durationS: number;
  /** Starts with a sync sample: rendered as INDEPENDENT=YES. */
  independent: boolean;
}

export interface PlaylistSegment {
  msn: number;
  uri: string;
  durationS: number;
  /** Wall-clock time (ms since epoch) of the segment's first sample, for EXT-X-PROGRAM-DATE-TIME. */
  wallMs: number;
  /** First segment after an encoder restart. */
  discontinuity: boolean;
  /** EXT-X-MAP URI of the init segment this segment decodes with. */
  mapUri: string;
  parts: PlaylistPart[];
}

/** The segment still being filled: its parts are published, its EXTINF is not yet known. */
export type PendingSegment = Omit<PlaylistSegment, 'uri' | 'durationS'>;

export interface PlaylistView {
  /** Configured segment target; EXT-X-TARGETDURATION is raised from it as needed (see targetDuration). */
  segmentTargetS: number;
  /** Configured part target; PART-TARGET is raised from it as needed (see partTarget). */
  partTargetS: number;
  /** Discontinuity sequence number of the first listed segment. */
  discontinuitySequence: number;
  /** Completed segments, oldest first, consecutive MSNs. */
  segments: PlaylistSegment[];
  pending?: PendingSegment;
  /** URI of the part expected next (LL only). */
  preloadHintUri?: string;
  /** Every segment starts with a keyframe (true for this packager). */
  independentSegments?: boolean;
}

export interface RenderOptions {
  ll: boolean;
}

/** Decimal seconds with at most 5 fractional digits, trailing zeros trimmed (decimal-floating-point). */
export function formatSeconds(s: number): string {
  const fixed = s.toFixed(5);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Round up to the 5-decimal precision formatSeconds prints, so "max" stays a max after printing. */
export function ceilSeconds(s: number): number {
  return Math.ceil(s * 1e5 - 1e-6) / 1e5;
}

/** PART-HOLD-BACK: the spec requires >= 2x PART-TARGET and recommends >= 3x; we use 3x. */
export function partHoldBack(partTargetS: number): number {
  return ceilSeconds(3 * partTargetS);
}

/**
 * Advance Part Limit (rfc8216bis 6.2.5.2): how far past the last part a blocking request may ask
 * before the server answers 400.
 */
export function advancePartLimit(partTargetS: number): number {
  return partTargetS < 1 ? 3 / partTargetS : 3;
}

/*
 * Why the two target values are derived per playlist rather than fixed:
 * ffmpeg cuts a fragment when the next frame would reach -frag_duration, so a part may end up to
 * one frame longer than requested, and a timestamp gap from a flaky camera is folded into the last
 * sample of a fragment (or segment). The spec makes "DURATION <= PART-TARGET" and "EXTINF rounded
 * <= TARGETDURATION" hard MUSTs for every playlist, while also asking servers not to change the
 * tags. We cannot know the longest future part in advance, so each playlist advertises
 * max(configured target, longest item it lists), rounded up to the printed precision. In steady
 * state that is a constant (the configured value, or the one-frame overshoot seen from the first
 * part on); after an outlier it rises only while the outlier is listed (about three target
 * durations for parts, the window for segments) and then returns, instead of inflating
 * PART-HOLD-BACK (and so latency) for the rest of the process's life.
 */

/**
 * EXT-X-TARGETDURATION: integer seconds, at least the configured target, and >= every listed EXTINF
 * rounded to the nearest integer (rfc8216bis 4.4.3.1). Rounding, not ceiling: camera timestamps
 * jitter, so a 2 s segment is often 2.0002 s, and a ceiling would announce 3 s, which makes players
 * that sync a number of target durations back (hls.js's plain-HLS default: 3) play 3 s later.
 */
export function targetDuration(view: { segmentTargetS: number; segments: ReadonlyArray<{ durationS: number }> }): number {
  // The slack absorbs floating-point noise from ticks / timescale, never a real overshoot.
  let td = Math.max(1, Math.ceil(view.segmentTargetS - 1e-9));
  for (const s of view.segments) td = Math.max(td, Math.round(s.durationS));
  return td;
}

/** PART-TARGET for the LL playlist: >= every EXT-X-PART DURATION it lists. */
export function partTarget(view: PlaylistView): number {
  let max = view.partTargetS;
  const from = firstSegmentWithParts(view, targetDuration(view));
  for (let i = from; i < view.segments.length; i++) for (const p of view.segments[i].parts) if (p.durationS > max) max = p.durationS;
  for (const p of view.pending?.parts ?? []) if (p.durationS > max) max = p.durationS;
  return ceilSeconds(max);
}

export function renderMediaPlaylist(view: PlaylistView, opts: RenderOptions): string {
  const { ll } = opts;
  const td = targetDuration(view);
  const lines: string[] = ['#EXTM3U'];
  // EXT-X-MAP for fMP4 needs version >= 6; the low-latency playlist declares 9 like Apple's tools.
  lines.push(`#EXT-X-VERSION:${ll ? 9 : 7}`);
  lines.push(`#EXT-X-TARGETDURATION:${td}`);
  if (ll) {
    const pt = partTarget(view);
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${formatSeconds(partHoldBack(pt))}`);
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${formatSeconds(pt)}`);
  }
  const firstMsn = view.segments.length ? view.segments[0].msn : (view.pending?.msn ?? 0);
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${firstMsn}`);
  if (view.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${view.discontinuitySequence}`);
  if (view.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');

  const partsFrom = ll ? firstSegmentWithParts(view, td) : Infinity;
  let mapUri: string | undefined;
  const head = (seg: PendingSegment, first: boolean) => {
    // Tags that apply to a parent segment also apply to its first part, so they go before it.
    if (seg.discontinuity && !first) lines.push('#EXT-X-DISCONTINUITY');
    if (seg.mapUri !== mapUri) {
      mapUri = seg.mapUri;
      lines.push(`#EXT-X-MAP:URI="${mapUri}"`);
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.wallMs).toISOString()}`);
  };
  const parts = (seg: PendingSegment) => {
    for (const p of seg.parts) {
      lines.push(`#EXT-X-PART:DURATION=${formatSeconds(p.durationS)},URI="${p.uri}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
    }
  };

  view.segments.forEach((seg, i) => {
    head(seg, i === 0);
    if (i >= partsFrom) parts(seg);
    lines.push(`#EXTINF:${formatSeconds(seg.durationS)},`);
    lines.push(seg.uri);
  });
  if (ll) {
    if (view.pending && view.pending.parts.length) {
      head(view.pending, view.segments.length === 0);
      parts(view.pending);
    }
    if (view.preloadHintUri) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${view.preloadHintUri}"`);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Index of the oldest completed segment whose parts are still listed. rfc8216bis 6.2.2: EXT-X-PART
 * tags SHOULD be removed once they are more than three Target Durations from the end of the
 * playlist; whole segments are kept or dropped together (parts are removed in playlist order).
 */
function firstSegmentWithParts(view: PlaylistView, targetDurationS: number): number {
  const limit = 3 * targetDurationS;
  let fromEnd = view.pending ? view.pending.parts.reduce((a, p) => a + p.durationS, 0) : 0;
  let idx = view.segments.length;
  for (let i = view.segments.length - 1; i >= 0; i--) {
    // Segment i's first part starts this far from the end of the playlist.
    fromEnd += view.segments[i].durationS;
    if (fromEnd > limit) break;
    idx = i;
  }
  return idx;
}
