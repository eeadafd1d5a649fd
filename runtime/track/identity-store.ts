// The one IdentityRegistry of the runtime (every ferret-track node, the HTTP API and enrolment
// share it) and its JSON file in Node-RED's user directory, so identities survive a restart:
// `<userDir>/ferretwatch-identities.json`, `{version, nextId, identities: [{ferretId, name,
// enrolled, lastSeenTs, lastCamera, embeddings: number[][]}]}` — the shape the store's
// migrateIdentitiesFromJson() imports.
//
// Writes are atomic (temporary file + rename: a crash leaves the old file or the new one, never
// half of one) and debounced (a busy tracker changes galleries every frame). Before a write, a file
// changed by someone else (`ferretwatch enroll` while Node-RED runs) is merged in, not overwritten.
//
// While a behavior-store node runs, SQLite takes over (runtime/store/identity-persistence.ts): the
// store imports this file once (renaming it to .migrated), identities are loaded from and saved to
// the store instead of the file, and the file comes back only if the store goes away.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { IdentityRegistry, type IdentityOptions, type IdentityRegistryJSON } from './identities';
import { getIdentityPersistence, onIdentityPersistenceChange, type IdentityPersistence } from '../store/identity-persistence';

function trackerRow(state: Record<string, unknown> | null | undefined): boolean {
  return !!state && typeof state === 'object' && 'enrolled' in state;
}

/** What a store persistence holds, in the registry's JSON shape. */
export function registryJsonFromStore(p: IdentityPersistence): IdentityRegistryJSON {
  const nextId = Number(p.loadRegistryState()?.nextId);
  return {
    version: 1,
    nextId: Number.isInteger(nextId) && nextId > 0 ? nextId : 1,
    // Only rows the tracker wrote and has not forgotten: the store also holds ferrets that exist only
    // in the behavior history (anonymous camera:track subjects), which are no identities.
    identities: p
      .load()
      .filter((i) => trackerRow(i.state) && !(i.state as { forgotten?: boolean }).forgotten)
      .map((i) => {
      const st = (i.state ?? {}) as { enrolled?: boolean; lastSeenTs?: number | null; lastCamera?: string | null };
      return { ferretId: i.ferretId, name: i.name, enrolled: st.enrolled, lastSeenTs: st.lastSeenTs ?? null, lastCamera: st.lastCamera ?? null, embeddings: i.embeddings.map((e) => Array.from(e)) };
    }),
  };
}

/** Save the registry into a store persistence: upsert every identity, mark the ones it forgot. */
export function saveRegistryToStore(p: IdentityPersistence, json: IdentityRegistryJSON): void {
  p.save(
    json.identities.map((e) => ({
      ferretId: e.ferretId,
      name: e.name,
      embeddings: e.embeddings ?? [],
      state: { enrolled: e.enrolled ?? false, lastSeenTs: e.lastSeenTs ?? null, lastCamera: e.lastCamera ?? null },
    })),
  );
  p.saveRegistryState({ nextId: json.nextId });
  // An identity the registry forgot keeps its ferrets row (its history stays reachable by id) but is
  // marked, so it is not brought back as an identity at the next start.
  const keep = new Set(json.identities.map((e) => e.ferretId));
  const forgotten = p
    .load()
    .filter((i) => !keep.has(i.ferretId) && trackerRow(i.state) && !(i.state as { forgotten?: boolean }).forgotten)
    .map((i) => ({ ferretId: i.ferretId, name: i.name, embeddings: [], state: { ...(i.state as object), forgotten: true } }));
  if (forgotten.length) p.save(forgotten);
}

export const IDENTITIES_FILE_NAME = 'ferretwatch-identities.json';

export function identitiesFile(userDir: string): string {
  return path.join(userDir, IDENTITIES_FILE_NAME);
}

/** The file's content, or undefined when it does not exist. Throws (naming the file) when it is unreadable. */
export function readIdentitiesFile(file: string): IdentityRegistryJSON | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const j = json as Partial<IdentityRegistryJSON> | null;
  if (!j || typeof j !== 'object' || !Array.isArray(j.identities)) throw new Error(`${file}: "identities" must be an array`);
  if (j.version !== undefined && j.version !== 1) throw new Error(`${file}: unsupported version ${JSON.stringify(j.version)}`);
  j.identities.forEach((e, i) => {
    if (!e || typeof e.ferretId !== 'string' || !e.ferretId) throw new Error(`${file}: identities[${i}].ferretId must be a non-empty string`);
    if (e.embeddings !== undefined && !Array.isArray(e.embeddings)) throw new Error(`${file}: identities[${i}].embeddings must be an array`);
  });
  return { version: 1, nextId: Number.isInteger(j.nextId) ? j.nextId! : 1, identities: j.identities };
}

/** Write atomically: a sibling temporary file, flushed, then renamed over the target. */
export function writeIdentitiesFile(file: string, json: IdentityRegistryJSON): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ ...json, savedAt: new Date().toISOString() }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function stamp(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return undefined;
  }
}

export interface PersistenceOptions {
  /** Write this long after the last change (ms). Default 2000. */
  debounceMs?: number;
  /** … but at most this long after the first unsaved change (ms). Default 10000. */
  maxDelayMs?: number;
  logger?: Logger;
}

/** Keeps a registry's file up to date. */
export class IdentityFile {
  private dirtySince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastStamp: string | undefined;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly logger?: Logger;

