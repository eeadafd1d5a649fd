// GET /ferretwatch/api/events/stream: the hub's live results as Server-Sent Events, one SSE event per
// LiveEvent named by its kind (`event: tracks`, `data: {...}`), for the dashboard and the editor tab.
//
// One hub listener serves every client and serialises each event once. A client that reads slower
// than events arrive gets a bounded queue: the oldest `tracks`/`detections` frames (superseded by
// newer ones anyway) are dropped first; a client that still cannot keep up is disconnected, and its
// EventSource reconnects and re-reads the state it needs. Memory per client is therefore bounded.
import express from 'express';
import type { Request, Response } from 'express';
import { hub as processHub, type LiveEvent } from '../hub';
import type { CameraConfig } from '../camera/config';
import { CAMERA_ID_RE } from '../camera/config';
import type { StreamStatePayload } from '../contracts';
import { apiExtensions } from './api';

export type SseKind = LiveEvent['kind'] | 'heartbeat' | 'cameras';

/** One serialised SSE event, shared by every client it is sent to. */
export interface SseFrame {
  kind: SseKind;
  /** The camera the event is about, or null for events not tied to one (alerts, summaries). */
  camera: string | null;
  text: string;
  /** Superseded by the next frame of the same kind: may be dropped for a slow client. */
  droppable: boolean;
}

/** What the stream needs from the hub (an interface, so tests can pass their own). */
export interface LiveSource {
  on(ev: 'live', fn: (e: LiveEvent) => void): unknown;
  off(ev: 'live', fn: (e: LiveEvent) => void): unknown;
  on(ev: 'camera', fn: (id: string, config: CameraConfig | undefined) => void): unknown;
  off(ev: 'camera', fn: (id: string, config: CameraConfig | undefined) => void): unknown;
  cameraIds(): string[];
  stream(id: string): { statePayload(): StreamStatePayload } | undefined;
}

export interface EventStreamOptions {
  /** Heartbeat interval (ms); default 15 000. */
  heartbeatMs?: number;
  /** Frames queued per client while its socket is full; default 256. */
  maxQueue?: number;
  /** EventSource reconnection delay announced to clients (ms); default 2000. */
  retryMs?: number;
}

const DROPPABLE = new Set<SseKind>(['tracks', 'detections']);

