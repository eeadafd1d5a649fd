// When to record: turns the behavior node's messages into ClipRecorder calls.
//
// A clip is keyed by (ferret, behavior, start) — the behavior change that starts an episode and the
// episode itself carry the same three values, so whichever message arrives first starts the clip
// and the other joins it (the behavior node may send open episodes, or closed ones only).
//   - behavior change to a clip behavior  → begin (from `since`)
//   - behavior change to anything else     → end the ferret's running clip at `since`
//   - episode start/update                 → begin if needed, attach the episode id
//   - episode end                          → attach, end at `end`; a closed episode never seen open
//                                            is clipped from whatever the pre-buffer still holds
//   - alert                                → a clip around the alert time, on the ferret's last camera
import type { Alert, BehaviorChangePayload, Episode } from '../contracts';
import type { ClipRequest } from './recorder';

/** The recorder calls the triggers make (ClipRecorder implements it). */
export interface ClipControl {
  begin(req: ClipRequest): string | undefined;
  end(key: string, endMs: number): void;
  attachEpisode(key: string, episodeId: string): string | undefined;
  clipIdFor(keyOrEpisodeId: string): string | undefined;
}

export const DEFAULT_CLIP_BEHAVIORS: readonly string[] = ['playing', 'social_play'];

export interface ClipTriggerOptions {
  /** Behaviors whose episodes get a clip. Default playing, social_play. */
  behaviors?: readonly string[];
  /** Record a clip for every alert. Default true. */
  alerts?: boolean;
  /** Camera for an event that names none and a ferret not seen on any camera yet (e.g. the only stream). */
  fallbackCamera?: () => string | undefined;
}

export function clipKey(ferretId: string, behavior: string, startMs: number): string {
  return `${ferretId}|${behavior}|${startMs}`;
}

export class ClipTriggers {
  private readonly behaviors: ReadonlySet<string>;
  private readonly alerts: boolean;
  private readonly fallbackCamera: () => string | undefined;
  /** Last camera each ferret was seen on. */
  private readonly cameraOf = new Map<string, string>();
  /** The running clip of each ferret (one behavior at a time). */
  private readonly running = new Map<string, { key: string; behavior: string }>();

  constructor(
    private readonly recorder: ClipControl,
    opts: ClipTriggerOptions = {},
  ) {
    this.behaviors = new Set(opts.behaviors ?? DEFAULT_CLIP_BEHAVIORS);
    this.alerts = opts.alerts ?? true;
    this.fallbackCamera = opts.fallbackCamera ?? (() => undefined);
  }

  wants(behavior: string): boolean {
    return this.behaviors.has(behavior);
  }

  onBehavior(c: BehaviorChangePayload): void {
    const camera = this.noteCamera(c.ferretId, c.camera);
    const run = this.running.get(c.ferretId);
    if (run && run.behavior !== c.behavior) {
      this.recorder.end(run.key, c.since);
      this.running.delete(c.ferretId);
    }
    if (!this.wants(c.behavior) || !camera) return;
    const key = clipKey(c.ferretId, c.behavior, c.since);
    if (this.recorder.begin({ key, camera, ferretId: c.ferretId, behavior: c.behavior, startMs: c.since }) !== undefined) {
      this.running.set(c.ferretId, { key, behavior: c.behavior });
    }
  }

  /** Returns the id of the episode's clip once it holds video (to store with the episode). */
  onEpisode(ep: Episode, event: 'start' | 'update' | 'end'): string | undefined {
    const camera = this.noteCamera(ep.ferretId, ep.camera);
    const key = clipKey(ep.ferretId, ep.behavior, ep.start);
    const closed = event === 'end' && ep.end !== null && ep.end !== undefined;
    let id = this.recorder.attachEpisode(key, ep.episodeId);
    if (id === undefined && this.wants(ep.behavior) && camera) {
      id = this.recorder.begin({ key, camera, ferretId: ep.ferretId, behavior: ep.behavior, episodeId: ep.episodeId, startMs: ep.start, endMs: closed ? ep.end : null });
      if (id !== undefined && !closed) this.running.set(ep.ferretId, { key, behavior: ep.behavior });
    }
    if (closed) {
      this.recorder.end(key, ep.end as number);
      if (this.running.get(ep.ferretId)?.key === key) this.running.delete(ep.ferretId);
    }
    return this.recorder.clipIdFor(key);
  }

  onAlert(a: Alert): string | undefined {
    if (!this.alerts) return undefined;
    const camera = (a.ferretId ? this.cameraOf.get(a.ferretId) : undefined) ?? this.fallbackCamera();
    if (!camera) return undefined;
    return this.recorder.begin({ key: `alert|${a.alertId}`, camera, ferretId: a.ferretId, behavior: `alert:${a.type}`, startMs: a.ts, endMs: a.ts });
  }

  private noteCamera(ferretId: string, camera: string | null | undefined): string | undefined {
    if (camera) {
      this.cameraOf.set(ferretId, camera);
      return camera;
    }
    return this.cameraOf.get(ferretId) ?? this.fallbackCamera();
  }
}
