// The ferret-track node's status line: "3 tracks · Luna, Max, ferret-4".
import type { Track } from '../contracts';

export function trackStatusText(tracks: ReadonlyArray<Track>, opts: { maxNames?: number; one?: string; many?: string; none?: string } = {}): string {
  const n = tracks.length;
  if (n === 0) return opts.none ?? 'no tracks';
  const label = n === 1 ? (opts.one ?? 'track') : (opts.many ?? 'tracks');
  const names: string[] = [];
  for (const t of tracks) {
    const who = t.name ?? t.ferretId;
    if (who && !names.includes(who)) names.push(who);
  }
  // Named ferrets first: they are the ones a person looks for.
  names.sort((a, b) => Number(/^ferret-\d+$/.test(a)) - Number(/^ferret-\d+$/.test(b)));
  const max = opts.maxNames ?? 4;
  const shown = names.slice(0, max).join(', ') + (names.length > max ? ` +${names.length - max}` : '');
  return shown ? `${n} ${label} · ${shown}` : `${n} ${label}`;
}
