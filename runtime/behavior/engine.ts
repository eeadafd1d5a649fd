// The behavior engine: per-frame track snapshots from any number of cameras in, behavior changes
// and closed episodes out. One subject per ferret (ferretId, or "camera:trackId" until the
// tracker has identified it). Pure and clock-free: time comes only from the payloads' ts and
// from tick(nowMs), so tests replay hours of frames in milliseconds.
//
// Episodes: one per behavior run (out_of_view is a state, not an episode). When a ferret leaves
// every camera, its state turns out_of_view after `outOfViewAfterS`, but its episode stays open
// for `trackerMaxAgeS`: a ferret that pops back doing the same thing continues the same episode.
// After that the episode closes at the last moment the ferret was seen doing it.
import type { BehaviorChangePayload, Episode, Track, TracksPayload } from '../contracts';
import { TrackFeatureExtractor, featureVector, fillNeighbourFeatures, FEATURE_NAMES, type FeatureConfig, type TrackFeatures } from './features';
import { classifyFrame, DEFAULT_BEHAVIORS, DEFAULT_RULE_CONFIG, fallbackBehavior, type Candidate, type RuleConfig } from './rules';
import { Hysteresis, type HysteresisOptions, type StateChange } from './hysteresis';
import { SequenceBuffer, combine, type CombineMode } from './sequence-model';
import { DistanceLedger } from './summary';

export interface BehaviorEngineOptions {
  /** Enabled labels; rules' behaviors outside the set fall back (social_play → playing, …). */
  labels?: readonly string[];
  rules?: Partial<RuleConfig>;
  features?: Partial<FeatureConfig>;
  hysteresis?: HysteresisOptions;
  /** No detection on any camera for this long → out_of_view. */
  outOfViewAfterS?: number;
  /** Last seen inside a hide zone and gone this long → hiding. */
  hideAfterS?: number;
  /** The tracker's max age: gone this long → the open episode closes. Also drops idle track state. */
  trackerMaxAgeS?: number;
  /** A second camera takes over a ferret only when the current one has not seen it for this long. */
  cameraSwitchS?: number;
  /** Behaviors that are states only, never episodes. */
  stateOnlyBehaviors?: readonly string[];
  /** Sequence-model combination (see sequence-model.ts). */
  mode?: CombineMode;
  minConfidence?: number;
  /** Model results older than this are ignored. */
  modelStaleS?: number;
  /**
   * Keep a SequenceBuffer of feature rows per ferret for the model. With embeddingDims > 0 each
   * row is the features followed by the track's appearance embedding (`embedding` on the track
   * object, zeros when absent): the "CNN" part of a CNN+LSTM model.
   */
  sequence?: { T: number; rateHz?: number; padding?: 'edge' | 'zeros'; embeddingDims?: number };
}

export interface EngineOutput {
  changes: BehaviorChangePayload[];
  /** Episodes opened by this call (end null, durationS 0): for live consumers that react to a start. */
  startedEpisodes: Episode[];
  closedEpisodes: Episode[];
}

export interface SubjectState {
  ferretId: string;
  name: string | null;
  camera: string | null;
  behavior: string | null;
  since: number;
  confidence: number;
  zone: string | null;
  lastSeen: number | null;
  firstSeen: number;
  /** False while the subject is an unidentified track ("camera:trackId"). */
  identified: boolean;
}

interface OpenEpisode {
  episodeId: string;
  behavior: string;
  start: number;
  lastEvidence: number;
  confSum: number;
  n: number;
  camera: string | null;
  zone: string | null;
}

interface Subject {
  key: string;
  /** Keyed by camera:trackId because the tracker has not identified the ferret yet. */
  anonymous: boolean;
  name: string | null;
  camera: string | null;
  hyst: Hysteresis;
  firstSeen: number;
  lastSeen: number | null;
  /** Last real detection on the primary camera. */
  primarySeen: number;
  lastSeenInHide: boolean;
  hideZone: string | null;
  episode: OpenEpisode | null;
  model: { behavior: string; confidence: number; tMs: number } | null;
  /** When the stillness seen at the last real frame began (resting / sleeping candidates), else null. */
  stillSince: number | null;
}

