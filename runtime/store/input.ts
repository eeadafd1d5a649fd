// Tells what a message arriving at the behavior-store node is. Both the topic suffix and the
// payload's shape are looked at: either alone is enough, and when both speak they must agree
// (a "<ferret>/episode" topic over a behavior-change payload is a wiring mistake worth an error,
// not a guess). Pure, so every rule is unit-tested.
import type { Alert, BehaviorChangePayload, DailySummary, Episode, TrackLifecyclePayload } from '../contracts';

export type EpisodeEvent = 'start' | 'update' | 'end';

export type StoreInput =
  | { kind: 'query'; payload: unknown }
  | { kind: 'behavior'; row: BehaviorChangePayload }
  | { kind: 'episode'; row: Episode; event: EpisodeEvent }
  | { kind: 'alert'; row: Alert }
  | { kind: 'summary'; row: DailySummary }
  | { kind: 'track'; row: TrackLifecyclePayload };

type RowKind = Exclude<StoreInput['kind'], 'query'>;

export class InputError extends Error {
  override name = 'InputError';
}

/** The kind a topic names: its last path segment ("ferret-1/episode" → episode, "alert" → alert). */
export function kindFromTopic(topic: unknown): RowKind | 'query' | 'tracks' | undefined {
  if (typeof topic !== 'string' || topic.length === 0) return undefined;
  if (topic === 'query') return 'query';
  const last = topic.slice(topic.lastIndexOf('/') + 1);
  switch (last) {
    case 'behavior':
      return 'behavior';
    case 'episode':
      return 'episode';
    case 'alert':
      return 'alert';
    case 'summary':
      return 'summary';
    case 'track':
      return 'track';
    case 'tracks':
      return 'tracks';
    default:
      return undefined;
  }
}

function has(o: Record<string, unknown>, ...keys: string[]): boolean {
  return keys.every((k) => k in o);
}

/** The kind a payload's fields identify, from the contract types' distinctive fields. */
export function kindFromPayload(payload: unknown): RowKind | 'tracks' | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const o = payload as Record<string, unknown>;
  if (has(o, 'episodeId')) return 'episode';
  if (has(o, 'alertId')) return 'alert';
  if (has(o, 'date', 'minutes')) return 'summary';
  if ((o.event === 'track-start' || o.event === 'track-end') && has(o, 'trackId')) return 'track';
  if (has(o, 'frameId', 'tracks')) return 'tracks';
  if (has(o, 'ferretId', 'behavior', 'since')) return 'behavior';
  return undefined;
}

/** Classifies a message; throws an InputError saying what is wrong and what is expected. */
export function classifyInput(msg: { topic?: unknown; payload?: unknown; event?: unknown }): StoreInput {
  const byTopic = kindFromTopic(msg.topic);
  if (byTopic === 'query') return { kind: 'query', payload: msg.payload };
  const byShape = kindFromPayload(msg.payload);
  if (byTopic === 'tracks' || byShape === 'tracks') {
    throw new InputError('per-frame tracks are not stored: wire ferret-track output 2 (track lifecycle) or the ferret-behavior outputs');
  }
  if (byTopic && byShape && byTopic !== byShape) {
    throw new InputError(`topic "${String(msg.topic)}" says ${byTopic} but the payload looks like ${article(byShape)} ${byShape}`);
  }
  const kind = byShape ?? byTopic;
  if (!kind) {
    const what = msg.payload === null || typeof msg.payload !== 'object' ? `a ${msg.payload === null ? 'null' : typeof msg.payload} payload` : 'this payload';
    throw new InputError(
      `cannot tell what ${what} is (topic ${JSON.stringify(msg.topic ?? null)}): expected a behavior change, episode, alert, daily summary or track lifecycle event from ferret-behavior / ferret-track, or topic "query"`,
    );
  }
  if (msg.payload === null || typeof msg.payload !== 'object' || Array.isArray(msg.payload)) {
    throw new InputError(`topic "${String(msg.topic)}" needs an object payload (${kind})`);
  }
  switch (kind) {
    case 'episode': {
      const row = msg.payload as Episode;
      return { kind, row, event: episodeEvent(msg.event, row) };
    }
    case 'behavior':
      return { kind, row: msg.payload as BehaviorChangePayload };
    case 'alert':
      return { kind, row: msg.payload as Alert };
    case 'summary':
      return { kind, row: msg.payload as DailySummary };
    case 'track':
      return { kind, row: msg.payload as TrackLifecyclePayload };
  }
}

/** msg.event (or the hub's payload.type) when valid; otherwise an open episode is a start, a closed one an end. */
function episodeEvent(event: unknown, row: Episode): EpisodeEvent {
  const e = event ?? (row as { type?: unknown }).type;
  if (e === 'start' || e === 'update' || e === 'end') return e;
  if (e !== undefined && e !== null) throw new InputError(`msg.event must be "start", "update" or "end" (got ${JSON.stringify(e)})`);
  return row.end === null || row.end === undefined ? 'start' : 'end';
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
