// Home Assistant MQTT discovery: pure builders for every config FerretWatch publishes, plus a
// validator that encodes the rules Home Assistant enforces (and the ones we set ourselves), so a
// unit test can run every payload through it before HA ever sees one. Follows the current HA docs
// (single-component discovery, `origin` block, `default_entity_id` instead of the deprecated
// `object_id`, which stops working in HA 2026.4).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_BEHAVIORS } from '../behavior/rules';
import { DEFAULT_INACTIVE_BEHAVIORS } from '../behavior/summary';
import { MqttTopics, topicSegment } from './topics';

export type Component =
  | 'sensor'
  | 'binary_sensor'
  | 'event'
  | 'camera'
  | 'image'
  | 'switch'
  | 'button'
  | 'device_automation';

export type Json = Record<string, unknown>;

/** The behavior engine's labels (the `Behavior` union in runtime/contracts.ts), for enum options. */
export const BEHAVIORS: readonly string[] = DEFAULT_BEHAVIORS;

/** Matches `StreamState` in runtime/contracts.ts. */
export const STREAM_STATES: readonly string[] = ['starting', 'live', 'stalled', 'restarting', 'failed', 'stopped'];

/** Alert types that get their own HA event type and device trigger; anything else maps to `other`. */
// The first three are what runtime/behavior/health.ts emits today; keep them in step.
export const DEFAULT_ALERT_TYPES: readonly string[] = ['no_eating', 'no_activity', 'sleep_share', 'no_drinking', 'not_seen', 'long_hiding'];

/** Behaviors counted as "active" in the daily active-minutes sensor: the ones the summaries do not call inactive. */
export const ACTIVE_BEHAVIORS: readonly string[] = DEFAULT_BEHAVIORS.filter((b) => !DEFAULT_INACTIVE_BEHAVIORS.includes(b));

/** Home Assistant refuses states longer than this. */
export const MAX_STATE_LENGTH = 255;

export interface Origin {
  name: string;
  sw_version?: string;
  support_url?: string;
}

export interface DiscoveryContext {
  topics: MqttTopics;
  origin: Origin;
  behaviors?: readonly string[];
  alertTypes?: readonly string[];
}

export interface EntityRef {
  id: string;
  name?: string | null;
}

export interface DiscoveryMessage {
  component: Component;
  /** `<prefix>/<component>/<node_id>/<object_id>/config` */
  topic: string;
  config: Json;
}

function readPackageVersion(): string | undefined {
  // dist/runtime/mqtt → repo root is three or four levels up depending on the build layout.
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, up, 'package.json'), 'utf8'));
      if (pkg && typeof pkg.version === 'string' && /ferretwatch/.test(String(pkg.name))) return pkg.version;
    } catch {
      /* try the next layout */
    }
  }
  return undefined;
}

export function defaultOrigin(): Origin {
  const sw = readPackageVersion();
  return {
    name: 'FerretWatch',
    ...(sw ? { sw_version: sw } : {}),
    support_url: 'https://github.com/ferretwatch/node-red-ferretwatch',
  };
}

/** Entity-id object part: HA allows only `[a-z0-9_]`. */
function entityObject(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
}

export function alertTypesOf(ctx: DiscoveryContext): string[] {
  const list = (ctx.alertTypes ?? DEFAULT_ALERT_TYPES).map(entityObject);
  return [...new Set([...list, 'other'])];
}

/** The alert type as HA sees it: one of the configured types, or `other`. */
export function normalizeAlertType(type: string, ctx: DiscoveryContext): string {
  const t = entityObject(type);
  return alertTypesOf(ctx).includes(t) ? t : 'other';
}

export function behaviorsOf(ctx: DiscoveryContext): string[] {
  return [...new Set((ctx.behaviors ?? BEHAVIORS).map(entityObject))];
}

/** Event types of a ferret's event entity: `<behavior>_ended` for closed episodes, `alert_<type>`. */
export function ferretEventTypes(ctx: DiscoveryContext): string[] {
  return [...behaviorsOf(ctx).map((b) => `${b}_ended`), ...alertTypesOf(ctx).map((t) => `alert_${t}`)];
}

/**
 * The behavior state to publish, or null to publish nothing: never a value outside the enum
 * options (HA logs an error and drops it) and never longer than 255 characters.
 */
