// Publishes FerretWatch's results to MQTT and Home Assistant.
//
// Two kinds of traffic:
//  • retained states (behavior, summary, counts, snapshot, discovery configs): kept in memory,
//    published when connected and simply re-published on every (re)connect and HA birth;
//  • durable messages (episode events, alerts, removals): pushed into the outbox first and
//    deleted only after PUBACK. Ordering strategy: at most `inflightWindow` outbox entries are in
//    flight, always taken from the outbox head; when the connection drops, the in-flight ones are
//    withdrawn from MQTT.js's own store (so it cannot replay them out of order) and the pump
//    restarts from the head after reconnecting. The only duplicates this allows are re-sends of
//    entries whose PUBACK was lost — QoS-1 redeliveries of the same episode id.
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import { IClientOptions, MqttClient, connect as mqttConnect } from 'mqtt';
import type { Alert, BehaviorChangePayload, DailySummary, Episode, StreamStatePayload, TracksPayload } from '../contracts';
import { MqttTopics, TopicOptions, mqttTopics, topicSegment } from './topics';
import {
  ACTIVE_BEHAVIORS,
  DiscoveryContext,
  DiscoveryMessage,
  Origin,
  STREAM_STATES,
  behaviorState,
  behaviorsOf,
  cameraConfigs,
  defaultOrigin,
  ferretConfigs,
  normalizeAlertType,
} from './discovery';
import { FileOutbox, MemoryOutbox, Outbox } from './outbox';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface PublisherOptions extends TopicOptions {
  /** Broker URL: mqtt://, mqtts://, ws://, wss://. */
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** Publish Home Assistant discovery configs (default true). */
  discovery?: boolean;
  /** Retain discovery configs at the broker (default true) in addition to answering HA's birth. */
  retainDiscovery?: boolean;
  /** Durable queue; default: a FileOutbox in `outboxDir` if given, else in memory. */
  outbox?: Outbox;
  outboxDir?: string;
  /** Outbox entries in flight at once (default 16). */
  inflightWindow?: number;
  /** Start with MQTT 5 (default) and fall back to 3.1.1 when the broker refuses it. */
  protocolVersion?: 4 | 5;
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  /** Random delay before answering HA's birth message, [min, max] ms (default [1000, 5000]). */
  haBirthDelayMs?: [number, number];
  /** How often `<base>/stats` is published (default 60000; 0 = never). */
  statsIntervalMs?: number;
  origin?: Origin;
  behaviors?: readonly string[];
  alertTypes?: readonly string[];
  /** Makes relative clip paths absolute in published events, e.g. http://nodered.local:1880. */
  clipBaseUrl?: string;
  /** Register unknown ferrets/cameras on first message (default true). */
  autoAdd?: boolean;
  /** Called for `<camera>/detect/set`; return the resulting state (default: the requested one). */
  onDetectSet?: (camera: string, enabled: boolean) => boolean | void | Promise<boolean | void>;
  /** Called for `<camera>/snapshot/set`; answer with `setSnapshot`. */
  onSnapshotRequest?: (camera: string) => void;
  log?: LogFn;
  /** Extra MQTT.js options (TLS files, etc.). */
  mqttOptions?: Partial<IClientOptions>;
}

export interface PublisherStats {
  connected: boolean;
  protocolVersion: 4 | 5;
  queued: number;
  inflight: number;
  msgsPerMin: number;
  sent: number;
  dropped: number;
  lastError: string | null;
}

