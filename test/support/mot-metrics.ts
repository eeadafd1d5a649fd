// Multi-object tracking metrics on boxes with an IoU ≥ threshold (0.5) match criterion:
// CLEAR-MOT (Bernardin & Stiefelhagen 2008) as py-motmetrics computes it — per frame, keep last
// frame's correspondences that are still valid, match the rest by min-cost assignment, count an
// ID switch when a ground-truth object's matched hypothesis differs from its previous one — and
// the identity metrics IDF1/IDP/IDR (Ristani et al. 2016) from a global one-to-one matching of
// whole trajectories maximising the number of frames where they overlap.
import type { Box } from '../../runtime/contracts';
import { linearAssignment, matchWithThreshold } from '../../runtime/track/assignment';
import { iou } from '../../runtime/track/iou';

export interface MotObject {
  frame: number;
  id: number | string;
  box: Box;
}

export interface MotMetrics {
  frames: number;
  numGt: number;
  numHyp: number;
  /** Hypotheses dropped because they matched an ignore region (MOT17 distractors). */
  numIgnored: number;
  tp: number;
  fp: number;
  fn: number;
  idsw: number;
  frag: number;
  mota: number;
  /** Mean IoU of the matched pairs (1 = perfect). */
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  idp: number;
  idr: number;
  gtIds: number;
  hypIds: number;
}

export interface MotEvalOptions {
  iouThreshold?: number;
  /** Boxes whose overlapping hypotheses are neither TP nor FP (MOT17 distractors, flag-0 people). */
  ignore?: ReadonlyArray<MotObject>;
}

function groupByFrame<T extends MotObject>(rows: ReadonlyArray<T>): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    let a = m.get(r.frame);
    if (!a) m.set(r.frame, (a = []));
    a.push(r);
  }
  return m;
}

