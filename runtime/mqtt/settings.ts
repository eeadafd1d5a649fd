// The ferret-broker config node's fields (strings from the editor, `${ENV}` already substituted
// by Node-RED) turned into checked broker and publisher options. Pure apart from reading a CA
// file, so every rule is unit-tested without Node-RED.
import * as fs from 'node:fs';
import { splitUrlCredentials } from '../camera/credentials';
import type { EmbeddedBrokerOptions } from './broker';
import { isLoopback } from './broker';
import type { PublisherOptions } from './publisher';
import { DEFAULT_BASE_TOPIC, DEFAULT_DISCOVERY_PREFIX, defaultInstanceId, mqttTopics } from './topics';

export interface BrokerNodeFields {
  mode?: string;
  /** Embedded: listen port (default 1883), bind address (default 127.0.0.1), WebSocket port (blank = off). */
  port?: string | number;
  bind?: string;
  wsPort?: string | number;
  allowAnonymous?: boolean | string;
  /** External: mqtt:// or mqtts:// (ws:// and wss:// work too). */
  url?: string;
  /** PEM text or a file path. */
  ca?: string;
  verifyCert?: boolean | string;
  clientId?: string;
  baseTopic?: string;
  instanceId?: string;
  discoveryPrefix?: string;
  discovery?: boolean | string;
  clipBaseUrl?: string;
}

export interface BrokerCredentials {
  user?: string;
  password?: string;
}

export interface ResolvedBroker {
  mode: 'embedded' | 'external';
  /** Set in embedded mode: what to start. */
  embedded?: EmbeddedBrokerOptions & { port: number; host: string };
  /** The publisher's options except outbox and command handlers. */
  publisher: PublisherOptions;
  /** A URL without credentials, for status and log. */
  displayUrl: string;
  /** Things to tell the user once (log), e.g. credentials typed into the URL. */
  notes: string[];
}

export class SettingsError extends Error {}

function bool(v: unknown, def: boolean): boolean {
  if (v === undefined || v === null || v === '') return def;
  return v === true || v === 'true' || v === 1 || v === '1';
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

function port(v: unknown, what: string, def: number | null): number | null {
  const s = text(v);
  if (s === '') return def;
  if (/^\$\{.*\}$/.test(s)) throw new SettingsError(`${what}: environment variable ${s} is not set`);
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new SettingsError(`${what} must be a number from 1 to 65535, not "${s.slice(0, 20)}"`);
  return n;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** PEM text as it is, or the content of the file it names. */
export function readCa(ca: string, readFile: (p: string) => string = (p) => fs.readFileSync(p, 'utf8')): string | undefined {
  const s = ca.trim();
  if (!s) return undefined;
  if (s.startsWith('-----BEGIN')) return s;
  let pem: string;
  try {
    pem = readFile(s);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SettingsError(`cannot read the CA file ${s}${code ? ` (${code})` : ''}`);
  }
  if (!pem.includes('-----BEGIN')) throw new SettingsError(`the CA file ${s} holds no PEM certificate`);
  return pem;
}

export function resolveBroker(
  f: BrokerNodeFields,
  creds: BrokerCredentials = {},
  opts: { readFile?: (p: string) => string } = {},
): ResolvedBroker {
  const mode = f.mode === 'external' ? 'external' : 'embedded';
  const notes: string[] = [];
  const base: PublisherOptions = {
    url: '',
    baseTopic: text(f.baseTopic) || DEFAULT_BASE_TOPIC,
    instanceId: text(f.instanceId) || defaultInstanceId(),
    discoveryPrefix: text(f.discoveryPrefix) || DEFAULT_DISCOVERY_PREFIX,
    discovery: bool(f.discovery, true),
    clientId: text(f.clientId) || undefined,
  };
  // Throws on a base topic or prefix MQTT cannot use (wildcards, empty).
  try {
    mqttTopics(base);
  } catch (err) {
    throw new SettingsError((err as Error).message);
  }
  const clip = text(f.clipBaseUrl);
  if (clip) {
    if (!/^https?:\/\/[^/]/i.test(clip)) throw new SettingsError(`clip base URL must start with http:// or https://, not "${clip.slice(0, 40)}"`);
    base.clipBaseUrl = clip;
  }
  const user = text(creds.user) || undefined;
  const password = creds.password ? String(creds.password) : undefined;

  if (mode === 'embedded') {
    const p = port(f.port, 'port', 1883) as number;
    const ws = port(f.wsPort, 'WebSocket port', null);
    if (ws !== null && ws === p) throw new SettingsError(`the WebSocket port must differ from the MQTT port (${p})`);
    const host = text(f.bind) || '127.0.0.1';
    const allowAnonymous = bool(f.allowAnonymous, false);
    if (!isLoopback(host) && !user && !allowAnonymous) {
      throw new SettingsError(
        `an embedded broker on ${host} refuses anonymous clients: set a user name and password, or tick "allow anonymous clients"`,
      );
    }
    if (password && !user) throw new SettingsError('a password needs a user name');
    // The publisher runs in this process: it talks to the broker over loopback whatever the bind address.
    const local = host === '0.0.0.0' || host === '::' || isLoopback(host) ? (host === '::' ? '::1' : '127.0.0.1') : host;
    const url = `mqtt://${urlHost(local)}:${p}`;
    return {
      mode,
      embedded: {
        port: p,
        host,
        ...(ws !== null ? { wsPort: ws } : {}),
        username: user,
        password,
        // On loopback anonymous clients are fine unless credentials are set (then they are enforced).
        allowAnonymous: isLoopback(host) && !user ? undefined : allowAnonymous,
      },
      publisher: { ...base, url, username: user, password },
      displayUrl: `embedded ${urlHost(host)}:${p}`,
      notes,
    };
  }

  const raw = text(f.url);
  if (!raw) throw new SettingsError('external mode needs a broker URL, e.g. mqtt://192.168.1.5:1883');
  const split = splitUrlCredentials(raw);
  if (split.user !== undefined) notes.push('credentials in the broker URL were moved out of it; put them in the user and password fields instead');
  let parsed: URL;
  try {
    parsed = new URL(split.url);
  } catch {
    throw new SettingsError(`"${split.url.slice(0, 60)}" is not a URL (expected mqtt://host:1883 or mqtts://host:8883)`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new SettingsError(`unsupported scheme ${parsed.protocol} (use mqtt://, mqtts://, ws:// or wss://)`);
  }
  if (!parsed.hostname) throw new SettingsError(`the broker URL has no host`);
  const tls = parsed.protocol === 'mqtts:' || parsed.protocol === 'wss:';
  const ca = readCa(text(f.ca), opts.readFile);
  if (ca && !tls) notes.push('a CA certificate is set but the URL is not mqtts:// or wss://: it is not used');
  const mqttOptions: NonNullable<PublisherOptions['mqttOptions']> = {};
  if (tls) {
    if (ca) mqttOptions.ca = ca;
    mqttOptions.rejectUnauthorized = bool(f.verifyCert, true);
  }
  return {
    mode,
    publisher: {
      ...base,
      url: split.url,
      username: user ?? split.user,
      password: password ?? split.password,
      ...(tls ? { mqttOptions } : {}),
    },
    displayUrl: split.url,
    notes,
  };
}

/** A listen error in words: the port-in-use case says what to do about it. */
export function listenProblem(err: NodeJS.ErrnoException, host: string, p: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${p} is in use: another broker? choose another port or use external mode`;
    case 'EACCES':
      return `port ${p} needs privileges: choose a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine`;
    default:
      return `the embedded broker could not start: ${err.message}`;
  }
}