export interface PublisherStatus {
  fill: 'green' | 'yellow' | 'red' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

interface Registered {
  id: string;
  name: string | null;
}

const REFUSED_PROTOCOL = new Set([1, 132]);

/**
 * Why the broker cannot be used, in words for a node status, when retrying will not help by
 * itself (refused credentials, TLS, unknown host); null for a plain outage ("broker down").
 * MQTT 3.1.1 CONNACK codes 2/4/5 and their MQTT 5 equivalents 133/134/135.
 */
export function connectionProblem(err: { message?: string; code?: unknown }): string | null {
  const code = err.code;
  const msg = String(err.message ?? '');
  if (code === 4 || code === 134 || /bad user ?name or password/i.test(msg)) return 'bad user name or password';
  // Mosquitto answers a wrong password with "not authorized", not "bad user name or password".
  if (code === 5 || code === 135 || /not authori[sz]ed/i.test(msg)) return 'not authorized (check user name and password)';
  if (code === 2 || code === 133) return 'client id rejected';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS: ${msg.slice(0, 80)}`;
  if (/certificate|ssl|tls/i.test(msg) && !/ECONNREFUSED/.test(msg)) return `TLS: ${msg.slice(0, 80)}`;
  return null;
}

/** A broker URL without user info, for logs. */
export function redactBrokerUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** Counts messages per second over the last minute without allocating per message. */
class RateWindow {
  private readonly buckets = new Uint32Array(60);
  private lastSecond = 0;

  add(now = Date.now()): void {
    this.advance(now);
    this.buckets[this.lastSecond % 60]++;
  }

  perMinute(now = Date.now()): number {
    this.advance(now);
    let sum = 0;
    for (let i = 0; i < 60; i++) sum += this.buckets[i];
    return sum;
  }

  private advance(now: number): void {
    const sec = Math.floor(now / 1000);
    if (this.lastSecond === 0) this.lastSecond = sec;
    const steps = Math.min(60, sec - this.lastSecond);
    for (let i = 1; i <= steps; i++) this.buckets[(this.lastSecond + i) % 60] = 0;
    if (sec > this.lastSecond) this.lastSecond = sec;
  }
}

function iso(ms: number | null | undefined): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export class FerretMqttPublisher extends EventEmitter {
  readonly topics: MqttTopics;
  private readonly opts: PublisherOptions;
  private readonly ctx: DiscoveryContext;
  private readonly outbox: Outbox;
  private readonly ownsOutbox: boolean;
  private readonly behaviors: string[];
  private readonly window: number;
  private client: MqttClient | null = null;
  /**
   * Our own view of the connection: true only after MQTT.js emitted 'connect' (it flips
   * `client.connected` earlier, while still replaying its store, when a publish would be queued
   * and `getLastMessageId()` would not name it).
   */
  private isConnected = false;
  private protocolVersion: 4 | 5;
  /** Bumped on every connection loss: callbacks of an older generation are ignored. */
  private generation = 0;
  private readonly inflight = new Map<number, number>();
  private readonly retained = new Map<string, { payload: string | Buffer; published: boolean }>();
  private readonly ferrets = new Map<string, Registered>();
  private readonly cameras = new Map<string, Registered>();
  private readonly cameraBySegment = new Map<string, string>();
  private readonly trackState = new Map<string, { count: number; motion: boolean | null }>();
  private readonly rate = new RateWindow();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pumpScheduled = false;
  private republishAfterDrain = false;
  private statsTimer: NodeJS.Timeout | null = null;
  private sent = 0;
  private dropped = 0;
  private lastError: string | null = null;
  /** A refusal (credentials, TLS, host): shown in the status instead of "broker down". */
  private problem: string | null = null;
  private lastWarned: string | null = null;
  private started = false;
  private stopped = false;
  private readonly startedAt = Date.now();

  constructor(opts: PublisherOptions) {
    super();
    this.opts = opts;
    this.topics = mqttTopics(opts);
    this.ctx = {
      topics: this.topics,
      origin: opts.origin ?? defaultOrigin(),
      behaviors: opts.behaviors,
      alertTypes: opts.alertTypes,
    };
    this.behaviors = behaviorsOf(this.ctx);
    this.protocolVersion = opts.protocolVersion ?? 5;
    this.window = Math.max(1, opts.inflightWindow ?? 16);
    if (opts.outbox) {
      this.outbox = opts.outbox;
      this.ownsOutbox = false;
    } else {
      this.outbox = opts.outboxDir ? new FileOutbox(opts.outboxDir) : new MemoryOutbox();
      this.ownsOutbox = true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connectClient();
    const every = this.opts.statsIntervalMs ?? 60_000;
    if (every > 0) {
      this.statsTimer = setInterval(() => this.publishStats(), every);
      this.statsTimer.unref();
    }
  }

  /** Publishes `offline`, waits for in-flight acks (bounded), disconnects. Queued messages stay in the outbox. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const client = this.client;
    if (client) {
      if (this.isConnected) {
        // A clean disconnect does not fire the LWT, so say goodbye ourselves.
        await Promise.race([
          new Promise<void>((resolve) => client.publish(this.topics.available, 'offline', { qos: 1, retain: true }, () => resolve())),
          delay(timeoutMs),
        ]);
      }
      const graceful = this.isConnected;
      this.client = null;
      this.isConnected = false;
      await new Promise<void>((resolve) => client.end(!graceful, {}, () => resolve()));
    }
    if (this.ownsOutbox) this.outbox.close();
  }

  private connectClient(): void {
    const t = this.topics;
    const clientOpts: IClientOptions = {
      protocolVersion: this.protocolVersion,
      clientId: this.opts.clientId ?? `ferretwatch_${t.instanceId}_${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
      username: this.opts.username,
      password: this.opts.password,
      clean: true,
      keepalive: this.opts.keepaliveS ?? 30,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 2000,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      reconnectOnConnackError: true,
      // States are re-published on connect and events come from the outbox: nothing may be
      // queued inside MQTT.js while offline.
      queueQoSZero: false,
      will: { topic: t.available, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...this.opts.mqttOptions,
    };
    const client = mqttConnect(this.opts.url, clientOpts);
    this.client = client;
    client.on('connect', () => {
      if (this.client === client) this.onConnect(client);
    });
    client.on('close', () => {
      if (this.client === client) this.onClose(client);
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client === client) void this.onMessage(topic, payload, packet.retain);
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (this.client !== client) return;
      this.lastError = err.message;
      this.problem = connectionProblem(err);
      if (this.protocolVersion === 5 && typeof err.code === 'number' && REFUSED_PROTOCOL.has(err.code)) {
        this.log('info', 'broker refused MQTT 5, falling back to MQTT 3.1.1');
        this.protocolVersion = 4;
        this.client = null;
        this.isConnected = false;
        client.end(true);
        this.connectClient();
        return;
      }
      // MQTT.js retries every few seconds and reports the same error each time: log changes only.
      if (err.message !== this.lastWarned) {
        this.lastWarned = err.message;
        this.log('warn', `mqtt: ${err.message}`);
      }
      this.emitStatus();
    });
  }

