// The behavior-store node's editor settings → runtime options, and its status text. Pure, so the
// defaults and validation are unit-tested without Node-RED.
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CLIP_BEHAVIORS } from '../clips/triggers';
import type { RetentionPolicy } from './retention';

/** What the editor stores (strings or numbers: older flows and hand-written JSON may have either). */
export interface StoreNodeDef {
  dbPath?: string;
  clipsDir?: string;
  clips?: boolean | string;
  clipBehaviors?: string;
  clipAlerts?: boolean | string;
  preRoll?: number | string;
  postRoll?: number | string;
  clipMax?: number | string;
  keepEpisodes?: number | string;
  keepChanges?: number | string;
  keepAlerts?: number | string;
  keepSummaries?: number | string;
  keepTracks?: number | string;
  keepClips?: number | string;
  clipsMaxGB?: number | string;
}

export interface StoreNodeOptions {
  dbPath: string;
  /** The tracker's pre-store identities file, imported once when present. */
  identitiesJson: string;
  clips: {
    enabled: boolean;
    dir: string;
    behaviors: string[];
    alerts: boolean;
    preRollS: number;
    postRollS: number;
    maxS: number;
  };
  retention: RetentionPolicy;
}

export const STORE_DEFAULTS = {
  preRollS: 5,
  postRollS: 5,
  maxS: 120,
  days: { episodes: 730, behavior_changes: 90, alerts: 365, daily_summaries: 3650, track_events: 30, clips: 14, outbox: 7 },
  clipsMaxGB: 20,
} as const;

/** Node-RED's user directory, or its default (~/.node-red) when the runtime does not say. */
export function resolveUserDir(userDir: string | undefined): string {
  return userDir && userDir.trim() ? userDir : path.join(os.homedir(), '.node-red');
}

function bool(v: unknown, def: boolean): boolean {
  if (v === undefined || v === null || v === '') return def;
  return v === true || v === 'true';
}

function number(v: unknown, field: string, def: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < min || n > max) throw new RangeError(`${field} must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return n;
}

/** Throws a RangeError naming the setting when one is out of range. */
export function storeNodeOptions(def: StoreNodeDef, userDir: string | undefined): StoreNodeOptions {
  const dir = resolveUserDir(userDir);
  const abs = (p: string | undefined, fallback: string) => (p && p.trim() ? path.resolve(dir, p.trim()) : path.join(dir, fallback));
  const behaviors =
    def.clipBehaviors === undefined || def.clipBehaviors === null
      ? [...DEFAULT_CLIP_BEHAVIORS]
      : String(def.clipBehaviors)
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean);
  const days = (v: unknown, field: string, d: number) => number(v, field, d, 0, 36500);
  const maxGB = number(def.clipsMaxGB, 'clipsMaxGB', STORE_DEFAULTS.clipsMaxGB, 0, 1e6);
  return {
    dbPath: abs(def.dbPath, 'ferretwatch.db'),
    identitiesJson: path.join(dir, 'ferretwatch-identities.json'),
    clips: {
      enabled: bool(def.clips, true),
      dir: abs(def.clipsDir, 'ferretwatch-clips'),
      behaviors,
      alerts: bool(def.clipAlerts, true),
      preRollS: number(def.preRoll, 'preRoll', STORE_DEFAULTS.preRollS, 0, 60),
      postRollS: number(def.postRoll, 'postRoll', STORE_DEFAULTS.postRollS, 0, 600),
      maxS: number(def.clipMax, 'clipMax', STORE_DEFAULTS.maxS, 1, 3600),
    },
    retention: {
      // 0 days = keep forever (RetentionPolicy skips non-positive values).
      days: {
        episodes: days(def.keepEpisodes, 'keepEpisodes', STORE_DEFAULTS.days.episodes),
        behavior_changes: days(def.keepChanges, 'keepChanges', STORE_DEFAULTS.days.behavior_changes),
        alerts: days(def.keepAlerts, 'keepAlerts', STORE_DEFAULTS.days.alerts),
        daily_summaries: days(def.keepSummaries, 'keepSummaries', STORE_DEFAULTS.days.daily_summaries),
        track_events: days(def.keepTracks, 'keepTracks', STORE_DEFAULTS.days.track_events),
        clips: days(def.keepClips, 'keepClips', STORE_DEFAULTS.days.clips),
        outbox: STORE_DEFAULTS.days.outbox,
      },
      // 0 GB = no size cap.
      clipsMaxBytes: maxGB > 0 ? Math.round(maxGB * 1e9) : undefined,
    },
  };
}

/** "850 rows", "1.2 k rows", "3.4 M rows". */
export function formatRows(n: number): string {
  if (n < 1000) return `${n} rows`;
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)} k rows`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} M rows`;
}

/** The node's green status: "1.2 k rows · 3 ferrets" (+ " · recording" while a clip is written). */
export function statusText(rows: number, ferrets: number, recording = 0): string {
  const base = `${formatRows(rows)} · ${ferrets} ferret${ferrets === 1 ? '' : 's'}`;
  return recording > 0 ? `${base} · recording` : base;
}