export function behaviorState(behavior: string | null | undefined, options: readonly string[] = BEHAVIORS): string | null {
  if (typeof behavior !== 'string') return options.includes('unknown') ? 'unknown' : null;
  const b = entityObject(behavior.trim());
  if (b.length <= MAX_STATE_LENGTH && options.includes(b)) return b;
  return options.includes('unknown') ? 'unknown' : null;
}

function node(ctx: DiscoveryContext): string {
  return `ferretwatch_${ctx.topics.instanceId}`;
}

function uniqueId(ctx: DiscoveryContext, kind: 'ferret' | 'camera', seg: string, key: string): string {
  return `ferretwatch_${ctx.topics.instanceId}_${kind}_${seg}_${key}`;
}

function deviceOf(ctx: DiscoveryContext, kind: 'ferret' | 'camera', ref: EntityRef): Json {
  const seg = topicSegment(ref.id);
  const name = ref.name && ref.name.trim() ? ref.name.trim() : ref.id;
  return {
    identifiers: [`ferretwatch_${ctx.topics.instanceId}_${kind}_${seg}`],
    name: kind === 'camera' && !ref.name ? `Camera ${name}` : name,
    manufacturer: 'FerretWatch',
    model: kind === 'ferret' ? 'Ferret' : 'Camera',
    ...(ctx.origin.sw_version ? { sw_version: ctx.origin.sw_version } : {}),
  };
}

interface EntitySpec {
  component: Exclude<Component, 'device_automation'>;
  key: string;
  name: string;
  extra: Json;
}

function entityMessage(ctx: DiscoveryContext, kind: 'ferret' | 'camera', ref: EntityRef, spec: EntitySpec): DiscoveryMessage {
  const seg = topicSegment(ref.id);
  const objectId = `${kind}_${seg}_${spec.key}`;
  const entityPrefix = kind === 'ferret' ? 'ferret' : 'ferretcam';
  return {
    component: spec.component,
    topic: `${ctx.topics.discoveryPrefix}/${spec.component}/${node(ctx)}/${objectId}/config`,
    config: {
      name: spec.name,
      unique_id: uniqueId(ctx, kind, seg, spec.key),
      default_entity_id: `${spec.component}.${entityObject(`${entityPrefix}_${seg}_${spec.key}`)}`,
      availability: [{ topic: ctx.topics.available }],
      device: deviceOf(ctx, kind, ref),
      origin: ctx.origin,
      ...spec.extra,
    },
  };
}

/** Every discovery config of one ferret (one HA device). */
export function ferretConfigs(ctx: DiscoveryContext, ferret: EntityRef): DiscoveryMessage[] {
  const t = ctx.topics.ferret(ferret.id);
  const minutes = { device_class: 'duration', unit_of_measurement: 'min', state_class: 'total_increasing' };
  const specs: EntitySpec[] = [
    {
      component: 'sensor',
      key: 'behavior',
      name: 'Behavior',
      extra: {
        state_topic: t.behavior,
        device_class: 'enum',
        options: behaviorsOf(ctx),
        json_attributes_topic: t.attributes,
        icon: 'mdi:paw',
      },
    },
    {
      component: 'sensor',
      key: 'active_today',
      name: 'Active today',
      extra: { state_topic: t.summary, value_template: '{{ value_json.activeMinutes }}', ...minutes, icon: 'mdi:run' },
    },
    {
      component: 'sensor',
      key: 'sleep_today',
      name: 'Sleep today',
      extra: { state_topic: t.summary, value_template: '{{ value_json.sleepMinutes }}', ...minutes, icon: 'mdi:sleep' },
    },
    {
      component: 'sensor',
      key: 'meals_today',
      name: 'Meals today',
      extra: {
        state_topic: t.summary,
        value_template: '{{ value_json.meals }}',
        state_class: 'total_increasing',
        icon: 'mdi:food-drumstick',
      },
    },
    {
      component: 'sensor',
      key: 'last_meal',
      name: 'Last meal',
      extra: { state_topic: t.lastMeal, device_class: 'timestamp', icon: 'mdi:food-drumstick-outline' },
    },
    {
      component: 'event',
      key: 'events',
      name: 'Events',
      extra: { state_topic: t.event, event_types: ferretEventTypes(ctx), qos: 1 },
    },
  ];
  const seg = topicSegment(ferret.id);
  const triggers: DiscoveryMessage[] = alertTypesOf(ctx).map((type) => ({
    component: 'device_automation',
    topic: `${ctx.topics.discoveryPrefix}/device_automation/${node(ctx)}/ferret_${seg}_alert_${type}/config`,
    config: {
      automation_type: 'trigger',
      type: 'alert',
      subtype: type,
      topic: t.alert,
      payload: type,
      qos: 1,
      device: deviceOf(ctx, 'ferret', ferret),
      origin: ctx.origin,
    },
  }));
  return [...specs.map((s) => entityMessage(ctx, 'ferret', ferret, s)), ...triggers];
}

