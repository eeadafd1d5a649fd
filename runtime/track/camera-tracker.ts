// One camera's tracking: a DeepSortTracker fed with that camera's detections, identities from the
// shared IdentityRegistry, and the ferret-track message payloads (contracts.ts) built from both.
// The node keeps one per camera; offline.ts drives the same class over a recorded detections file.
import type { Box, Track, TrackLifecyclePayload, TracksPayload } from '../contracts';
import { DeepSortTracker, type DeepSortOptions, type TrackerDetection, type TrackEvent, type TrackSnapshot } from './deepsort';
import type { IdentityAssignment, IdentityRegistry } from './identities';

export interface CameraTrackerOptions extends Omit<DeepSortOptions, 'idPrefix' | 'onEvent' | 'frameWidth' | 'frameHeight'> {
  /** Put tentative tracks in the output too (default false: a track shows once confirmed). */
  includeTentative?: boolean;
  /** Only detections with these labels are tracked (default: all). */
  labels?: ReadonlyArray<string>;
  /**
   * A confirmed track whose box touches the frame edge (the animal is coming in, half of it is
   * seen) waits up to this long (s) for a full view before it is given an identity. Default 1.5.
   */
  identityWaitS?: number;
  /** "Touches the edge": within this fraction of the frame size. Default 0.01. */
  identityEdgeFrac?: number;
}

/** What one frame of input needs (a DetectionsPayload has all of it). */
export interface FrameInput {
  frameId: number;
  ts: number;
  width: number;
  height: number;
  detections: ReadonlyArray<{ box: Box; score: number; label?: string; zones?: string[]; embedding?: ArrayLike<number> | null }>;
}

export interface CameraUpdate {
  tracks: TracksPayload;
  events: TrackLifecyclePayload[];
  /** The raw tracker snapshots (every state), for callers that need more than the payload. */
  snapshots: TrackSnapshot[];
}

export class CameraTracker {
  readonly tracker: DeepSortTracker;
  private readonly includeTentative: boolean;
  private readonly labels: ReadonlySet<string> | undefined;
  private last: { frameId: number; ts: number; width: number; height: number } = { frameId: 0, ts: 0, width: 0, height: 0 };
  private identities = new Map<string, IdentityAssignment>();
  private liveTracks: Track[] = [];
  private readonly identityWaitMs: number;
  private readonly identityEdgeFrac: number;
  /** trackId → ts it was confirmed (for the identity wait). */
  private confirmedAt = new Map<string, number>();

  constructor(
    readonly camera: string,
    private readonly registry: IdentityRegistry,
    opts: CameraTrackerOptions = {},
  ) {
    const { includeTentative, labels, identityWaitS, identityEdgeFrac, ...ds } = opts;
    this.includeTentative = !!includeTentative;
    this.identityWaitMs = (identityWaitS ?? 1.5) * 1000;
    this.identityEdgeFrac = identityEdgeFrac ?? 0.01;
    this.labels = labels && labels.length ? new Set(labels) : undefined;
    // Track ids carry the camera ("cam:t12") so they are unique across the whole runtime.
    this.tracker = new DeepSortTracker({ ...ds, idPrefix: `${camera}:t` });
  }

  /** Wall-clock ms of the last frame (or tick) processed; 0 before the first. */
  get lastTs(): number {
    return this.last.ts;
  }

  /** The tracks of the last output (what the node's status shows). */
  get tracks(): ReadonlyArray<Track> {
    return this.liveTracks;
  }

  /** Process one frame of detections. */
  update(frame: FrameInput): CameraUpdate {
    const dets: TrackerDetection[] = [];
    for (const d of frame.detections) {
      if (this.labels && d.label !== undefined && !this.labels.has(d.label)) continue;
      dets.push({ box: d.box, score: d.score, label: d.label, zones: d.zones, embedding: d.embedding ?? undefined });
    }
    this.last = { frameId: frame.frameId, ts: frame.ts, width: frame.width, height: frame.height };
    const snaps = this.tracker.update(dets, frame.ts, frame.width > 0 && frame.height > 0 ? { width: frame.width, height: frame.height } : undefined);
    return this.finish(snaps, frame.ts, dets);
  }

