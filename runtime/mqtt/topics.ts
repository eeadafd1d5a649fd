// The MQTT topic tree. Every topic lives under `<baseTopic>/<instanceId>` so several FerretWatch
// instances can share one broker (and one Home Assistant) without overwriting each other's retained
// states; a consumer that wants all of them subscribes to `ferretwatch/+/events`.
import * as os from 'node:os';
import { createHash } from 'node:crypto';

export const DEFAULT_BASE_TOPIC = 'ferretwatch';
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';

/** Lower-case `[a-z0-9_-]`, runs of anything else collapsed to `_`; never empty, at most 48 chars. */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, 48);
  return s || 'unnamed';
}

const SAFE_SEGMENT = /^[a-z0-9][a-z0-9_-]{0,47}$/;

/**
 * A topic level (and unique_id part) for an arbitrary id. Ids that are already safe are kept as
 * they are, so topics stay readable; anything else is slugified and gets a short hash of the
 * original, so "Luna Bear" and "luna_bear" can never land on the same topic.
 */
export function topicSegment(id: string): string {
  if (SAFE_SEGMENT.test(id)) return id;
  const hash = createHash('sha1').update(id).digest('hex').slice(0, 6);
  return `${slugify(id).slice(0, 40)}_${hash}`;
}

export function defaultInstanceId(): string {
  return slugify(os.hostname());
}

export interface TopicOptions {
  /** First topic level, default `ferretwatch`. May contain `/` (e.g. `home/ferretwatch`). */
  baseTopic?: string;
  /** Second topic level and unique_id prefix, default: the host name, slugified. */
  instanceId?: string;
  /** Home Assistant discovery prefix, default `homeassistant`. */
  discoveryPrefix?: string;
}

export interface FerretTopicSet {
  /** Retained behavior state (plain string, one of the enum options). */
  behavior: string;
  /** Retained JSON: confidence, camera, zone, since. */
  attributes: string;
  /** Retained daily summary JSON. */
  summary: string;
  /** Retained ISO-8601 time of the last meal (start of the last eating episode). */
  lastMeal: string;
  /** Not retained: `{event_type, ...}` for the HA event entity. */
  event: string;
  /** Not retained: the alert type as a plain string, for HA device triggers. */
  alert: string;
}

export interface CameraTopicSet {
  /** Retained stream state (plain string: live, stalled, …). */
  state: string;
  /** Retained full StreamStatePayload JSON (reason, url, stats). */
  stream: string;
  /** Retained number of ferrets in view. */
  ferrets: string;
  /** Retained ON/OFF. */
  motion: string;
  /** Retained JPEG bytes. */
  snapshot: string;
  detectSet: string;
  detectState: string;
  snapshotSet: string;
}

export interface MqttTopics {
  readonly base: string;
  readonly instanceId: string;
  readonly discoveryPrefix: string;
  /** Retained `online`; the LWT sets it to `offline`. */
  readonly available: string;
  /** Episode lifecycle `{type, episode}` (QoS 1, not retained), like Frigate's `frigate/events`. */
  readonly events: string;
  readonly alerts: string;
  readonly stats: string;
  /** Home Assistant's birth/last-will topic. */
  readonly haStatus: string;
  /** Subscriptions for the command topics of every camera. */
  readonly commandSubscriptions: string[];
  ferret(ferretId: string): FerretTopicSet;
  camera(camera: string): CameraTopicSet;
  /** Recognise a command topic; returns the camera's topic segment (not its original id). */
  parseCommand(topic: string): { cameraSegment: string; command: 'detect' | 'snapshot' } | null;
}

function cleanBase(base: string): string {
  const trimmed = base.replace(/^\/+|\/+$/g, '');
  if (!trimmed || /[#+]/.test(trimmed) || trimmed.includes('\u0000')) throw new Error(`invalid MQTT base topic: ${JSON.stringify(base)}`);
  return trimmed;
}

export function mqttTopics(opts: TopicOptions = {}): MqttTopics {
  const instanceId = topicSegment(opts.instanceId ?? defaultInstanceId());
  const base = `${cleanBase(opts.baseTopic ?? DEFAULT_BASE_TOPIC)}/${instanceId}`;
  const discoveryPrefix = cleanBase(opts.discoveryPrefix ?? DEFAULT_DISCOVERY_PREFIX);
  const camerasPrefix = `${base}/cameras/`;
  return {
    base,
    instanceId,
    discoveryPrefix,
    available: `${base}/available`,
    events: `${base}/events`,
    alerts: `${base}/alerts`,
    stats: `${base}/stats`,
    haStatus: `${discoveryPrefix}/status`,
    commandSubscriptions: [`${camerasPrefix}+/detect/set`, `${camerasPrefix}+/snapshot/set`],
    ferret(ferretId) {
      const t = `${base}/ferrets/${topicSegment(ferretId)}`;
      return {
        behavior: `${t}/behavior`,
        attributes: `${t}/attributes`,
        summary: `${t}/summary`,
        lastMeal: `${t}/last_meal`,
        event: `${t}/event`,
        alert: `${t}/alert`,
      };
    },
    camera(camera) {
      const t = `${camerasPrefix}${topicSegment(camera)}`;
      return {
        state: `${t}/state`,
        stream: `${t}/stream`,
        ferrets: `${t}/ferrets`,
        motion: `${t}/motion`,
        snapshot: `${t}/snapshot`,
        detectSet: `${t}/detect/set`,
        detectState: `${t}/detect/state`,
        snapshotSet: `${t}/snapshot/set`,
      };
    },
    parseCommand(topic) {
      if (!topic.startsWith(camerasPrefix)) return null;
      const parts = topic.slice(camerasPrefix.length).split('/');
      if (parts.length !== 3 || parts[2] !== 'set') return null;
      if (parts[1] !== 'detect' && parts[1] !== 'snapshot') return null;
      return { cameraSegment: parts[0], command: parts[1] };
    },
  };
}