/** Every discovery config of one camera (one HA device). */
export function cameraConfigs(ctx: DiscoveryContext, camera: EntityRef): DiscoveryMessage[] {
  const t = ctx.topics.camera(camera.id);
  const specs: EntitySpec[] = [
    {
      component: 'binary_sensor',
      key: 'occupancy',
      name: 'Ferret present',
      extra: {
        state_topic: t.ferrets,
        value_template: "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
        device_class: 'occupancy',
      },
    },
    { component: 'binary_sensor', key: 'motion', name: 'Motion', extra: { state_topic: t.motion, device_class: 'motion' } },
    {
      component: 'sensor',
      key: 'ferret_count',
      name: 'Ferrets in view',
      extra: { state_topic: t.ferrets, state_class: 'measurement', icon: 'mdi:counter' },
    },
    {
      component: 'sensor',
      key: 'stream',
      name: 'Stream',
      extra: {
        state_topic: t.state,
        device_class: 'enum',
        options: [...STREAM_STATES],
        json_attributes_topic: t.stream,
        entity_category: 'diagnostic',
        icon: 'mdi:cctv',
      },
    },
    { component: 'camera', key: 'snapshot', name: 'Snapshot', extra: { topic: t.snapshot } },
    {
      component: 'switch',
      key: 'detection',
      name: 'Detection',
      extra: {
        command_topic: t.detectSet,
        state_topic: t.detectState,
        payload_on: 'ON',
        payload_off: 'OFF',
        qos: 1,
        entity_category: 'config',
        icon: 'mdi:eye',
      },
    },
    {
      component: 'button',
      key: 'take_snapshot',
      name: 'Take snapshot',
      extra: { command_topic: t.snapshotSet, payload_press: 'PRESS', qos: 1, icon: 'mdi:camera' },
    },
  ];
  return specs.map((s) => entityMessage(ctx, 'camera', camera, s));
}

/** Empty retained payloads that make HA delete a ferret's or camera's device and entities. */
export function removeConfigs(
  ctx: DiscoveryContext,
  entity: { kind: 'ferret' | 'camera'; id: string },
): Array<{ topic: string; payload: '' }> {
  const msgs = entity.kind === 'ferret' ? ferretConfigs(ctx, { id: entity.id }) : cameraConfigs(ctx, { id: entity.id });
  return msgs.map((m) => ({ topic: m.topic, payload: '' }));
}

// ---------------------------------------------------------------------------------------------
// Validation

const COMMON_KEYS = [
  'name',
  'unique_id',
  'default_entity_id',
  'availability',
  'availability_topic',
  'availability_mode',
  'availability_template',
  'payload_available',
  'payload_not_available',
  'device',
  'origin',
  'enabled_by_default',
  'entity_category',
  'entity_picture',
  'icon',
  'json_attributes_topic',
  'json_attributes_template',
  'qos',
  'encoding',
];

const COMPONENT_KEYS: Record<Component, string[]> = {
  sensor: [
    'state_topic',
    'value_template',
    'device_class',
    'state_class',
    'unit_of_measurement',
    'options',
    'expire_after',
    'force_update',
    'suggested_display_precision',
    'last_reset_value_template',
  ],
  binary_sensor: ['state_topic', 'value_template', 'device_class', 'payload_on', 'payload_off', 'expire_after', 'force_update', 'off_delay'],
  event: ['state_topic', 'value_template', 'event_types', 'device_class'],
  camera: ['topic', 'image_encoding'],
  image: ['image_topic', 'url_topic', 'url_template', 'content_type', 'image_encoding'],
  switch: [
    'command_topic',
    'command_template',
    'state_topic',
    'value_template',
    'payload_on',
    'payload_off',
    'state_on',
    'state_off',
    'optimistic',
    'retain',
    'device_class',
  ],
  button: ['command_topic', 'command_template', 'payload_press', 'retain', 'device_class'],
  device_automation: [],
};

const TRIGGER_KEYS = ['automation_type', 'topic', 'type', 'subtype', 'payload', 'qos', 'value_template', 'device', 'origin'];

