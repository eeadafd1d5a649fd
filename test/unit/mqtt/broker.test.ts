// The embedded aedes broker: connect, retained messages, WebSocket, and who may connect.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, IClientOptions } from 'mqtt';
import { authPolicy, isLoopback, startEmbeddedBroker } from '../../../runtime/mqtt/broker';
import { FerretMqttPublisher } from '../../../runtime/mqtt/publisher';
import { subscriber, waitFor } from './helpers';

/** Connect once; resolves 'ok' or the CONNACK refusal code. */
function tryConnect(url: string, opts: Partial<IClientOptions> = {}): Promise<'ok' | number> {
  return new Promise((resolve) => {
    const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    c.once('connect', () => {
      c.end(true);
      resolve('ok');
    });
    c.once('error', (err: Error & { code?: number }) => {
      c.end(true);
      resolve(typeof err.code === 'number' ? err.code : -1);
    });
  });
}

describe('embedded aedes broker', () => {
  test('clients connect and retained messages reach late subscribers', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      assert.equal(broker.warning, null);
      assert.match(broker.address.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
      const pub = connect(broker.address.url, { protocolVersion: 4 });
      await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
      await new Promise<void>((resolve, reject) =>
        pub.publish('ferretwatch/x/ferrets/luna/behavior', 'sleeping', { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())),
      );
      const late = await subscriber(broker.address.url, 'ferretwatch/#');
      await waitFor(() => late.messages.length > 0, 3000, 'retained message');
      assert.equal(late.messages[0].topic, 'ferretwatch/x/ferrets/luna/behavior');
      assert.equal(late.messages[0].payload.toString(), 'sleeping');
      assert.equal(late.messages[0].retain, true);
      assert.ok(broker.connectedClients() >= 2);
      pub.end(true);
      await late.close();
    } finally {
      await broker.close();
    }
  });

  test('MQTT over WebSocket', async () => {
    const broker = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    try {
      assert.ok(broker.wsAddress);
      const sub = await subscriber(broker.address.url, 'a/b');
      const ws = connect(broker.wsAddress!.url, { protocolVersion: 4 });
      await new Promise<void>((resolve) => ws.once('connect', () => resolve()));
      ws.publish('a/b', 'over ws', { qos: 1 });
      await waitFor(() => sub.messages.length === 1, 3000, 'ws message');
      assert.equal(sub.messages[0].payload.toString(), 'over ws');
      ws.end(true);
      await sub.close();
    } finally {
      await broker.close();
    }
  });

  test('refuses anonymous clients on a non-loopback bind unless explicitly allowed', async () => {
    const refusing = await startEmbeddedBroker({ port: 0, host: '0.0.0.0' });
    try {
      assert.match(refusing.warning ?? '', /refuses anonymous/);
      assert.equal(await tryConnect(`mqtt://127.0.0.1:${refusing.address.port}`), 5);
    } finally {
      await refusing.close();
    }
    const open = await startEmbeddedBroker({ port: 0, host: '0.0.0.0', allowAnonymous: true });
    try {
      assert.match(open.warning ?? '', /accepts anonymous/);
      assert.equal(await tryConnect(`mqtt://127.0.0.1:${open.address.port}`), 'ok');
    } finally {
      await open.close();
    }
    const withUser = await startEmbeddedBroker({ port: 0, host: '0.0.0.0', username: 'ferret', password: 's3cret' });
    try {
      assert.equal(withUser.warning, null);
      const url = `mqtt://127.0.0.1:${withUser.address.port}`;
      assert.equal(await tryConnect(url), 5);
      assert.equal(await tryConnect(url, { username: 'ferret', password: 'wrong' }), 4);
      assert.equal(await tryConnect(url, { username: 'ferret', password: 's3cret' }), 'ok');
    } finally {
      await withUser.close();
    }
  });

  test('auth policy', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1') && isLoopback('127.1.2.3'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.10') && !isLoopback('::'));
    const local = authPolicy({});
    assert.deepEqual(local.check(undefined, undefined), { ok: true });
    assert.equal(local.warning, null);
    const lan = authPolicy({ host: '192.168.1.10', username: 'u', password: 'p' });
    assert.deepEqual(lan.check(undefined, undefined), { ok: false, code: 5 });
    assert.deepEqual(lan.check('u', 'x'), { ok: false, code: 4 });
    assert.deepEqual(lan.check('u', 'p'), { ok: true });
    assert.deepEqual(authPolicy({ host: '127.0.0.1', allowAnonymous: false }).check(undefined, undefined), { ok: false, code: 5 });
  });

  test('the publisher falls back to MQTT 3.1.1 when aedes refuses MQTT 5', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const pub = new FerretMqttPublisher({ url: broker.address.url, instanceId: 'fallback', statsIntervalMs: 0 });
    try {
      const sub = await subscriber(broker.address.url, 'ferretwatch/fallback/available');
      pub.start();
      await waitFor(() => pub.stats().connected, 5000, 'publisher connected');
      assert.equal(pub.stats().protocolVersion, 4);
      await waitFor(() => sub.messages.some((m) => m.payload.toString() === 'online'), 3000, 'online');
      await sub.close();
    } finally {
      await pub.stop();
      await broker.close();
    }
  });
});
