// HubBridge with a private Hub and a recording publisher: cameras, live events, commands.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Hub } from '../../../runtime/hub';
import { HubBridge, type SnapshotSource } from '../../../runtime/mqtt/hub-bridge';
import { PublisherFeed } from '../../../runtime/mqtt/feed';
import type { FerretMqttPublisher } from '../../../runtime/mqtt/publisher';
import type { CameraConfig } from '../../../runtime/camera/config';
import { sleep } from './helpers';

function camera(id: string, name = id): CameraConfig {
  return { id, name, url: 'demo:', transport: 'tcp', zones: [], credentials: {} } as unknown as CameraConfig;
}

function fakePublisher() {
  const calls: unknown[][] = [];
  const cameras = new Set<string>();
  const pub = {
    addCamera: (id: string, o: { name?: string | null }) => {
      cameras.add(id);
      calls.push(['addCamera', id, o.name ?? null]);
    },
    removeCamera: (id: string) => {
      cameras.delete(id);
      calls.push(['removeCamera', id]);
    },
    hasCamera: (id: string) => cameras.has(id),
    setDetectState: (id: string, on: boolean) => calls.push(['detect', id, on]),
    setSnapshot: (id: string, jpeg: Buffer) => calls.push(['snapshot', id, jpeg.length]),
    onBehaviorChange: (p: { ferretId: string }) => calls.push(['behavior', p.ferretId]),
    onTracksPayload: () => calls.push(['tracks']),
  };
  return { pub: pub as unknown as FerretMqttPublisher, calls };
}

class FakeDetect extends EventEmitter implements SnapshotSource {
  jpeg: Buffer | undefined;
  asked = 0;
  async snapshotJpeg(): Promise<Buffer | undefined> {
    this.asked++;
    return this.jpeg;
  }
}

describe('HubBridge', () => {
  test('every hub camera gets a device; one that goes away is removed after the grace period', async () => {
    const hub = new Hub();
    const owner = {};
    hub.registerCamera(camera('cage', 'Cage'), owner);
    hub.registerCamera(camera('bowl'), owner);
    const { pub, calls } = fakePublisher();
    const bridge = new HubBridge(hub, () => pub, new PublisherFeed(() => undefined), { removeGraceMs: 50, snapshots: null });
    bridge.start();
    bridge.syncCameras();
    assert.deepEqual(calls, [
      ['addCamera', 'bowl', null],
      ['addCamera', 'cage', 'Cage'],
    ]);
    hub.registerCamera(camera('door'), owner);
    // A redeploy: unregistered and registered again within the grace period → kept.
    hub.unregisterCamera('cage', owner);
    hub.registerCamera(camera('cage', 'Cage'), owner);
    hub.unregisterCamera('bowl', owner);
    await sleep(120);
    assert.deepEqual(calls.slice(2), [
      ['addCamera', 'door', null],
      ['addCamera', 'cage', 'Cage'],
      ['removeCamera', 'bowl'],
    ]);
    bridge.stop();
    hub.registerCamera(camera('late'), owner);
    assert.equal(calls.length, 5, 'no listener left after stop');
  });

  test('live events reach the publisher only while the option is on', () => {
    const hub = new Hub();
    const { pub, calls } = fakePublisher();
    const feed = new PublisherFeed(() => pub as never);
    const bridge = new HubBridge(hub, () => pub, feed, { snapshots: null });
    const ev = { kind: 'behavior', payload: { ferretId: 'luna', behavior: 'sleeping', since: 1 } } as never;
    hub.publish(ev);
    bridge.setLive(true);
    hub.publish(ev);
    hub.publish({ kind: 'detections', payload: {} as never });
    bridge.setLive(false);
    hub.publish(ev);
    assert.deepEqual(calls, [['behavior', 'luna']]);
    assert.equal(hub.listenerCount('live'), 0);
  });

  test('detect/set becomes a hub request and its state is reported back', () => {
    const hub = new Hub();
    const { pub } = fakePublisher();
    const bridge = new HubBridge(hub, () => pub, new PublisherFeed(() => undefined), { snapshots: null });
    const seen: Array<[string, boolean]> = [];
    hub.on('detectControl', (c, on) => seen.push([c, on]));
    assert.equal(bridge.onDetectSet('cage', false), false);
    assert.deepEqual(seen, [['cage', false]]);
  });

  test('detection paused or resumed by ferret-detect updates detect/state', () => {
    const hub = new Hub();
    const { pub, calls } = fakePublisher();
    const det = new FakeDetect();
    const bridge = new HubBridge(hub, () => pub, new PublisherFeed(() => undefined), { snapshots: det });
    bridge.start();
    pub.addCamera('cage', {});
    det.emit('state', { camera: 'cage', state: 'paused' });
    det.emit('state', { camera: 'cage', state: 'live' });
    det.emit('state', { camera: 'other', state: 'paused' });
    assert.deepEqual(calls.slice(1), [
      ['detect', 'cage', false],
      ['detect', 'cage', true],
    ]);
    bridge.stop();
    assert.equal(det.listenerCount('state'), 0);
  });

  test('snapshot/set asks the hub and publishes the detect runtime\'s JPEG, with one retry', async () => {
    const hub = new Hub();
    const { pub, calls } = fakePublisher();
    const det = new FakeDetect();
    const bridge = new HubBridge(hub, () => pub, new PublisherFeed(() => undefined), { snapshots: det, snapshotRetryMs: 30 });
    const asked: string[] = [];
    hub.on('snapshotRequest', (c) => {
      asked.push(c);
      setTimeout(() => (det.jpeg = Buffer.alloc(1234)), 10); // the detect node encodes a fresh one
    });
    bridge.onSnapshotRequest('cage');
    await sleep(100);
    assert.deepEqual(asked, ['cage']);
    assert.equal(det.asked, 2);
    assert.deepEqual(calls, [['snapshot', 'cage', 1234]]);
    bridge.stop();
  });

  test('without the detect runtime a snapshot request is logged, not published', () => {
    const hub = new Hub();
    const { pub, calls } = fakePublisher();
    const logs: string[] = [];
    const bridge = new HubBridge(hub, () => pub, new PublisherFeed(() => undefined), { snapshots: null, log: (_l, m) => logs.push(m) });
    bridge.onSnapshotRequest('cage');
    assert.equal(calls.length, 0);
    assert.match(logs.join(), /detect runtime is not installed/);
  });
});