const REQUIRED: Record<Component, string[]> = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  event: ['state_topic', 'event_types'],
  camera: ['topic'],
  image: [],
  switch: ['command_topic'],
  button: ['command_topic'],
  device_automation: ['automation_type', 'topic', 'type', 'subtype', 'device'],
};

const SENSOR_DEVICE_CLASSES = new Set([
  'apparent_power', 'aqi', 'area', 'atmospheric_pressure', 'battery', 'blood_glucose_concentration', 'carbon_dioxide',
  'carbon_monoxide', 'conductivity', 'current', 'data_rate', 'data_size', 'date', 'distance', 'duration', 'energy',
  'energy_distance', 'energy_storage', 'enum', 'frequency', 'gas', 'humidity', 'illuminance', 'irradiance', 'moisture',
  'monetary', 'nitrogen_dioxide', 'nitrogen_monoxide', 'nitrous_oxide', 'ozone', 'ph', 'pm1', 'pm10', 'pm25',
  'power', 'power_factor', 'precipitation', 'precipitation_intensity', 'pressure', 'reactive_energy', 'reactive_power',
  'signal_strength', 'sound_pressure', 'speed', 'sulphur_dioxide', 'temperature', 'timestamp',
  'volatile_organic_compounds', 'volatile_organic_compounds_parts', 'voltage', 'volume', 'volume_flow_rate',
  'volume_storage', 'water', 'weight', 'wind_direction', 'wind_speed',
]);
const BINARY_SENSOR_DEVICE_CLASSES = new Set([
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat',
  'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem',
  'running', 'safety', 'smoke', 'sound', 'tamper', 'update', 'vibration', 'window',
]);
const EVENT_DEVICE_CLASSES = new Set(['button', 'doorbell', 'motion']);
const SWITCH_DEVICE_CLASSES = new Set(['outlet', 'switch']);
const BUTTON_DEVICE_CLASSES = new Set(['identify', 'restart', 'update']);
const STATE_CLASSES = new Set(['measurement', 'measurement_angle', 'total', 'total_increasing']);
const DURATION_UNITS = new Set(['d', 'h', 'min', 's', 'ms']);

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Topic rules from the MQTT spec: UTF-8 ≤ 65535 bytes, no NUL, wildcards only as whole levels (subscribe). */
export function topicProblem(topic: unknown, kind: 'publish' | 'subscribe'): string | null {
  if (!isNonEmptyString(topic)) return 'must be a non-empty string';
  if (Buffer.byteLength(topic, 'utf8') > 65535) return 'is longer than 65535 bytes';
  if (topic.includes('\u0000')) return 'contains NUL';
  if (kind === 'publish') return /[#+]/.test(topic) ? 'contains a wildcard' : null;
  const levels = topic.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return "has '#' not as the last whole level";
    if (l.includes('+') && l !== '+') return "has '+' not as a whole level";
  }
  return null;
}

function checkDevice(device: unknown, required: boolean, errors: string[]): void {
  if (device === undefined) {
    if (required) errors.push('device is required');
    return;
  }
  if (!device || typeof device !== 'object' || Array.isArray(device)) {
    errors.push('device must be an object');
    return;
  }
  const d = device as Json;
  const ids = d.identifiers;
  const idList = typeof ids === 'string' ? [ids] : Array.isArray(ids) ? ids : [];
  const conns = Array.isArray(d.connections) ? d.connections : [];
  if (idList.length === 0 && conns.length === 0) errors.push('device needs at least one identifier or connection');
  if (idList.some((x) => !isNonEmptyString(x))) errors.push('device.identifiers must be non-empty strings');
  if (d.name !== undefined && typeof d.name !== 'string') errors.push('device.name must be a string');
}

