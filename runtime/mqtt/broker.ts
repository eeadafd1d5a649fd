// Embedded MQTT broker (aedes) for setups without Mosquitto. In-memory persistence: retained
// messages live as long as the process. Anonymous clients are refused when it listens on
// anything but loopback, unless the user explicitly allows them.
import * as net from 'node:net';
import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Duplex } from 'node:stream';

export interface EmbeddedBrokerOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** Accept clients without credentials on a non-loopback address (default false). */
  allowAnonymous?: boolean;
  /** Also serve MQTT over WebSocket on this port (same host), path `/` or `/mqtt`. */
  wsPort?: number;
}

export interface BrokerAddress {
  host: string;
  port: number;
  url: string;
}

export interface EmbeddedBroker {
  address: BrokerAddress;
  wsAddress: BrokerAddress | null;
  /** Something the node should show the user (anonymous access refused or exposed), or null. */
  warning: string | null;
  connectedClients(): number;
  close(): Promise<void>;
}

// TypeScript compiles `import()` to require() under CommonJS; aedes 1.x is ESM-only, so keep a
// real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

async function loadAedes(): Promise<any> {
  const mod = await dynamicImport(pathToFileURL(require.resolve('aedes')).href);
  return mod.Aedes ?? mod.default?.Aedes;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '::ffff:127.0.0.1';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type AuthDecision = { ok: true } | { ok: false; code: 4 | 5 };

/** Who may connect: pure so it can be tested without sockets. */
export function authPolicy(opts: EmbeddedBrokerOptions): {
  warning: string | null;
  check(username: string | undefined, password: string | undefined): AuthDecision;
} {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const hasCreds = !!opts.username;
  const anonymousOk = loopback ? opts.allowAnonymous !== false : opts.allowAnonymous === true;
  let warning: string | null = null;
  if (!loopback && !hasCreds && !anonymousOk) {
    warning = `MQTT broker on ${host} refuses anonymous clients: set a username and password, or allow anonymous access explicitly`;
  } else if (!loopback && anonymousOk) {
    warning = `MQTT broker on ${host} accepts anonymous clients from the network`;
  }
  return {
    warning,
    check(username, password) {
      if (username === undefined || username === '') return anonymousOk ? { ok: true } : { ok: false, code: 5 };
      if (!hasCreds) return anonymousOk ? { ok: true } : { ok: false, code: 4 };
      const good = sameSecret(username, opts.username!) && sameSecret(password ?? '', opts.password ?? '');
      return good ? { ok: true } : { ok: false, code: 4 };
    },
  };
}

function listen(server: net.Server | http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server | http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const policy = authPolicy(opts);
  const Aedes = await loadAedes();
  const broker = await Aedes.createBroker({
    authenticate(_client: unknown, username: string | undefined, password: Buffer | undefined, done: (err: any, ok: boolean | null) => void) {
      const d = policy.check(username, password?.toString());
      if (d.ok) return done(null, true);
      const err = new Error(d.code === 4 ? 'bad user name or password' : 'not authorized') as Error & { returnCode: number };
      err.returnCode = d.code;
      done(err, null);
    },
  });

  const sockets = new Set<Duplex>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  let port: number;
  try {
    port = await listen(server, opts.port ?? 1883, host);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }

  let wsServer: http.Server | null = null;
  let wss: any = null;
  let wsAddress: BrokerAddress | null = null;
  let warning = policy.warning;
  if (opts.wsPort !== undefined) {
    let ws: any = null;
    try {
      // `ws` comes with MQTT.js; if it is missing, WebSocket is simply not offered (hence no static import).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ws = require('ws');
    } catch {
      warning = [warning, 'MQTT over WebSocket needs the ws package, which is not installed'].filter(Boolean).join('; ');
    }
    if (ws) {
      wsServer = http.createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' });
        res.end('MQTT over WebSocket: upgrade required\n');
      });
      wss = new ws.WebSocketServer({ server: wsServer });
      wss.on('connection', (socket: any, req: http.IncomingMessage) => {
        const stream = ws.createWebSocketStream(socket) as Duplex;
        sockets.add(stream);
        stream.on('close', () => sockets.delete(stream));
        stream.on('error', () => stream.destroy());
        broker.handle(stream, req);
      });
      try {
        const wsPort = await listen(wsServer, opts.wsPort, host);
        wsAddress = { host, port: wsPort, url: `ws://${urlHost(host)}:${wsPort}` };
      } catch (err) {
        await closeServer(server);
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        throw err;
      }
    }
  }

  let closing: Promise<void> | null = null;
  return {
    address: { host, port, url: `mqtt://${urlHost(host)}:${port}` },
    wsAddress,
    warning,
    connectedClients: () => broker.connectedClients as number,
    close() {
      if (!closing) {
        closing = (async () => {
          const done = [closeServer(server)];
          if (wss) wss.close();
          if (wsServer) done.push(closeServer(wsServer));
          for (const s of sockets) s.destroy();
          await Promise.all(done);
          await new Promise<void>((resolve) => broker.close(() => resolve()));
        })();
      }
      return closing;
    },
  };
}
