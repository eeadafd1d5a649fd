// Durable outbox for messages that must reach the broker (episodes, alerts, removals): they are
// written here first and deleted only after the broker's PUBACK, so a broker outage or a Node-RED
// restart loses nothing. Entries come out strictly in push order.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type QoS = 0 | 1 | 2;

export interface OutboxEntry {
  id: number;
  topic: string;
  payload: string | Buffer;
  qos: QoS;
  retain: boolean;
}

export interface PushOptions {
  qos?: QoS;
  retain?: boolean;
}

export interface Outbox {
  /** Durably store a message; returns its id (ids only grow). */
  push(topic: string, payload: string | Buffer, opts?: PushOptions): number;
  /** The oldest `limit` pending entries, oldest first. */
  peek(limit: number): OutboxEntry[];
  /** Forget an entry once the broker has it. Unknown ids are ignored. */
  ack(id: number): void;
  count(): number;
  close(): void;
}

/** The shape runtime/store's SQLite outbox exposes; `storeOutbox` adapts it to `Outbox`. */
export interface OutboxStoreLike {
  outboxPush(topic: string, payload: string | Buffer, qos: number, retain: boolean): number;
  outboxPeek(limit: number): Array<{
    id: number;
    topic: string;
    payload: string | Buffer | Uint8Array;
    qos: number;
    retain: boolean | number;
  }>;
  outboxAck(id: number): void;
  outboxCount(): number;
}

function toQos(q: unknown): QoS {
  return q === 0 || q === 2 ? q : 1;
}

export function storeOutbox(store: OutboxStoreLike): Outbox {
  return {
    push: (topic, payload, opts = {}) => store.outboxPush(topic, payload, opts.qos ?? 1, opts.retain ?? false),
    peek: (limit) =>
      store.outboxPeek(limit).map((r) => ({
        id: r.id,
        topic: r.topic,
        payload: typeof r.payload === 'string' || Buffer.isBuffer(r.payload) ? r.payload : Buffer.from(r.payload),
        qos: toQos(r.qos),
        retain: r.retain === true || r.retain === 1,
      })),
    ack: (id) => store.outboxAck(id),
    count: () => store.outboxCount(),
    close: () => undefined,
  };
}

/** Not durable: for tests, benchmarks, and setups that accept losing the queue on restart. */
export class MemoryOutbox implements Outbox {
  private readonly pending = new Map<number, OutboxEntry>();
  private nextId = 1;

  push(topic: string, payload: string | Buffer, opts: PushOptions = {}): number {
    const id = this.nextId++;
    this.pending.set(id, { id, topic, payload, qos: toQos(opts.qos ?? 1), retain: opts.retain ?? false });
    return id;
  }

  peek(limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const e of this.pending.values()) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  ack(id: number): void {
    this.pending.delete(id);
  }

  count(): number {
    return this.pending.size;
  }

  close(): void {
    /* nothing to release */
  }
}

export interface FileOutboxOptions {
  /** Rewrite the log once this many entries were acked since the last rewrite (default 1000). */
  compactEvery?: number;
  /** fsync every push (default true). Only benchmarks and tests of the format turn it off. */
  fsync?: boolean;
}

interface LineRecord {
  id: number;
  t: string;
  q: number;
  r: 0 | 1;
  p?: string;
  b?: string;
  next?: number;
}

const openDirs = new Set<string>();

/**
 * Append-only JSON-lines log (`outbox.jsonl`, fsynced on every push) plus an ack log
 * (`outbox.acks`, one id per line). A lost ack only causes a QoS-1 style redelivery; a lost push
 * cannot happen once `push` has returned. The log is rewritten with the pending entries when
 * enough entries were acked, and on open.
 */
export class FileOutbox implements Outbox {
  readonly dir: string;
  private readonly logPath: string;
  private readonly ackPath: string;
  private readonly lockPath: string;
  private readonly pending = new Map<number, OutboxEntry>();
  private readonly compactEvery: number;
  private readonly doFsync: boolean;
  private logFd = -1;
  private ackFd = -1;
  private nextId = 1;
  private ackedSinceCompact = 0;
  private closed = false;

