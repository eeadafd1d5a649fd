// What a detect node's status line says about the last frame: "2 ferrets", "1 ferret, 1 person",
// "motion", "no motion", "0 ferrets".
import type { DetectStats } from './registry';

function plural(n: number, label: string): string {
  return n === 1 || label === 'motion' ? `${n} ${label}` : `${n} ${label}${/s$/.test(label) ? '' : 's'}`;
}

export function countsText(labels: Record<string, number>, kind: DetectStats['kind']): string {
  const entries = Object.entries(labels).filter(([, n]) => n > 0);
  if (entries.length === 0) return kind === 'motion' ? 'no motion' : '0 ferrets';
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.map(([label, n]) => plural(n, label)).join(', ');
}

/** "5.0 fps · 93 ms · 2 ferrets" */
export function liveText(s: Pick<DetectStats, 'fps' | 'inferMs' | 'labels' | 'kind'>): string {
  const ms = s.inferMs >= 10 ? Math.round(s.inferMs) : Number(s.inferMs.toFixed(1));
  return `${s.fps.toFixed(1)} fps · ${ms} ms · ${countsText(s.labels, s.kind)}`;
}