/** `event: <kind>\ndata: <json>\n\n`. JSON never holds a raw newline, so one data line suffices. */
export function formatSse(kind: string, data: unknown): string {
  return `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The camera a live event is about (null when it is not tied to one). */
export function eventCamera(e: LiveEvent): string | null {
  const p = e.payload as { camera?: unknown };
  return typeof p.camera === 'string' ? p.camera : null;
}

export function frameOf(e: LiveEvent): SseFrame {
  return { kind: e.kind, camera: eventCamera(e), text: formatSse(e.kind, e.payload), droppable: DROPPABLE.has(e.kind) };
}

/**
 * A client's backlog while its socket is full. Bounded: when full, the oldest droppable frame goes;
 * if none is droppable, push() reports overflow and the caller disconnects the client.
 */
export class SseQueue {
  private items: SseFrame[] = [];
  dropped = 0;

  constructor(readonly max: number) {}

  get length(): number {
    return this.items.length;
  }

  push(frame: SseFrame): 'queued' | 'overflow' {
    if (this.items.length >= this.max) {
      const i = this.items.findIndex((f) => f.droppable);
      if (i >= 0) {
        this.items.splice(i, 1);
        this.dropped++;
      } else if (frame.droppable) {
        // Everything queued matters more than one more position update.
        this.dropped++;
        return 'queued';
      } else {
        return 'overflow';
      }
    }
    this.items.push(frame);
    return 'queued';
  }

  shift(): SseFrame | undefined {
    return this.items.shift();
  }

  clear(): void {
    this.items = [];
  }
}

/** A camera filter from `?camera=a,b`; undefined = every camera; null = malformed. */
export function parseCameraFilter(q: unknown): Set<string> | undefined | null {
  if (q === undefined || q === '') return undefined;
  const raw = Array.isArray(q) ? q : [q];
  const ids = new Set<string>();
  for (const v of raw) {
    if (typeof v !== 'string') return null;
    for (const id of v.split(',')) {
      if (!CAMERA_ID_RE.test(id)) return null;
      ids.add(id);
    }
  }
  return ids.size > 0 ? ids : undefined;
}

interface Client {
  res: Response;
  cameras?: Set<string>;
  queue: SseQueue;
  /** The socket refused the last write: queue until 'drain'. */
  blocked: boolean;
  sent: number;
}

export interface ClientStats {
  queued: number;
  dropped: number;
  sent: number;
  blocked: boolean;
}

/** Fans the hub's live events out to SSE clients; subscribes to the hub only while a client is connected. */
export class EventBroadcaster {
  private readonly clients = new Set<Client>();
  private readonly heartbeatMs: number;
  private readonly maxQueue: number;
  private readonly retryMs: number;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly source: LiveSource,
    opts: EventStreamOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxQueue = opts.maxQueue ?? 256;
    this.retryMs = opts.retryMs ?? 2000;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  stats(): ClientStats[] {
    return [...this.clients].map((c) => ({ queued: c.queue.length, dropped: c.queue.dropped, sent: c.sent, blocked: c.blocked }));
  }

  private readonly onLive = (e: LiveEvent): void => {
    this.broadcast(frameOf(e));
  };

  private readonly onCamera = (id: string, config: CameraConfig | undefined): void => {
    this.broadcast({ kind: 'cameras', camera: id, text: formatSse('cameras', { id, present: !!config }), droppable: false });
  };

  broadcast(frame: SseFrame): void {
    for (const c of this.clients) {
      if (c.cameras && frame.camera !== null && !c.cameras.has(frame.camera)) continue;
      this.send(c, frame);
    }
  }

  /** Takes over an HTTP response for the rest of its life. */
  attach(req: Request, res: Response, cameras?: Set<string>): void {
    const client: Client = { res, cameras, queue: new SseQueue(this.maxQueue), blocked: false, sent: 0 };
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: a compression middleware must not buffer the stream.
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and friends buffer responses unless told otherwise.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);

    if (this.clients.size === 0) this.subscribe();
    this.clients.add(client);

    res.on('drain', () => this.drain(client));
    const done = (): void => this.detach(client);
    res.on('close', done);
    res.on('error', done);

    // The stream's current state first, so a fresh page does not wait for the next change.
    this.write(client, `retry: ${this.retryMs}\n\n`);
    for (const id of this.source.cameraIds()) {
      if (cameras && !cameras.has(id)) continue;
      const stream = this.source.stream(id);
      if (stream) this.send(client, { kind: 'stream', camera: id, text: formatSse('stream', stream.statePayload()), droppable: false });
    }
  }

  private subscribe(): void {
    this.source.on('live', this.onLive);
    this.source.on('camera', this.onCamera);
    // A named event rather than a comment, so the page can tell a quiet stream from a dead one.
    this.heartbeat = setInterval(() => {
      this.broadcast({ kind: 'heartbeat', camera: null, text: formatSse('heartbeat', { ts: Date.now() }), droppable: true });
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.queue.clear();
    if (this.clients.size === 0) {
      this.source.off('live', this.onLive);
      this.source.off('camera', this.onCamera);
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /** Ends every stream (on shutdown). */
  closeAll(): void {
    for (const c of [...this.clients]) {
      this.detach(c);
      c.res.end();
    }
  }

  private send(c: Client, frame: SseFrame): void {
    if (c.blocked) {
      if (c.queue.push(frame) === 'overflow') {
        this.detach(c);
        c.res.destroy();
      }
      return;
    }
    this.write(c, frame.text);
  }

  private write(c: Client, text: string): void {
    if (c.res.destroyed || c.res.writableEnded) return;
    c.sent++;
    if (!c.res.write(text)) c.blocked = true;
  }

  private drain(c: Client): void {
    c.blocked = false;
    while (!c.blocked) {
      const f = c.queue.shift();
      if (!f) break;
      this.write(c, f.text);
    }
  }
}

/** GET /api/events/stream[?camera=a,b] */
export function createEventStreamRouter(source: LiveSource = processHub, opts: EventStreamOptions = {}): express.Router & { broadcaster: EventBroadcaster } {
  const broadcaster = new EventBroadcaster(source, opts);
  const r = express.Router() as express.Router & { broadcaster: EventBroadcaster };
  r.get('/api/events/stream', (req, res) => {
    const cameras = parseCameraFilter(req.query.camera);
    if (cameras === null) return void res.status(400).json({ error: 'camera must be one or more camera ids, comma-separated' });
    broadcaster.attach(req, res, cameras);
  });
  r.broadcaster = broadcaster;
  return r;
}

let registered = false;

/** Adds the route to /ferretwatch once per process (importing this module does it). */
export function registerEventStream(): void {
  if (registered) return;
  registered = true;
  apiExtensions.use(createEventStreamRouter(processHub));
}

registerEventStream();