interface TrackState {
  extractor: TrackFeatureExtractor;
  subjectKey: string;
  lastMs: number;
}

const EMPTY: EngineOutput = Object.freeze({ changes: [], startedEpisodes: [], closedEpisodes: [] }) as EngineOutput;

export class BehaviorEngine {
  private readonly enabled: ReadonlySet<string>;
  private readonly rules: RuleConfig;
  private readonly featureCfg: Partial<FeatureConfig>;
  private readonly hystOpts: HysteresisOptions;
  private readonly outOfViewMs: number;
  private readonly hideAfterMs: number;
  private readonly maxAgeMs: number;
  private readonly switchMs: number;
  private readonly stateOnly: ReadonlySet<string>;
  private readonly mode: CombineMode;
  private readonly minConfidence: number;
  private readonly modelStaleMs: number;
  /** A still ferret is assumed still through a gap this short (for the sleep threshold). */
  private readonly stillCarryMs = 1000;
  private readonly subjects = new Map<string, Subject>();
  private readonly tracks = new Map<string, TrackState>();
  readonly distance = new DistanceLedger();
  private seq: SequenceBuffer | null = null;
  private vec = new Float32Array(FEATURE_NAMES.length);
  private readonly frameFeatures: TrackFeatures[] = [];
  private readonly holdProbe: Hysteresis;

  constructor(opts: BehaviorEngineOptions = {}) {
    this.enabled = new Set(opts.labels ?? DEFAULT_BEHAVIORS);
    this.rules = { ...DEFAULT_RULE_CONFIG, ...opts.rules };
    this.featureCfg = opts.features ?? {};
    this.hystOpts = opts.hysteresis ?? {};
    this.holdProbe = new Hysteresis(this.hystOpts);
    this.outOfViewMs = (opts.outOfViewAfterS ?? 5) * 1000;
    this.hideAfterMs = (opts.hideAfterS ?? 1) * 1000;
    this.maxAgeMs = (opts.trackerMaxAgeS ?? 30) * 1000;
    this.switchMs = (opts.cameraSwitchS ?? 1) * 1000;
    this.stateOnly = new Set(opts.stateOnlyBehaviors ?? ['out_of_view']);
    this.mode = opts.mode ?? 'rules';
    this.minConfidence = opts.minConfidence ?? 0.6;
    this.modelStaleMs = (opts.modelStaleS ?? 2) * 1000;
    if (opts.sequence) this.enableSequence(opts.sequence);
  }

  /** Hold time of a behavior (s), for latency budgets. */
  holdS(behavior: string): number {
    if (behavior === 'out_of_view') return this.outOfViewMs / 1000;
    return this.holdProbe.holdFor(behavior);
  }

  ingest(p: TracksPayload): EngineOutput {
    const out: EngineOutput = { changes: [], startedEpisodes: [], closedEpisodes: [] };
    const t = p.ts;
    const frame = this.frameFeatures;
    frame.length = 0;
    const states: TrackState[] = [];
    for (const tr of p.tracks) {
      const st = this.trackState(p.camera, tr, t, out);
      st.extractor.update(tr, t);
      st.lastMs = t;
      states.push(st);
      frame.push(st.extractor.features);
    }
    fillNeighbourFeatures(frame, this.featureCfg.maxNearestBl);

    for (let i = 0; i < p.tracks.length; i++) this.classify(p.camera, p.tracks[i], states[i], t, out);

    const ticked = this.tick(t);
    out.changes.push(...ticked.changes);
    out.startedEpisodes.push(...ticked.startedEpisodes);
    out.closedEpisodes.push(...ticked.closedEpisodes);
    return out;
  }

