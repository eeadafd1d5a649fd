// A strict reader for the media playlists we produce, asserting the RFC 8216 / rfc8216bis rules
// as it goes. Returns the parsed form for further checks.
import assert from 'node:assert/strict';

export interface ParsedPart {
  uri: string;
  msn: number;
  index: number;
  duration: number;
  independent: boolean;
}

export interface ParsedSegment {
  msn: number;
  uri?: string;
  duration?: number;
  pdt?: number;
  discontinuity: boolean;
  map?: string;
  parts: ParsedPart[];
}

export interface ParsedPlaylist {
  version: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  partTarget?: number;
  partHoldBack?: number;
  canBlockReload: boolean;
  segments: ParsedSegment[];
  /** The in-progress segment (LL), if any parts of it are listed. */
  pending?: ParsedSegment;
  preloadHint?: string;
  independentSegments: boolean;
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out[m[1]] = m[2].replace(/^"|"$/g, '');
  return out;
}

export function checkPlaylist(text: string, opts: { ll: boolean; keyframeParts?: Set<string> }): ParsedPlaylist {
  const lines = text.split('\n');
  assert.equal(lines[0], '#EXTM3U');
  assert.equal(lines[lines.length - 1], '', 'ends with a newline');
  const pl: ParsedPlaylist = { version: 0, targetDuration: NaN, mediaSequence: NaN, discontinuitySequence: 0, canBlockReload: false, segments: [], independentSegments: false };
  let cur: ParsedSegment = { msn: NaN, discontinuity: false, parts: [] };
  let started = false;
  let sawMap = false;
  const seen = new Set<string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const [tag, rest = ''] = line.startsWith('#') ? [line.slice(0, line.includes(':') ? line.indexOf(':') : line.length), line.slice(line.indexOf(':') + 1)] : ['', line];
    if (['#EXT-X-VERSION', '#EXT-X-TARGETDURATION', '#EXT-X-MEDIA-SEQUENCE', '#EXT-X-SERVER-CONTROL', '#EXT-X-PART-INF', '#EXT-X-DISCONTINUITY-SEQUENCE'].includes(tag)) {
      assert.ok(!seen.has(tag), `${tag} appears once`);
      assert.ok(!started, `${tag} is a playlist tag and precedes the segments`);
      seen.add(tag);
    }
    switch (tag) {
      case '#EXT-X-VERSION':
        pl.version = Number(rest);
        break;
      case '#EXT-X-TARGETDURATION':
        assert.match(rest, /^\d+$/, 'TARGETDURATION is a decimal-integer');
        pl.targetDuration = Number(rest);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        pl.mediaSequence = Number(rest);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        pl.discontinuitySequence = Number(rest);
        break;
      case '#EXT-X-INDEPENDENT-SEGMENTS':
        pl.independentSegments = true;
        break;
      case '#EXT-X-SERVER-CONTROL': {
        const a = attrs(rest);
        pl.canBlockReload = a['CAN-BLOCK-RELOAD'] === 'YES';
        if (a['PART-HOLD-BACK']) pl.partHoldBack = Number(a['PART-HOLD-BACK']);
        break;
      }
      case '#EXT-X-PART-INF':
        pl.partTarget = Number(attrs(rest)['PART-TARGET']);
        break;
      case '#EXT-X-MAP':
        started = true;
        sawMap = true;
        assert.equal(cur.parts.length, 0, 'EXT-X-MAP precedes the first part of its segment');
        cur.map = attrs(rest).URI;
        break;
      case '#EXT-X-DISCONTINUITY':
        started = true;
        assert.equal(cur.parts.length, 0, 'DISCONTINUITY precedes the first part of its segment');
        cur.discontinuity = true;
        break;
      case '#EXT-X-PROGRAM-DATE-TIME':
        started = true;
        assert.equal(cur.parts.length, 0, 'PDT precedes the first part of its segment');
        assert.match(rest, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO 8601 with milliseconds');
        cur.pdt = Date.parse(rest);
        break;
      case '#EXT-X-PART': {
        started = true;
        const a = attrs(rest);
        const m = /^part(\d+)\.(\d+)\.m4s$/.exec(a.URI);
        assert.ok(m, `part URI ${a.URI}`);
        const p: ParsedPart = { uri: a.URI, msn: Number(m[1]), index: Number(m[2]), duration: Number(a.DURATION), independent: a.INDEPENDENT === 'YES' };
        assert.ok(Number.isFinite(p.duration) && p.duration > 0, 'part DURATION');
        cur.parts.push(p);
        break;
      }
      case '#EXTINF':
        assert.match(rest, /^\d+(\.\d+)?,$/);
        cur.duration = Number(rest.slice(0, -1));
        break;
      case '#EXT-X-PRELOAD-HINT': {
        const a = attrs(rest);
        assert.equal(a.TYPE, 'PART');
        assert.equal(pl.preloadHint, undefined, 'one preload hint');
        pl.preloadHint = a.URI;
        break;
      }
      case '':
        assert.ok(cur.duration !== undefined, `URI ${line} follows an EXTINF`);
        cur.uri = line;
        pl.segments.push(cur);
        cur = { msn: NaN, discontinuity: false, parts: [] };
        break;
      default:
        assert.fail(`unexpected line ${line}`);
    }
  }
  if (cur.parts.length) pl.pending = cur;
  else assert.ok(cur.pdt === undefined && cur.map === undefined && !cur.discontinuity, 'no dangling segment tags');

  assert.ok(sawMap, 'EXT-X-MAP present');
  assert.ok(pl.segments.length > 0, 'at least one segment');
  assert.ok(pl.segments[0].map, 'EXT-X-MAP before the first segment');
  pl.segments.forEach((s, i) => {
    s.msn = pl.mediaSequence + i;
    assert.equal(s.uri, `seg${s.msn}.m4s`, 'segment URIs follow the media sequence');
    assert.ok(Math.round(s.duration!) <= pl.targetDuration, `EXTINF ${s.duration} rounded <= TARGETDURATION ${pl.targetDuration}`);
    assert.ok(s.pdt !== undefined, `PDT on segment ${s.msn}`);
    if (i > 0) {
      const prev = pl.segments[i - 1];
      assert.ok(s.pdt! > prev.pdt!, 'PDT increases');
      if (!s.discontinuity) assert.ok(Math.abs(s.pdt! - prev.pdt! - prev.duration! * 1000) <= 1.5, 'PDT advances by EXTINF');
    }
  });
  if (pl.pending) {
    pl.pending.msn = pl.mediaSequence + pl.segments.length;
    assert.ok(pl.pending.pdt !== undefined, 'PDT before the in-progress segment parts');
  }

  if (!opts.ll) {
    for (const bad of ['#EXT-X-PART', '#EXT-X-PART-INF', '#EXT-X-PRELOAD-HINT', '#EXT-X-SERVER-CONTROL']) assert.ok(!text.includes(bad + ':'), `plain playlist has no ${bad}`);
    return pl;
  }

  assert.ok(pl.version >= 6);
  assert.ok(pl.canBlockReload, 'CAN-BLOCK-RELOAD=YES');
  assert.ok(pl.partTarget! > 0, 'PART-TARGET');
  assert.ok(pl.partHoldBack! >= 3 * pl.partTarget! - 1e-9, `PART-HOLD-BACK ${pl.partHoldBack} >= 3 x PART-TARGET ${pl.partTarget}`);
  const all = [...pl.segments, ...(pl.pending ? [pl.pending] : [])];
  let firstWithParts = -1;
  all.forEach((s, i) => {
    if (!s.parts.length) {
      assert.equal(firstWithParts, -1, 'once parts are listed, every later segment lists its parts');
      return;
    }
    if (firstWithParts < 0) firstWithParts = i;
    s.parts.forEach((p, j) => {
      assert.equal(p.msn, s.msn, `part ${p.uri} carries its parent's MSN`);
      assert.equal(p.index, j, `part ${p.uri} numbered from 0 without gaps`);
      assert.ok(p.duration <= pl.partTarget!, `part ${p.uri} DURATION ${p.duration} <= PART-TARGET ${pl.partTarget}`);
      const last = j === s.parts.length - 1 && s !== pl.pending;
      if (!p.independent && !last) assert.ok(p.duration >= 0.85 * pl.partTarget! - 1e-9, `part ${p.uri} at least 85% of PART-TARGET`);
      if (opts.keyframeParts) assert.equal(p.independent, opts.keyframeParts.has(p.uri), `INDEPENDENT=YES exactly on keyframe parts (${p.uri})`);
    });
    assert.ok(s.parts[0].independent, `segment ${s.msn} starts with an independent part`);
    if (s !== pl.pending) {
      const sum = s.parts.reduce((a, p) => a + p.duration, 0);
      assert.ok(Math.abs(sum - s.duration!) < 1e-3 * s.parts.length, `parts of ${s.msn} add up to EXTINF`);
    }
  });
  if (firstWithParts >= 0) {
    // rfc8216bis 6.2.2: parts more than three target durations from the end are removed.
    const fromEnd = all.slice(firstWithParts).reduce((a, s) => a + (s.duration ?? s.parts.reduce((b, p) => b + p.duration, 0)), 0);
    assert.ok(fromEnd <= 3 * pl.targetDuration, `oldest listed parts start ${fromEnd}s from the end (<= 3 target durations)`);
  }
  assert.ok(pl.preloadHint, 'LL playlist has a preload hint');
  const last = all[all.length - 1];
  const lastPart = last.parts[last.parts.length - 1];
  if (lastPart) {
    const next = [`part${lastPart.msn}.${lastPart.index + 1}.m4s`, `part${lastPart.msn + 1}.0.m4s`];
    assert.ok(next.includes(pl.preloadHint!), `hint ${pl.preloadHint} names the part after ${lastPart.uri}`);
  }
  return pl;
}