  /**
   * Time passes without a frame (the detect stage sends nothing while nothing is seen): tracks
   * coast, park or end. `ts` is the camera's clock (last frame ts + elapsed).
   */
  tick(ts: number): CameraUpdate {
    this.last = { ...this.last, ts };
    return this.finish(this.tracker.update([], ts), ts, []);
  }

  /** End every track (node closing, camera reset). */
  reset(ts: number): TrackLifecyclePayload[] {
    const ended = this.tracker.reset(ts);
    const out = ended.map((e) => this.lifecycle(e, this.identities.get(e.trackId)));
    this.registry.assign(this.camera, [], ts);
    this.identities.clear();
    this.confirmedAt.clear();
    this.liveTracks = [];
    return out;
  }

  /** The gallery (unit vectors, newest first, copies) of one of this camera's tracks; [] if unknown. */
  gallery(trackId: string, limit = Infinity): Float32Array[] {
    return this.tracker.getGallery(trackId, limit).map((g) => Float32Array.from(g));
  }

  private finish(snaps: TrackSnapshot[], ts: number, dets: ReadonlyArray<TrackerDetection>): CameraUpdate {
    // The identity of a track that just ended is read before assign() releases it.
    const ended = new Map<string, IdentityAssignment | undefined>();
    for (const e of this.tracker.events) if (e.event === 'track-end') ended.set(e.trackId, this.registry.lookup(this.camera, e.trackId));
    for (const e of this.tracker.events) {
      if (e.event === 'track-start') this.confirmedAt.set(e.trackId, e.ts);
      else this.confirmedAt.delete(e.trackId);
    }
    const samples = this.registry.trackSamples;
    this.identities = this.registry.assign(
      this.camera,
      snaps.map((s) => ({
        trackId: s.trackId,
        state: s.state,
        embeddings: s.state === 'tentative' ? undefined : this.tracker.getGallery(s.trackId, samples),
        ready: this.readyForIdentity(s.detectionIndex >= 0 ? dets[s.detectionIndex].box : s.box, s.trackId, ts),
      })),
      ts,
    );
    const events: TrackLifecyclePayload[] = [];
    for (const e of this.tracker.events) {
      events.push(this.lifecycle(e, e.event === 'track-end' ? ended.get(e.trackId) : this.identities.get(e.trackId)));
    }
    const tracks: Track[] = [];
    for (const s of snaps) {
      if (s.state === 'tentative' && !this.includeTentative) continue;
      const id = this.identities.get(s.trackId);
      tracks.push({
        trackId: s.trackId,
        ferretId: id?.ferretId ?? null,
        name: id?.name ?? null,
        box: s.box,
        velocity: s.velocity,
        state: s.state,
        age: s.age,
        hitStreak: s.hitStreak,
        zones: s.zones,
        score: s.score,
      });
    }
    this.liveTracks = tracks;
    const { frameId, width, height } = this.last;
    return { tracks: { camera: this.camera, frameId, ts, width, height, tracks }, events, snapshots: snaps };
  }

  /** `b`: the detection the track matched this frame (what the embedding saw), else its estimate. */
  private readyForIdentity(b: Box, trackId: string, ts: number): boolean {
    const w = this.last.width;
    const h = this.last.height;
    if (!(w > 0 && h > 0)) return true;
    const mx = this.identityEdgeFrac * w;
    const my = this.identityEdgeFrac * h;
    if (b[0] > mx && b[1] > my && b[2] < w - mx && b[3] < h - my) return true;
    return ts - (this.confirmedAt.get(trackId) ?? ts) >= this.identityWaitMs;
  }

  private lifecycle(e: TrackEvent, id: IdentityAssignment | undefined): TrackLifecyclePayload {
    const p: TrackLifecyclePayload = {
      event: e.event,
      camera: this.camera,
      trackId: e.trackId,
      ferretId: id?.ferretId ?? null,
      name: id?.name ?? null,
      ts: e.ts,
    };
    if (e.event === 'track-end') {
      p.durationS = e.durationS;
      p.pathLengthPx = e.pathLengthPx;
    }
    return p;
  }
}
