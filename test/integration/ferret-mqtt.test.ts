// ferret-broker + ferret-mqtt in the real Node-RED runtime (node-red-node-test-helper) against real
// brokers: the embedded aedes broker on a free port, and Mosquitto with a password file. What an
// MQTT.js subscriber (standing in for Home Assistant) sees: retained states, discovery configs,
// QoS-1 events, commands; plus wrong passwords, a broker outage, a busy port and redeploys.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MqttClient } from 'mqtt';
import { helper, recordStatus, type StatusCall } from '../support/nodered';
import { freePort } from '../support/ports';
import { hub } from '../../runtime/hub';
import { detectRegistry, type DetectHandle } from '../../runtime/detect/registry';
import { validateDiscovery } from '../../runtime/mqtt/discovery';
import type { CameraConfig } from '../../runtime/camera/config';
import type { BehaviorChangePayload, Episode } from '../../runtime/contracts';
import { gateProxy, publish, startMosquitto, subscriber, tmpDir, waitFor, sleep, type Received } from '../unit/mqtt/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokerNode = require('../../nodes/ferret-broker/ferret-broker');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNode = require('../../nodes/ferret-mqtt/ferret-mqtt');

const PASSWORD = 'Ferr3t:p@ss/w#rd';
const WRONG = 'not-the-Ferr3t-password';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 1, 2, 3, 0xff, 0xd9]);
const BASE = 'ferretwatch/it';

const userDir = tmpDir('fw-mqtt-userdir-');
helper.settings({ userDir });

type Fields = Record<string, unknown>;

function flow(broker: Fields, mqtt: Fields = {}) {
  return [
    {
      id: 'b1',
      type: 'ferret-broker',
      name: '',
      mode: 'embedded',
      port: '1883',
      bind: '127.0.0.1',
      wsPort: '',
      baseTopic: 'ferretwatch',
      instanceId: 'it',
      discoveryPrefix: 'homeassistant',
      discovery: true,
      ...broker,
    },
    { id: 'm1', type: 'ferret-mqtt', name: '', broker: 'b1', live: false, wires: [], ...mqtt },
  ];
}

function behavior(b: string, since = Date.now()): BehaviorChangePayload {
  return { ferretId: 'luna', name: 'Luna', camera: 'cage', behavior: b, previous: null, confidence: 0.9, since, zone: 'hammock' };
}

function episode(i: number, over: Partial<Episode> = {}): Episode {
  return {
    episodeId: `ep-${i}`,
    ferretId: 'luna',
    name: 'Luna',
    camera: 'cage',
    behavior: 'eating',
    start: 1_700_000_000_000 + i * 1000,
    end: 1_700_000_000_800 + i * 1000,
    durationS: 0.8,
    confidence: 0.9,
    zone: 'bowl',
    ...over,
  };
}

interface Recorded {
  statuses: StatusCall[];
  errors: unknown[][];
}

function record(node: { on(ev: string, fn: (call: { args: unknown[] }) => void): void }): Recorded {
  const errors: unknown[][] = [];
  node.on('call:error', (call) => errors.push(call.args));
  return { statuses: recordStatus(node), errors };
}

async function statusMatching(r: Recorded, re: RegExp, timeoutMs = 10_000): Promise<StatusCall> {
  let hit: StatusCall | undefined;
  await waitFor(() => (hit = r.statuses.find((s) => re.test(s.text ?? ''))) !== undefined, timeoutMs, `a status matching ${re} (seen: ${r.statuses.map((s) => s.text).join(' | ')})`);
  return hit!;
}

