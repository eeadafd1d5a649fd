// The tracker on MOT17-mini (first 4-8 frames of seven MOT17 training sequences, public FRCNN
// detections, no appearance): motion + IoU only, scored with the MOT17 rules. Few frames and
// noisy public detections, so only weak sanity bounds are asserted; the figures are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeepSortTracker } from '../../../runtime/track/deepsort';
import { evaluateMot, formatMetrics, type MotMetrics, type MotObject } from '../../support/mot-metrics';
import { readMot17Det, readMot17Gt, readSeqInfo } from '../../support/mot-io';
import { sharedPath } from '../../support/shared';

interface Totals {
  numGt: number;
  numHyp: number;
  fp: number;
  fn: number;
  idsw: number;
  idtp: number;
}

function add(t: Totals, m: MotMetrics): void {
  t.numGt += m.numGt;
  t.numHyp += m.numHyp;
  t.fp += m.fp;
  t.fn += m.fn;
  t.idsw += m.idsw;
  t.idtp += m.idtp;
}

const summary = (t: Totals) => ({ mota: 1 - (t.fn + t.fp + t.idsw) / t.numGt, idf1: (2 * t.idtp) / (t.numGt + t.numHyp) });

test('MOT17-mini public detections, motion + IoU only: MOTA and IDF1', (t) => {
  const root = sharedPath('media/MOT17-mini/train');
  if (!root.path) return t.skip(root.skip);
  const seqs = fs.readdirSync(root.path).filter((d) => fs.existsSync(path.join(root.path!, d, 'gt', 'gt.txt'))).sort();
  assert.ok(seqs.length >= 1);
  // Output rules: DeepSORT's (confirmed tracks matched this frame), and with tentative matches too —
  // with 4-8 frames per sequence, nInit = 3 hides the first two frames of every track.
  const confirmedOnly: Totals = { numGt: 0, numHyp: 0, fp: 0, fn: 0, idsw: 0, idtp: 0 };
  const allMatched: Totals = { numGt: 0, numHyp: 0, fp: 0, fn: 0, idsw: 0, idtp: 0 };
  for (const seq of seqs) {
    const dir = path.join(root.path, seq);
    const info = readSeqInfo(path.join(dir, 'seqinfo.ini'));
    const fps = Number(info.frameRate) || 30;
    const width = Number(info.imWidth);
    const height = Number(info.imHeight);
    const { gt, ignore } = readMot17Gt(path.join(dir, 'gt', 'gt.txt'));
    // gt.txt covers only the frames that have images here; det.txt covers the whole sequence.
    const lastFrame = Math.max(...gt.map((r) => r.frame), ...ignore.map((r) => r.frame));
    const dets = readMot17Det(path.join(dir, 'det', 'det.txt'), 0.5);
    const tracker = new DeepSortTracker({ frameWidth: width, frameHeight: height });
    const hypC: MotObject[] = [];
    const hypA: MotObject[] = [];
    for (let f = 1; f <= lastFrame; f++) {
      const input = (dets.get(f) ?? []).map((d) => ({ box: d.box, score: d.conf }));
      for (const s of tracker.update(input, ((f - 1) * 1000) / fps)) {
        if (s.detectionIndex < 0) continue;
        const o = { frame: f, id: s.trackId, box: s.box };
        hypA.push(o);
        if (s.state === 'confirmed') hypC.push(o);
      }
    }
    const mC = evaluateMot(gt, hypC, { ignore });
    const mA = evaluateMot(gt, hypA, { ignore });
    add(confirmedOnly, mC);
    add(allMatched, mA);
    console.log(`# ${seq} (${lastFrame} frames @ ${fps} fps) confirmed: ${formatMetrics(mC)}`);
    console.log(`# ${seq} (${lastFrame} frames @ ${fps} fps) +tentative: ${formatMetrics(mA)}`);
  }
  const c = summary(confirmedOnly);
  const a = summary(allMatched);
  console.log(`# MOT17-mini overall, confirmed tracks only: MOTA ${(100 * c.mota).toFixed(1)}% IDF1 ${(100 * c.idf1).toFixed(1)}% IDSW ${confirmedOnly.idsw} (GT ${confirmedOnly.numGt})`);
  console.log(`# MOT17-mini overall, incl. tentative matches: MOTA ${(100 * a.mota).toFixed(1)}% IDF1 ${(100 * a.idf1).toFixed(1)}% IDSW ${allMatched.idsw}`);
  assert.ok(a.mota > 0.2, `MOTA ${a.mota}`);
  assert.ok(a.idf1 > 0.3, `IDF1 ${a.idf1}`);
  assert.ok(c.mota > 0.2, `confirmed-only MOTA ${c.mota}`);
  assert.ok(allMatched.idsw <= allMatched.numGt * 0.05, `ID switches ${allMatched.idsw}`);
});
