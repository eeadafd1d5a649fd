// Behavior names, colours and the per-day arithmetic the ferret cards show.
import type { Episode } from './types';

export const BEHAVIORS = ['sleeping', 'resting', 'exploring', 'playing', 'eating', 'drinking', 'litter', 'hiding', 'social_play', 'out_of_view'] as const;

/** Distinguishable on the dark background; bands carry a text label in their tooltip too. */
const COLORS: Record<string, string> = {
  sleeping: '#6f7fd8',
  resting: '#9fb0e8',
  exploring: '#2bb3a3',
  playing: '#f2c84b',
  eating: '#f4a261',
  drinking: '#4cc9f0',
  litter: '#b08968',
  hiding: '#8d99ae',
  social_play: '#ef7b5c',
  out_of_view: '#3a414b',
};

export function behaviorColor(b: string | null | undefined): string {
  return (b && COLORS[b]) || '#7a8591';
}

export function behaviorLabel(b: string | null | undefined): string {
  if (!b) return 'unknown';
  return b.replace(/_/g, ' ');
}

const ACTIVE = new Set(['exploring', 'playing', 'eating', 'drinking', 'litter', 'social_play']);
export const isActive = (b: string): boolean => ACTIVE.has(b);

/** Minutes per behavior inside [from, to); an open episode runs until `now`. */
export function minutesByBehavior(episodes: readonly Episode[], from: number, to: number, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of episodes) {
    const end = e.end ?? now;
    const a = Math.max(e.start, from);
    const b = Math.min(end, to, now);
    if (b <= a) continue;
    out[e.behavior] = (out[e.behavior] ?? 0) + (b - a) / 60000;
  }
  return out;
}

/** Insert or replace an episode (by id), keeping start order. */
export function upsertEpisode(list: readonly Episode[], e: Episode): Episode[] {
  const out = list.filter((x) => x.episodeId !== e.episodeId);
  out.push(e);
  out.sort((a, b) => a.start - b.start);
  return out;
}