  private onConnect(client: MqttClient): void {
    this.isConnected = true;
    this.lastError = null;
    this.problem = null;
    this.lastWarned = null;
    this.log('info', `connected to ${redactBrokerUrl(this.opts.url)} (MQTT ${this.protocolVersion === 5 ? '5' : '3.1.1'})`);
    client.subscribe([this.topics.haStatus, ...this.topics.commandSubscriptions], { qos: 1 }, (err) => {
      if (err) this.log('warn', `subscribe failed: ${err.message}`);
    });
    this.send(this.topics.available, 'online', 1, true);
    this.republishAll();
    this.schedulePump();
    this.emit('connect');
    this.emitStatus();
  }

  private onClose(client: MqttClient): void {
    this.isConnected = false;
    this.generation++;
    // Withdraw in-flight outbox messages from MQTT.js so it does not replay them on reconnect
    // ahead of (or after) the outbox head; the pump re-sends them in order.
    for (const messageId of this.inflight.values()) if (messageId) client.removeOutgoingMessage(messageId);
    this.inflight.clear();
    for (const r of this.retained.values()) r.published = false;
    this.emit('close');
    this.emitStatus();
  }

  private async onMessage(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (topic === this.topics.haStatus) {
      if (payload.toString().trim().toLowerCase() === 'online') this.scheduleBirthRepublish();
      return;
    }
    // A retained command would replay on every reconnect; commands are one-shot.
    if (retained) return;
    const cmd = this.topics.parseCommand(topic);
    if (!cmd) return;
    const camera = this.cameraBySegment.get(cmd.cameraSegment);
    if (camera === undefined) return;
    if (cmd.command === 'snapshot') {
      this.emit('snapshotRequest', camera);
      this.opts.onSnapshotRequest?.(camera);
      return;
    }
    const text = payload.toString().trim().toUpperCase();
    const enabled = text === 'ON' || text === 'TRUE' || text === '1';
    if (!enabled && !(text === 'OFF' || text === 'FALSE' || text === '0')) return;
    let result: boolean | void = enabled;
    try {
      this.emit('detectSet', camera, enabled);
      if (this.opts.onDetectSet) result = await this.opts.onDetectSet(camera, enabled);
    } catch (err) {
      this.log('warn', `detect/set handler for ${camera} failed: ${(err as Error).message}`);
      return;
    }
    this.setDetectState(camera, typeof result === 'boolean' ? result : enabled);
  }