  /** Time-based transitions: out_of_view, hiding after a loss, episode closure. Call ~1/s. */
  tick(nowMs: number): EngineOutput {
    let out: EngineOutput | null = null;
    const get = (): EngineOutput => (out ??= { changes: [], startedEpisodes: [], closedEpisodes: [] });
    for (const s of [...this.subjects.values()]) {
      if (s.lastSeen === null) continue;
      const gone = nowMs - s.lastSeen;
      if (gone > 0) this.apply(s, s.hyst.carry(nowMs), nowMs, get()); // dropped frames: the last candidate goes on (≤ carryS)
      if (gone > 0 && gone <= this.stillCarryMs && s.stillSince !== null && s.hyst.current === 'resting' && nowMs - s.stillSince >= this.rules.sleepAfterS * 1000 && this.enabled.has('sleeping')) {
        // Sleep is a time threshold: a dropped frame or a missed detection right at the mark must
        // not postpone it. A ferret still until just now is taken to be still through a short gap.
        this.apply(s, s.hyst.update(nowMs, { behavior: 'sleeping', confidence: s.hyst.confidence, zone: null }), nowMs, get());
      }
      const cur = s.hyst.current;
      if (cur !== 'hiding' && cur !== 'out_of_view') {
        const hiding = s.lastSeenInHide && gone > this.hideAfterMs ? fallbackBehavior('hiding', this.enabled) : null;
        if (hiding === 'hiding') {
          // Evidence may have been collecting while it walked in: the hiding began then.
          const since = Math.min(s.hyst.pending('hiding')?.start ?? s.lastSeen, s.lastSeen);
          this.apply(s, s.hyst.force('hiding', since, 0.8, s.hideZone), nowMs, get());
        } else if (gone > this.outOfViewMs && this.enabled.has('out_of_view')) {
          this.apply(s, s.hyst.force('out_of_view', s.lastSeen, 1), nowMs, get());
        }
      }
      if (s.hyst.current === 'hiding' && s.episode?.behavior === 'hiding' && gone > 0) {
        s.episode.lastEvidence = Math.max(s.episode.lastEvidence, nowMs); // unseen inside the bed is still hiding
      }
      if (gone > this.maxAgeMs && s.hyst.current !== 'hiding' && s.episode) {
        get().closedEpisodes.push(this.close(s, s.episode.lastEvidence));
      }
      if (gone > this.maxAgeMs && s.anonymous && s.episode === null) {
        // Unidentified subjects are per track; once the track is gone they never come back.
        this.subjects.delete(s.key);
        this.seq?.delete(s.key);
      }
    }
    for (const [k, st] of this.tracks) if (nowMs - st.lastMs > this.maxAgeMs) this.tracks.delete(k);
    return out ?? EMPTY;
  }

  /** Close every open episode (shutdown). Episodes end at their last evidence. */
  closeAll(): Episode[] {
    const out: Episode[] = [];
    for (const s of this.subjects.values()) if (s.episode) out.push(this.close(s, s.episode.lastEvidence));
    return out;
  }

  /** Current state per subject. */
  states(): SubjectState[] {
    return [...this.subjects.values()].map((s) => ({
      ferretId: s.key,
      name: s.name,
      camera: s.camera,
      behavior: s.hyst.current,
      since: s.hyst.since,
      confidence: s.hyst.confidence,
      zone: s.hyst.zone,
      lastSeen: s.lastSeen,
      firstSeen: s.firstSeen,
      identified: !s.anonymous,
    }));
  }

  state(ferretId: string): SubjectState | undefined {
    return this.states().find((s) => s.ferretId === ferretId);
  }

  /** Open episodes as Episode objects with end null and the duration so far. */
  openEpisodes(nowMs: number): Episode[] {
    const out: Episode[] = [];
    for (const s of this.subjects.values()) if (s.episode) out.push(this.toEpisode(s, s.episode, null, nowMs));
    return out;
  }

  /** The per-ferret feature windows for a sequence model, or null when not enabled. */
  get sequence(): SequenceBuffer | null {
    return this.seq;
  }

