// What reaches the MQTT publisher, from two sources: Node-RED messages wired into a ferret-mqtt
// node and the hub's live events. Both carry the same contract payloads, and a user may use both
// at once (a wire from ferret-behavior and the "publish everything" option), so durable events
// (episodes, alerts: one MQTT message each, never overwritten) are de-duplicated by id here.
// Everything else becomes a retained state, which the publisher only re-sends when it changes.
import type {
  Alert,
  BehaviorChangePayload,
  DailySummary,
  Episode,
  StreamStatePayload,
  TrackLifecyclePayload,
  TracksPayload,
} from '../contracts';
import type { LiveEvent } from '../hub';

export type EpisodeEvent = 'start' | 'update' | 'end';

export type FeedItem =
  | { kind: 'behavior'; payload: BehaviorChangePayload }
  | { kind: 'episode'; payload: Episode; event: EpisodeEvent }
  | { kind: 'alert'; payload: Alert }
  | { kind: 'summary'; payload: DailySummary }
  | { kind: 'tracks'; payload: TracksPayload }
  | { kind: 'track'; payload: TrackLifecyclePayload }
  | { kind: 'stream'; payload: StreamStatePayload }
  | { kind: 'remove'; payload: { ferretId?: string; camera?: string } };

/** The part of FerretMqttPublisher the feed drives (an interface, so tests can record calls). */
export interface FeedTarget {
  onBehaviorChange(p: BehaviorChangePayload): void;
  onEpisode(type: EpisodeEvent, ep: Episode): void;
  onAlert(a: Alert): void;
  onSummary(s: DailySummary): void;
  onTracksPayload(p: TracksPayload): void;
  onStreamState(p: StreamStatePayload): void;
  addFerret(id: string, name?: string | null): void;
  hasFerret(id: string): boolean;
  removeFerret(id: string): void;
  removeCamera(id: string): void;
}

export class InputError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function str(o: Obj, key: string): boolean {
  return typeof o[key] === 'string' && (o[key] as string).length > 0;
}

function fin(o: Obj, key: string): boolean {
  return typeof o[key] === 'number' && Number.isFinite(o[key] as number);
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new InputError(what);
}

function asEvent(v: unknown, ep: Obj): EpisodeEvent {
  if (v === 'start' || v === 'update' || v === 'end') return v;
  if (v !== undefined && v !== null) throw new InputError(`msg.event must be "start", "update" or "end", not ${JSON.stringify(v)}`);
  return typeof ep.end === 'number' ? 'end' : 'start';
}

/** Checks one payload against its contract; returns the item or throws an InputError saying what is wrong. */
export function checkItem(kind: FeedItem['kind'], payload: unknown, event?: unknown): FeedItem {
  need(isObj(payload), `msg.payload must be an object (a ${kind} payload)`);
  const p = payload as Obj;
  switch (kind) {
    case 'behavior':
      need(str(p, 'ferretId') && str(p, 'behavior'), 'a behavior change needs payload.ferretId and payload.behavior');
      need(fin(p, 'since'), 'a behavior change needs payload.since (ms epoch)');
      return { kind, payload: p as unknown as BehaviorChangePayload };
    case 'episode':
      need(str(p, 'episodeId') && str(p, 'ferretId') && str(p, 'behavior'), 'an episode needs payload.episodeId, ferretId and behavior');
      need(fin(p, 'start'), 'an episode needs payload.start (ms epoch)');
      return { kind, payload: p as unknown as Episode, event: asEvent(event, p) };
    case 'alert':
      need(str(p, 'type') && typeof p.message === 'string', 'an alert needs payload.type and payload.message');
      need(str(p, 'alertId'), 'an alert needs payload.alertId');
      return { kind, payload: p as unknown as Alert };
    case 'summary':
      need(str(p, 'ferretId') && str(p, 'date') && isObj(p.minutes), 'a daily summary needs payload.ferretId, date and minutes');
      return { kind, payload: p as unknown as DailySummary };
    case 'tracks':
      need(str(p, 'camera') && Array.isArray(p.tracks), 'tracks need payload.camera and payload.tracks (an array)');
      for (const t of p.tracks as unknown[]) {
        need(isObj(t) && typeof t.state === 'string' && Array.isArray(t.velocity), 'every track needs state and velocity');
      }
      return { kind, payload: p as unknown as TracksPayload };
    case 'track':
      need(p.event === 'track-start' || p.event === 'track-end', 'a track lifecycle payload needs event "track-start" or "track-end"');
      need(str(p, 'camera'), 'a track lifecycle payload needs payload.camera');
      return { kind, payload: p as unknown as TrackLifecyclePayload };
    case 'stream':
      need(str(p, 'camera') && str(p, 'state'), 'a stream state needs payload.camera and payload.state');
      return { kind, payload: p as unknown as StreamStatePayload };
    case 'remove':
      need(str(p, 'ferretId') || str(p, 'camera'), 'remove needs payload.ferretId or payload.camera');
      return { kind, payload: p as { ferretId?: string; camera?: string } };
  }
}

