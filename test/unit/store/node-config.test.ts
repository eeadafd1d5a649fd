// The behavior-store node's settings: defaults under the user dir, validation naming the setting,
// retention policy, and the status text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatRows, statusText, storeNodeOptions, STORE_DEFAULTS } from '../../../runtime/store/node-config';

test('defaults live in the Node-RED user dir', () => {
  const o = storeNodeOptions({}, '/srv/nr');
  assert.equal(o.dbPath, '/srv/nr/ferretwatch.db');
  assert.equal(o.clips.dir, '/srv/nr/ferretwatch-clips');
  assert.equal(o.identitiesJson, '/srv/nr/ferretwatch-identities.json');
  assert.deepEqual(o.clips.behaviors, ['playing', 'social_play']);
  assert.equal(o.clips.enabled, true);
  assert.equal(o.clips.alerts, true);
  assert.deepEqual([o.clips.preRollS, o.clips.postRollS, o.clips.maxS], [5, 5, 120]);
  assert.equal(o.retention.days?.episodes, STORE_DEFAULTS.days.episodes);
  assert.equal(o.retention.days?.clips, 14);
  assert.equal(o.retention.clipsMaxBytes, 20e9);
});

test('relative paths resolve against the user dir; values may be strings', () => {
  const o = storeNodeOptions({ dbPath: 'data/h.db', clipsDir: '/mnt/clips', clipBehaviors: ' eating,  playing ', clips: 'false', clipAlerts: 'false', preRoll: '2', clipMax: '30', keepClips: '0', clipsMaxGB: '0' }, '/srv/nr');
  assert.equal(o.dbPath, path.resolve('/srv/nr', 'data/h.db'));
  assert.equal(o.clips.dir, '/mnt/clips');
  assert.deepEqual(o.clips.behaviors, ['eating', 'playing']);
  assert.equal(o.clips.enabled, false);
  assert.equal(o.clips.alerts, false);
  assert.equal(o.clips.preRollS, 2);
  assert.equal(o.clips.maxS, 30);
  assert.equal(o.retention.days?.clips, 0, '0 = keep forever (retention skips it)');
  assert.equal(o.retention.clipsMaxBytes, undefined, '0 GB = no cap');
  assert.deepEqual(storeNodeOptions({ clipBehaviors: '' }, '/x').clips.behaviors, []);
});

test('out-of-range settings throw naming the setting', () => {
  assert.throws(() => storeNodeOptions({ preRoll: 'lots' }, '/x'), /preRoll must be a number from 0 to 60 \(got "lots"\)/);
  assert.throws(() => storeNodeOptions({ clipMax: 0 }, '/x'), /clipMax/);
  assert.throws(() => storeNodeOptions({ keepEpisodes: -1 }, '/x'), /keepEpisodes/);
});

test('without a user dir: ~/.node-red', () => {
  assert.match(storeNodeOptions({}, undefined).dbPath, /\.node-red[/\\]ferretwatch\.db$/);
});

test('status text', () => {
  assert.equal(formatRows(0), '0 rows');
  assert.equal(formatRows(999), '999 rows');
  assert.equal(formatRows(1234), '1.2 k rows');
  assert.equal(formatRows(45_600), '46 k rows');
  assert.equal(formatRows(3_400_000), '3.4 M rows');
  assert.equal(statusText(1234, 3), '1.2 k rows · 3 ferrets');
  assert.equal(statusText(5, 1), '5 rows · 1 ferret');
  assert.equal(statusText(5, 1, 2), '5 rows · 1 ferret · recording');
});
