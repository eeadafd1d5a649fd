import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PlaylistSegment, PlaylistView, advancePartLimit, ceilSeconds, formatSeconds, partTarget, renderMediaPlaylist, targetDuration } from '../../../runtime/hls/playlist';
import { checkPlaylist } from './conformance';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0, 0);

/** Segments of `parts` parts of `partS` seconds each, keyframe on the first part. */
function segs(from: number, n: number, parts = 4, partS = 0.5, opts: { disc?: number; map?: (msn: number) => string } = {}): PlaylistSegment[] {
  const out: PlaylistSegment[] = [];
  let wall = T0 + from * parts * partS * 1000;
  for (let msn = from; msn < from + n; msn++) {
    out.push({
      msn,
      uri: `seg${msn}.m4s`,
      durationS: parts * partS,
      wallMs: wall,
      discontinuity: msn === opts.disc,
      mapUri: opts.map?.(msn) ?? 'init.mp4',
      parts: Array.from({ length: parts }, (_, i) => ({ uri: `part${msn}.${i}.m4s`, durationS: partS, independent: i === 0 })),
    });
    wall += parts * partS * 1000;
  }
  return out;
}

function view(over: Partial<PlaylistView> = {}): PlaylistView {
  const segments = segs(10, 5);
  return {
    segmentTargetS: 2,
    partTargetS: 0.5,
    discontinuitySequence: 0,
    segments,
    pending: { msn: 15, wallMs: T0 + 15 * 2000, discontinuity: false, mapUri: 'init.mp4', parts: [{ uri: 'part15.0.m4s', durationS: 0.5, independent: true }] },
    preloadHintUri: 'part15.1.m4s',
    independentSegments: true,
    ...over,
  };
}

describe('renderMediaPlaylist', () => {
  test('plain playlist: header, map, PDT and EXTINF per segment, no LL tags', () => {
    const text = renderMediaPlaylist(view(), { ll: false });
    const pl = checkPlaylist(text, { ll: false });
    assert.equal(pl.version, 7);
    assert.equal(pl.targetDuration, 2);
    assert.equal(pl.mediaSequence, 10);
    assert.equal(pl.segments.length, 5);
    assert.equal(pl.segments[0].pdt, T0 + 10 * 2000);
    assert.ok(pl.independentSegments);
    assert.equal(pl.pending, undefined);
    assert.match(text, /^#EXT-X-MAP:URI="init\.mp4"$/m);
    assert.equal((text.match(/#EXT-X-MAP/g) ?? []).length, 1);
  });

  test('LL playlist: server control, part info, parts of the last 3 target durations, hint', () => {
    const text = renderMediaPlaylist(view(), { ll: true });
    const pl = checkPlaylist(text, { ll: true });
    assert.equal(pl.version, 9);
    assert.equal(pl.partTarget, 0.5);
    assert.equal(pl.partHoldBack, 1.5);
    assert.match(text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.5\n/);
    // 0.5 s pending + 2 s segments: segments 13 and 14 start within 6 s of the end, 12 does not.
    assert.deepEqual(pl.segments.map((s) => s.parts.length), [0, 0, 0, 4, 4]);
    assert.equal(pl.pending?.parts.length, 1);
    assert.equal(pl.preloadHint, 'part15.1.m4s');
    assert.match(text, /#EXT-X-PART:DURATION=0\.5,URI="part14\.0\.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0\.5,URI="part14\.1\.m4s"\n/);
    assert.ok(text.trimEnd().endsWith('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part15.1.m4s"'));
  });

  test('a part longer than the configured target raises PART-TARGET while it is listed', () => {
    const v = view();
    v.pending!.parts.push({ uri: 'part15.1.m4s', durationS: 0.533333, independent: false });
    v.preloadHintUri = 'part15.2.m4s';
    const pl = checkPlaylist(renderMediaPlaylist(v, { ll: true }), { ll: true });
    assert.equal(pl.partTarget, 0.53334);
    assert.ok(pl.partHoldBack! >= 3 * 0.53334 - 1e-9);
    // An overlong part in a segment whose parts are no longer listed does not count.
    const old = view();
    old.segments[0].parts[1].durationS = 3;
    assert.equal(partTarget(old), 0.5);
  });

  test('TARGETDURATION is the longest EXTINF rounded to the nearest integer, never below the configured target', () => {
    const v = view();
    assert.equal(targetDuration(v), 2);
    v.segments[2].durationS = 2.00019; // timestamp jitter: still a 2 s stream
    assert.equal(targetDuration(v), 2);
    checkPlaylist(renderMediaPlaylist(v, { ll: false }), { ll: false });
    v.segments[2].durationS = 2.5;
    assert.equal(targetDuration(v), 3);
    assert.equal(targetDuration({ segmentTargetS: 1.5, segments: [{ durationS: 1.5 }] }), 2, 'the configured target rounds up');
    assert.equal(targetDuration({ segmentTargetS: 2, segments: [{ durationS: 30720 / 15360 }] }), 2);
    assert.equal(targetDuration({ segmentTargetS: 0.4, segments: [{ durationS: 0.4 }] }), 1);
  });

  test('discontinuity after a restart: tag before the segment, new map, sequence numbers', () => {
    const segments = segs(20, 4, 4, 0.5, { disc: 22, map: (m) => (m >= 22 ? 'init1.mp4' : 'init.mp4') });
    segments[2].wallMs += 60_000; // the encoder was down for a minute
    segments[3].wallMs += 60_000;
    const v = view({ segments, discontinuitySequence: 3, pending: undefined, preloadHintUri: 'part24.0.m4s' });
    const text = renderMediaPlaylist(v, { ll: true });
    const pl = checkPlaylist(text, { ll: true });
    assert.equal(pl.discontinuitySequence, 3);
    assert.ok(pl.segments[2].discontinuity);
    assert.equal(pl.segments[2].map, 'init1.mp4');
    assert.match(text, /#EXTINF:2,\nseg21\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init1\.mp4"\n#EXT-X-PROGRAM-DATE-TIME:/);
    // When the discontinuity segment is first, its tag is folded into the sequence number.
    const first = view({ segments: segments.slice(2), discontinuitySequence: 4, pending: undefined, preloadHintUri: 'part24.0.m4s' });
    const t2 = renderMediaPlaylist(first, { ll: false });
    assert.doesNotMatch(t2, /#EXT-X-DISCONTINUITY\n/);
    assert.match(t2, /#EXT-X-DISCONTINUITY-SEQUENCE:4\n/);
  });

  test('without a pending segment the hint names part 0 of the next MSN', () => {
    const pl = checkPlaylist(renderMediaPlaylist(view({ pending: undefined, preloadHintUri: 'part15.0.m4s' }), { ll: true }), { ll: true });
    assert.equal(pl.preloadHint, 'part15.0.m4s');
  });

  test('number helpers', () => {
    assert.equal(formatSeconds(2), '2');
    assert.equal(formatSeconds(0.2), '0.2');
    assert.equal(formatSeconds(1 / 3), '0.33333');
    assert.equal(ceilSeconds(0.2), 0.2);
    assert.equal(ceilSeconds(1 / 3), 0.33334);
    assert.ok(Number(formatSeconds(1 / 3)) <= ceilSeconds(1 / 3));
    assert.equal(advancePartLimit(0.5), 6);
    assert.equal(advancePartLimit(2), 3);
  });
});
