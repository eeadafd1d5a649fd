// What the behavior-store node makes of a message: topic suffix and payload shape, agreement
// between them, episode events, and clear errors for everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyInput, kindFromPayload, kindFromTopic, InputError } from '../../../runtime/store/input';
import { change, episode, T0 } from './helpers';

const alert = { alertId: 'a1', ferretId: 'ferret-1', name: null, type: 'no_drinking', message: 'm', ts: T0 };
const summary = { ferretId: 'ferret-1', name: null, date: '2025-01-06', minutes: {}, meals: 1, drinks: 1, litterVisits: 1, distanceBodyLengths: 1, longestSleepMin: 1, firstActivity: null, lastActivity: null };
const track = { event: 'track-start', camera: 'cam-1', trackId: 't1', ferretId: null, name: null, ts: T0 };

test('topics name their kind by the last segment', () => {
  assert.equal(kindFromTopic('ferret-1/behavior'), 'behavior');
  assert.equal(kindFromTopic('ferretwatch/ferret-1/episode'), 'episode');
  assert.equal(kindFromTopic('alert'), 'alert');
  assert.equal(kindFromTopic('ferret-1/summary'), 'summary');
  assert.equal(kindFromTopic('cam-1/track'), 'track');
  assert.equal(kindFromTopic('cam-1/tracks'), 'tracks');
  assert.equal(kindFromTopic('query'), 'query');
  assert.equal(kindFromTopic('ferret-1/episodes'), undefined);
  assert.equal(kindFromTopic(undefined), undefined);
  assert.equal(kindFromTopic(42), undefined);
});

test('payload shapes identify the contract types', () => {
  assert.equal(kindFromPayload(change()), 'behavior');
  assert.equal(kindFromPayload(episode({ episodeId: 'e' })), 'episode');
  assert.equal(kindFromPayload(alert), 'alert');
  assert.equal(kindFromPayload(summary), 'summary');
  assert.equal(kindFromPayload(track), 'track');
  assert.equal(kindFromPayload({ camera: 'c', frameId: 1, tracks: [] }), 'tracks');
  assert.equal(kindFromPayload({ hello: 1 }), undefined);
  assert.equal(kindFromPayload([1, 2]), undefined);
  assert.equal(kindFromPayload('text'), undefined);
});

test('either the topic or the shape is enough', () => {
  assert.equal(classifyInput({ topic: 'ferret-1/behavior', payload: change() }).kind, 'behavior');
  assert.equal(classifyInput({ topic: 'whatever', payload: alert }).kind, 'alert');
  assert.equal(classifyInput({ payload: summary }).kind, 'summary');
  assert.equal(classifyInput({ topic: 'cam-1/track', payload: track }).kind, 'track');
  // A topic alone decides for a payload with missing fields; the store then names the field.
  const r = classifyInput({ topic: 'ferret-1/episode', payload: { ferretId: 'x' } });
  assert.equal(r.kind, 'episode');
  const q = classifyInput({ topic: 'query', payload: { kind: 'timeline' } });
  assert.deepEqual(q, { kind: 'query', payload: { kind: 'timeline' } });
});

test('episode events: msg.event, the hub payload type, else open → start and closed → end', () => {
  const open = episode({ episodeId: 'e', end: null });
  const closed = episode({ episodeId: 'e' });
  const ev = (m: object) => (classifyInput(m) as { event: string }).event;
  assert.equal(ev({ topic: 'f/episode', payload: open }), 'start');
  assert.equal(ev({ topic: 'f/episode', payload: closed }), 'end');
  assert.equal(ev({ topic: 'f/episode', payload: open, event: 'update' }), 'update');
  assert.equal(ev({ topic: 'f/episode', payload: { ...closed, type: 'end' } }), 'end');
  assert.throws(() => classifyInput({ topic: 'f/episode', payload: closed, event: 'stop' }), /msg.event must be "start", "update" or "end"/);
});

test('bad input: a clear InputError', () => {
  assert.throws(() => classifyInput({ topic: 'ferret-1/episode', payload: change() }), (e: Error) => e instanceof InputError && /says episode but the payload looks like a behavior/.test(e.message));
  assert.throws(() => classifyInput({ topic: 'hello', payload: 'world' }), /cannot tell what a string payload is \(topic "hello"\)/);
  assert.throws(() => classifyInput({ payload: null }), /cannot tell what a null payload is/);
  assert.throws(() => classifyInput({ topic: 'ferret-1/behavior', payload: 5 }), /needs an object payload/);
  assert.throws(() => classifyInput({ topic: 'cam-1/tracks', payload: { frameId: 1, tracks: [] } }), /per-frame tracks are not stored/);
});