  /**
   * Start (or restart, with another shape) keeping feature windows for a sequence model: the
   * model loads asynchronously, after the engine already runs on the rules.
   */
  enableSequence(opts: NonNullable<BehaviorEngineOptions['sequence']>): void {
    const rowWidth = FEATURE_NAMES.length + (opts.embeddingDims ?? 0);
    if (this.seq && this.seq.T === opts.T && this.seq.F === rowWidth) return;
    this.vec = new Float32Array(rowWidth);
    this.seq = new SequenceBuffer({ T: opts.T, F: rowWidth, rateHz: opts.rateHz, padding: opts.padding });
  }

  /** The model input for a ferret (T*F, oldest first), or null without a sequence buffer / data. */
  sequenceWindow(ferretId: string, out?: Float32Array): Float32Array | null {
    return this.seq ? this.seq.window(ferretId, out) : null;
  }

  /** The subject (ferretId, or camera:trackId until identified) a camera's track feeds, or undefined before its first frame. */
  subjectKeyFor(camera: string, trackId: string): string | undefined {
    return this.tracks.get(`${camera}:${trackId}`)?.subjectKey;
  }

  /** Deliver an asynchronous model result; frames within modelStaleS combine with it. */
  setModelResult(ferretId: string, result: { behavior: string; confidence: number }, tMs: number): void {
    const s = this.subjects.get(ferretId);
    if (s) s.model = { behavior: result.behavior, confidence: result.confidence, tMs };
  }

  private trackState(camera: string, tr: Track, t: number, out: EngineOutput): TrackState {
    const trackKey = `${camera}:${tr.trackId}`;
    const wantKey = tr.ferretId ?? trackKey;
    let st = this.tracks.get(trackKey);
    if (!st) {
      st = { extractor: new TrackFeatureExtractor(this.featureCfg), subjectKey: wantKey, lastMs: t };
      this.tracks.set(trackKey, st);
    } else if (st.subjectKey !== wantKey) {
      this.rekey(st.subjectKey, wantKey, out);
      st.subjectKey = wantKey;
    }
    if (!this.subjects.has(wantKey)) {
      this.subjects.set(wantKey, {
        key: wantKey,
        anonymous: tr.ferretId === null,
        name: tr.name,
        camera,
        hyst: new Hysteresis(this.hystOpts),
        firstSeen: t,
        lastSeen: null,
        primarySeen: -Infinity,
        lastSeenInHide: false,
        hideZone: null,
        episode: null,
        model: null,
        stillSince: null,
      });
    }
    return st;
  }

  /**
   * A track got its ferretId (or a different one). An anonymous subject becomes the ferret when the
   * ferret has no state yet; otherwise its open episode closes and the ferret's state carries on.
   */
  private rekey(fromKey: string, toKey: string, out: EngineOutput): void {
    const from = this.subjects.get(fromKey);
    if (!from || !from.anonymous || fromKey === toKey) return; // identified subjects keep their history
    this.subjects.delete(fromKey);
    this.seq?.delete(fromKey);
    if (this.subjects.has(toKey)) {
      if (from.episode) out.closedEpisodes.push(this.close(from, from.episode.lastEvidence));
      return;
    }
    from.key = toKey;
    from.anonymous = false;
    this.subjects.set(toKey, from);
  }

