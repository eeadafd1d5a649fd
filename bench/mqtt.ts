// MQTT benchmark: decision → broker delivery latency (an episode handed to FerretMqttPublisher
// until a subscriber receives it, through the durable outbox) and the raw MQTT hop, on the
// embedded aedes broker and on Mosquitto when it is installed; then sustained messages/s through
// the embedded broker. Writes bench/results/mqtt.json and prints a table.
//
// Last, the durability case of the issue: Mosquitto is SIGKILLed for 30 s while 500 episodes are
// produced; after it returns, every episode must arrive exactly in order (duplicates only as
// QoS-1 redeliveries of the same episode id).
//
//   node dist/bench/mqtt.js [--events 400] [--rate 50] [--burst 20000] [--outage-s 30] [--outage-events 500]
//                           [--out bench/results/mqtt.json]
//
// Goal: p95 ≤ 1 s end to end, a few ms for the MQTT hop itself. Run it with `nice -n 10`.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { connect, MqttClient } from 'mqtt';
import type { Episode } from '../runtime/contracts';
import { startEmbeddedBroker } from '../runtime/mqtt/broker';
import { FerretMqttPublisher } from '../runtime/mqtt/publisher';
import { FileOutbox, MemoryOutbox, Outbox } from '../runtime/mqtt/outbox';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const EVENTS = Number(arg('events', '400'));
const RATE = Number(arg('rate', '50'));
const BURST = Number(arg('burst', '20000'));
const OUTAGE_S = Number(arg('outage-s', '30'));
const OUTAGE_EVENTS = Number(arg('outage-events', '500'));
const OUT = arg('out', path.join(__dirname, '..', '..', 'bench', 'results', 'mqtt.json'));

interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1]) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function episode(id: string, i: number): Episode {
  const t = Date.now();
  return { episodeId: id, ferretId: 'luna', name: 'Luna', camera: 'cage', behavior: i % 3 ? 'sleeping' : 'eating', start: t - 60_000, end: t, durationS: 60, confidence: 0.9, zone: 'bed' };
}

async function sub(url: string, topic: string): Promise<MqttClient> {
  const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    c.once('error', reject);
    c.once('connect', () => c.subscribe(topic, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
  });
  return c;
}

/** Paced episodes through the publisher; latency = onEpisode() call → subscriber receives it. */
async function publisherLatency(url: string, outbox: Outbox, instance: string): Promise<Percentiles> {
  const pub = new FerretMqttPublisher({ url, instanceId: instance, outbox, statsIntervalMs: 0, discovery: false });
  pub.start();
  await new Promise((resolve) => pub.once('connect', resolve));
  const client = await sub(url, pub.topics.events);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  client.on('message', (_t, payload) => {
    const now = performance.now();
    const id = JSON.parse(payload.toString()).episode.episodeId as string;
    const t0 = sentAt.get(id);
    if (t0 !== undefined) {
      lat.push(now - t0);
      sentAt.delete(id);
    }
  });
  for (let i = 0; i < EVENTS; i++) {
    const id = `${instance}-${i}`;
    sentAt.set(id, performance.now());
    pub.onEpisode('end', episode(id, i));
    await sleep(1000 / RATE);
  }
  const until = Date.now() + 10_000;
  while (lat.length < EVENTS && Date.now() < until) await sleep(20);
  client.end(true);
  await pub.stop();
  return percentiles(lat);
}

/** The MQTT hop alone: QoS-1 publish → subscriber, same payload size and pace. */
async function rawHop(url: string): Promise<Percentiles> {
  const client = await sub(url, 'bench/raw');
  const pubc = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve) => pubc.once('connect', () => resolve()));
  const lat: number[] = [];
  client.on('message', (_t, payload) => lat.push(performance.now() - Number(JSON.parse(payload.toString()).t)));
  const pad = 'x'.repeat(300);
  for (let i = 0; i < EVENTS; i++) {
    pubc.publish('bench/raw', JSON.stringify({ t: performance.now(), pad }), { qos: 1 });
    await sleep(1000 / RATE);
  }
  const until = Date.now() + 10_000;
  while (lat.length < EVENTS && Date.now() < until) await sleep(20);
  client.end(true);
  pubc.end(true);
  return percentiles(lat);
}