  private scheduleBirthRepublish(): void {
    const [min, max] = this.opts.haBirthDelayMs ?? [1000, 5000];
    // HA asks every device at once after it starts; a random delay spreads the load.
    const wait = min + Math.random() * Math.max(0, max - min);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.republishAll(true);
      this.emit('birthRepublished');
    }, wait);
    this.timers.add(timer);
  }

  // ------------------------------------------------------------------------------------------
  // Sending

  private send(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, cb?: (err?: Error) => void): boolean {
    const client = this.client;
    if (!client || !this.isConnected) return false;
    client.publish(topic, payload, { qos, retain }, (err) => {
      if (!err) {
        this.sent++;
        this.rate.add();
      }
      cb?.(err ?? undefined);
    });
    return true;
  }

  private republishAll(force = false): void {
    if (this.opts.discovery !== false) {
      for (const f of this.ferrets.values()) this.publishDiscovery(ferretConfigs(this.ctx, f));
      for (const c of this.cameras.values()) this.publishDiscovery(cameraConfigs(this.ctx, c));
    }
    for (const [topic, r] of this.retained) {
      if (force || !r.published) r.published = this.send(topic, r.payload, 1, true);
    }
  }

  private publishDiscovery(msgs: DiscoveryMessage[]): void {
    const retain = this.opts.retainDiscovery !== false;
    for (const m of msgs) this.send(m.topic, JSON.stringify(m.config), 1, retain);
  }

  private setRetained(topic: string, payload: string | Buffer): void {
    const prev = this.retained.get(topic);
    if (prev && prev.published && typeof payload === 'string' && prev.payload === payload) return;
    const r = { payload, published: false };
    this.retained.set(topic, r);
    r.published = this.send(topic, payload, 1, true);
  }

  /** Durable path: outbox first, then the pump sends it in order. */
  private enqueue(topic: string, payload: string, retain = false): number {
    const id = this.outbox.push(topic, payload, { qos: 1, retain });
    this.schedulePump();
    return id;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.client;
    if (!client || !this.isConnected || this.stopped) return;
    if (this.inflight.size >= this.window) return;
    const head = this.outbox.peek(this.window);
    if (head.length === 0) {
      if (this.inflight.size === 0) this.onDrained();
      return;
    }
    const gen = this.generation;
    for (const e of head) {
      if (this.inflight.size >= this.window) break;
      if (this.inflight.has(e.id)) continue;
      this.inflight.set(e.id, 0);
      client.publish(e.topic, e.payload, { qos: e.qos, retain: e.retain }, (err) => {
        if (gen !== this.generation) return; // connection was lost: the entry is re-sent from the head
        this.inflight.delete(e.id);
        if (err) {
          if (/closed|removed|disconnect/i.test(err.message)) return;
          // A refusal by the broker (e.g. not authorized) would block the queue forever.
          this.dropped++;
          this.log('warn', `dropping queued message on ${e.topic}: ${err.message}`);
        } else {
          this.sent++;
          this.rate.add();
        }
        this.outbox.ack(e.id);
        this.schedulePump();
      });
      if (e.qos > 0) this.inflight.set(e.id, client.getLastMessageId());
    }
  }

  private onDrained(): void {
    if (this.republishAfterDrain) {
      // A removal went through the outbox; make sure a later re-add is not wiped by it.
      this.republishAfterDrain = false;
      this.republishAll(true);
    }
    this.emit('drained');
  }

  // ------------------------------------------------------------------------------------------
  // Registry

  addFerret(id: string, name?: string | null): void {
    const prev = this.ferrets.get(id);
    const entry: Registered = { id, name: name ?? prev?.name ?? null };
    this.ferrets.set(id, entry);
    if (prev && prev.name === entry.name) return;
    if (this.opts.discovery !== false) this.publishDiscovery(ferretConfigs(this.ctx, entry));
  }

  removeFerret(id: string): void {
    if (!this.ferrets.delete(id)) return;
    const t = this.topics.ferret(id);
    this.removeEntity(ferretConfigs(this.ctx, { id }), [t.behavior, t.attributes, t.summary, t.lastMeal]);
  }

  addCamera(id: string, opts: { name?: string | null; detect?: boolean } = {}): void {
    const prev = this.cameras.get(id);
    const entry: Registered = { id, name: opts.name ?? prev?.name ?? null };
    this.cameras.set(id, entry);
    this.cameraBySegment.set(topicSegment(id), id);
    const detectTopic = this.topics.camera(id).detectState;
    if (opts.detect !== undefined) this.setDetectState(id, opts.detect);
    else if (!this.retained.has(detectTopic)) this.setDetectState(id, true);
    if (prev && prev.name === entry.name) return;
    if (this.opts.discovery !== false) this.publishDiscovery(cameraConfigs(this.ctx, entry));
  }

  removeCamera(id: string): void {
    if (!this.cameras.delete(id)) return;
    this.cameraBySegment.delete(topicSegment(id));
    this.trackState.delete(id);
    const t = this.topics.camera(id);
    this.removeEntity(cameraConfigs(this.ctx, { id }), [t.state, t.stream, t.ferrets, t.motion, t.snapshot, t.detectState]);
  }

  private removeEntity(configs: DiscoveryMessage[], stateTopics: string[]): void {
    for (const s of stateTopics) this.retained.delete(s);
    // Empty retained payloads delete the HA entities and clear the broker's retained states;
    // durable, so a removal during an outage still happens.
    if (this.opts.discovery !== false) for (const m of configs) this.enqueue(m.topic, '', true);
    for (const s of stateTopics) this.enqueue(s, '', true);
    this.republishAfterDrain = true;
  }

  private ensureFerret(id: string, name: string | null | undefined): boolean {
    if (this.ferrets.has(id)) {
      if (name && this.ferrets.get(id)!.name !== name) this.addFerret(id, name);
      return true;
    }
    if (this.opts.autoAdd === false) return false;
    this.addFerret(id, name);
    return true;
  }

  private ensureCamera(id: string): boolean {
    if (this.cameras.has(id)) return true;
    if (this.opts.autoAdd === false) return false;
    this.addCamera(id);
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Inputs

  onBehaviorChange(p: BehaviorChangePayload): void {
    if (!p || typeof p.ferretId !== 'string' || !this.ensureFerret(p.ferretId, p.name)) return;
    const t = this.topics.ferret(p.ferretId);
    const state = behaviorState(p.behavior, this.behaviors);
    if (state !== null) this.setRetained(t.behavior, state);
    this.setRetained(
      t.attributes,
      JSON.stringify({
        behavior: p.behavior,
        previous: p.previous,
        confidence: round2(p.confidence),
        camera: p.camera,
        zone: p.zone,
        since: iso(p.since),
        name: p.name,
      }),
    );
    if (state === 'eating') this.noteMeal(p.ferretId, p.since);
  }

  onEpisode(type: 'start' | 'update' | 'end', ep: Episode): void {
    if (!ep || typeof ep.ferretId !== 'string' || !this.ensureFerret(ep.ferretId, ep.name)) return;
    const episode: Record<string, unknown> = { ...ep };
    const clipUrl = this.clipUrl(ep.clip);
    if (clipUrl) episode.clipUrl = clipUrl;
    this.enqueue(this.topics.events, JSON.stringify({ type, episode }));
    const behavior = behaviorState(ep.behavior, this.behaviors);
    if (behavior === 'eating') this.noteMeal(ep.ferretId, ep.start);
    if (type === 'end' && behavior !== null) {
      this.enqueue(
        this.topics.ferret(ep.ferretId).event,
        JSON.stringify({
          event_type: `${behavior}_ended`,
          episodeId: ep.episodeId,
          behavior,
          start: iso(ep.start),
          end: iso(ep.end),
          durationS: ep.durationS,
          confidence: round2(ep.confidence),
          camera: ep.camera,
          zone: ep.zone,
          ...(clipUrl ? { clip: clipUrl } : ep.clip ? { clip: ep.clip } : {}),
        }),
      );
    }
  }

  onSummary(s: DailySummary): void {
    if (!s || typeof s.ferretId !== 'string' || !this.ensureFerret(s.ferretId, s.name)) return;
    const minutes = s.minutes ?? {};
    let active = 0;
    for (const b of ACTIVE_BEHAVIORS) active += Number(minutes[b]) || 0;
    this.setRetained(
      this.topics.ferret(s.ferretId).summary,
      JSON.stringify({
        ...s,
        activeMinutes: round1(active),
        sleepMinutes: round1(Number(minutes.sleeping) || 0),
        firstActivity: iso(s.firstActivity),
        lastActivity: iso(s.lastActivity),
      }),
    );
  }

  onAlert(a: Alert): void {
    if (!a || typeof a.type !== 'string') return;
    this.enqueue(this.topics.alerts, JSON.stringify(a));
    if (a.ferretId && this.ensureFerret(a.ferretId, a.name)) {
      const type = normalizeAlertType(a.type, this.ctx);
      const t = this.topics.ferret(a.ferretId);
      this.enqueue(t.alert, type);
      this.enqueue(
        t.event,
        JSON.stringify({ event_type: `alert_${type}`, alertId: a.alertId, type: a.type, message: a.message, ts: iso(a.ts) }),
      );
    }
  }

  onStreamState(p: StreamStatePayload): void {
    if (!p || typeof p.camera !== 'string' || !this.ensureCamera(p.camera)) return;
    const t = this.topics.camera(p.camera);
    if (STREAM_STATES.includes(p.state)) this.setRetained(t.state, p.state);
    this.setRetained(t.stream, JSON.stringify({ state: p.state, reason: p.reason ?? null, url: p.url, stats: p.stats, ts: iso(p.ts) }));
  }

  /** Ferrets in view (and optionally motion) for a camera; only changes are published. */
  onTracks(camera: string, count: number, motion?: boolean): void {
    if (typeof camera !== 'string' || !this.ensureCamera(camera)) return;
    const t = this.topics.camera(camera);
    const prev = this.trackState.get(camera) ?? { count: -1, motion: null };
    const n = Math.max(0, Math.floor(Number(count) || 0));
    if (n !== prev.count) this.setRetained(t.ferrets, String(n));
    if (motion !== undefined && motion !== prev.motion) this.setRetained(t.motion, motion ? 'ON' : 'OFF');
    this.trackState.set(camera, { count: n, motion: motion ?? prev.motion });
  }

  /** Derives count (confirmed or stationary tracks) and motion (any of them moving) from ferret-track output. */
  onTracksPayload(p: TracksPayload, minSpeedPxS = 15): void {
    if (!p || !Array.isArray(p.tracks)) return;
    let count = 0;
    let moving = false;
    for (const tr of p.tracks) {
      if (tr.state !== 'confirmed' && tr.state !== 'stationary') continue;
      count++;
      if (Math.hypot(tr.velocity[0], tr.velocity[1]) >= minSpeedPxS) moving = true;
    }
    this.onTracks(p.camera, count, moving);
  }

  setSnapshot(camera: string, jpeg: Buffer): void {
    if (!Buffer.isBuffer(jpeg) || !this.ensureCamera(camera)) return;
    this.setRetained(this.topics.camera(camera).snapshot, jpeg);
  }

  /** Report the actual detection state of a camera (retained `/detect/state`). */
  setDetectState(camera: string, enabled: boolean): void {
    this.setRetained(this.topics.camera(camera).detectState, enabled ? 'ON' : 'OFF');
  }

  // ------------------------------------------------------------------------------------------
  // Stats

  stats(): PublisherStats {
    return {
      connected: this.isConnected,
      protocolVersion: this.protocolVersion,
      queued: this.outbox.count(),
      inflight: this.inflight.size,
      msgsPerMin: this.rate.perMinute(),
      sent: this.sent,
      dropped: this.dropped,
      lastError: this.lastError,
    };
  }

  /**
   * Node-RED style status: `connected · 12 msg/min` / `broker down · 37 queued`, or the reason
   * when the broker refuses us (`broker refused: bad user name or password · 3 queued`).
   */
  status(): PublisherStatus {
    const s = this.stats();
    if (s.connected) return { fill: s.queued > 0 ? 'yellow' : 'green', shape: 'dot', text: `connected · ${s.msgsPerMin} msg/min` };
    if (!this.started) return { fill: 'grey', shape: 'ring', text: 'not started' };
    if (this.problem) {
      const refused = /^(bad user|not authorized|client id)/.test(this.problem);
      const text = `${refused ? 'broker refused: ' : ''}${this.problem}${s.queued > 0 ? ` · ${s.queued} queued` : ''}`;
      return { fill: 'red', shape: 'ring', text };
    }
    return { fill: 'red', shape: 'ring', text: `broker down · ${s.queued} queued` };
  }

  /** The refusal reason shown in the status, or null. */
  refusal(): string | null {
    return this.isConnected ? null : this.problem;
  }

  hasFerret(id: string): boolean {
    return this.ferrets.has(id);
  }

  hasCamera(id: string): boolean {
    return this.cameras.has(id);
  }

  private emitStatus(): void {
    this.emit('status', this.status());
  }

  private publishStats(): void {
    const s = this.stats();
    this.emitStatus();
    this.send(
      this.topics.stats,
      JSON.stringify({
        ...s,
        instance: this.topics.instanceId,
        host: os.hostname(),
        uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
        ferrets: this.ferrets.size,
        cameras: this.cameras.size,
        ts: new Date().toISOString(),
      }),
      0,
      false,
    );
  }

  // ------------------------------------------------------------------------------------------

  private noteMeal(ferretId: string, ts: number): void {
    const at = iso(ts);
    if (!at) return;
    const topic = this.topics.ferret(ferretId).lastMeal;
    const prev = this.retained.get(topic);
    if (prev && typeof prev.payload === 'string' && Date.parse(prev.payload) >= ts) return;
    this.setRetained(topic, at);
  }

  private clipUrl(clip: string | undefined): string | null {
    if (!clip) return null;
    if (/^[a-z]+:\/\//i.test(clip)) return clip;
    if (!this.opts.clipBaseUrl) return null;
    try {
      return new URL(clip, this.opts.clipBaseUrl).toString();
    } catch {
      return null;
    }
  }

  private log(level: Parameters<LogFn>[0], msg: string): void {
    this.opts.log?.(level, msg);
  }
}

function round2(n: number): number {
  return Math.round((Number(n) || 0) * 100) / 100;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
