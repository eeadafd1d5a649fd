import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BehaviorStore } from '../../../runtime/store/store';
import { T0, episode, tempDir } from './helpers';

const dir = tempDir(after);

describe('ferret identities', () => {
  test('save and load round-trip float32 embeddings exactly, across a reopen', () => {
    const f = path.join(dir, 'ids.db');
    let store = BehaviorStore.open(f);
    const e1 = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i) / 7);
    const e2 = Float32Array.from({ length: 512 }, (_, i) => -i / 512);
    store.saveIdentity('ferret-1', 'Loki', [e1, e2]);
    store.saveIdentity('ferret-2', 'Mochi', [e2]);
    store.close();
    store = BehaviorStore.open(f);
    const ids = store.loadIdentities();
    assert.deepEqual(ids.map((i) => [i.ferretId, i.name, i.embeddings.length]), [['ferret-1', 'Loki', 2], ['ferret-2', 'Mochi', 1]]);
    assert.ok(ids[0].embeddings[0] instanceof Float32Array);
    assert.deepEqual(ids[0].embeddings[0], e1);
    assert.deepEqual(ids[0].embeddings[1], e2);
    // Saving again replaces (not appends) the embeddings and renames.
    store.saveIdentity('ferret-1', 'Loki the Bold', [e2]);
    const again = store.loadIdentities()[0];
    assert.equal(again.name, 'Loki the Bold');
    assert.equal(again.embeddings.length, 1);
    assert.equal(store.listFerrets()[0].embeddings, 1);
    store.close();
  });

  test('deleteFerret removes identity and embeddings; history stays unless purged', () => {
    const store = BehaviorStore.open(':memory:', { flushIntervalMs: 60_000 });
    store.saveIdentity('ferret-1', 'Loki', [new Float32Array(4)]);
    store.saveIdentity('ferret-2', 'Mochi', [new Float32Array(4)]);
    store.enqueue('episode', episode({ episodeId: 'a', ferretId: 'ferret-1' }));
    store.enqueue('episode', episode({ episodeId: 'b', ferretId: 'ferret-2' }));
    store.flush();
    assert.equal(store.deleteFerret('ferret-1'), true);
    assert.equal(store.deleteFerret('ferret-1'), false);
    assert.deepEqual(store.loadIdentities().map((i) => i.ferretId), ['ferret-2']);
    assert.equal(store.stats().rows.ferret_embeddings, 1, 'embeddings cascade');
    const kept = store.timeline('ferret-1', T0, T0 + 86_400_000);
    assert.equal(kept.length, 1);
    assert.equal(kept[0].name, null, 'history readable, name forgotten');
    assert.equal(store.deleteFerret('ferret-2', { purgeHistory: true }), true);
    assert.deepEqual(store.timeline('ferret-2', T0, T0 + 86_400_000), []);
    store.close();
  });

  test('the tracker JSON file is imported once and renamed to .migrated', () => {
    const json = path.join(dir, 'identities.json');
    fs.writeFileSync(json, JSON.stringify({ identities: [
      { ferretId: 'ferret-1', name: 'Loki', embeddings: [[0.5, -0.25, 1], [0, 0, 1]] },
      { ferretId: 'ferret-7', name: null, embeddings: [] },
    ] }));
    const store = BehaviorStore.open(':memory:');
    assert.equal(store.migrateIdentitiesFromJson(json), 2);
    assert.ok(!fs.existsSync(json));
    assert.ok(fs.existsSync(`${json}.migrated`));
    const ids = store.loadIdentities();
    assert.deepEqual(ids.map((i) => i.ferretId), ['ferret-1', 'ferret-7']);
    assert.deepEqual(Array.from(ids[0].embeddings[1]), [0, 0, 1]);
    assert.deepEqual(Array.from(ids[0].embeddings[0]), [0.5, -0.25, 1]);
    assert.equal(store.migrateIdentitiesFromJson(json), 0, 'nothing left to import');
    store.close();
  });

  test("the tracker's extra fields survive the import: per-identity state and the registry's nextId", () => {
    const json = path.join(dir, 'tracker.json');
    fs.writeFileSync(json, JSON.stringify({ version: 1, nextId: 8, savedAt: '2025-01-06T10:00:00.000Z', identities: [
      { ferretId: 'ferret-1', name: 'Loki', enrolled: true, lastSeenTs: T0, lastCamera: 'cam-1', embeddings: [[1, 0]] },
      { ferretId: 'ferret-7', name: null, embeddings: [] },
    ] }));
    const f = path.join(dir, 'state.db');
    let store = BehaviorStore.open(f);
    assert.equal(store.migrateIdentitiesFromJson(json), 2);
    store.close();
    store = BehaviorStore.open(f);
    const ids = store.loadIdentities();
    assert.deepEqual(ids[0].state, { enrolled: true, lastSeenTs: T0, lastCamera: 'cam-1' });
    assert.equal(ids[1].state, null);
    assert.deepEqual(store.identityRegistryState(), { nextId: 8 });
    // Saving without state keeps the stored one; with state replaces it.
    store.saveIdentity('ferret-1', 'Loki', []);
    assert.deepEqual(store.loadIdentities()[0].state, { enrolled: true, lastSeenTs: T0, lastCamera: 'cam-1' });
    store.saveIdentities([{ ferretId: 'ferret-1', name: 'Loki', embeddings: [], state: { enrolled: false } }]);
    assert.deepEqual(store.loadIdentities()[0].state, { enrolled: false });
    store.saveIdentityRegistryState({ nextId: 9 });
    assert.deepEqual(store.identityRegistryState(), { nextId: 9 });
    assert.throws(() => store.saveIdentityRegistryState([] as never), /must be an object/);
    store.close();
  });

  test('a malformed JSON file is refused without writing or renaming', () => {
    const json = path.join(dir, 'bad.json');
    fs.writeFileSync(json, JSON.stringify({ identities: [{ ferretId: 'ferret-1', embeddings: [[1, 'x']] }] }));
    const store = BehaviorStore.open(':memory:');
    assert.throws(() => store.migrateIdentitiesFromJson(json), /identities\[0\]\.embeddings\[0\]/);
    assert.ok(fs.existsSync(json));
    assert.deepEqual(store.loadIdentities(), []);
    store.close();
  });
});
