// Benchmark output: a JSON result file (stable key order, trailing newline) and a plain-text table
// on stdout, so a run can be read at a glance and diffed in git.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Write `data` as pretty JSON to `file`, creating its directory. NaN/Infinity become null. */
export function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  fs.writeFileSync(file, `${text}\n`);
}

export type Cell = string | number | undefined | null;

function show(v: Cell): string {
  if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return '–';
  return String(v);
}

/** Render rows as an aligned text table; numbers are right-aligned. */
export function formatTable(header: readonly string[], rows: readonly Cell[][]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(show))];
  const widths = header.map((_h, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || r[i] === null));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function printTable(title: string, header: readonly string[], rows: readonly Cell[][]): void {
  console.log(`\n${title}\n${formatTable(header, rows)}`);
}
