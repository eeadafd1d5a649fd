// The transparent kinematic classifier: one frame's features in, one candidate behavior out.
// Every threshold is a named, documented number so a user can see why a ferret was called
// "playing"; hysteresis.ts turns the per-frame candidates into stable states.
import type { TrackFeatures, ZoneKind } from './features';

/** The default label set; a deployment may switch some off (see `fallbackBehavior`). */
export const DEFAULT_BEHAVIORS = [
  'sleeping',
  'resting',
  'exploring',
  'playing',
  'eating',
  'drinking',
  'litter',
  'hiding',
  'social_play',
  'out_of_view',
] as const;

export interface Candidate {
  behavior: string;
  /** 0..1: how far the features sit inside the rule's region (0.5 = on the boundary). */
  confidence: number;
  /** Name of the zone the behavior happens in (eating → the food zone), else null. */
  zone: string | null;
  /**
   * Set when the frame's whole feature window already shows the behavior: as a challenger it then
   * has at least this many seconds of evidence (ending now), whatever the frames before said.
   */
  vouchS?: number;
}

export interface RuleConfig {
  /** Stationary this long → sleeping (else resting). */
  sleepAfterS: number;
  /** Faster than this (speed_bl_s, 0.5 s window) → moving. */
  moveSpeedBlS: number;
  /**
   * Playing is erratic motion: at least playMinSpeedBlS (2 s window) with acceleration ≥
   * playAccelBlS2 and turning ≥ playTurnRadS (the war dance's zig-zags, hops and stops) …
   */
  playMinSpeedBlS: number;
  playAccelBlS2: number;
  playTurnRadS: number;
  /** … or simply faster than a walking ferret ever is. */
  playFastBlS: number;
  /** Dwelling in food/water/litter zones means moving slower than this (speed_bl_s). */
  zoneMaxSpeedBlS: number;
  /** Social play: playing within this distance (centres, body lengths) of a ferret that moves at least socialPartnerSpeedBlS. */
  socialDistanceBl: number;
  socialPartnerSpeedBlS: number;
  /** Kinematic features over less history than this are too young to judge. */
  minSpanS: number;
  /**
   * After a gap between detections longer than this, the re-sampled path across the gap is a
   * straight line: it cannot tell a walk from a dance, so such a frame gives no evidence against
   * a current playing / social_play state (the next frame is credited with the gap).
   */
  blindGapS: number;
  /** How long a calm 2 s window right after a romp vouches for the walk that ended it (s). */
  calmVouchS: number;
  /** How long a 2 s window erratic throughout (and in its newest step) vouches for a romp (s). */
  playVouchS: number;
  /** For this long after a box jump (see FeatureConfig.maxStepSpeedBlS) the window vouches for nothing. */
  jumpMemoryS: number;
}

export const DEFAULT_RULE_CONFIG: RuleConfig = {
  sleepAfterS: 300,
  moveSpeedBlS: 0.25,
  playMinSpeedBlS: 0.5,
  playAccelBlS2: 1.5,
  playTurnRadS: 0.5,
  playFastBlS: 2.2,
  zoneMaxSpeedBlS: 0.5,
  socialDistanceBl: 2,
  socialPartnerSpeedBlS: 0.5,
  minSpanS: 0.5,
  blindGapS: 0.75,
  calmVouchS: 1.5,
  playVouchS: 1.25,
  jumpMemoryS: 2,
};

const ZONE_BEHAVIOR: Array<[ZoneKind, string]> = [
  ['food', 'eating'],
  ['water', 'drinking'],
  ['litter', 'litter'],
];

/** Confidence from how far `value` lies past `threshold` relative to `scale`: 0.5 at the line, → 1 deep inside. */
function margin(value: number, threshold: number, scale: number): number {
  const m = (value - threshold) / scale;
  return 0.5 + 0.5 * Math.tanh(Math.max(0, m) * 1.5);
}

/**
 * Classify one frame. Returns null when the frame carries no evidence (a predicted box outside
 * any hide zone, a track too young to have kinematics, or motion the windows cannot yet call):
 * the current state then holds and the next decided frame is credited with the time.
 * `current` is the ferret's current state: whether a romp is going on decides how undecided
 * motion is read.
 * Order = precedence: hiding, zone dwelling, social play, playing, exploring, sleeping, resting.
 * Box-shape variability (aspect_sd, area_sd) is not used: a turning ferret's box changes shape as
 * much as a hopping one's, so it only helps a trained model.
 */
