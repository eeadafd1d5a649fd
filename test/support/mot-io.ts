// MOTChallenge text formats. Rows are `frame,id,x,y,w,h,conf,...` with 1-based frames and
// top-left/size boxes in pixels; boxes here become [x1,y1,x2,y2] (Box) and back.
//
// MOT17 ground truth columns: frame, id, x, y, w, h, consider-flag, class, visibility. Only
// class 1 (pedestrian) with flag 1 is scored; the devkit also ignores tracker boxes that fall on
// "distractors" (2 person on vehicle, 7 static person, 8 distractor, 12 reflection), and on
// pedestrians with flag 0, rather than counting them as false positives — they are returned as
// `ignore` for the metrics.
import * as fs from 'node:fs';
import type { Box } from '../../runtime/contracts';

export interface MotRow {
  frame: number;
  id: number;
  box: Box;
  conf: number;
  /** MOT17 gt only. */
  classId?: number;
  visibility?: number;
}

export function parseMot(text: string): MotRow[] {
  const rows: MotRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const s = line.trim();
    if (!s || s.startsWith('#')) continue;
    const f = s.split(/[,\s]+/).map(Number);
    if (f.length < 6 || f.slice(0, 6).some((x) => !Number.isFinite(x))) throw new Error(`bad MOT row: ${line}`);
    const [frame, id, x, y, w, h] = f;
    rows.push({
      frame,
      id,
      box: [x, y, x + w, y + h],
      conf: f.length > 6 && Number.isFinite(f[6]) ? f[6] : 1,
      classId: f.length > 7 && Number.isFinite(f[7]) ? f[7] : undefined,
      visibility: f.length > 8 && Number.isFinite(f[8]) ? f[8] : undefined,
    });
  }
  return rows;
}

export function readMotFile(path: string): MotRow[] {
  return parseMot(fs.readFileSync(path, 'utf8'));
}

/** Tracker output in MOT format: `frame,id,x,y,w,h,conf,-1,-1,-1`. */
export function formatMot(rows: ReadonlyArray<Pick<MotRow, 'frame' | 'id' | 'box'> & { conf?: number }>): string {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return rows
    .map((r) => [r.frame, r.id, r2(r.box[0]), r2(r.box[1]), r2(r.box[2] - r.box[0]), r2(r.box[3] - r.box[1]), r2(r.conf ?? 1), -1, -1, -1].join(','))
    .join('\n') + (rows.length ? '\n' : '');
}

export function writeMotFile(path: string, rows: Parameters<typeof formatMot>[0]): void {
  fs.writeFileSync(path, formatMot(rows));
}

/** Group rows by frame. */
export function byFrame<T extends { frame: number }>(rows: ReadonlyArray<T>): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    let a = m.get(r.frame);
    if (!a) m.set(r.frame, (a = []));
    a.push(r);
  }
  return m;
}

/** MOT17 det/det.txt: public detections, optionally only those with score ≥ minScore. */
export function readMot17Det(path: string, minScore = -Infinity): Map<number, MotRow[]> {
  return byFrame(readMotFile(path).filter((r) => r.conf >= minScore));
}

export const MOT17_DISTRACTOR_CLASSES: ReadonlySet<number> = new Set([2, 7, 8, 12]);

/** MOT17 gt/gt.txt → scored rows (class 1, flag 1) and boxes to ignore (distractors, flag-0 pedestrians). */
export function readMot17Gt(path: string): { gt: MotRow[]; ignore: MotRow[] } {
  const gt: MotRow[] = [];
  const ignore: MotRow[] = [];
  for (const r of readMotFile(path)) {
    const cls = r.classId ?? 1;
    if (cls === 1 && r.conf === 1) gt.push(r);
    else if (cls === 1 || MOT17_DISTRACTOR_CLASSES.has(cls)) ignore.push(r);
  }
  return { gt, ignore };
}

/** seqinfo.ini as a flat key → value map (frameRate, seqLength, imWidth, imHeight, …). */
export function readSeqInfo(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([^=[\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
