// FerretMqttPublisher against a real Mosquitto on a free 127.0.0.1 port.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { FerretMqttPublisher, PublisherOptions } from '../../../runtime/mqtt/publisher';
import { cameraConfigs, checkState, Component, ferretConfigs, defaultOrigin, validateDiscovery, Json } from '../../../runtime/mqtt/discovery';
import { mqttTopics } from '../../../runtime/mqtt/topics';
import type { Episode } from '../../../runtime/contracts';
import { Mosquitto, publish, startMosquitto, subscriber, waitFor, sleep } from './helpers';

const CHILD = path.join(__dirname, 'child-publisher.js');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]);

function episode(i: number, over: Partial<Episode> = {}): Episode {
  return {
    episodeId: `ep-${i}`,
    ferretId: 'luna',
    name: 'Luna',
    camera: 'cage',
    behavior: 'sleeping',
    start: 1_700_000_000_000 + i * 1000,
    end: 1_700_000_000_900 + i * 1000,
    durationS: 0.9,
    confidence: 0.87,
    zone: 'hammock',
    ...over,
  };
}

async function connected(pub: FerretMqttPublisher): Promise<void> {
  if (pub.stats().connected) return;
  await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
}

function make(broker: Mosquitto, over: Partial<PublisherOptions> = {}): FerretMqttPublisher {
  return new FerretMqttPublisher({
    url: broker.url,
    instanceId: 'test',
    statsIntervalMs: 0,
    haBirthDelayMs: [0, 20],
    reconnectPeriodMs: 200,
    ...over,
  });
}