  constructor(dir: string, opts: FileOutboxOptions = {}) {
    this.dir = path.resolve(dir);
    this.logPath = path.join(this.dir, 'outbox.jsonl');
    this.ackPath = path.join(this.dir, 'outbox.acks');
    this.lockPath = path.join(this.dir, 'outbox.lock');
    this.compactEvery = Math.max(1, opts.compactEvery ?? 1000);
    this.doFsync = opts.fsync ?? true;
    if (openDirs.has(this.dir)) throw new Error(`outbox ${this.dir} is already open in this process`);
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock();
    openDirs.add(this.dir);
    try {
      this.load();
      this.compact();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** A pid lock: two writers on one log would interleave lines; a dead owner's lock is taken over. */
  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(fs.readFileSync(this.lockPath, 'utf8').trim());
        if (owner && owner !== process.pid && isAlive(owner)) {
          throw new Error(`outbox ${this.dir} is locked by running process ${owner}`);
        }
        fs.rmSync(this.lockPath, { force: true });
      }
    }
    throw new Error(`could not lock outbox ${this.dir}`);
  }

  private load(): void {
    const acked = new Set<number>();
    for (const line of readCompleteLines(this.ackPath)) {
      const id = Number(line);
      if (Number.isInteger(id)) acked.add(id);
    }
    let maxId = 0;
    for (const line of readCompleteLines(this.logPath)) {
      let rec: LineRecord;
      try {
        rec = JSON.parse(line);
      } catch {
        continue; // a torn line can only be the last one written before a crash; it was never acknowledged to the caller
      }
      if (typeof rec.next === 'number') {
        this.nextId = Math.max(this.nextId, rec.next);
        continue;
      }
      if (!Number.isInteger(rec.id) || typeof rec.t !== 'string') continue;
      maxId = Math.max(maxId, rec.id);
      if (acked.has(rec.id)) continue;
      const payload = rec.b !== undefined ? Buffer.from(rec.b, 'base64') : (rec.p ?? '');
      this.pending.set(rec.id, { id: rec.id, topic: rec.t, payload, qos: toQos(rec.q), retain: rec.r === 1 });
    }
    this.nextId = Math.max(this.nextId, maxId + 1);
    this.ackedSinceCompact = acked.size;
  }

  private serialize(e: OutboxEntry): string {
    const rec: LineRecord = { id: e.id, t: e.topic, q: e.qos, r: e.retain ? 1 : 0 };
    if (typeof e.payload === 'string') rec.p = e.payload;
    else rec.b = e.payload.toString('base64');
    return JSON.stringify(rec) + '\n';
  }

  /** Rewrite the log with only pending entries (atomic rename), then empty the ack log. */
  private compact(): void {
    if (this.logFd >= 0) fs.closeSync(this.logFd);
    if (this.ackFd >= 0) fs.closeSync(this.ackFd);
    this.logFd = this.ackFd = -1;
    const tmp = `${this.logPath}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      // The header keeps ids monotonic across rewrites, so a stale ack can never hit a new entry.
      let chunk = JSON.stringify({ next: this.nextId }) + '\n';
      for (const e of this.pending.values()) {
        chunk += this.serialize(e);
        if (chunk.length > 1 << 20) {
          fs.writeSync(fd, chunk);
          chunk = '';
        }
      }
      fs.writeSync(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.logPath);
    fsyncDir(this.dir);
    fs.writeFileSync(this.ackPath, '');
    this.logFd = fs.openSync(this.logPath, 'a');
    this.ackFd = fs.openSync(this.ackPath, 'a');
    this.ackedSinceCompact = 0;
  }

  push(topic: string, payload: string | Buffer, opts: PushOptions = {}): number {
    if (this.closed) throw new Error('outbox is closed');
    const e: OutboxEntry = { id: this.nextId++, topic, payload, qos: toQos(opts.qos ?? 1), retain: opts.retain ?? false };
    fs.writeSync(this.logFd, this.serialize(e));
    if (this.doFsync) fs.fdatasyncSync(this.logFd);
    this.pending.set(e.id, e);
    return e.id;
  }

  peek(limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const e of this.pending.values()) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  ack(id: number): void {
    if (this.closed || !this.pending.delete(id)) return;
    fs.writeSync(this.ackFd, `${id}\n`);
    this.ackedSinceCompact++;
    if (this.ackedSinceCompact >= this.compactEvery && this.ackedSinceCompact >= this.pending.size) this.compact();
  }

  count(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.logFd, this.ackFd]) if (fd >= 0) fs.closeSync(fd);
    this.logFd = this.ackFd = -1;
    openDirs.delete(this.dir);
    fs.rmSync(this.lockPath, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lines that end in '\n'; a trailing partial line is cut off so later appends start clean. */
function readCompleteLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const end = text.lastIndexOf('\n');
  if (end !== text.length - 1) fs.truncateSync(file, Buffer.byteLength(text.slice(0, end + 1), 'utf8'));
  return text
    .slice(0, end + 1)
    .split('\n')
    .filter((l) => l.length > 0);
}

function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported on every platform (e.g. Windows); the rename is still atomic */
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * The SQLite store's outbox while a store is open, a local outbox (normally a FileOutbox)
 * otherwise. The store comes and goes with its Node-RED node (deploys, restarts) while the
 * publisher keeps running, so the choice is made on every call, and order is kept across the
 * switch: new entries stay in the local outbox until it has drained, and whatever the store
 * holds is older than anything queued locally after it went away, so it is sent first.
 * Ids of local entries are negated so the two id spaces never meet in the publisher.
 */
export class FallbackOutbox implements Outbox {
  /** Which store each in-flight store entry came from: an ack must not hit another database. */
  private readonly owners = new Map<number, OutboxStoreLike>();

  constructor(
    private readonly store: () => OutboxStoreLike | undefined,
    readonly local: Outbox,
  ) {}

  /** True when new entries currently go to the store. */
  usingStore(): boolean {
    return this.local.count() === 0 && this.store() !== undefined;
  }

  push(topic: string, payload: string | Buffer, opts: PushOptions = {}): number {
    const s = this.local.count() === 0 ? this.store() : undefined;
    if (s) {
      try {
        return s.outboxPush(topic, payload, opts.qos ?? 1, opts.retain ?? false);
      } catch {
        /* closed under our feet (a deploy): keep it locally instead */
      }
    }
    return -this.local.push(topic, payload, opts);
  }

  peek(limit: number): OutboxEntry[] {
    const s = this.store();
    if (s) {
      let pending = 0;
      try {
        pending = s.outboxCount();
      } catch {
        pending = 0;
      }
      if (pending > 0) {
        const entries = storeOutbox(s).peek(limit);
        for (const e of entries) this.owners.set(e.id, s);
        return entries;
      }
    }
    return this.local.peek(limit).map((e) => ({ ...e, id: -e.id }));
  }

  ack(id: number): void {
    if (id < 0) {
      this.local.ack(-id);
      return;
    }
    const owner = this.owners.get(id);
    this.owners.delete(id);
    const s = this.store();
    // A store that closed meanwhile keeps the entry; it is re-sent (a QoS-1 duplicate) when it reopens.
    if (s && (owner === undefined || owner === s)) {
      try {
        s.outboxAck(id);
      } catch {
        /* closed meanwhile: same as above */
      }
    }
  }

  count(): number {
    let n = this.local.count();
    const s = this.store();
    if (s) {
      try {
        n += s.outboxCount();
      } catch {
        /* closed meanwhile */
      }
    }
    return n;
  }

  close(): void {
    this.owners.clear();
    this.local.close();
  }
}

let storeRegistry: { currentStore?: () => OutboxStoreLike | undefined } | null | undefined;

/**
 * The open behavior store's outbox (runtime/store/registry.ts), looked up on every call; always
 * undefined when the store runtime is not part of this build.
 */
export function currentStoreOutbox(): OutboxStoreLike | undefined {
  if (storeRegistry === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      storeRegistry = require('../store/registry');
    } catch {
      storeRegistry = null;
    }
  }
  return storeRegistry?.currentStore?.();
}
