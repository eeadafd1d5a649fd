// Tracking benchmark: writes bench/results/track.json and prints a summary.
//
//   node dist/bench/track.js [--out bench/results/track.json] [--skip-yolo] [--seeds 3]
//
// - embedders: ROC AUC of same-ferret vs different-ferret cosine similarity on the real photos
//   (Talulah × Talulah against Talulah × others and others × others), ms per crop;
// - tracker only on the generated scenarios (ground-truth boxes with noise, 10 % dropped,
//   embeddings from the decoded frames), both embedders, several noise seeds;
// - end to end on the generated videos: the motion detector, YOLOv8n (COCO) with the default class
//   map, and — as a diagnostic of the tracker behind a detector that does find these ferrets —
//   YOLOv8n with "bird" added to the map (COCO calls the composited ferrets birds);
// - MOT17-mini with the public detections (motion + IoU only): MOTA and IDF1;
// - tracker time per frame at 2, 10 and 50 objects (goal: < 1 ms at 10).
//
// YOLO on ~800 frames takes a minute or two on a 2-core machine: run it with `nice -n 10`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../runtime/contracts';
import { YoloDetector } from '../runtime/detect/detector';
import { MotionDetector } from '../runtime/detect/motion';
import { CameraTracker } from '../runtime/track/camera-tracker';
import { DeepSortTracker } from '../runtime/track/deepsort';
import { createEmbedder, DEFAULT_EMBEDDER_KIND, type EmbedderKind } from '../runtime/track/embedder';
import { IdentityRegistry } from '../runtime/track/identities';
import { trackStreams, type OfflineStream } from '../runtime/track/offline';
import { evaluateMot, type MotMetrics, type MotObject } from '../test/support/mot-metrics';
import { readMot17Det, readMot17Gt, readSeqInfo } from '../test/support/mot-io';
import { sharedPath } from '../test/support/shared';
import { detectorDetections, embedderAuc, gtDetections, loadStills, rng, scoreFixture, selectLabels, type FixtureScore } from '../test/support/track-eval';
import { ensureTrackFixture, TRACK_FIXTURE_VERSION, type TrackFixture } from '../test/support/track-fixtures';

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

const r3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

function summary(s: FixtureScore) {
  const idsw = Object.values(s.perCamera).reduce((a, m) => a + m.idsw, 0);
  return {
    idf1: r3(s.combined.idf1),
    mota: r3(s.combined.mota),
    idsw,
    idswPer100Frames: r3(s.idswPer100Frames),
    fp: s.combined.fp,
    fn: s.combined.fn,
    gtIdsPerCamera: Object.fromEntries(Object.entries(s.perCamera).map(([c, m]) => [c, m.gtIds])),
    hypIdsPerCamera: Object.fromEntries(Object.entries(s.perCamera).map(([c, m]) => [c, m.hypIds])),
    perCameraIdf1: Object.fromEntries(Object.entries(s.perCamera).map(([c, m]) => [c, r3(m.idf1)])),
    transits: s.transits.length ? { correct: s.transits.filter((t) => t.correct).length, total: s.transits.length, accuracy: r3(s.transitAccuracy) } : undefined,
  };
}

function mean(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? r3(v.reduce((a, b) => a + b, 0) / v.length) : null;
}

async function embedderSection(reidModel: string | undefined) {
  const stills = await loadStills();
  if (!Array.isArray(stills)) return { skipped: stills.skip };
  const out: Record<string, unknown> = {
    data: {
      talulahPhotos: stills.filter((s) => s.group === 'talulah').length,
      otherFerretPhotos: stills.filter((s) => s.group === 'collection').length,
      otherBoxesFromYolo: stills.filter((s) => s.boxSource === 'yolo').length,
    },
  };
  for (const kind of ['hsv', 'reid'] as EmbedderKind[]) {
    if (kind === 'reid' && !reidModel) continue;
    const e = await createEmbedder({ kind, modelPath: reidModel });
    try {
      const r = await embedderAuc(e, stills);
      out[kind] = {
        rocAuc: r3(r.auc),
        rocAucTalulahVsOthers: r3(r.aucTalulahVsOthers),
        rocAucOthersVsOthers: r3(r.aucOthersVsOthers),
        samePairs: r.positives,
        differentPairs: r.negatives,
        meanCosineSame: r3(r.meanSamePair),
        meanCosineDifferent: r3(r.meanDifferentPair),
        eer: r3(r.eer),
        eerCosineDistance: r3(r.eerDistance),
        msPerCrop: r3(r.msPerCrop),
      };
      console.log(`embedder ${kind}: ROC AUC ${r.auc.toFixed(3)}, EER ${(100 * r.eer).toFixed(1)} %, ${r.msPerCrop.toFixed(1)} ms/crop`);
    } finally {
      e.release();
    }
  }
  out.default = DEFAULT_EMBEDDER_KIND;
  return out;
}

