// Input classification (wired messages and hub events) and de-duplication of durable events.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { classifyMessage, fromLiveEvent, InputError, PublisherFeed, type FeedTarget } from '../../../runtime/mqtt/feed';
import type { Episode } from '../../../runtime/contracts';

const episode: Episode = {
  episodeId: 'ep-1',
  ferretId: 'luna',
  name: 'Luna',
  camera: 'cage',
  behavior: 'eating',
  start: 1_700_000_000_000,
  end: 1_700_000_060_000,
  durationS: 60,
  confidence: 0.9,
  zone: 'bowl',
};
const behavior = { ferretId: 'luna', name: 'Luna', camera: 'cage', behavior: 'sleeping', previous: 'resting', confidence: 0.9, since: 1_700_000_000_000, zone: null };
const alert = { alertId: 'al-1', ferretId: 'luna', name: 'Luna', type: 'no_eating', message: 'Luna has not eaten for 8 h', ts: 1_700_000_000_000 };
const summary = { ferretId: 'luna', name: 'Luna', date: '2024-05-01', minutes: { sleeping: 10 }, meals: 1, drinks: 0, litterVisits: 0, distanceBodyLengths: 0, longestSleepMin: 10, firstActivity: null, lastActivity: null };
const tracks = { camera: 'cage', frameId: 1, ts: 1, width: 640, height: 480, tracks: [{ trackId: 't1', ferretId: 'luna', name: 'Luna', box: [0, 0, 1, 1], velocity: [40, 0], state: 'confirmed', age: 1, hitStreak: 3, zones: [], score: 0.9 }] };
const stream = { camera: 'cage', state: 'live', url: '/ferretwatch/hls/cage/index.m3u8', stats: { restarts: 0 }, ts: 1 };

function recorder() {
  const calls: Array<[string, ...unknown[]]> = [];
  const ferrets = new Set<string>();
  const target: FeedTarget = {
    onBehaviorChange: (p) => calls.push(['behavior', p.ferretId]),
    onEpisode: (type, ep) => calls.push(['episode', type, ep.episodeId]),
    onAlert: (a) => calls.push(['alert', a.alertId]),
    onSummary: (s) => calls.push(['summary', s.ferretId]),
    onTracksPayload: (p) => calls.push(['tracks', p.camera]),
    onStreamState: (p) => calls.push(['stream', p.camera, p.state]),
    addFerret: (id) => {
      ferrets.add(id);
      calls.push(['addFerret', id]);
    },
    hasFerret: (id) => ferrets.has(id),
    removeFerret: (id) => calls.push(['removeFerret', id]),
    removeCamera: (id) => calls.push(['removeCamera', id]),
  };
  return { calls, target };
}

describe('classifyMessage', () => {
  test('recognises every output by its topic', () => {
    assert.equal(classifyMessage({ topic: 'luna/behavior', payload: behavior }).kind, 'behavior');
    const ep = classifyMessage({ topic: 'luna/episode', payload: episode, event: 'end' });
    assert.deepEqual([ep.kind, ep.kind === 'episode' && ep.event], ['episode', 'end']);
    assert.equal(classifyMessage({ topic: 'alert', payload: alert }).kind, 'alert');
    assert.equal(classifyMessage({ topic: 'luna/summary', payload: summary }).kind, 'summary');
    assert.equal(classifyMessage({ topic: 'cage/tracks', payload: tracks }).kind, 'tracks');
    assert.equal(classifyMessage({ topic: 'cage/stream', payload: stream }).kind, 'stream');
    assert.equal(classifyMessage({ topic: 'cage/track', payload: { event: 'track-start', camera: 'cage', trackId: 't', ferretId: null, name: null, ts: 1 } }).kind, 'track');
  });

  test('falls back to the payload shape when the topic was changed', () => {
    assert.equal(classifyMessage({ topic: 'whatever', payload: episode }).kind, 'episode');
    assert.equal(classifyMessage({ payload: alert }).kind, 'alert');
    assert.equal(classifyMessage({ topic: 'x', payload: tracks }).kind, 'tracks');
  });

  test('an episode without msg.event is an end when it has an end time, else a start', () => {
    const end = classifyMessage({ topic: 'luna/episode', payload: episode });
    const start = classifyMessage({ topic: 'luna/episode', payload: { ...episode, end: null } });
    assert.equal(end.kind === 'episode' && end.event, 'end');
    assert.equal(start.kind === 'episode' && start.event, 'start');
  });

  test('bad inputs are refused with a reason', () => {
    assert.throws(() => classifyMessage({ topic: 'luna/behavior', payload: 'sleeping' }), (e: Error) => e instanceof InputError && /must be an object/.test(e.message));
    assert.throws(() => classifyMessage({ topic: 'luna/behavior', payload: { ferretId: 'luna' } }), /ferretId and payload.behavior/);
    assert.throws(() => classifyMessage({ topic: 'luna/episode', payload: episode, event: 'middle' }), /msg.event must be/);
    assert.throws(() => classifyMessage({ topic: 'cage/tracks', payload: { camera: 'cage', tracks: [{}] } }), /state and velocity/);
    assert.throws(() => classifyMessage({ topic: 'hello', payload: 42 }), /cannot tell what topic "hello" is/);
    assert.throws(() => classifyMessage({ topic: 'alert', payload: { type: 'x', message: 'm' } }), /alertId/);
  });
});

