// The runtime registries the behavior-store node fills: the current store (one per instance) and
// the identity persistence the tracker saves and loads through.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { BehaviorStore } from '../../../runtime/store/store';
import { clearCurrentStore, currentStore, setCurrentStore } from '../../../runtime/store/registry';
import { getIdentityPersistence, onIdentityPersistenceChange, setIdentityPersistence, storeIdentityPersistence } from '../../../runtime/store/identity-persistence';
import { tempDir } from './helpers';

const dir = tempDir(after);

test('one store per instance: a second owner is refused while the first is open', () => {
  const a = BehaviorStore.open(path.join(dir, 'a.db'));
  const b = BehaviorStore.open(path.join(dir, 'b.db'));
  const ownerA = {};
  const ownerB = {};
  try {
    assert.equal(currentStore(), undefined);
    setCurrentStore(a, ownerA);
    assert.equal(currentStore(), a);
    assert.throws(() => setCurrentStore(b, ownerB), /another behavior-store node already uses .*a\.db/);
    clearCurrentStore(ownerB); // not the owner: no effect
    assert.equal(currentStore(), a);
    a.close();
    assert.equal(currentStore(), undefined, 'a closed store is not offered');
    setCurrentStore(b, ownerB); // the closed store's owner no longer blocks
    assert.equal(currentStore(), b);
    clearCurrentStore(ownerB);
    assert.equal(currentStore(), undefined);
  } finally {
    if (a.isOpen) a.close();
    b.close();
  }
});

test('identity persistence through the store, with change notifications', () => {
  const store = BehaviorStore.open(path.join(dir, 'ids.db'));
  const owner = {};
  const seen: Array<string | undefined> = [];
  const off = onIdentityPersistenceChange((p) => seen.push(p?.location));
  try {
    assert.equal(getIdentityPersistence(), undefined, 'no store: the tracker keeps its JSON file');
    setIdentityPersistence(storeIdentityPersistence(store), owner);
    const p = getIdentityPersistence()!;
    assert.equal(p.location, store.file);
    p.save([
      { ferretId: 'ferret-1', name: 'Loki', embeddings: [[0.5, -0.25, 1]] },
      { ferretId: 'ferret-2', name: null, embeddings: [Float32Array.from([1, 0]), [0, 1]] },
    ]);
    const loaded = p.load();
    assert.deepEqual(loaded.map((i) => [i.ferretId, i.name, i.embeddings.length]), [['ferret-1', 'Loki', 1], ['ferret-2', null, 2]]);
    assert.deepEqual(Array.from(loaded[0].embeddings[0]), [0.5, -0.25, 1]);
    p.save([{ ferretId: 'ferret-1', name: 'Loki the Great', embeddings: [] }]);
    assert.equal(p.load().find((i) => i.ferretId === 'ferret-1')?.name, 'Loki the Great');
    assert.equal(p.load().find((i) => i.ferretId === 'ferret-2')?.embeddings.length, 2, 'others untouched');
    p.save([{ ferretId: 'ferret-2', name: null, embeddings: [[0, 1]], state: { enrolled: false, lastCamera: 'cam-2' } }]);
    assert.deepEqual(p.load().find((i) => i.ferretId === 'ferret-2')?.state, { enrolled: false, lastCamera: 'cam-2' });
    assert.equal(p.loadRegistryState(), null);
    p.saveRegistryState({ nextId: 3 });
    assert.deepEqual(p.loadRegistryState(), { nextId: 3 });
    assert.equal(p.remove('ferret-2'), true);
    assert.equal(p.remove('ferret-2'), false);
    assert.throws(() => p.save([{ ferretId: '', name: null, embeddings: [] }]), /ferretId must be a non-empty string/);
    setIdentityPersistence(null, {}); // someone else's: ignored
    assert.ok(getIdentityPersistence());
    setIdentityPersistence(null, owner);
    assert.equal(getIdentityPersistence(), undefined);
    assert.deepEqual(seen, [store.file, undefined]);
  } finally {
    off();
    store.close();
  }
});
