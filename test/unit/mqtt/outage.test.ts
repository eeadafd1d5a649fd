// Durability: a broker outage while events keep coming, and a publisher restart while the
// broker is down. Real Mosquitto, killed with SIGKILL.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { MqttClient } from 'mqtt';
import { FerretMqttPublisher } from '../../../runtime/mqtt/publisher';
import { FileOutbox } from '../../../runtime/mqtt/outbox';
import { mqttTopics } from '../../../runtime/mqtt/topics';
import type { Episode } from '../../../runtime/contracts';
import { freePort, gateProxy, sleep, startMosquitto, subscriber, tmpDir, waitFor, Received } from './helpers';

const CHILD = path.join(__dirname, 'child-publisher.js');

function episode(i: number): Episode {
  return {
    episodeId: `ep-${i}`,
    ferretId: 'luna',
    name: 'Luna',
    camera: 'cage',
    behavior: i % 2 ? 'sleeping' : 'playing',
    start: 1_700_000_000_000 + i * 1000,
    end: 1_700_000_000_500 + i * 1000,
    durationS: 0.5,
    confidence: 0.9,
    zone: null,
  };
}

/** Episode numbers in arrival order. */
function sequence(messages: Received[], topic: string): number[] {
  return messages
    .filter((m) => m.topic === topic)
    .map((m) => Number(/^ep-(\d+)$/.exec(JSON.parse(m.payload.toString()).episode.episodeId)![1]));
}

/**
 * Strict order: the first occurrences are exactly 0..n-1 in order, and every repeat is of an
 * episode already seen (a QoS-1 redelivery), never a jump ahead.
 */
function assertInOrder(seq: number[], n: number, maxDuplicates: number): void {
  const firsts: number[] = [];
  const seen = new Set<number>();
  let dups = 0;
  for (const i of seq) {
    if (seen.has(i)) dups++;
    else {
      seen.add(i);
      firsts.push(i);
    }
  }
  assert.deepEqual(firsts, Array.from({ length: n }, (_, i) => i), 'every event exactly once, in order (ignoring redeliveries)');
  assert.ok(dups <= maxDuplicates, `${dups} redeliveries, at most ${maxDuplicates} expected`);
}

function resubscribed(client: MqttClient, topic: string): Promise<void> {
  return new Promise((resolve) => {
    client.once('connect', () => client.subscribe(topic, { qos: 1 }, () => resolve()));
  });
}

describe('MQTT outages', () => {
  test('500 events produced while the broker is down for ~10 s all arrive, in order', { timeout: 60_000 }, async () => {
    const broker = await startMosquitto();
    // The publisher goes through a gate so the test subscriber is re-subscribed before the
    // publisher may reconnect (Mosquitto keeps no sessions across a restart here).
    const gate = await gateProxy(broker.port);
    const topics = mqttTopics({ instanceId: 'outage' });
    const sub = await subscriber(broker.url, topics.events, { resubscribe: false });
    const window = 16;
    const pub = new FerretMqttPublisher({
      url: `mqtt://127.0.0.1:${gate.port}`,
      instanceId: 'outage',
      statsIntervalMs: 0,
      reconnectPeriodMs: 250,
      inflightWindow: window,
    });
    pub.start();
    await new Promise((resolve) => pub.once('connect', resolve));

    const N = 500;
    let produced = 0;
    const producer = setInterval(() => {
      for (let k = 0; k < 2 && produced < N; k++) pub.onEpisode('end', episode(produced++));
      if (produced >= N) clearInterval(producer);
    }, 12); // ~3 s of production at full speed; the outage covers most of it

    await waitFor(() => produced >= 60, 5000, 'some events before the outage');
    gate.open = false;
    await broker.kill('SIGKILL');
    await waitFor(() => !pub.stats().connected, 5000, 'publisher notices');
    const queuedDuringOutage: number[] = [];
    const sampler = setInterval(() => queuedDuringOutage.push(pub.stats().queued), 200);
    assert.match(pub.status().text, /^broker down · \d+ queued$/);
    await sleep(10_000);
    clearInterval(sampler);
    assert.equal(produced, N, 'all events were produced during the outage window');
    assert.ok(Math.max(...queuedDuringOutage) > N / 2, 'events queued in the outbox while the broker was down');

    const back = resubscribed(sub.client, topics.events);
    await broker.start();
    await back;
    gate.open = true;
    await waitFor(() => new Set(sequence(sub.messages, topics.events)).size >= N, 20_000, 'all events delivered');
    await waitFor(() => pub.stats().queued === 0, 5000, 'outbox drained');
    assertInOrder(sequence(sub.messages, topics.events), N, window);

    await pub.stop();
    await sub.close();
    await gate.close();
    await broker.kill('SIGTERM');
  });

  test('the file outbox survives a publisher restart while the broker is down', { timeout: 30_000 }, async () => {
    const port = await freePort(); // nothing listens yet: the broker is "down"
    const dir = tmpDir('fw-outbox-');
    const url = `mqtt://127.0.0.1:${port}`;
    const N = 40;
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ url, instanceId: 'durable', outboxDir: dir, events: N })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('queued'), 10_000, 'child queued events');
    assert.match(out, new RegExp(`queued ${2 * N}`)); // the events topic + the HA event entity
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL'); // no chance to flush anything
    await exited;

    const check = new FileOutbox(dir);
    assert.equal(check.count(), 2 * N, 'nothing lost by the kill');
    check.close();

    const broker = await startMosquitto(port);
    const topics = mqttTopics({ instanceId: 'durable' });
    const sub = await subscriber(broker.url, [topics.events, topics.ferret('luna').event]);
    const pub = new FerretMqttPublisher({ url, instanceId: 'durable', outboxDir: dir, statsIntervalMs: 0 });
    pub.start();
    await waitFor(() => pub.stats().queued === 0 && pub.stats().connected, 10_000, 'outbox drained after restart');
    await sleep(100);
    assertInOrder(sequence(sub.messages, topics.events), N, 0);
    const haEvents = sub.messages.filter((m) => m.topic === topics.ferret('luna').event).map((m) => JSON.parse(m.payload.toString()));
    assert.deepEqual(haEvents.map((e) => e.episodeId), Array.from({ length: N }, (_, i) => `ep-${i}`));
    assert.ok(haEvents.every((e) => e.event_type === 'sleeping_ended'));
    await pub.stop();
    await sub.close();
    await broker.kill('SIGTERM');
  });
});