describe('PublisherFeed', () => {
  test('routes every kind to the publisher', () => {
    const { calls, target } = recorder();
    const feed = new PublisherFeed(() => target);
    feed.deliver(classifyMessage({ topic: 'luna/behavior', payload: behavior }));
    feed.deliver(classifyMessage({ topic: 'luna/episode', payload: episode, event: 'end' }));
    feed.deliver(classifyMessage({ topic: 'alert', payload: alert }));
    feed.deliver(classifyMessage({ topic: 'luna/summary', payload: summary }));
    feed.deliver(classifyMessage({ topic: 'cage/tracks', payload: tracks }));
    feed.deliver(classifyMessage({ topic: 'cage/stream', payload: stream }));
    feed.deliver(classifyMessage({ topic: 'remove', payload: { ferretId: 'old' } }));
    assert.deepEqual(calls, [
      ['behavior', 'luna'],
      ['episode', 'end', 'ep-1'],
      ['alert', 'al-1'],
      ['summary', 'luna'],
      ['tracks', 'cage'],
      ['stream', 'cage', 'live'],
      ['removeFerret', 'old'],
    ]);
  });

  test('an episode or alert arriving by wire and from the hub is published once', () => {
    const { calls, target } = recorder();
    const feed = new PublisherFeed(() => target);
    assert.equal(feed.live({ kind: 'episode', payload: { ...episode, type: 'end' } }), 'published');
    assert.equal(feed.deliver(classifyMessage({ topic: 'luna/episode', payload: episode, event: 'end' })), 'duplicate');
    assert.equal(feed.deliver(classifyMessage({ topic: 'alert', payload: alert })), 'published');
    assert.equal(feed.live({ kind: 'alert', payload: alert }), 'duplicate');
    // The start of the same episode is a different event.
    assert.equal(feed.live({ kind: 'episode', payload: { ...episode, end: null, type: 'start' } }), 'published');
    assert.deepEqual(calls.map((c) => c[0]), ['episode', 'alert', 'episode']);
  });

  test('the hub event type is not copied into the episode', () => {
    const item = fromLiveEvent({ kind: 'episode', payload: { ...episode, type: 'end' } });
    assert.ok(item && item.kind === 'episode');
    assert.equal('type' in item.payload, false);
    assert.equal(item.event, 'end');
    assert.equal(fromLiveEvent({ kind: 'detections', payload: {} as never }), null);
  });

  test('the de-duplication memory is bounded', () => {
    const { calls, target } = recorder();
    const feed = new PublisherFeed(() => target, { dedupeCapacity: 16 });
    for (let i = 0; i < 40; i++) feed.deliver({ kind: 'alert', payload: { ...alert, alertId: `a${i}` } });
    // a0 fell out of the window: it is published again; a39 is still remembered.
    assert.equal(feed.deliver({ kind: 'alert', payload: { ...alert, alertId: 'a0' } }), 'published');
    assert.equal(feed.deliver({ kind: 'alert', payload: { ...alert, alertId: 'a39' } }), 'duplicate');
    assert.equal(calls.length, 41);
  });

  test('a recognised ferret on a track start gets its device once', () => {
    const { calls, target } = recorder();
    const feed = new PublisherFeed(() => target);
    const start = { event: 'track-start' as const, camera: 'cage', trackId: 't1', ferretId: 'milo', name: 'Milo', ts: 1 };
    feed.live({ kind: 'track', payload: start });
    feed.live({ kind: 'track', payload: { ...start, trackId: 't2' } });
    feed.live({ kind: 'track', payload: { ...start, ferretId: null } });
    assert.deepEqual(calls, [['addFerret', 'milo']]);
  });

  test('without a publisher nothing is remembered', () => {
    const slot: { target?: FeedTarget } = {};
    const feed = new PublisherFeed(() => slot.target);
    assert.equal(feed.deliver({ kind: 'alert', payload: alert }), 'dropped');
    slot.target = recorder().target;
    assert.equal(feed.deliver({ kind: 'alert', payload: alert }), 'published');
  });
});