function checkOrigin(origin: unknown, errors: string[]): void {
  if (origin === undefined) {
    errors.push('origin is required (FerretWatch always identifies itself)');
    return;
  }
  if (!origin || typeof origin !== 'object') {
    errors.push('origin must be an object');
    return;
  }
  const o = origin as Json;
  if (!isNonEmptyString(o.name)) errors.push('origin.name is required');
  if (o.sw_version !== undefined && typeof o.sw_version !== 'string') errors.push('origin.sw_version must be a string');
  if (o.support_url !== undefined && !(typeof o.support_url === 'string' && /^https?:\/\//.test(o.support_url))) {
    errors.push('origin.support_url must be an http(s) URL');
  }
}

function checkStringList(v: unknown, what: string, errors: string[]): string[] | null {
  if (!Array.isArray(v)) {
    errors.push(`${what} must be a list`);
    return null;
  }
  if (v.length === 0) {
    errors.push(`${what} must not be empty`);
    return null;
  }
  if (v.some((x) => !isNonEmptyString(x))) errors.push(`${what} entries must be non-empty strings`);
  if (new Set(v).size !== v.length) errors.push(`${what} has duplicates`);
  if (v.some((x) => typeof x === 'string' && x.length > MAX_STATE_LENGTH)) errors.push(`${what} has an entry longer than 255`);
  return v as string[];
}

/**
 * Problems Home Assistant would reject (or that break our own conventions); empty when the
 * config is fine. Checks required fields per component, availability, unique_id, device/origin,
 * enum/options rules, event_types, device-trigger fields, topic syntax and unknown keys.
 */
export function validateDiscovery(component: string, config: unknown): string[] {
  const errors: string[] = [];
  if (!(component in REQUIRED)) return [`unsupported component '${component}'`];
  const comp = component as Component;
  if (!config || typeof config !== 'object' || Array.isArray(config)) return ['config must be a JSON object'];
  const c = config as Json;

  const allowed = new Set(comp === 'device_automation' ? TRIGGER_KEYS : [...COMMON_KEYS, ...COMPONENT_KEYS[comp]]);
  for (const k of Object.keys(c)) {
    if (c[k] === undefined) continue; // JSON.stringify drops it
    if (k === 'object_id') errors.push("object_id is deprecated since HA 2025.10 (removed in 2026.4): use default_entity_id");
    else if (k === 'platform') errors.push('platform is only allowed in device-based discovery');
    else if (!allowed.has(k)) errors.push(`unknown option '${k}' for ${comp}`);
  }
  for (const k of REQUIRED[comp]) if (c[k] === undefined || c[k] === null || c[k] === '') errors.push(`${k} is required for ${comp}`);

  // Topics: options ending in _topic plus the bare `topic` of camera/device triggers.
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || !(k === 'topic' || k.endsWith('_topic'))) continue;
    const p = topicProblem(v, k === 'command_topic' ? 'publish' : 'subscribe');
    if (p) errors.push(`${k} ${p}`);
  }
  if (c.qos !== undefined && ![0, 1, 2].includes(c.qos as number)) errors.push('qos must be 0, 1 or 2');
  checkOrigin(c.origin, errors);

  if (comp === 'device_automation') {
    if (c.automation_type !== undefined && c.automation_type !== 'trigger') errors.push("automation_type must be 'trigger'");
    for (const k of ['type', 'subtype']) if (c[k] !== undefined && !isNonEmptyString(c[k])) errors.push(`${k} must be a non-empty string`);
    if (c.payload !== undefined && typeof c.payload !== 'string') errors.push('payload must be a string');
    checkDevice(c.device, true, errors);
    return errors;
  }

  // Entities.
  if (!isNonEmptyString(c.unique_id)) errors.push('unique_id is required on every entity');
  if (c.name !== undefined && c.name !== null && typeof c.name !== 'string') errors.push('name must be a string or null');
  if (c.default_entity_id !== undefined) {
    const re = new RegExp(`^${comp}\\.[a-z0-9_]+$`);
    if (typeof c.default_entity_id !== 'string' || !re.test(c.default_entity_id)) {
      errors.push(`default_entity_id must look like '${comp}.<lowercase_object_id>'`);
    }
  }
  if (c.availability !== undefined && c.availability_topic !== undefined) {
    errors.push('availability and availability_topic must not be used together');
  }
  if (c.availability !== undefined) {
    if (!Array.isArray(c.availability) || c.availability.length === 0) errors.push('availability must be a non-empty list');
    else
      for (const a of c.availability) {
        const p = a && typeof a === 'object' ? topicProblem((a as Json).topic, 'subscribe') : 'entry must be an object';
        if (p) errors.push(`availability topic ${p}`);
      }
  }
  if (c.availability_mode !== undefined && !['all', 'any', 'latest'].includes(c.availability_mode as string)) {
    errors.push('availability_mode must be all, any or latest');
  }
  checkDevice(c.device, false, errors);
  if (c.entity_category !== undefined) {
    if (!['config', 'diagnostic'].includes(c.entity_category as string)) errors.push('entity_category must be config or diagnostic');
    else if ((comp === 'sensor' || comp === 'binary_sensor') && c.entity_category !== 'diagnostic') {
      errors.push(`entity_category of a ${comp} must be diagnostic`);
    }
  }
  if (c.icon !== undefined && !(typeof c.icon === 'string' && /^[a-z0-9_-]+:[a-z0-9_-]+$/.test(c.icon))) {
    errors.push("icon must look like 'mdi:name'");
  }

  const dc = c.device_class;
  switch (comp) {
    case 'sensor': {
      if (dc !== undefined && dc !== null && !SENSOR_DEVICE_CLASSES.has(dc as string)) errors.push(`unknown sensor device_class '${String(dc)}'`);
      if (c.state_class !== undefined && !STATE_CLASSES.has(c.state_class as string)) errors.push(`unknown state_class '${String(c.state_class)}'`);
      if (c.options !== undefined) {
        checkStringList(c.options, 'options', errors);
        if (dc !== 'enum') errors.push("options require device_class 'enum'");
        if (c.unit_of_measurement !== undefined) errors.push('options cannot be used together with unit_of_measurement');
        if (c.state_class !== undefined) errors.push('options cannot be used together with state_class');
      } else if (dc === 'enum') {
        errors.push("device_class 'enum' needs the full options list");
      }
      if (dc === 'timestamp' || dc === 'date') {
        if (c.state_class !== undefined) errors.push(`a ${dc} sensor cannot have a state_class`);
        if (c.unit_of_measurement !== undefined) errors.push(`a ${dc} sensor cannot have a unit_of_measurement`);
      }
      if (dc === 'duration' && !DURATION_UNITS.has(c.unit_of_measurement as string)) errors.push('a duration sensor needs a time unit (d, h, min, s, ms)');
      break;
    }
    case 'binary_sensor':
      if (dc !== undefined && dc !== null && !BINARY_SENSOR_DEVICE_CLASSES.has(dc as string)) errors.push(`unknown binary_sensor device_class '${String(dc)}'`);
      break;
    case 'event':
      checkStringList(c.event_types, 'event_types', errors);
      if (dc !== undefined && dc !== null && !EVENT_DEVICE_CLASSES.has(dc as string)) errors.push(`unknown event device_class '${String(dc)}'`);
      break;
    case 'switch':
      if (dc !== undefined && dc !== null && !SWITCH_DEVICE_CLASSES.has(dc as string)) errors.push(`unknown switch device_class '${String(dc)}'`);
      break;
    case 'button':
      if (dc !== undefined && dc !== null && !BUTTON_DEVICE_CLASSES.has(dc as string)) errors.push(`unknown button device_class '${String(dc)}'`);
      break;
    case 'image':
      if ((c.image_topic === undefined) === (c.url_topic === undefined)) errors.push('image needs exactly one of image_topic and url_topic');
      break;
    case 'camera':
      if (c.image_encoding !== undefined && c.image_encoding !== 'b64') errors.push("image_encoding can only be 'b64'");
      break;
  }
  return errors;
}