export function classifyFrame(f: TrackFeatures, cfg: RuleConfig = DEFAULT_RULE_CONFIG, current: string | null = null): Candidate | null {
  if (f.inZone.hide) return { behavior: 'hiding', confidence: f.lost ? 0.7 : 0.9, zone: f.zoneName.hide };
  if (f.lost) return null;

  const speed = f.speedBlS;
  if (speed < cfg.zoneMaxSpeedBlS) {
    for (const [kind, behavior] of ZONE_BEHAVIOR) {
      if (f.inZone[kind]) {
        return { behavior, confidence: margin(cfg.zoneMaxSpeedBlS, speed, cfg.zoneMaxSpeedBlS), zone: f.zoneName[kind] };
      }
    }
  }
  if (f.spanS < cfg.minSpanS) return null;

  // Play is judged twice: over the 2 s window (mean acceleration, turning, enough speed) and over
  // the last second alone (the newest grid pair's acceleration). The window is steady but lags
  // by up to its length; the last second is quick but noisy. Both erratic → playing; both calm →
  // exploring; when they disagree a romp is starting or ending, or a straight dash happened
  // inside one: that ends a current romp (the last second is calm) and is otherwise undecided.
  const moving = speed >= cfg.moveSpeedBlS;
  const playState = current === 'playing' || current === 'social_play';
  const blind = f.sampleGapS > cfg.blindGapS;
  const windowErratic = f.speed2BlS >= cfg.playMinSpeedBlS && f.accelBlS2 >= cfg.playAccelBlS2 && f.turnRateRadS >= cfg.playTurnRadS;
  // After a frame gap the last second is a straight interpolation and cannot tell: it does not veto.
  const recentErratic = f.accelRecentBlS2 >= cfg.playAccelBlS2 || blind;
  // The war dance freezes for a fraction of a second: a stop right after hard moves is part of
  // it, not the end (a plain stop after a romp shows in the 0.5 s speed and ends it).
  const dancing = moving || f.accelRecentBlS2 >= cfg.playAccelBlS2;
  if (dancing && ((windowErratic && recentErratic) || (moving && f.speed2BlS >= cfg.playFastBlS))) {
    const c = Math.max(
      Math.min(margin(f.accelBlS2, cfg.playAccelBlS2, cfg.playAccelBlS2), margin(f.turnRateRadS, cfg.playTurnRadS, cfg.playTurnRadS)),
      margin(f.speed2BlS, cfg.playFastBlS, 1),
    );
    // A 2 s window erratic as a whole, confirmed by the newest step, means the romp began a
    // while ago: more than the speed window's worth of it is already behind this frame.
    // Not when the box jumped within the window: one jump makes the window look erratic too.
    const jumped = f.tMs - f.jumpMs <= cfg.jumpMemoryS * 1000;
    const vouchS = windowErratic && f.accelRecentBlS2 >= cfg.playAccelBlS2 && !jumped ? cfg.playVouchS : undefined;
    if (f.nearestFerretBl <= cfg.socialDistanceBl && f.nearestFerretSpeedBlS >= cfg.socialPartnerSpeedBlS) {
      return { behavior: 'social_play', confidence: Math.min(c, margin(f.nearestFerretSpeedBlS, cfg.socialPartnerSpeedBlS, 1)), zone: null, vouchS };
    }
    return { behavior: 'playing', confidence: c, zone: null, vouchS };
  }

  // Across a gap the path is a straight line: it proves motion (the ferret got from there to
  // here) but cannot tell a walk from a dance whose zig-zags and freezes fell into the gap.
  if (blind && moving && (playState || current === 'exploring')) return null;
  if (moving) {
    const disagree = windowErratic !== f.accelRecentBlS2 >= cfg.playAccelBlS2;
    if (disagree && !(playState && !recentErratic)) return null;
    const explore: Candidate = { behavior: 'exploring', confidence: margin(speed, cfg.moveSpeedBlS, cfg.moveSpeedBlS * 2), zone: null };
    // Ending a romp with the whole 2 s window calm: the romp stopped about a window ago, so the
    // walk has been going on for more than the newest speed window.
    if (playState && !windowErratic && !recentErratic) explore.vouchS = cfg.calmVouchS;
    return explore;
  }

  const still = margin(cfg.moveSpeedBlS, speed, cfg.moveSpeedBlS);
  if (f.stationaryS >= cfg.sleepAfterS) return { behavior: 'sleeping', confidence: still, zone: null };
  return { behavior: 'resting', confidence: still, zone: null };
}

/**
 * What a behavior becomes when the deployment's label set lacks it. Walks the chain until an
 * enabled label is found; returns null when nothing in the chain is enabled.
 */
const FALLBACK: Record<string, string> = {
  social_play: 'playing',
  playing: 'exploring',
  eating: 'resting',
  drinking: 'resting',
  litter: 'resting',
  sleeping: 'resting',
  hiding: 'out_of_view',
};

export function fallbackBehavior(behavior: string, enabled: ReadonlySet<string>): string | null {
  let b: string | undefined = behavior;
  for (let i = 0; b !== undefined && i < 8; i++) {
    if (enabled.has(b)) return b;
    b = FALLBACK[b];
  }
  return null;
}








