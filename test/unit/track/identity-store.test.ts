import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IdentityRegistry } from '../../../runtime/track/identities';
import {
  IdentityFile,
  identitiesFile,
  identityFile,
  identityRegistry,
  loadRegistry,
  openIdentityStore,
  readIdentitiesFile,
  resetIdentityStoreForTests,
  writeIdentitiesFile,
} from '../../../runtime/track/identity-store';
import { parseIdentitiesJson } from '../../../runtime/store/identities-json';

let dir: string;
const logs: string[] = [];
const logger = { debug: () => undefined, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-identities-'));
  logs.length = 0;
  resetIdentityStoreForTests();
});
afterEach(() => {
  resetIdentityStoreForTests();
  fs.rmSync(dir, { recursive: true, force: true });
});

const v = (...xs: number[]) => xs;

describe('identities file', () => {
  test('round trip; the store migration reads it as {identities: [{ferretId, name, embeddings}]}', () => {
    const reg = new IdentityRegistry();
    reg.enroll('Luna', [v(1, 0, 0), v(0.9, 0.1, 0)]);
    const file = identitiesFile(dir);
    assert.equal(path.basename(file), 'ferretwatch-identities.json');
    writeIdentitiesFile(file, reg.toJSON());
    assert.deepEqual(fs.readdirSync(dir), ['ferretwatch-identities.json'], 'no temporary file left behind');
    const back = readIdentitiesFile(file)!;
    assert.equal(back.identities[0].name, 'Luna');
    const forStore = parseIdentitiesJson(fs.readFileSync(file, 'utf8'));
    assert.equal(forStore[0].ferretId, 'ferret-1');
    assert.equal(forStore[0].name, 'Luna');
    assert.equal(forStore[0].embeddings.length, 2);
    assert.equal(readIdentitiesFile(path.join(dir, 'none.json')), undefined);
  });

  test('a corrupt file is reported, moved aside and replaced by an empty registry', () => {
    const file = identitiesFile(dir);
    fs.writeFileSync(file, '{"identities": [ broken');
    assert.throws(() => readIdentitiesFile(file), /not valid JSON/);
    const reg = loadRegistry(file, {}, logger);
    assert.equal(reg.list().length, 0);
    assert.ok(!fs.existsSync(file));
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.corrupt-')).length, 1);
    assert.match(logs.join('\n'), /starting empty/);
    fs.writeFileSync(file, JSON.stringify({ identities: [{ ferretId: '', embeddings: [] }] }));
    assert.throws(() => readIdentitiesFile(file), /identities\[0\]\.ferretId/);
  });

  test('writes are debounced, merge a file changed elsewhere, and keep what the CLI enrolled', async () => {
    const file = identitiesFile(dir);
    const reg = new IdentityRegistry();
    reg.enroll('Luna', [v(1, 0, 0)]);
    const p = new IdentityFile(reg, file, { debounceMs: 30, maxDelayMs: 100, logger });
    p.markDirty();
    p.markDirty();
    assert.equal(fs.existsSync(file), false, 'not written at once');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(fs.existsSync(file), true);
    assert.equal(p.dirty, false);
    // `ferretwatch enroll` adds Max to the file while we run.
    const cli = IdentityRegistry.fromJSON(readIdentitiesFile(file)!);
    cli.enroll('Max', [v(0, 1, 0)]);
    await new Promise((r) => setTimeout(r, 5)); // a different mtime
    writeIdentitiesFile(file, cli.toJSON());
    reg.enroll('Luna', [v(0.8, 0.2, 0)]);
    p.markDirty();
    assert.equal(p.flush(), true);
    assert.deepEqual(reg.list().map((i) => i.name).sort(), ['Luna', 'Max']);
    const onDisk = readIdentitiesFile(file)!;
    assert.deepEqual(onDisk.identities.map((i) => i.name).sort(), ['Luna', 'Max']);
    assert.equal(onDisk.identities.find((i) => i.name === 'Luna')!.embeddings.length, 2);
    p.close();
  });
});

describe('the shared registry', () => {
  test('one registry for every node; loaded from the file by the first; the last to close saves', () => {
    const file = identitiesFile(dir);
    const seed = new IdentityRegistry();
    seed.enroll('Luna', [v(1, 0, 0)]);
    writeIdentitiesFile(file, seed.toJSON());
    const a = openIdentityStore(file, { transitWindowS: 30 }, logger);
    const b = openIdentityStore(file, { transitWindowS: 45 }, logger);
    assert.equal(a.registry, b.registry);
    assert.equal(identityRegistry(), a.registry);
    assert.equal(a.registry.findByName('Luna')!.ferretId, 'ferret-1');
    assert.equal(a.registry.transitWindowS, 45, 'the last deployed settings apply');
    a.registry.enroll('Max', [v(0, 1, 0)]);
    identityFile()!.markDirty();
    a.release();
    a.release(); // twice is harmless
    assert.deepEqual(readIdentitiesFile(file)!.identities.map((i) => i.name), ['Luna'], 'b still holds it: not flushed yet');
    b.release();
    assert.deepEqual(readIdentitiesFile(file)!.identities.map((i) => i.name), ['Luna', 'Max']);
    // A redeploy opens it again: memory (newer) is kept, not reloaded.
    const c = openIdentityStore(file, {}, logger);
    assert.equal(c.registry, b.registry);
    c.release();
    // A second file is refused with a warning.
    openIdentityStore(path.join(dir, 'other.json'), {}, logger).release();
    assert.match(logs.join('\n'), /ignoring .*other\.json/);
  });

  test('identities made before any file was known are kept when the file is opened', () => {
    identityRegistry().enroll('Early', [v(0, 0, 1)]);
    const file = identitiesFile(dir);
    const seed = new IdentityRegistry();
    seed.enroll('Luna', [v(1, 0, 0)]);
    writeIdentitiesFile(file, seed.toJSON());
    const h = openIdentityStore(file, {}, logger);
    assert.deepEqual(h.registry.list().map((i) => i.name).sort(), ['Early', 'Luna'].sort());
    h.release();
  });
});