/**
 * Problems with a state payload for a discovered entity: HA refuses states over 255 characters,
 * enum states outside `options` and event types it was not told about. Payloads read through a
 * value_template are not checked.
 */
export function checkState(component: Component, config: Json, payload: string): string[] {
  const errors: string[] = [];
  // With a value_template the state is the template's output, not the (JSON) payload.
  if (config.value_template !== undefined) return errors;
  if (component === 'event') {
    let ev: unknown;
    try {
      ev = JSON.parse(payload);
    } catch {
      return ['event payload must be JSON'];
    }
    const type = ev && typeof ev === 'object' ? (ev as Json).event_type : undefined;
    if (!Array.isArray(config.event_types) || !config.event_types.includes(type)) {
      errors.push(`event_type '${String(type)}' is not one of the configured event_types`);
    }
    return errors;
  }
  if (payload.length > MAX_STATE_LENGTH) errors.push(`state longer than ${MAX_STATE_LENGTH} characters`);
  if (component === 'sensor' && config.device_class === 'enum' && Array.isArray(config.options) && !config.options.includes(payload)) {
    errors.push(`state '${payload.slice(0, 40)}' is not one of the enum options`);
  }
  if (component === 'binary_sensor' || component === 'switch') {
    const on = (config.payload_on as string | undefined) ?? 'ON';
    const off = (config.payload_off as string | undefined) ?? 'OFF';
    if (payload !== on && payload !== off) errors.push(`state '${payload.slice(0, 40)}' is neither ${on} nor ${off}`);
  }
  if (component === 'sensor' && config.device_class === 'timestamp' && Number.isNaN(Date.parse(payload))) {
    errors.push('timestamp state must be an ISO 8601 date-time');
  }
  return errors;
}