  private classify(camera: string, tr: Track, st: TrackState, t: number, out: EngineOutput): void {
    const s = this.subjects.get(st.subjectKey);
    if (!s) return;
    const f = st.extractor.features;
    const real = tr.state !== 'lost';
    if (tr.name) s.name = tr.name;

    // One camera at a time speaks for a ferret, or two views would fight over its state.
    if (s.camera !== camera) {
      if (t - s.primarySeen <= this.switchMs) return;
      s.camera = camera;
    }
    if (real) {
      s.lastSeen = t;
      s.primarySeen = t;
      s.lastSeenInHide = f.inZone.hide;
      s.hideZone = f.zoneName.hide;
      if (f.speedBlS >= this.rules.moveSpeedBlS) this.distance.add(s.key, t, f.stepBl);
      // A brand-new track has no kinematics yet (speed 0 is "unknown", not "still"): no row.
      if (this.seq && f.spanS >= this.rules.minSpanS) this.seq.push(s.key, t, this.row(f, tr));
    }

    let cand: Candidate | null = classifyFrame(f, this.rules, s.hyst.current);
    if (this.mode !== 'rules') {
      const m = s.model && t - s.model.tMs <= this.modelStaleMs ? s.model : null;
      cand = combine(cand, m, this.mode, this.minConfidence);
    }
    if (cand) {
      const b = fallbackBehavior(cand.behavior, this.enabled);
      cand = b === null ? null : b === cand.behavior ? cand : { ...cand, behavior: b };
    }

    let change: StateChange | null;
    if (real && cand && s.hyst.current === 'out_of_view') {
      // Seeing the ferret proves out_of_view wrong at once: nothing to protect with a hold.
      change = s.hyst.force(cand.behavior, t, cand.confidence, cand.zone);
    } else if (cand === null && !real) {
      // A missed detection: the behavior seen just before goes on through the miss.
      change = s.hyst.carry(t);
    } else {
      change = s.hyst.update(t, cand);
    }
    if (real) s.stillSince = cand && (cand.behavior === 'resting' || cand.behavior === 'sleeping') ? t - f.stationaryS * 1000 : null;
    this.apply(s, change, t, out);

    const ep = s.episode;
    if (ep && real && ep.behavior === s.hyst.current) {
      ep.lastEvidence = t;
      if (cand && cand.behavior === ep.behavior) {
        ep.confSum += cand.confidence;
        ep.n++;
        if (cand.zone) ep.zone = cand.zone;
      }
    }
  }

  private row(f: TrackFeatures, tr: Track): Float32Array {
    const v = featureVector(f, this.vec);
    const n = FEATURE_NAMES.length;
    if (v.length > n) {
      const emb = (tr as Track & { embedding?: ArrayLike<number> }).embedding;
      for (let k = n; k < v.length; k++) v[k] = emb && k - n < emb.length ? emb[k - n] : 0;
    }
    return v;
  }

  private apply(s: Subject, c: StateChange | null, t: number, out: EngineOutput): void {
    if (!c) return;
    const ep = s.episode;
    if (ep && ep.behavior !== c.behavior && !this.stateOnly.has(c.behavior)) {
      // Back from a gap with something else: the old episode ended when it was last seen.
      const end = c.previous !== null && this.stateOnly.has(c.previous) ? ep.lastEvidence : c.since;
      out.closedEpisodes.push(this.close(s, end));
    }
    if (!this.stateOnly.has(c.behavior) && s.episode === null) {
      s.episode = {
        episodeId: `${s.key}:${c.since}:${c.behavior}`,
        behavior: c.behavior,
        start: c.since,
        lastEvidence: Math.max(c.since, t),
        confSum: c.confidence,
        n: 1,
        camera: s.camera,
        zone: c.zone,
      };
      out.startedEpisodes.push(this.toEpisode(s, s.episode, null, c.since));
    }
    out.changes.push({
      ferretId: s.key,
      name: s.name,
      camera: s.camera,
      behavior: c.behavior,
      previous: c.previous,
      confidence: round3(c.confidence),
      since: c.since,
      zone: c.zone,
    });
  }

  private close(s: Subject, end: number): Episode {
    const ep = s.episode as OpenEpisode;
    s.episode = null;
    return this.toEpisode(s, ep, Math.max(ep.start, end), end);
  }

  private toEpisode(s: Subject, ep: OpenEpisode, end: number | null, nowMs: number): Episode {
    const until = end ?? Math.max(ep.start, nowMs);
    return {
      episodeId: ep.episodeId,
      ferretId: s.key,
      name: s.name,
      camera: ep.camera,
      behavior: ep.behavior,
      start: ep.start,
      end,
      durationS: Math.round((until - ep.start) / 100) / 10,
      confidence: round3(ep.confSum / ep.n),
      zone: ep.zone,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