/** As fast as the publisher can go: BURST episodes queued at once, drained through the outbox window. */
async function sustained(url: string, outbox: Outbox, instance: string): Promise<{ messages: number; seconds: number; msgsPerS: number }> {
  const pub = new FerretMqttPublisher({ url, instanceId: instance, outbox, statsIntervalMs: 0, discovery: false, inflightWindow: 64 });
  pub.start();
  await new Promise((resolve) => pub.once('connect', resolve));
  const client = await sub(url, pub.topics.events);
  let got = 0;
  client.on('message', () => got++);
  const t0 = performance.now();
  for (let i = 0; i < BURST; i++) {
    pub.onEpisode('start', episode(`${instance}-${i}`, i));
    // Let the pump run while producing, as a real flow would.
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  // Stop waiting when nothing arrives for 5 s (a broker dropping messages would otherwise hang us).
  let last = got;
  let lastChange = Date.now();
  while (got < BURST && Date.now() - lastChange < 5000) {
    await sleep(10);
    if (got !== last) {
      last = got;
      lastChange = Date.now();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  client.end(true);
  await pub.stop();
  return { messages: got, seconds: Math.round(seconds * 1000) / 1000, msgsPerS: Math.round(got / seconds) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface MosquittoProc {
  url: string;
  port: number;
  proc: ChildProcess;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port. */
  restart(): Promise<boolean>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function startMosquitto(): Promise<MosquittoProc | null> {
  if (spawnSync('which', ['mosquitto']).status !== 0) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-mosq-'));
  const conf = path.join(dir, 'm.conf');
  // Mosquitto drops QoS>0 messages beyond 1000 queued per subscriber by default; the burst would
  // measure that limit instead of the publisher.
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_queued_messages 0\n`);
  const m: MosquittoProc = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    proc: null as unknown as ChildProcess,
    async kill() {
      const p = m.proc;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGKILL');
      await exited;
    },
    async restart() {
      m.proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await canConnect(port)) return true;
        await sleep(30);
      }
      m.proc.kill();
      return false;
    },
  };
  return (await m.restart()) ? m : null;
}

/** A TCP proxy that can refuse new connections (and cut the open ones when closed). */
async function gate(target: number): Promise<{ port: number; open: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const g = { open: true, port: 0, close: async () => undefined as void };
  const server = net.createServer((c) => {
    if (!g.open) return void c.destroy();
    const u = net.connect(target, '127.0.0.1');
    const kill = () => {
      c.destroy();
      u.destroy();
      sockets.delete(c);
      sockets.delete(u);
    };
    sockets.add(c).add(u);
    c.on('error', kill).on('close', kill);
    u.on('error', kill).on('close', kill);
    c.pipe(u);
    u.pipe(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  g.port = (server.address() as net.AddressInfo).port;
  g.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return g;
}

interface OutageResult {
  broker: string;
  outageS: number;
  produced: number;
  producedDuringOutage: number;
  maxQueued: number;
  delivered: number;
  duplicates: number;
  /** Episode ids delivered more than once (QoS-1 redeliveries of the in-flight window). */
  duplicateEpisodeIds: string[];
  inOrder: boolean;
  drainS: number;
}

/**
 * The broker is SIGKILLed for `OUTAGE_S` seconds while `OUTAGE_EVENTS` episodes are produced
 * (20 per second, starting just before the kill), through the fsynced file outbox. The publisher
 * reaches Mosquitto through a gate, so the subscriber is re-subscribed before the publisher is
 * back (Mosquitto keeps no sessions across a SIGKILL here).
 */
async function outage(mosq: MosquittoProc, outboxDir: string): Promise<OutageResult> {
  const g = await gate(mosq.port);
  const instance = 'outage';
  const window = 16;
  const pub = new FerretMqttPublisher({
    url: `mqtt://127.0.0.1:${g.port}`,
    instanceId: instance,
    outbox: new FileOutbox(outboxDir),
    statsIntervalMs: 0,
    discovery: false,
    reconnectPeriodMs: 500,
    inflightWindow: window,
  });
  pub.start();
  await new Promise((resolve) => pub.once('connect', resolve));
  const topic = pub.topics.events;
  const client = connect(mosq.url, { protocolVersion: 4, reconnectPeriod: 200, resubscribe: false });
  await new Promise<void>((resolve) => client.once('connect', () => client.subscribe(topic, { qos: 1 }, () => resolve())));
  const seq: number[] = [];
  client.on('message', (_t, payload) => seq.push(Number(/"episodeId":"o-(\d+)"/.exec(payload.toString())![1])));
  client.on('error', () => undefined);

  let produced = 0;
  let killedAt = 0;
  let producedBeforeKill = 0;
  const producer = setInterval(() => {
    if (produced < OUTAGE_EVENTS) pub.onEpisode('end', episode(`o-${produced++}`, produced));
    else clearInterval(producer);
  }, 50);
  await sleep(1000);
  g.open = false;
  producedBeforeKill = produced;
  killedAt = Date.now();
  await mosq.kill();
  let maxQueued = 0;
  while (Date.now() - killedAt < OUTAGE_S * 1000) {
    maxQueued = Math.max(maxQueued, pub.stats().queued);
    await sleep(250);
  }
  clearInterval(producer);
  const back = new Promise<void>((resolve) => client.once('connect', () => client.subscribe(topic, { qos: 1 }, () => resolve())));
  await mosq.restart();
  await back;
  const t0 = performance.now();
  g.open = true;
  let last = -1;
  let lastChange = Date.now();
  while (new Set(seq).size < produced && Date.now() - lastChange < 15_000) {
    await sleep(20);
    if (seq.length !== last) {
      last = seq.length;
      lastChange = Date.now();
    }
  }
  const drainS = (performance.now() - t0) / 1000;
  await sleep(300);
  const firsts: number[] = [];
  const seen = new Set<number>();
  const repeated: number[] = [];
  for (const i of seq) {
    if (seen.has(i)) repeated.push(i);
    else {
      seen.add(i);
      firsts.push(i);
    }
  }
  const inOrder = firsts.length === produced && firsts.every((v, i) => v === i);
  client.end(true);
  await pub.stop();
  await g.close();
  return {
    broker: 'mosquitto (SIGKILL)',
    outageS: OUTAGE_S,
    produced,
    producedDuringOutage: produced - producedBeforeKill,
    maxQueued,
    delivered: seen.size,
    duplicates: seq.length - seen.size,
    duplicateEpisodeIds: repeated.slice(0, 50).map((i) => `o-${i}`),
    inOrder,
    drainS: Math.round(drainS * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-outbox-'));
  const broker = await startEmbeddedBroker({ port: 0 });
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    // The load average says how much else ran: fsync-bound figures swing with it on a shared machine.
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadavg1AtStart: Math.round(os.loadavg()[0] * 100) / 100 },
    params: { events: EVENTS, ratePerS: RATE, burst: BURST, outageS: OUTAGE_S, outageEvents: OUTAGE_EVENTS, outboxDir: os.tmpdir() },
    goal: 'decision→delivery p95 ≤ 1000 ms; MQTT hop a few ms',
  };
  const latency: Record<string, unknown> = {};
  latency.aedes_publisher_fileOutbox_ms = await publisherLatency(broker.address.url, new FileOutbox(path.join(tmp, 'a')), 'lat-file');
  latency.aedes_publisher_memoryOutbox_ms = await publisherLatency(broker.address.url, new MemoryOutbox(), 'lat-mem');
  latency.aedes_rawHop_ms = await rawHop(broker.address.url);
  const mosq = await startMosquitto();
  if (mosq) {
    latency.mosquitto_publisher_fileOutbox_ms = await publisherLatency(mosq.url, new FileOutbox(path.join(tmp, 'b')), 'lat-mfile');
    latency.mosquitto_rawHop_ms = await rawHop(mosq.url);
  }
  results.latency = latency;
  const throughput: Record<string, unknown> = {};
  throughput.aedes_publisher_memoryOutbox = await sustained(broker.address.url, new MemoryOutbox(), 'burst-mem');
  throughput.aedes_publisher_fileOutbox = await sustained(broker.address.url, new FileOutbox(path.join(tmp, 'c')), 'burst-file');
  if (mosq) throughput.mosquitto_publisher_fileOutbox = await sustained(mosq.url, new FileOutbox(path.join(tmp, 'd')), 'burst-mfile');
  results.throughput = throughput;
  if (mosq && OUTAGE_S > 0) results.outage = await outage(mosq, path.join(tmp, 'e'));
  if (mosq) await mosq.kill();
  await broker.close();
  fs.rmSync(tmp, { recursive: true, force: true });

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
  console.log('latency (ms)            n     p50     p95     p99     max');
  for (const [k, v] of Object.entries(latency) as Array<[string, Percentiles]>) {
    console.log(`${k.padEnd(34)} ${String(v.n).padStart(4)} ${v.p50.toFixed(2).padStart(7)} ${v.p95.toFixed(2).padStart(7)} ${v.p99.toFixed(2).padStart(7)} ${v.max.toFixed(2).padStart(7)}`);
  }
  for (const [k, v] of Object.entries(throughput) as Array<[string, { messages: number; seconds: number; msgsPerS: number }]>) {
    console.log(`${k.padEnd(34)} ${v.messages} msgs in ${v.seconds} s = ${v.msgsPerS} msg/s`);
  }
  if (results.outage) {
    const o = results.outage as OutageResult;
    console.log(
      `outage ${o.outageS} s: ${o.produced} produced (${o.producedDuringOutage} during the outage, up to ${o.maxQueued} queued), ` +
        `${o.delivered} delivered, ${o.duplicates} duplicates, in order: ${o.inOrder}, drained in ${o.drainS} s`,
    );
  }
  console.log(`wrote ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