/** Runs mosquitto_sub -v style (retain flag, topic, hex payload) until stopped. */
function mosquittoSub(port: number, topic: string) {
  // stdbuf: mosquitto_sub's debug lines (which tell us it is subscribed) are block-buffered on a pipe.
  const proc = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-d', '-t', topic, '-F', '%r\t%t\t%x']);
  let buf = '';
  let subscribed = false;
  const lines: Array<{ retain: boolean; topic: string; payload: Buffer }> = [];
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.includes('received SUBACK')) subscribed = true;
      const m = /^([01])\t([^\t]+)\t([0-9a-f]*)$/i.exec(line);
      if (m) lines.push({ retain: m[1] === '1', topic: m[2], payload: Buffer.from(m[3], 'hex') });
    }
  });
  return {
    lines,
    ready: () => waitFor(() => subscribed, 5000, 'mosquitto_sub SUBACK'),
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

describe('FerretMqttPublisher with Mosquitto', () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.kill('SIGTERM');
  });

  test('the topic tree as mosquitto_sub sees it, retained states included', async () => {
    const t = mqttTopics({ instanceId: 'tree' });
    const live = mosquittoSub(broker.port, `${t.base}/#`);
    await live.ready();
    const pub = make(broker, { instanceId: 'tree', clipBaseUrl: 'http://nodered.local:1880' });
    pub.start();
    await connected(pub);
    pub.addCamera('cage', { name: 'Cage' });
    pub.onBehaviorChange({ ferretId: 'luna', name: 'Luna', camera: 'cage', behavior: 'sleeping', previous: 'resting', confidence: 0.912, since: 1_700_000_000_000, zone: 'hammock' });
    pub.onBehaviorChange({ ferretId: 'luna', name: 'Luna', camera: 'cage', behavior: 'zooming', previous: 'sleeping', confidence: 0.5, since: 1_700_000_100_000, zone: null });
    pub.onEpisode('start', episode(1, { end: null }));
    pub.onEpisode('end', episode(1, { behavior: 'eating', clip: '/ferretwatch/clips/ep-1.mp4' }));
    pub.onSummary({ ferretId: 'luna', name: 'Luna', date: '2024-01-01', minutes: { sleeping: 600, playing: 30, eating: 12.5, resting: 100 }, meals: 4, drinks: 6, litterVisits: 3, distanceBodyLengths: 120, longestSleepMin: 180, firstActivity: 1_700_000_000_000, lastActivity: null });
    pub.onAlert({ alertId: 'a1', ferretId: 'luna', name: 'Luna', type: 'no_eating', message: 'Luna has not eaten for 8 h', ts: 1_700_000_000_000 });
    pub.onStreamState({ camera: 'cage', state: 'live', url: '/ferretwatch/hls/cage/index.m3u8', stats: { fps: 15, restarts: 0 }, ts: 1_700_000_000_000 });
    pub.onTracks('cage', 2, true);
    pub.onTracks('cage', 2, true);
    pub.setSnapshot('cage', JPEG);
    await waitFor(() => pub.stats().queued === 0 && live.lines.some((l) => l.topic.endsWith('/snapshot')), 5000, 'everything sent');
    await sleep(200);
    await live.stop();

    const byTopic = (topic: string) => live.lines.filter((l) => l.topic === topic).map((l) => l.payload.toString());
    const f = t.ferret('luna');
    const c = t.camera('cage');
    assert.deepEqual(byTopic(t.available), ['online']);
    // 'zooming' is not a behavior HA knows: the state stays 'sleeping', attributes still update.
    assert.deepEqual(byTopic(f.behavior), ['sleeping']);
    assert.equal(byTopic(f.attributes).length, 2);
    const attrs = JSON.parse(byTopic(f.attributes)[0]);
    assert.deepEqual(attrs, { behavior: 'sleeping', previous: 'resting', confidence: 0.91, camera: 'cage', zone: 'hammock', since: '2023-11-14T22:13:20.000Z', name: 'Luna' });
    const events = byTopic(t.events).map((s) => JSON.parse(s));
    assert.deepEqual(events.map((e) => e.type), ['start', 'end']);
    assert.equal(events[1].episode.episodeId, 'ep-1');
    assert.equal(events[1].episode.clipUrl, 'http://nodered.local:1880/ferretwatch/clips/ep-1.mp4');
    const haEvents = byTopic(f.event).map((s) => JSON.parse(s));
    assert.deepEqual(haEvents.map((e) => e.event_type), ['eating_ended', 'alert_no_eating']);
    assert.deepEqual(byTopic(f.alert), ['no_eating']);
    assert.equal(JSON.parse(byTopic(t.alerts)[0]).message, 'Luna has not eaten for 8 h');
    assert.deepEqual(byTopic(f.lastMeal), [new Date(episode(1).start).toISOString()]);
    const summary = JSON.parse(byTopic(f.summary)[0]);
    assert.equal(summary.activeMinutes, 42.5);
    assert.equal(summary.sleepMinutes, 600);
    assert.equal(summary.meals, 4);
    assert.deepEqual(byTopic(c.state), ['live']);
    assert.equal(JSON.parse(byTopic(c.stream)[0]).url, '/ferretwatch/hls/cage/index.m3u8');
    assert.deepEqual(byTopic(c.ferrets), ['2'], 'unchanged counts are not re-published');
    assert.deepEqual(byTopic(c.motion), ['ON']);
    assert.deepEqual(byTopic(c.detectState), ['ON']);
    assert.deepEqual(live.lines.find((l) => l.topic === c.snapshot)!.payload, JPEG);

    // Every plain state published for a discovered entity is one HA accepts.
    const ctx = { topics: t, origin: defaultOrigin() };
    const configs = [...ferretConfigs(ctx, { id: 'luna' }), ...cameraConfigs(ctx, { id: 'cage' })];
    for (const m of configs) {
      const st = m.config.state_topic as string | undefined;
      if (!st) continue;
      for (const payload of byTopic(st)) assert.deepEqual(checkState(m.component, m.config, payload), [], `${st} = ${payload}`);
    }

    // A late subscriber gets the retained states (and not the one-shot events).
    const late = mosquittoSub(broker.port, `${t.base}/#`);
    await late.ready();
    await sleep(300);
    await late.stop();
    const retained = new Set(late.lines.filter((l) => l.retain).map((l) => l.topic));
    for (const topic of [t.available, f.behavior, f.attributes, f.summary, f.lastMeal, c.state, c.stream, c.ferrets, c.motion, c.snapshot, c.detectState]) {
      assert.ok(retained.has(topic), `retained ${topic}`);
    }
    for (const topic of [t.events, t.alerts, f.event, f.alert]) assert.ok(!retained.has(topic), `not retained ${topic}`);
    assert.equal(pub.status().text.startsWith('connected · '), true);
    await pub.stop();
  });

  test('discovery configs are valid, and re-published after the HA birth message', async () => {
    const sub = await subscriber(broker.url, 'homeassistant/+/ferretwatch_birth/+/config');
    const pub = make(broker, { instanceId: 'birth' });
    pub.start();
    await connected(pub);
    pub.addFerret('luna', 'Luna');
    pub.addCamera('cage');
    const expected = ferretConfigs({ topics: pub.topics, origin: defaultOrigin() }, { id: 'luna' }).length + 7;
    await waitFor(() => sub.messages.length >= expected, 5000, 'discovery configs');
    for (const m of sub.messages) {
      const component = m.topic.split('/')[1] as Component;
      assert.deepEqual(validateDiscovery(component, JSON.parse(m.payload.toString())), [], m.topic);
    }
    sub.messages.length = 0;
    const republished = new Promise<void>((resolve) => pub.once('birthRepublished', () => resolve()));
    await publish(broker.url, 'homeassistant/status', 'online');
    await republished;
    await waitFor(() => sub.messages.length >= expected, 5000, 're-published configs');
    const topics = new Set(sub.messages.map((m) => m.topic));
    assert.equal(topics.size, expected);
    await pub.stop();
    await sub.close();
  });

  test('removing a ferret deletes its HA entities and clears its retained states', async () => {
    const pub = make(broker, { instanceId: 'removal' });
    pub.start();
    await connected(pub);
    pub.onBehaviorChange({ ferretId: 'luna', name: 'Luna', camera: null, behavior: 'playing', previous: null, confidence: 1, since: 1, zone: null });
    await sleep(300);
    pub.removeFerret('luna');
    await waitFor(() => pub.stats().queued === 0, 3000, 'removals sent');
    const sub = await subscriber(broker.url, ['homeassistant/#', `${pub.topics.base}/ferrets/#`]);
    await sleep(300);
    assert.deepEqual(sub.messages.filter((m) => m.topic.includes('ferretwatch_removal') || m.topic.includes('/ferrets/luna/')), []);
    await sub.close();
    await pub.stop();
  });

  test('a command topic toggles detection and reports the state', async () => {
    const calls: Array<[string, boolean]> = [];
    const snaps: string[] = [];
    const pub = make(broker, {
      instanceId: 'cmd',
      onDetectSet: (camera, enabled) => {
        calls.push([camera, enabled]);
      },
      onSnapshotRequest: (camera) => {
        snaps.push(camera);
        pub.setSnapshot(camera, JPEG);
      },
    });
    pub.start();
    await connected(pub);
    pub.addCamera('Cage Cam #1');
    const t = pub.topics.camera('Cage Cam #1');
    const sub = await subscriber(broker.url, [t.detectState, t.snapshot]);
    await waitFor(() => sub.messages.some((m) => m.topic === t.detectState && m.payload.toString() === 'ON'), 3000, 'initial ON');
    await sleep(100); // let the publisher's own SUBACK arrive
    await publish(broker.url, t.detectSet, 'OFF');
    await waitFor(() => sub.messages.some((m) => m.topic === t.detectState && m.payload.toString() === 'OFF'), 3000, 'OFF state');
    assert.deepEqual(calls, [['Cage Cam #1', false]]);
    await publish(broker.url, t.detectSet, 'on');
    await waitFor(() => calls.length === 2, 3000, 'second command');
    assert.deepEqual(calls[1], ['Cage Cam #1', true]);
    await publish(broker.url, t.detectSet, 'garbage');
    await publish(broker.url, t.snapshotSet, 'PRESS');
    await waitFor(() => sub.messages.some((m) => m.topic === t.snapshot), 3000, 'snapshot');
    assert.deepEqual(snaps, ['Cage Cam #1']);
    assert.equal(calls.length, 2, 'invalid payloads are ignored');
    await sub.close();
    await pub.stop();
  });

  test('ferret-track output becomes a ferret count and motion', async () => {
    const pub = make(broker, { instanceId: 'tracks' });
    pub.start();
    await connected(pub);
    const t = pub.topics.camera('cage');
    const sub = await subscriber(broker.url, [t.ferrets, t.motion]);
    const track = (state: 'confirmed' | 'stationary' | 'tentative' | 'lost', vx: number) => ({
      trackId: `t${Math.random()}`, ferretId: null, name: null, box: [0, 0, 10, 10] as [number, number, number, number],
      velocity: [vx, 0] as [number, number], state, age: 1, hitStreak: 3, zones: [], score: 0.9,
    });
    const frame = { camera: 'cage', frameId: 1, ts: 1, width: 640, height: 480 };
    pub.onTracksPayload({ ...frame, tracks: [track('confirmed', 40), track('stationary', 0), track('tentative', 90), track('lost', 90)] });
    await waitFor(() => sub.messages.length >= 2, 3000, 'count and motion');
    pub.onTracksPayload({ ...frame, tracks: [track('stationary', 1)] });
    await waitFor(() => sub.messages.length >= 4, 3000, 'updates');
    const seen = sub.messages.map((m) => `${m.topic.split('/').at(-1)}=${m.payload}`);
    assert.deepEqual(seen, ['ferrets=2', 'motion=ON', 'ferrets=1', 'motion=OFF']);
    await sub.close();
    await pub.stop();
  });

  test('the LWT marks the instance offline when its process is SIGKILLed', async () => {
    const t = mqttTopics({ instanceId: 'lwt' });
    const sub = await subscriber(broker.url, t.available);
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ url: broker.url, instanceId: 'lwt' })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('connected'), 5000, 'child connected');
    await waitFor(() => sub.messages.some((m) => m.payload.toString() === 'online'), 3000, 'online');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => sub.messages.at(-1)?.payload.toString() === 'offline', 5000, 'offline from LWT');
    const late = await subscriber(broker.url, t.available);
    await waitFor(() => late.messages.length > 0, 3000, 'retained availability');
    assert.equal(late.messages[0].payload.toString(), 'offline');
    assert.equal(late.messages[0].retain, true);
    await late.close();
    await sub.close();
  });

  test('two instances on one broker never touch each other\'s topics or unique_ids', async () => {
    const a = make(broker, { instanceId: 'alpha' });
    const b = make(broker, { instanceId: 'beta' });
    a.start();
    b.start();
    await Promise.all([connected(a), connected(b)]);
    for (const [p, behavior] of [[a, 'sleeping'], [b, 'playing']] as const) {
      p.addCamera('cage');
      p.onBehaviorChange({ ferretId: 'luna', name: 'Luna', camera: 'cage', behavior, previous: null, confidence: 1, since: 1, zone: null });
      p.onTracks('cage', behavior === 'sleeping' ? 1 : 3);
    }
    await sleep(400);
    const sub = await subscriber(broker.url, ['homeassistant/+/ferretwatch_alpha/#', 'homeassistant/+/ferretwatch_beta/#', 'ferretwatch/alpha/#', 'ferretwatch/beta/#']);
    await sleep(400);
    const configs = sub.messages.filter((m) => m.topic.endsWith('/config')).map((m) => JSON.parse(m.payload.toString()) as Json);
    const uniqueIds = configs.filter((c) => c.unique_id).map((c) => c.unique_id as string);
    assert.ok(uniqueIds.length >= 2 * 13, `saw ${uniqueIds.length} entities`);
    assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique_ids are unique across instances');
    const devices = new Map<string, Set<string>>();
    for (const c of configs) {
      const inst = String(JSON.stringify((c.device as Json).identifiers)).includes('alpha') ? 'alpha' : 'beta';
      for (const id of (c.device as Json).identifiers as string[]) {
        if (!devices.has(id)) devices.set(id, new Set());
        devices.get(id)!.add(inst);
      }
    }
    for (const [id, insts] of devices) assert.equal(insts.size, 1, `device ${id} shared`);
    const state = (topic: string) => sub.messages.find((m) => m.topic === topic)?.payload.toString();
    assert.equal(state(a.topics.ferret('luna').behavior), 'sleeping');
    assert.equal(state(b.topics.ferret('luna').behavior), 'playing');
    assert.equal(state(a.topics.camera('cage').ferrets), '1');
    assert.equal(state(b.topics.camera('cage').ferrets), '3');
    await sub.close();
    await a.stop();
    await b.stop();
  });
});
