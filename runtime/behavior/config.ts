// The ferret-behavior node's editor fields → engine / monitor options. Pure: Node-RED hands the
// fields over as strings or numbers; anything wrong throws an Error that says which field.
import { numberIn } from '../config-values';
import { ZONE_KINDS, type ZoneKind, type ZoneKindMap } from './features';
import { DEFAULT_HOLD_S } from './hysteresis';
import type { BehaviorMonitorOptions } from './monitor';
import { DEFAULT_BEHAVIORS } from './rules';
import type { CombineMode } from './sequence-model';
import { parseLabels } from './sequence-model';
import { offsetFn } from './summary';

export interface BehaviorNodeFields {
  labels?: string;
  holds?: string;
  sleepMin?: number | string;
  mode?: string;
  modelPath?: string;
  minConfidence?: number | string;
  timeZone?: string;
  health?: boolean | string;
  noEatingH?: number | string;
  noActivityH?: number | string;
  activeFrom?: number | string;
  activeTo?: number | string;
  sleepSharePct?: number | string;
  zoneKinds?: string;
}

export interface BehaviorNodeSettings {
  monitor: BehaviorMonitorOptions;
  mode: CombineMode;
  modelPath: string | null;
  minConfidence: number;
  /** For the status line: the configured zone (IANA name) or null for the system's. */
  timeZone: string | null;
}

function json(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${field} is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseHolds(text: string | undefined): Record<string, number> | undefined {
  if (!text || !text.trim()) return undefined;
  const v = json('holds', text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('holds must be a JSON object like {"playing": 1.5, "eating": 5}');
  const out: Record<string, number> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 3600) throw new Error(`holds.${k} must be a number of seconds (0..3600)`);
    out[k] = s;
  }
  return out;
}

export function parseZoneKinds(text: string | undefined): ZoneKindMap | undefined {
  if (!text || !text.trim()) return undefined;
  const v = json('zone kinds', text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('zone kinds must be a JSON object like {"bowl 2": "food", "shelf": null}');
  const out: ZoneKindMap = {};
  for (const [k, kind] of Object.entries(v)) {
    if (kind !== null && !ZONE_KINDS.includes(kind as ZoneKind)) throw new Error(`zone kind of "${k}" must be one of ${ZONE_KINDS.join(', ')} or null`);
    out[k] = kind as ZoneKind | null;
  }
  return out;
}

function parseTimeZone(text: string | undefined): string | null {
  const tz = text?.trim();
  if (!tz) return null;
  try {
    offsetFn(tz)(Date.now());
  } catch {
    throw new Error(`time zone "${tz}" is not an IANA zone name like Europe/Madrid`);
  }
  return tz;
}

function bool(v: unknown, fallback: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

export function behaviorSettings(f: BehaviorNodeFields): BehaviorNodeSettings {
  const labels = f.labels && f.labels.trim() ? parseLabels(f.labels) : undefined;
  if (labels) {
    const unknown = labels.filter((l) => !(DEFAULT_BEHAVIORS as readonly string[]).includes(l));
    // The rules only produce the default labels; others are for a model's own label set.
    if (unknown.length === labels.length) throw new Error(`labels must include at least one of ${DEFAULT_BEHAVIORS.join(', ')}`);
  }
  const holds = parseHolds(f.holds);
  const mode = (f.mode ?? 'rules') as CombineMode;
  if (mode !== 'rules' && mode !== 'model' && mode !== 'model+rules') throw new Error(`mode must be rules, model or model+rules, not "${String(f.mode)}"`);
  const modelPath = f.modelPath?.trim() || null;
  if (mode !== 'rules' && !modelPath) throw new Error(`mode ${mode} needs a model path`);
  const minConfidence = numberIn(f.minConfidence, 0.6, 0, 1);
  const timeZone = parseTimeZone(f.timeZone);
  const sleepAfterS = numberIn(f.sleepMin, 5, 0.1, 24 * 60) * 60;
  const healthOn = bool(f.health, true);
  const monitor: BehaviorMonitorOptions = {
    engine: {
      labels,
      rules: { sleepAfterS },
      features: { zoneKinds: parseZoneKinds(f.zoneKinds) },
      hysteresis: holds ? { holdS: { ...DEFAULT_HOLD_S, ...holds } } : undefined,
      mode,
      minConfidence,
    },
    tz: timeZone ?? undefined,
    health: healthOn
      ? {
          noEating: { enabled: true, hours: numberIn(f.noEatingH, 8, 0.5, 72) },
          noActivity: { enabled: true, hours: numberIn(f.noActivityH, 6, 0.5, 72), fromHour: numberIn(f.activeFrom, 8, 0, 23), toHour: numberIn(f.activeTo, 23, 0, 24) },
          sleepShare: { enabled: true, percentAbove: numberIn(f.sleepSharePct, 30, 1, 1000) },
        }
      : false,
  };
  return { monitor, mode, modelPath, minConfidence, timeZone };
}
