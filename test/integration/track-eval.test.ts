// Tracking quality on real ferret pictures:
// - the embedders on Talulah's photos vs 36 other ferrets (ROC AUC of same/different cosine),
// - the tracker on generated videos of real ferret crops (test/support/track-fixtures.ts): fed with
//   ground-truth boxes (noise, 10 % dropped) and embeddings from the decoded frames — goals IDF1 ≥
//   0.90, ≤ 1 ID switch per 100 frames, ≥ 90 % correct camera transits — and end to end with the
//   motion detector (figures printed; bench/track.ts adds the YOLO model).
// The figures are in docs/tracking.md; `npm run bench:track` reproduces them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MotionDetector } from '../../runtime/detect/motion';
import { createEmbedder, DEFAULT_EMBEDDER_KIND, type Embedder } from '../../runtime/track/embedder';
import { trackStreams } from '../../runtime/track/offline';
import { formatMetrics } from '../support/mot-metrics';
import { sharedPath } from '../support/shared';
import { detectorDetections, embedderAuc, gtDetections, loadStills, scoreFixture, type FixtureScore } from '../support/track-eval';
import { ensureTrackFixture, fixtureSkipReason, type TrackFixture } from '../support/track-fixtures';

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

function report(label: string, s: FixtureScore): void {
  for (const [cam, m] of Object.entries(s.perCamera)) console.log(`# ${label} ${cam}: ${formatMetrics(m)}`);
  console.log(`# ${label} all cameras: IDF1 ${pct(s.combined.idf1)} MOTA ${pct(s.combined.mota)} IDSW/100 frames ${s.idswPer100Frames.toFixed(2)} transits ${s.transits.filter((t) => t.correct).length}/${s.transits.length}`);
}

describe('embedders on real ferret photos (same ferret vs different ferrets)', () => {
  test('ROC AUC of the colour histogram and of OSNet', async (t) => {
    const reid = sharedPath('models/osnet_x0_25_msmt17.onnx');
    const stills = await loadStills();
    if (!Array.isArray(stills)) return t.skip(stills.skip);
    const yolo = stills.filter((s) => s.boxSource === 'yolo').length;
    console.log(`# ${stills.filter((s) => s.group === 'talulah').length} photos of Talulah (labelled boxes), ${stills.filter((s) => s.group === 'collection').length} of other ferrets (${yolo} boxes from YOLO, the rest whole pictures)`);
    const kinds: Array<'hsv' | 'reid'> = reid.path ? ['hsv', 'reid'] : ['hsv'];
    const auc: Record<string, number> = {};
    for (const kind of kinds) {
      const e = await createEmbedder({ kind, modelPath: reid.path });
      try {
        const r = await embedderAuc(e, stills);
        auc[kind] = r.auc;
        console.log(
          `# ${kind}: ROC AUC ${r.auc.toFixed(3)} (vs Talulah×others ${r.aucTalulahVsOthers.toFixed(3)}, others×others ${r.aucOthersVsOthers.toFixed(3)}); ` +
            `${r.positives} same / ${r.negatives} different pairs; mean cosine same ${r.meanSamePair.toFixed(3)}, different ${r.meanDifferentPair.toFixed(3)}; ` +
            `EER ${pct(r.eer)} at distance ${r.eerDistance.toFixed(3)}; ${r.msPerCrop.toFixed(1)} ms/crop`,
        );
        assert.ok(r.auc > 0.5, `${kind} separates same from different better than chance (${r.auc})`);
        assert.equal(r.positives, 136);
      } finally {
        e.release();
      }
    }
    console.log(`# default embedder: ${DEFAULT_EMBEDDER_KIND}`);
    if (!reid.path) t.diagnostic(`OSNet not measured: ${reid.skip}`);
  });
});

describe('tracking on generated videos of real ferret crops', () => {
  const skip = fixtureSkipReason();
  let embedder: Embedder;
  let crossing: TrackFixture;
  let twoCam: TrackFixture;

  before(async () => {
    if (skip) return;
    embedder = await createEmbedder({ kind: DEFAULT_EMBEDDER_KIND });
    crossing = await ensureTrackFixture('crossing');
    twoCam = await ensureTrackFixture('two-camera');
  });
  after(() => embedder?.release());

  test('tracker only, crossing scenario: IDF1 ≥ 0.90 and ≤ 1 ID switch per 100 frames', { skip }, async () => {
    const streams = await gtDetections(crossing, embedder, { seed: 1 });
    const s = scoreFixture(crossing, trackStreams(streams));
    report('crossing, tracker only', s);
    assert.ok(s.combined.idf1 >= 0.9, `IDF1 ${s.combined.idf1}`);
    assert.ok(s.idswPer100Frames <= 1, `IDSW per 100 frames ${s.idswPer100Frames}`);
    assert.equal(s.perCamera['cam-a'].hypIds, 3, 'three ferrets, three identities (the one that left and came back kept its own)');
  });

  test('tracker only, two cameras: ≥ 90 % of transits keep the identity; IDF1 ≥ 0.90 across cameras', { skip }, async () => {
    const streams = await gtDetections(twoCam, embedder, { seed: 1 });
    const s = scoreFixture(twoCam, trackStreams(streams));
    report('two-camera, tracker only', s);
    for (const tr of s.transits) console.log(`#   transit ferret ${tr.ferret} ${tr.from} → ${tr.to} at frame ${tr.frame}: id ${tr.before} → ${tr.after}${tr.correct ? '' : '  WRONG'}`);
    assert.ok(s.transits.length >= 6);
    assert.ok(s.transitAccuracy! >= 0.9, `transit accuracy ${s.transitAccuracy}`);
    assert.ok(s.combined.idf1 >= 0.9, `cross-camera IDF1 ${s.combined.idf1}`);
    assert.ok(s.idswPer100Frames <= 1, `IDSW per 100 frames ${s.idswPer100Frames}`);
  });

  test('end to end with the motion detector (figures printed)', { skip }, async () => {
    for (const fix of [crossing, twoCam]) {
      const { streams, detectMsPerFrame } = await detectorDetections(fix, { kind: 'motion', det: new MotionDetector() }, embedder);
      const s = scoreFixture(fix, trackStreams(streams));
      report(`${fix.name}, motion detector (${detectMsPerFrame.toFixed(1)} ms/frame)`, s);
      assert.ok(s.combined.numHyp > 0, 'the motion detector finds the moving ferrets');
    }
  });
});