  constructor(
    readonly registry: IdentityRegistry,
    readonly file: string,
    opts: PersistenceOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 2000;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.logger = opts.logger;
    this.lastStamp = stamp(file);
  }

  /** Something changed: schedule a write. */
  markDirty(now = Date.now()): void {
    this.dirtySince ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.dirtySince + this.maxDelayMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  get dirty(): boolean {
    return this.dirtySince !== undefined;
  }

  /** Merge a file that changed behind our back (returns how many identities came in). */
  mergeExternalChanges(): number {
    const now = stamp(this.file);
    if (now === undefined || now === this.lastStamp) return 0;
    this.lastStamp = now;
    try {
      const json = readIdentitiesFile(this.file);
      const n = json ? this.registry.mergeMissing(json) : 0;
      if (n) this.logger?.info(`identities: ${n} new from ${this.file}`);
      return n;
    } catch (err) {
      this.logger?.warn(`identities: ignoring changes to ${this.file}: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Write now if there is anything unsaved (or `force`). Errors are logged, not thrown. */
  flush(force = false): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!force && this.dirtySince === undefined) return false;
    this.dirtySince = undefined;
    const store = getIdentityPersistence();
    if (store) {
      try {
        saveRegistryToStore(store, this.registry.toJSON());
        return true;
      } catch (err) {
        this.logger?.error(`identities: could not save to ${store.location}: ${(err as Error).message}`);
        return false;
      }
    }
    try {
      this.mergeExternalChanges();
      writeIdentitiesFile(this.file, this.registry.toJSON());
      this.lastStamp = stamp(this.file);
      return true;
    } catch (err) {
      this.logger?.error(`identities: could not save ${this.file}: ${(err as Error).message}`);
      return false;
    }
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Load a registry from `file`. A missing file gives an empty registry; an unreadable one is moved
 * aside to `<file>.corrupt-<time>` (kept for the user) and an empty registry is used.
 */
export function loadRegistry(file: string, opts: IdentityOptions = {}, logger?: Logger): IdentityRegistry {
  try {
    const json = readIdentitiesFile(file);
    if (!json) return new IdentityRegistry(opts);
    const reg = IdentityRegistry.fromJSON(json, opts);
    logger?.info(`identities: ${reg.list().length} loaded from ${file}`);
    return reg;
  } catch (err) {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      // Nothing to move.
    }
    logger?.error(`identities: ${(err as Error).message}; starting empty (the old file is kept as ${aside})`);
    return new IdentityRegistry(opts);
  }
}

// ------------------------------------------------------------------ the runtime's one registry

let shared: IdentityRegistry | undefined;
let persistence: IdentityFile | undefined;
let refs = 0;

/** The runtime's registry (created empty, in memory, on first use). */
export function identityRegistry(): IdentityRegistry {
  shared ??= new IdentityRegistry();
  return shared;
}

/** The file persistence of the runtime's registry, once a node opened it. */
export function identityFile(): IdentityFile | undefined {
  return persistence;
}

export interface IdentityStoreHandle {
  registry: IdentityRegistry;
  persistence: IdentityFile | undefined;
  /** The node is closing: drop its reference; the last one flushes the file. */
  release(): void;
}

/**
 * A node's hold on the shared registry, persisted to `file` (undefined = memory only). The first
 * opener with a file loads it; later openers share what is in memory (newer than the file) and
 * merge whatever another process added to the file. Options apply to the shared registry (the last
 * deployed node's settings win).
 */
export function openIdentityStore(file: string | undefined, opts: IdentityOptions = {}, logger?: Logger): IdentityStoreHandle {
  if (file && !persistence) {
    const fresh = loadRegistry(file, opts, logger);
    if (shared && shared.list().length) {
      // Identities made before any file was known (e.g. by the HTTP API) are kept.
      fresh.mergeMissing(shared.toJSON());
    }
    const store = getIdentityPersistence();
    if (store) fresh.mergeMissing(registryJsonFromStore(store));
    shared = fresh;
    persistence = new IdentityFile(shared, file, { logger });
    watchStore(logger);
  } else if (file && persistence && path.resolve(file) !== path.resolve(persistence.file)) {
    logger?.warn(`identities: already kept in ${persistence.file}; ignoring ${file}`);
  } else if (persistence) {
    persistence.mergeExternalChanges();
  }
  const registry = identityRegistry();
  registry.setOptions(opts);
  refs++;
  let released = false;
  return {
    registry,
    persistence,
    release() {
      if (released) return;
      released = true;
      refs = Math.max(0, refs - 1);
      if (refs === 0) persistence?.flush();
    },
  };
}

let unwatch: (() => void) | undefined;

/** A store deployed (or redeployed) after the tracker: take in what it holds, then save everything there. */
function watchStore(logger?: Logger): void {
  if (unwatch) return;
  unwatch = onIdentityPersistenceChange((p) => {
    if (!shared || !persistence) return;
    if (p) {
      try {
        const n = shared.mergeMissing(registryJsonFromStore(p));
        logger?.info(`identities: kept in ${p.location} from now on${n ? ` (${n} taken from it)` : ''}`);
      } catch (err) {
        logger?.warn(`identities: could not read ${p.location}: ${(err as Error).message}`);
      }
    }
    // Either way (store arrived, or went away and the file takes over again), write what we hold.
    persistence.markDirty();
  });
}

/** Tests only: forget the shared registry and its file. */
export function resetIdentityStoreForTests(): void {
  persistence?.close();
  persistence = undefined;
  shared = undefined;
  refs = 0;
  unwatch?.();
  unwatch = undefined;
}
