// Real brokers for the MQTT tests: a Mosquitto started per test on a free 127.0.0.1 port with a
// generated config (no persistence), a gate proxy, and small waiting helpers.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MqttClient, connect, IClientOptions } from 'mqtt';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(pred: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface Mosquitto {
  port: number;
  url: string;
  /** Kill the broker (SIGKILL by default) and wait for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
}

/** With `passwords`, anonymous clients are refused and a password file is made with mosquitto_passwd -b. */
export async function startMosquitto(port?: number, opts: { passwords?: Record<string, string> } = {}): Promise<Mosquitto> {
  const p = port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  let auth = 'allow_anonymous true\n';
  if (opts.passwords) {
    const file = path.join(dir, 'passwd');
    fs.writeFileSync(file, '');
    for (const [user, password] of Object.entries(opts.passwords)) execFileSync('mosquitto_passwd', ['-b', file, user, password]);
    fs.chmodSync(file, 0o600);
    // Started as root, Mosquitto drops to user "mosquitto", who cannot read our private temp dir.
    const keepUser = process.getuid?.() === 0 ? 'user root\n' : '';
    auth = `allow_anonymous false\npassword_file ${file}\n${keepUser}`;
  }
  fs.writeFileSync(conf, `listener ${p} 127.0.0.1\n${auth}persistence false\nlog_dest none\n`);
  let proc: ChildProcess | null = null;
  const m: Mosquitto = {
    port: p,
    url: `mqtt://127.0.0.1:${p}`,
    async start() {
      proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      const child = proc;
      child.once('exit', () => {
        if (proc === child) proc = null;
      });
      const until = Date.now() + 5000;
      while (!(await canConnect(p))) {
        if (!proc) throw new Error('mosquitto exited during start-up');
        if (Date.now() > until) throw new Error('mosquitto did not start');
        await sleep(25);
      }
    },
    async kill(signal = 'SIGKILL') {
      const child = proc;
      if (!child) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
      proc = null;
    },
  };
  await m.start();
  return m;
}

/**
 * A TCP proxy in front of a broker that can refuse connections, so a test can decide who
 * reconnects first after an outage (e.g. the subscriber before the publisher).
 */
export async function gateProxy(targetPort: number): Promise<{ port: number; open: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { open: true };
  const server = net.createServer((c) => {
    if (!state.open) {
      c.destroy();
      return;
    }
    const u = net.connect(targetPort, '127.0.0.1');
    sockets.add(c);
    sockets.add(u);
    const kill = () => {
      c.destroy();
      u.destroy();
      sockets.delete(c);
      sockets.delete(u);
    };
    c.on('error', kill).on('close', kill);
    u.on('error', kill).on('close', kill);
    c.pipe(u);
    u.pipe(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get open() {
      return state.open;
    },
    set open(v: boolean) {
      state.open = v;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
}

/** An MQTT.js subscriber that records everything on `topics`. */
export async function subscriber(
  url: string,
  topics: string | string[],
  opts: Partial<IClientOptions> = {},
): Promise<{ client: MqttClient; messages: Received[]; close(): Promise<void> }> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 200, ...opts });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, retain: packet.retain, qos: packet.qos }));
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topics, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return {
    client,
    messages,
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** One-shot publish (QoS 1) and disconnect. */
export async function publish(url: string, topic: string, payload: string | Buffer, retain = false): Promise<void> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('connect', () => client.publish(topic, payload, { qos: 1, retain }, (err) => (err ? reject(err) : resolve())));
  });
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
}
