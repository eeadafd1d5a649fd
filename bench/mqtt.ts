// MQTT benchmark: decision → broker delivery latency (an episode handed to FerretMqttPublisher
// until a subscriber receives it, through the durable outbox) and the raw MQTT hop, on the
// embedded aedes broker and on Mosquitto when it is installed; then sustained messages/s through
// the embedded broker. Writes bench/results/mqtt.json and prints a table.
//
//   node dist/bench/mqtt.js [--events 400] [--rate 50] [--burst 20000] [--out bench/results/mqtt.json]
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

async function startMosquitto(): Promise<{ url: string; proc: ChildProcess } | null> {
  if (spawnSync('which', ['mosquitto']).status !== 0) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-mosq-'));
  const conf = path.join(dir, 'm.conf');
  // Mosquitto drops QoS>0 messages beyond 1000 queued per subscriber by default; the burst would
  // measure that limit instead of the publisher.
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_queued_messages 0\n`);
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return { url: `mqtt://127.0.0.1:${port}`, proc };
    await sleep(30);
  }
  proc.kill();
  return null;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-outbox-'));
  const broker = await startEmbeddedBroker({ port: 0 });
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
    params: { events: EVENTS, ratePerS: RATE, burst: BURST, outboxDir: os.tmpdir() },
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
  if (mosq) mosq.proc.kill();
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
  console.log(`wrote ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
