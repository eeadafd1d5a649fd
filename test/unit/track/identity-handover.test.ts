// The tracker's identities move into SQLite while a behavior-store runs, and back to the JSON file
// when it goes: nothing is lost either way.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BehaviorStore } from '../../../runtime/store/store';
import { setIdentityPersistence, storeIdentityPersistence } from '../../../runtime/store/identity-persistence';
import { openIdentityStore, resetIdentityStoreForTests, readIdentitiesFile, registryJsonFromStore } from '../../../runtime/track/identity-store';

const owner = {};
afterEach(() => {
  setIdentityPersistence(null, owner);
  resetIdentityStoreForTests();
});

function unit(i: number, n = 8): number[] {
  const v = new Array(n).fill(0);
  v[i % n] = 1;
  return v;
}

test('with a store deployed, identities are saved to SQLite (not the file) and survive a restart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-handover-'));
  const file = path.join(dir, 'ferretwatch-identities.json');
  const dbFile = path.join(dir, 'fw.db');
  let store = BehaviorStore.open(dbFile);
  setIdentityPersistence(storeIdentityPersistence(store), owner);
  const h = openIdentityStore(file);
  const luna = h.registry.enroll('Luna', [unit(1), unit(2)]);
  h.persistence!.markDirty();
  assert.equal(h.persistence!.flush(), true);
  assert.equal(fs.existsSync(file), false, 'no JSON file while the store holds identities');
  assert.deepEqual(store.loadIdentities().map((i) => [i.ferretId, i.name, i.embeddings.length]), [[luna.ferretId, 'Luna', 2]]);
  h.release();
  store.close();
  setIdentityPersistence(null, owner);
  resetIdentityStoreForTests();

  // Node-RED restarts: a new process state, the store comes first, the tracker loads from it.
  store = BehaviorStore.open(dbFile);
  setIdentityPersistence(storeIdentityPersistence(store), owner);
  const h2 = openIdentityStore(file);
  assert.equal(h2.registry.findByName('Luna')?.ferretId, luna.ferretId);
  // A later enrolment gets a new number, not a reused one.
  const max = h2.registry.enroll('Max', [unit(5)]);
  assert.notEqual(max.ferretId, luna.ferretId);
  h2.release();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a store that arrives after the tracker takes over; when it goes, the file does again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-handover-'));
  const file = path.join(dir, 'ferretwatch-identities.json');
  const h = openIdentityStore(file);
  h.registry.enroll('Bandit', [unit(3)]);
  h.persistence!.flush(true);
  assert.equal(readIdentitiesFile(file)?.identities.length, 1);

  const store = BehaviorStore.open(':memory:');
  setIdentityPersistence(storeIdentityPersistence(store), owner);
  h.persistence!.flush(true);
  assert.deepEqual(store.loadIdentities().map((i) => i.name), ['Bandit']);
  // A ferret the registry forgets keeps its row (history stays reachable) but is no identity any more.
  const bandit = h.registry.findByName('Bandit')!;
  h.registry.remove(bandit.ferretId);
  h.persistence!.flush(true);
  assert.equal(store.knowsFerret(bandit.ferretId), true);
  assert.equal(registryJsonFromStore(storeIdentityPersistence(store)).identities.length, 0);

  h.registry.enroll('Luna', [unit(4)]);
  setIdentityPersistence(null, owner);
  assert.equal(h.persistence!.flush(), true, 'the change of persistence marked the registry for saving');
  assert.deepEqual(readIdentitiesFile(file)?.identities.map((i) => i.name), ['Luna']);
  h.release();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ferrets that exist only in the behavior history are not loaded as identities', () => {
  const store = BehaviorStore.open(':memory:');
  store.saveIdentities([{ ferretId: 'demo:demo:t2', name: null, embeddings: [], state: null }]);
  store.saveIdentities([{ ferretId: 'ferret-4', name: 'Luna', embeddings: [Float32Array.from(unit(2))], state: { enrolled: true, lastSeenTs: null, lastCamera: null } }]);
  const json = registryJsonFromStore(storeIdentityPersistence(store));
  assert.deepEqual(json.identities.map((i) => i.ferretId), ['ferret-4']);
  store.close();
});
