import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../../runtime/contracts';
import { evaluateMot, type MotObject } from '../../support/mot-metrics';
import { byFrame, formatMot, parseMot, readMot17Det, readMot17Gt, readSeqInfo } from '../../support/mot-io';

const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg}: ${a} vs ${b}`);
const G1: Box = [0, 0, 10, 10];
const G2: Box = [100, 0, 110, 10];
const o = (frame: number, id: number | string, box: Box): MotObject => ({ frame, id, box });

describe('MOT metrics', () => {
  test('hand-computed toy case', () => {
    // Two static GT objects over 4 frames; hypotheses:
    //   f1: H1 on G1, H2 on G2                      → 2 TP
    //   f2: H1 on G1, G2 undetected, H3 far away    → 1 TP, 1 FN, 1 FP
    //   f3: H1 on G1 shifted by 1 px, H4 on G2      → 2 TP, G2 was H2 → H4: 1 IDSW
    //   f4: H1 on G1, H2 on G2 again, H5 far away   → 2 TP, G2 was H4 → H2: 1 IDSW, 1 FP
    // GT = 8, TP = 7, FN = 1, FP = 2, IDSW = 2  → MOTA = 1 − (1 + 2 + 2)/8 = 0.375.
    // IoU of the shifted box = (9·10)/(100 + 100 − 90) = 90/110, others 1 → MOTP = (6 + 9/11)/7.
    // G2 tracked/untracked/tracked/tracked → 1 fragmentation.
    // IDF1: co-occurrence counts (G1,H1) = 4, (G2,H2) = 2, (G2,H4) = 1; best one-to-one = 4 + 2 = 6 = IDTP;
    // 8 GT and 9 hypothesis boxes → IDFN = 2, IDFP = 3, IDF1 = 12/17, IDP = 6/9, IDR = 6/8.
    const gt = [1, 2, 3, 4].flatMap((f) => [o(f, 1, G1), o(f, 2, G2)]);
    const far: Box = [300, 300, 310, 310];
    const hyp = [
      o(1, 'H1', G1), o(1, 'H2', G2),
      o(2, 'H1', G1), o(2, 'H3', far),
      o(3, 'H1', [1, 0, 11, 10]), o(3, 'H4', G2),
      o(4, 'H1', G1), o(4, 'H2', G2), o(4, 'H5', [500, 0, 510, 10]),
    ];
    const m = evaluateMot(gt, hyp);
    assert.equal(m.numGt, 8);
    assert.equal(m.numHyp, 9);
    assert.equal(m.tp, 7);
    assert.equal(m.fn, 1);
    assert.equal(m.fp, 2);
    assert.equal(m.idsw, 2);
    assert.equal(m.frag, 1);
    close(m.mota, 0.375, 'MOTA');
    close(m.motp, (6 + 9 / 11) / 7, 'MOTP');
    assert.equal(m.idtp, 6);
    assert.equal(m.idfn, 2);
    assert.equal(m.idfp, 3);
    close(m.idf1, 12 / 17, 'IDF1');
    close(m.idp, 6 / 9, 'IDP');
    close(m.idr, 6 / 8, 'IDR');
  });

  test('a still-valid correspondence is kept even when another hypothesis overlaps better (no spurious switch)', () => {
    // f1: only H1 on G1. f2: H1 still overlaps (IoU 0.6) and H2 sits exactly on G1.
    // CLEAR-MOT keeps G1–H1 (valid, IoU ≥ 0.5) → no IDSW; H2 is a FP.
    const gt = [o(1, 1, [0, 0, 10, 10]), o(2, 1, [0, 0, 10, 10])];
    const hyp = [o(1, 'H1', [0, 0, 10, 10]), o(2, 'H1', [2.5, 0, 12.5, 10]), o(2, 'H2', [0, 0, 10, 10])];
    const m = evaluateMot(gt, hyp);
    assert.equal(m.idsw, 0);
    assert.equal(m.fp, 1);
    assert.equal(m.tp, 2);
  });

  test('hypotheses on ignore regions (MOT17 distractors) are neither TP nor FP', () => {
    const gt = [o(1, 1, G1)];
    const hyp = [o(1, 'H1', G1), o(1, 'H2', G2), o(1, 'H3', [300, 0, 310, 10])];
    const m = evaluateMot(gt, hyp, { ignore: [o(1, 99, G2)] });
    assert.equal(m.numIgnored, 1);
    assert.equal(m.tp, 1);
    assert.equal(m.fp, 1);
    close(m.mota, 0, 'MOTA');
  });
});

describe('MOT io', () => {
  test('parse / format round trip and MOT17 gt filtering', () => {
    const text = formatMot([
      { frame: 1, id: 3, box: [10, 20, 40, 80], conf: 0.5 },
      { frame: 2, id: 3, box: [12.345, 20, 42.345, 80] },
    ]);
    assert.equal(text, '1,3,10,20,30,60,0.5,-1,-1,-1\n2,3,12.35,20,30,60,1,-1,-1,-1\n');
    const rows = parseMot(text);
    assert.deepEqual(rows[0].box, [10, 20, 40, 80]);
    assert.equal(rows[0].conf, 0.5);
    assert.equal(byFrame(rows).get(2)!.length, 1);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-mot-'));
    try {
      const gtPath = path.join(dir, 'gt.txt');
      // frame,id,x,y,w,h,consider,class,visibility
      fs.writeFileSync(gtPath, ['1,1,0,0,10,20,1,1,1.0', '1,2,50,0,10,20,0,1,0.2', '1,3,90,0,10,20,1,7,1.0', '1,4,120,0,10,20,0,3,1.0'].join('\n'));
      const { gt, ignore } = readMot17Gt(gtPath);
      assert.deepEqual(gt.map((r) => r.id), [1], 'class 1 with flag 1 only');
      assert.deepEqual(ignore.map((r) => r.id), [2, 3], 'flag-0 pedestrians and distractor classes; cars dropped');
      const detPath = path.join(dir, 'det.txt');
      fs.writeFileSync(detPath, '1,-1,5,5,10,10,0.9\n1,-1,50,5,10,10,0.2\n2,-1,5,5,10,10,0.95\n');
      const det = readMot17Det(detPath, 0.5);
      assert.deepEqual([...det.keys()], [1, 2]);
      assert.equal(det.get(1)!.length, 1);
      fs.writeFileSync(path.join(dir, 'seqinfo.ini'), '[Sequence]\nname=X\nframeRate=30\nimWidth=1920\n');
      assert.deepEqual(readSeqInfo(path.join(dir, 'seqinfo.ini')), { name: 'X', frameRate: '30', imWidth: '1920' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => parseMot('1,2,3\n'));
  });
});