async function trackerOnlySection(fixtures: TrackFixture[], reidModel: string | undefined, seeds: number) {
  const out: Record<string, unknown> = {};
  for (const kind of ['hsv', 'reid'] as EmbedderKind[]) {
    if (kind === 'reid' && !reidModel) continue;
    const e = await createEmbedder({ kind, modelPath: reidModel });
    const perKind: Record<string, unknown> = {};
    try {
      for (const fix of fixtures) {
        const runs = [];
        for (let seed = 1; seed <= seeds; seed++) {
          const streams = await gtDetections(fix, e, { seed });
          runs.push(summary(scoreFixture(fix, trackStreams(streams))));
        }
        perKind[fix.name] = {
          seeds,
          meanIdf1: mean(runs.map((x) => x.idf1)),
          meanMota: mean(runs.map((x) => x.mota)),
          meanIdswPer100Frames: mean(runs.map((x) => x.idswPer100Frames)),
          transitAccuracy: runs[0].transits ? mean(runs.map((x) => x.transits!.accuracy)) : undefined,
          runs,
        };
        const m = perKind[fix.name] as { meanIdf1: number; meanIdswPer100Frames: number; transitAccuracy?: number };
        console.log(`tracker only, ${kind}, ${fix.name}: IDF1 ${m.meanIdf1} IDSW/100 ${m.meanIdswPer100Frames}${m.transitAccuracy !== undefined ? ` transits ${m.transitAccuracy}` : ''}`);
      }
    } finally {
      e.release();
    }
    out[kind] = perKind;
  }
  return out;
}

async function endToEndSection(fixtures: TrackFixture[], yoloModel: string | undefined) {
  const e = await createEmbedder({ kind: DEFAULT_EMBEDDER_KIND });
  const out: Record<string, unknown> = { embedder: DEFAULT_EMBEDDER_KIND };
  try {
    const motion: Record<string, unknown> = {};
    for (const fix of fixtures) {
      const { streams, detectMsPerFrame } = await detectorDetections(fix, { kind: 'motion', det: new MotionDetector() }, e);
      motion[fix.name] = { ...summary(scoreFixture(fix, trackStreams(streams))), detectMsPerFrame: r3(detectMsPerFrame) };
      console.log(`end to end, motion, ${fix.name}: IDF1 ${(motion[fix.name] as { idf1: number }).idf1}`);
    }
    out.motion = motion;
    if (yoloModel) {
      // One pass keeping every class; the class-map variants are selections of it.
      const det = await YoloDetector.load(yoloModel, { conf: 0.35, classMap: { '*': 'keep' } });
      const yolo: Record<string, unknown> = {};
      const diag: Record<string, unknown> = {};
      try {
        for (const fix of fixtures) {
          const { streams, detectMsPerFrame } = await detectorDetections(fix, { kind: 'yolo', det }, e, () => true);
          const counts: Record<string, number> = {};
          for (const s of streams) for (const f of s.frames) for (const d of f.detections) counts[d.label!] = (counts[d.label!] ?? 0) + 1;
          const def = selectLabels(streams, new Set(['cat', 'dog', 'bear', 'teddy bear']));
          const withBird = selectLabels(streams, new Set(['cat', 'dog', 'bear', 'teddy bear', 'bird']));
          yolo[fix.name] = { ...summary(scoreFixture(fix, trackStreams(def))), detectMsPerFrame: r3(detectMsPerFrame), detections: countDets(def), classesSeen: counts };
          diag[fix.name] = { ...summary(scoreFixture(fix, trackStreams(withBird))), detections: countDets(withBird) };
          console.log(`end to end, yolo default map, ${fix.name}: IDF1 ${(yolo[fix.name] as { idf1: number }).idf1}; with "bird": IDF1 ${(diag[fix.name] as { idf1: number }).idf1}`);
        }
      } finally {
        await det.release();
      }
      out.yoloDefaultClassMap = yolo;
      out.yoloWithBirdDiagnostic = diag;
    }
  } finally {
    e.release();
  }
  return out;
}

function countDets(streams: OfflineStream[]): number {
  return streams.reduce((a, s) => a + s.frames.reduce((b, f) => b + f.detections.length, 0), 0);
}