export function evaluateMot(gtRows: ReadonlyArray<MotObject>, hypRows: ReadonlyArray<MotObject>, opts: MotEvalOptions = {}): MotMetrics {
  const thr = opts.iouThreshold ?? 0.5;
  const gtBy = groupByFrame(gtRows);
  let hypBy = groupByFrame(hypRows);
  const frames = [...new Set([...gtBy.keys(), ...hypBy.keys()])].sort((a, b) => a - b);

  // MOT17 preprocessing: hypotheses matched (one-to-one, with the real GT competing) to an ignore box are removed.
  let numIgnored = 0;
  if (opts.ignore && opts.ignore.length) {
    const ignBy = groupByFrame(opts.ignore);
    const kept: MotObject[] = [];
    for (const f of frames) {
      const hs = hypBy.get(f) ?? [];
      const gs = gtBy.get(f) ?? [];
      const ig = ignBy.get(f) ?? [];
      const drop = new Set<number>();
      if (ig.length && hs.length) {
        const all = [...gs, ...ig];
        const cost = all.map((g) => hs.map((h) => 1 - iou(g.box, h.box)));
        for (const [r, c] of matchWithThreshold(cost, 1 - thr).matches) if (r >= gs.length) drop.add(c);
      }
      hs.forEach((h, k) => (drop.has(k) ? numIgnored++ : kept.push(h)));
    }
    hypBy = groupByFrame(kept);
  }

  // CLEAR-MOT.
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let idsw = 0;
  let iouSum = 0;
  let numGt = 0;
  let numHyp = 0;
  const last = new Map<number | string, number | string>(); // gt id → last matched hyp id
  const tracked = new Map<number | string, boolean[]>(); // gt id → per presence: matched?
  const pair = new Map<string, number>(); // `${gt}\u0000${hyp}` → frames with IoU ≥ thr
  const gtCount = new Map<number | string, number>();
  const hypCount = new Map<number | string, number>();
  for (const f of frames) {
    const gs = gtBy.get(f) ?? [];
    const hs = hypBy.get(f) ?? [];
    numGt += gs.length;
    numHyp += hs.length;
    const ious = gs.map((g) => hs.map((h) => iou(g.box, h.box)));
    for (let i = 0; i < gs.length; i++) {
      gtCount.set(gs[i].id, (gtCount.get(gs[i].id) ?? 0) + 1);
      for (let j = 0; j < hs.length; j++) {
        if (ious[i][j] >= thr) {
          const k = `${gs[i].id}\u0000${hs[j].id}`;
          pair.set(k, (pair.get(k) ?? 0) + 1);
        }
      }
    }
    for (const h of hs) hypCount.set(h.id, (hypCount.get(h.id) ?? 0) + 1);

    const gMatch = new Array<number>(gs.length).fill(-1);
    const hUsed = new Array<boolean>(hs.length).fill(false);
    // 1. Keep still-valid correspondences.
    for (let i = 0; i < gs.length; i++) {
      const prev = last.get(gs[i].id);
      if (prev === undefined) continue;
      const j = hs.findIndex((h) => h.id === prev);
      if (j >= 0 && !hUsed[j] && ious[i][j] >= thr) {
        gMatch[i] = j;
        hUsed[j] = true;
      }
    }
    // 2. Min-cost assignment of the rest.
    const ri = gs.map((_, i) => i).filter((i) => gMatch[i] < 0);
    const cj = hs.map((_, j) => j).filter((j) => !hUsed[j]);
    if (ri.length && cj.length) {
      const cost = ri.map((i) => cj.map((j) => (ious[i][j] >= thr ? 1 - ious[i][j] : Infinity)));
      for (const [r, c] of linearAssignment(cost)) {
        const i = ri[r];
        const j = cj[c];
        gMatch[i] = j;
        hUsed[j] = true;
        const prev = last.get(gs[i].id);
        if (prev !== undefined && prev !== hs[j].id) idsw++;
      }
    }
    for (let i = 0; i < gs.length; i++) {
      let seq = tracked.get(gs[i].id);
      if (!seq) tracked.set(gs[i].id, (seq = []));
      const j = gMatch[i];
      seq.push(j >= 0);
      if (j >= 0) {
        tp++;
        iouSum += ious[i][j];
        last.set(gs[i].id, hs[j].id);
      } else fn++;
    }
    fp += hUsed.filter((u) => !u).length;
  }

  // Fragmentations: tracked → untracked transitions between a GT object's first and last tracked frame.
  let frag = 0;
  for (const seq of tracked.values()) {
    const first = seq.indexOf(true);
    const lastT = seq.lastIndexOf(true);
    for (let k = first + 1; first >= 0 && k <= lastT; k++) if (seq[k - 1] && !seq[k]) frag++;
  }

  // IDF1: max-weight one-to-one matching of trajectories on co-occurring matched frames.
  const gIds = [...gtCount.keys()];
  const hIds = [...hypCount.keys()];
  let idtp = 0;
  if (gIds.length && hIds.length) {
    const w = gIds.map((g) => hIds.map((h) => -(pair.get(`${g}\u0000${h}`) ?? 0)));
    for (const [r, c] of linearAssignment(w)) idtp -= w[r][c];
  }
  const idfn = numGt - idtp;
  const idfp = numHyp - idtp;

  return {
    frames: frames.length,
    numGt,
    numHyp,
    numIgnored,
    tp,
    fp,
    fn,
    idsw,
    frag,
    mota: numGt ? 1 - (fn + fp + idsw) / numGt : 0,
    motp: tp ? iouSum / tp : 0,
    idtp,
    idfp,
    idfn,
    idf1: numGt + numHyp ? (2 * idtp) / (numGt + numHyp) : 0,
    idp: numHyp ? idtp / numHyp : 0,
    idr: numGt ? idtp / numGt : 0,
    gtIds: gIds.length,
    hypIds: hIds.length,
  };
}

export function formatMetrics(m: MotMetrics): string {
  const p = (x: number) => (100 * x).toFixed(1);
  return `MOTA ${p(m.mota)}% MOTP(IoU) ${p(m.motp)}% IDF1 ${p(m.idf1)}% IDP ${p(m.idp)}% IDR ${p(m.idr)}% TP ${m.tp} FP ${m.fp} FN ${m.fn} IDSW ${m.idsw} FRAG ${m.frag} GT ${m.numGt} (${m.gtIds} ids) HYP ${m.numHyp} (${m.hypIds} ids)${m.numIgnored ? ` ignored ${m.numIgnored}` : ''}`;
}