/** The retained value a new subscriber gets for `topic` (null when nothing is retained). */
async function retained(url: string, topic: string, opts: { username?: string; password?: string } = {}): Promise<Received | null> {
  const s = await subscriber(url, topic, opts);
  await sleep(200);
  await s.close();
  return s.messages.find((m) => m.topic === topic && m.retain) ?? null;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function texts(r: Recorded): string {
  return JSON.stringify(r.statuses) + JSON.stringify(r.errors);
}

/** Everything Node-RED logged during the test (the helper spies on the log). */
function logged(): string {
  const spy = helper.log();
  return JSON.stringify(spy.args ?? []);
}

describe('ferret-mqtt with real brokers', () => {
  before(async () => {
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  after(async () => {
    await helper.stopServer();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  test('embedded broker: retained behavior state, HA discovery, QoS-1 episode events, bad input', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    await helper.load([brokerNode, mqttNode], flow({ port: String(port) }));
    const m1 = helper.getNode('m1');
    const r = record(m1);
    await statusMatching(r, /^connected · \d+ msg\/min$/);
    const sub = await subscriber(url, [`${BASE}/#`, 'homeassistant/#']);

    m1.receive({ topic: 'luna/behavior', payload: behavior('sleeping') });
    await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/ferrets/luna/behavior`), 5000, 'behavior state');
    assert.equal(sub.messages.find((m) => m.topic === `${BASE}/ferrets/luna/behavior`)!.payload.toString(), 'sleeping');
    const kept = await retained(url, `${BASE}/ferrets/luna/behavior`);
    assert.equal(kept?.payload.toString(), 'sleeping', 'the state is retained for Home Assistant');

    // Discovery: one HA device for the ferret, every config valid by HA's rules.
    const behaviorConfig = sub.messages.find((m) => m.topic === 'homeassistant/sensor/ferretwatch_it/ferret_luna_behavior/config');
    assert.ok(behaviorConfig, 'behavior sensor discovery config');
    const cfg = JSON.parse(behaviorConfig.payload.toString());
    assert.equal(cfg.state_topic, `${BASE}/ferrets/luna/behavior`);
    assert.equal(cfg.device.name, 'Luna');
    const configs = sub.messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
    assert.ok(configs.length >= 6);
    for (const c of configs) assert.deepEqual(validateDiscovery(c.topic.split('/')[1], JSON.parse(c.payload.toString())), [], c.topic);
    assert.equal((await retained(url, `${BASE}/available`))?.payload.toString(), 'online');

    m1.receive({ topic: 'luna/episode', payload: episode(1), event: 'end' });
    await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/events`), 5000, 'episode event');
    const ev = sub.messages.find((m) => m.topic === `${BASE}/events`)!;
    assert.equal(ev.qos, 1);
    assert.deepEqual(JSON.parse(ev.payload.toString()), { type: 'end', episode: episode(1) });
    const haEvent = await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/ferrets/luna/event`), 5000, 'HA event entity').then(
      () => JSON.parse(sub.messages.find((m) => m.topic === `${BASE}/ferrets/luna/event`)!.payload.toString()),
    );
    assert.equal(haEvent.event_type, 'eating_ended');

    // Bad input: red status, an error Catch nodes see, and the node keeps working.
    m1.receive({ topic: 'luna/behavior', payload: 'sleeping' });
    await statusMatching(r, /^bad input: msg.payload must be an object/);
    await waitFor(() => r.errors.length > 0, 2000, 'node.error');
    m1.receive({ topic: 'luna/behavior', payload: behavior('playing') });
    await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/ferrets/luna/behavior` && m.payload.toString() === 'playing'), 5000, 'next state');
    assert.match(r.statuses.at(-1)?.text ?? '', /^connected/, 'the status recovers after a good input');

    // The durable queue lives in the user dir when no behavior-store node runs.
    assert.ok(fs.existsSync(path.join(userDir, 'ferretwatch-outbox', 'b1', 'outbox.jsonl')));
    await sub.close();
  });

  test('hub option: cameras and live events without wires, commands, snapshots, one event per episode', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const owner = {};
    hub.registerCamera({ id: 'cage', name: 'Cage', url: 'demo:', transport: 'tcp', zones: [], credentials: {} } as unknown as CameraConfig, owner);
    const handle: DetectHandle = {
      cameraId: 'cage',
      stats: () => ({ camera: 'cage', state: 'live' }) as never,
      latest: () => undefined,
      snapshotJpeg: async () => JPEG,
    };
    detectRegistry.attach(handle, owner);
    const controls: Array<[string, boolean]> = [];
    const snapshotRequests: string[] = [];
    const onControl = (c: string, on: boolean) => controls.push([c, on]);
    const onSnap = (c: string) => snapshotRequests.push(c);
    hub.on('detectControl', onControl);
    hub.on('snapshotRequest', onSnap);
    try {
      await helper.load([brokerNode, mqttNode], flow({ port: String(port) }, { live: true }));
      const m1 = helper.getNode('m1');
      const r = record(m1);
      await statusMatching(r, /^connected/);
      const sub = await subscriber(url, [`${BASE}/#`, 'homeassistant/#']);

      // The registered camera has its HA device (retained discovery) before anything happened on it.
      const sw = await retained(url, 'homeassistant/switch/ferretwatch_it/camera_cage_detection/config');
      assert.ok(sw, 'detection switch discovery');
      assert.equal(JSON.parse(sw.payload.toString()).device.name, 'Cage');
      assert.equal((await retained(url, `${BASE}/cameras/cage/detect/state`))?.payload.toString(), 'ON');

      // Live events reach MQTT without wires.
      hub.publish({ kind: 'behavior', payload: behavior('eating') });
      hub.publish({
        kind: 'tracks',
        payload: { camera: 'cage', frameId: 1, ts: Date.now(), width: 640, height: 480, tracks: [{ trackId: 't1', ferretId: 'luna', name: 'Luna', box: [0, 0, 10, 10], velocity: [50, 0], state: 'confirmed', age: 2, hitStreak: 5, zones: [], score: 0.9 }] },
      });
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/ferrets/luna/behavior` && m.payload.toString() === 'eating'), 5000, 'live behavior');
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/cameras/cage/ferrets` && m.payload.toString() === '1'), 5000, 'ferret count');
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/cameras/cage/motion` && m.payload.toString() === 'ON'), 5000, 'motion');

      // The same episode by wire and from the hub: published once.
      hub.publish({ kind: 'episode', payload: { ...episode(7), type: 'end' } });
      m1.receive({ topic: 'luna/episode', payload: episode(7), event: 'end' });
      m1.receive({ topic: 'luna/episode', payload: episode(8), event: 'end' });
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/events` && m.payload.includes('ep-8')), 5000, 'second episode');
      await sleep(200);
      const ids = sub.messages.filter((m) => m.topic === `${BASE}/events`).map((m) => JSON.parse(m.payload.toString()).episode.episodeId);
      assert.deepEqual(ids, ['ep-7', 'ep-8']);

      // detect/set OFF → the hub request and the retained state.
      await publish(url, `${BASE}/cameras/cage/detect/set`, 'OFF');
      await waitFor(() => controls.length > 0, 5000, 'detectControl');
      assert.deepEqual(controls, [['cage', false]]);
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/cameras/cage/detect/state` && m.payload.toString() === 'OFF'), 5000, 'detect state');
      assert.equal((await retained(url, `${BASE}/cameras/cage/detect/state`))?.payload.toString(), 'OFF');

      // snapshot/set → a hub request and the annotated JPEG, retained.
      await publish(url, `${BASE}/cameras/cage/snapshot/set`, 'PRESS');
      await waitFor(() => sub.messages.some((m) => m.topic === `${BASE}/cameras/cage/snapshot`), 5000, 'snapshot');
      assert.deepEqual(snapshotRequests, ['cage']);
      assert.deepEqual((await retained(url, `${BASE}/cameras/cage/snapshot`))?.payload, JPEG);
      await sub.close();
    } finally {
      hub.off('detectControl', onControl);
      hub.off('snapshotRequest', onSnap);
      detectRegistry.detach('cage', owner);
      hub.unregisterCamera('cage', owner);
    }
    await helper.unload();
    assert.equal(hub.listenerCount('live'), 0, 'no hub listener left after close');
    assert.equal(hub.listenerCount('camera'), 0);
  });

  test('external Mosquitto with a password connects; a wrong password is a clear red status without the password', async () => {
    const mosq = await startMosquitto(undefined, { passwords: { fw: PASSWORD } });
    try {
      await helper.load([brokerNode, mqttNode], flow({ mode: 'external', url: mosq.url }), { b1: { user: 'fw', password: PASSWORD } });
      const ok = record(helper.getNode('m1'));
      await statusMatching(ok, /^connected/);
      const sub = await subscriber(mosq.url, `${BASE}/ferrets/+/behavior`, { username: 'fw', password: PASSWORD });
      helper.getNode('m1').receive({ topic: 'luna/behavior', payload: behavior('resting') });
      await waitFor(() => sub.messages.some((m) => m.payload.toString() === 'resting'), 5000, 'state through Mosquitto');
      await sub.close();
      assert.equal((await retained(mosq.url, `${BASE}/ferrets/luna/behavior`, { username: 'fw', password: PASSWORD }))?.payload.toString(), 'resting');
      assert.equal((await retained(mosq.url, `${BASE}/available`, { username: 'fw', password: PASSWORD }))?.payload.toString(), 'online');
      await helper.unload();
      // A clean close does not fire the last will: the node says `offline` itself.
      assert.equal((await retained(mosq.url, `${BASE}/available`, { username: 'fw', password: PASSWORD }))?.payload.toString(), 'offline');

      await helper.load([brokerNode, mqttNode], flow({ mode: 'external', url: mosq.url }), { b1: { user: 'fw', password: WRONG } });
      const bad = record(helper.getNode('m1'));
      const st = await statusMatching(bad, /broker refused/);
      assert.equal(st.fill, 'red');
      // Mosquitto says "not authorized" (MQTT 5 reason 135) to a wrong password; aedes says "bad user name or password".
      assert.match(st.text ?? '', /^broker refused: not authorized \(check user name and password\)$/);
      await sleep(2500); // a few reconnect attempts: still one clear status, no password anywhere
      assert.equal(bad.statuses.at(-1)?.text, st.text);
      for (const secret of [PASSWORD, WRONG]) {
        assert.ok(!texts(bad).includes(secret), 'no password in a status');
        assert.ok(!logged().includes(secret), 'no password in the log');
      }
      const warnings = (helper.log().args as unknown[][]).filter((a) => /Connection refused/i.test(JSON.stringify(a)));
      assert.ok(warnings.length >= 1, 'the refusal is logged');
      assert.ok(warnings.length <= 1, `the refusal is logged once, not on every retry (${warnings.length})`);
    } finally {
      await mosq.kill('SIGTERM');
    }
  });

  test('broker killed while events are produced: all delivered, in order, once it is back', { timeout: 60_000 }, async () => {
    const mosq = await startMosquitto();
    // The node connects through a gate, so the test subscriber is back before the publisher is.
    const gate = await gateProxy(mosq.port);
    const sub = await subscriber(mosq.url, `${BASE}/events`, { resubscribe: false });
    try {
      await helper.load([brokerNode, mqttNode], flow({ mode: 'external', url: `mqtt://127.0.0.1:${gate.port}` }));
      const m1 = helper.getNode('m1');
      const r = record(m1);
      await statusMatching(r, /^connected/);
      const N = 120;
      for (let i = 0; i < 20; i++) m1.receive({ topic: 'luna/episode', payload: episode(i), event: 'end' });
      await waitFor(() => sub.messages.length >= 20, 5000, 'events before the outage');

      gate.open = false;
      await mosq.kill('SIGKILL');
      for (let i = 20; i < N; i++) {
        m1.receive({ topic: 'luna/episode', payload: episode(i), event: 'end' });
        if (i % 10 === 0) await sleep(40);
      }
      await statusMatching(r, /^broker down · \d+ queued$/);
      await sleep(3000);

      const back = new Promise<void>((resolve) => (sub.client as MqttClient).once('connect', () => sub.client.subscribe(`${BASE}/events`, { qos: 1 }, () => resolve())));
      await mosq.start();
      await back;
      gate.open = true;
      await waitFor(() => new Set(sub.messages.map((m) => m.payload.toString())).size >= N, 20_000, 'all events after the outage');
      const seq = sub.messages.map((m) => Number(/ep-(\d+)/.exec(m.payload.toString())![1]));
      const firsts = seq.filter((n, i) => seq.indexOf(n) === i);
      assert.deepEqual(firsts, Array.from({ length: N }, (_, i) => i), 'every event, in order');
      assert.ok(seq.length - N <= 16, 'duplicates only as QoS-1 redeliveries of the in-flight window');
      await statusMatching(r, /^connected/);
    } finally {
      await sub.close();
      await gate.close();
      await mosq.kill('SIGTERM');
    }
  });

  test('embedded port in use: red status with what to do, the flow keeps running', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      await helper.load([brokerNode, mqttNode], flow({ port: String(port) }));
      const m1 = helper.getNode('m1');
      const r = record(m1);
      const st = await statusMatching(r, /is in use/);
      assert.equal(st.fill, 'red');
      assert.equal(st.text, `port ${port} is in use: another broker? choose another port or use external mode`);
      // Inputs are still accepted (episodes wait in the outbox), no error per message.
      m1.receive({ topic: 'luna/behavior', payload: behavior('sleeping') });
      m1.receive({ topic: 'luna/episode', payload: episode(1), event: 'end' });
      await sleep(200);
      assert.deepEqual(r.errors, []);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('the port may be an ${ENV} placeholder (as in the demo flow)', async () => {
    const port = await freePort();
    process.env.FW_TEST_MQTT_PORT = String(port);
    try {
      await helper.load([brokerNode, mqttNode], flow({ port: '${FW_TEST_MQTT_PORT}' }, { live: true }));
      await statusMatching(record(helper.getNode('m1')), /^connected/);
      assert.equal(await canBind(port), false, 'the embedded broker listens on the port from the environment');
    } finally {
      delete process.env.FW_TEST_MQTT_PORT;
    }
  });

  test('redeploy and close leave no broker behind: the port is free again', async () => {
    const port1 = await freePort();
    const port2 = await freePort();
    await helper.load([brokerNode, mqttNode], flow({ port: String(port1) }));
    await statusMatching(record(helper.getNode('m1')), /^connected/);
    assert.equal(await canBind(port1), false, 'the embedded broker listens');

    // Full redeploy with another port: the old broker is closed before the new one starts.
    await helper.setFlows(flow({ port: String(port2) }), 'full');
    await waitFor(() => helper.getNode('m1') !== null, 2000, 'redeployed');
    await statusMatching(record(helper.getNode('m1')), /^connected/);
    assert.equal(await canBind(port1), true, 'old port free after redeploy');
    assert.equal(await canBind(port2), false);

    // Redeploy with the same port works too (close is awaited).
    await helper.setFlows(flow({ port: String(port2), baseTopic: 'fw2' }), 'full');
    await statusMatching(record(helper.getNode('m1')), /^connected/);

    // Only the ferret-mqtt node changes: the broker stays, the old publisher's `offline` must not
    // land after the new one's `online`.
    await helper.setFlows(flow({ port: String(port2), baseTopic: 'fw2' }, { name: 'renamed' }), 'nodes');
    await statusMatching(record(helper.getNode('m1')), /^connected/);
    await sleep(200);
    assert.equal(await canBind(port2), false, 'the broker kept running');
    assert.equal((await retained(`mqtt://127.0.0.1:${port2}`, 'fw2/it/available'))?.payload.toString(), 'online');

    await helper.unload();
    assert.equal(await canBind(port2), true, 'port free after close');
  });
});