function mot17Section() {
  const root = sharedPath('media/MOT17-mini/train');
  if (!root.path) return { skipped: root.skip };
  const tot = { c: { numGt: 0, numHyp: 0, fp: 0, fn: 0, idsw: 0, idtp: 0 }, a: { numGt: 0, numHyp: 0, fp: 0, fn: 0, idsw: 0, idtp: 0 } };
  const add = (t: typeof tot.c, m: MotMetrics) => {
    t.numGt += m.numGt;
    t.numHyp += m.numHyp;
    t.fp += m.fp;
    t.fn += m.fn;
    t.idsw += m.idsw;
    t.idtp += m.idtp;
  };
  const seqs = fs.readdirSync(root.path).filter((d) => fs.existsSync(path.join(root.path!, d, 'gt', 'gt.txt'))).sort();
  for (const seq of seqs) {
    const dir = path.join(root.path, seq);
    const info = readSeqInfo(path.join(dir, 'seqinfo.ini'));
    const fps = Number(info.frameRate) || 30;
    const { gt, ignore } = readMot17Gt(path.join(dir, 'gt', 'gt.txt'));
    const last = Math.max(...gt.map((r) => r.frame), ...ignore.map((r) => r.frame));
    const dets = readMot17Det(path.join(dir, 'det', 'det.txt'), 0.5);
    const tracker = new DeepSortTracker({ frameWidth: Number(info.imWidth), frameHeight: Number(info.imHeight) });
    const hc: MotObject[] = [];
    const ha: MotObject[] = [];
    for (let f = 1; f <= last; f++) {
      for (const s of tracker.update((dets.get(f) ?? []).map((d) => ({ box: d.box, score: d.conf })), ((f - 1) * 1000) / fps)) {
        if (s.detectionIndex < 0) continue;
        ha.push({ frame: f, id: s.trackId, box: s.box });
        if (s.state === 'confirmed') hc.push({ frame: f, id: s.trackId, box: s.box });
      }
    }
    add(tot.c, evaluateMot(gt, hc, { ignore }));
    add(tot.a, evaluateMot(gt, ha, { ignore }));
  }
  const fig = (t: typeof tot.c) => ({ mota: r3(1 - (t.fn + t.fp + t.idsw) / t.numGt), idf1: r3((2 * t.idtp) / (t.numGt + t.numHyp)), idsw: t.idsw, gt: t.numGt });
  const res = { sequences: seqs.length, detections: 'public FRCNN, score ≥ 0.5, no appearance', confirmedOnly: fig(tot.c), includingTentative: fig(tot.a) };
  console.log(`MOT17-mini: confirmed MOTA ${res.confirmedOnly.mota} IDF1 ${res.confirmedOnly.idf1}; +tentative MOTA ${res.includingTentative.mota} IDF1 ${res.includingTentative.idf1}`);
  return res;
}

/** Mean ms per update with n objects walking randomly (128-D appearance each), after a warm-up. */
function timing(n: number, frames = 400) {
  const r = rng(n);
  const objs = Array.from({ length: n }, () => ({ x: 50 + r() * 1180, y: 50 + r() * 620, vx: (r() - 0.5) * 200, vy: (r() - 0.5) * 200, emb: Float32Array.from({ length: 128 }, () => r()) }));
  const run = (update: (dets: Array<{ box: Box; score: number; embedding: Float32Array }>, ts: number) => void) => {
    let ms = 0;
    for (let f = 0; f < frames; f++) {
      const dets = objs.map((o) => {
        o.x = Math.min(1230, Math.max(50, o.x + o.vx / 10));
        o.y = Math.min(670, Math.max(50, o.y + o.vy / 10));
        const e = Float32Array.from(o.emb, (v) => v + (r() - 0.5) * 0.05);
        return { box: [o.x - 40, o.y - 20, o.x + 40, o.y + 20] as Box, score: 0.9, embedding: e };
      });
      const t0 = performance.now();
      update(dets, 1_700_000_000_000 + f * 100);
      if (f >= 100) ms += performance.now() - t0;
    }
    return r3(ms / (frames - 100));
  };
  const ds = new DeepSortTracker({ frameWidth: 1280, frameHeight: 720 });
  const tracker = run((d, ts) => ds.update(d, ts));
  const ct = new CameraTracker('bench', new IdentityRegistry());
  const withIdentities = run((d, ts) => ct.update({ frameId: 0, ts, width: 1280, height: 720, detections: d }));
  return { deepSortMsPerFrame: tracker, withIdentitiesAndPayloadMsPerFrame: withIdentities };
}

async function main(): Promise<void> {
  const out = arg('out', 'bench/results/track.json')!;
  const seeds = Math.max(1, Number(arg('seeds', '3')));
  const reid = sharedPath('models/osnet_x0_25_msmt17.onnx').path;
  const yolo = arg('skip-yolo') ? undefined : sharedPath('models/yolov8n_int8.onnx').path;
  const started = Date.now();
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model.split(' ').slice(0, 2).join(' '), loadavg1mAtStart: r3(os.loadavg()[0]) },
    goals: { trackerOnlyIdf1: 0.9, idswPer100Frames: 1, transitAccuracy: 0.9, msPerFrameAt10Objects: 1 },
    fixtures: { version: TRACK_FIXTURE_VERSION, size: '640x360', fps: 10 },
  };
  const timings = { objects2: timing(2), objects10: timing(10), objects50: timing(50) };
  console.log(`tracker ms/frame: 2 → ${timings.objects2.deepSortMsPerFrame}, 10 → ${timings.objects10.deepSortMsPerFrame}, 50 → ${timings.objects50.deepSortMsPerFrame}`);
  result.trackerTiming = timings;
  result.embedders = await embedderSection(reid);
  const fixtures = [await ensureTrackFixture('crossing'), await ensureTrackFixture('two-camera')];
  result.fixtures = { ...(result.fixtures as object), scenarios: fixtures.map((f) => ({ name: f.name, cameras: f.cameras.length, frames: f.frames, ferrets: f.ferrets })) };
  result.trackerOnly = await trackerOnlySection(fixtures, reid, seeds);
  result.endToEnd = await endToEndSection(fixtures, yolo);
  result.mot17mini = mot17Section();
  result.durationS = Math.round((Date.now() - started) / 1000);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  fs.renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out} in ${result.durationS} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