/** The kind a payload has by its shape, for messages whose topic was changed on the way. */
function kindByShape(p: Obj): FeedItem['kind'] | null {
  if (typeof p.episodeId === 'string') return 'episode';
  if (typeof p.alertId === 'string') return 'alert';
  if (typeof p.ferretId === 'string' && typeof p.behavior === 'string' && 'since' in p) return 'behavior';
  if (typeof p.date === 'string' && isObj(p.minutes)) return 'summary';
  if (Array.isArray(p.tracks)) return 'tracks';
  if (p.event === 'track-start' || p.event === 'track-end') return 'track';
  if (typeof p.state === 'string' && typeof p.camera === 'string' && 'url' in p) return 'stream';
  return null;
}

const TOPIC_KINDS: Record<string, FeedItem['kind']> = {
  behavior: 'behavior',
  episode: 'episode',
  alert: 'alert',
  summary: 'summary',
  tracks: 'tracks',
  track: 'track',
  lifecycle: 'track',
  stream: 'stream',
  remove: 'remove',
};

/**
 * A Node-RED message from ferret-behavior (`<ferret>/behavior`, `<ferret>/episode` + msg.event,
 * `alert`, `<ferret>/summary`), ferret-track (`<camera>/tracks`, lifecycle) or rtsp-hls-stream
 * (`<camera>/stream`); the last topic level names the kind, else the payload's shape does.
 * `{topic: "remove", payload: {ferretId | camera}}` deletes a device from Home Assistant.
 */
export function classifyMessage(msg: { topic?: unknown; payload?: unknown; event?: unknown }): FeedItem {
  const topic = typeof msg.topic === 'string' ? msg.topic : '';
  const last = topic.slice(topic.lastIndexOf('/') + 1);
  let kind: FeedItem['kind'] | null = TOPIC_KINDS[last] ?? null;
  if (!kind && isObj(msg.payload)) kind = kindByShape(msg.payload);
  if (!kind) {
    throw new InputError(
      `cannot tell what ${topic ? `topic "${topic.slice(0, 60)}"` : 'this message'} is: expected a topic ending in /behavior, /episode, /summary, /tracks, /stream or "alert"`,
    );
  }
  return checkItem(kind, msg.payload, msg.event);
}

/** The item for a hub live event; null for kinds MQTT does not publish (raw detections). */
export function fromLiveEvent(ev: LiveEvent): FeedItem | null {
  switch (ev.kind) {
    case 'episode': {
      const { type, ...episode } = ev.payload;
      return { kind: 'episode', payload: episode, event: type ?? (typeof episode.end === 'number' ? 'end' : 'start') };
    }
    case 'behavior':
    case 'alert':
    case 'summary':
    case 'tracks':
    case 'track':
    case 'stream':
      return ev as FeedItem;
    default:
      return null;
  }
}

/** Key of a durable event, or null for states (idempotent, no de-duplication needed). */
export function durableKey(item: FeedItem): string | null {
  if (item.kind === 'episode') return `e\u0000${item.payload.episodeId}\u0000${item.event}\u0000${item.payload.end ?? ''}`;
  if (item.kind === 'alert') return `a\u0000${item.payload.alertId}`;
  return null;
}

export type Delivery = 'published' | 'duplicate' | 'dropped';

/** Routes items to a publisher, dropping a durable event it has already seen recently. */
export class PublisherFeed {
  private readonly seen = new Map<string, true>();
  private readonly capacity: number;

  constructor(
    private readonly target: () => FeedTarget | undefined,
    opts: { dedupeCapacity?: number } = {},
  ) {
    this.capacity = Math.max(16, opts.dedupeCapacity ?? 2048);
  }

  deliver(item: FeedItem): Delivery {
    const t = this.target();
    if (!t) return 'dropped'; // no publisher (a config error the status already shows)
    const key = durableKey(item);
    if (key !== null) {
      if (this.seen.has(key)) return 'duplicate';
      this.seen.set(key, true);
      if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    }
    switch (item.kind) {
      case 'behavior':
        t.onBehaviorChange(item.payload);
        break;
      case 'episode':
        t.onEpisode(item.event, item.payload);
        break;
      case 'alert':
        t.onAlert(item.payload);
        break;
      case 'summary':
        t.onSummary(item.payload);
        break;
      case 'tracks':
        t.onTracksPayload(item.payload);
        break;
      case 'track':
        // A ferret gets its HA device the first time the tracker recognises it.
        if (item.payload.event === 'track-start' && item.payload.ferretId && !t.hasFerret(item.payload.ferretId)) {
          t.addFerret(item.payload.ferretId, item.payload.name);
        }
        break;
      case 'stream':
        t.onStreamState(item.payload);
        break;
      case 'remove':
        if (item.payload.ferretId) t.removeFerret(item.payload.ferretId);
        if (item.payload.camera) t.removeCamera(item.payload.camera);
        break;
    }
    return 'published';
  }

  /** A hub live event; returns null when the kind is not published. */
  live(ev: LiveEvent): Delivery | null {
    const item = fromLiveEvent(ev);
    return item ? this.deliver(item) : null;
  }
}
