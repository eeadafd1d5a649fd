// Where the tracker keeps ferret identities (names + enrolment embeddings). Without a store the
// ferret-track node uses its JSON file (<userDir>/ferretwatch-identities.json); while a
// behavior-store node runs, it provides SQLite-backed persistence here and the tracker loads and
// saves through it instead. The indirection keeps the tracker free of any store import and lets
// either node be deployed first: a tracker subscribes with onIdentityPersistenceChange and reloads
// when a store appears or goes away. docs/store.md "Identities" describes the hand-over.
import { EventEmitter } from 'node:events';
import type { BehaviorStore } from './store';
import type { Identity } from './types';

/** An identity as the tracker holds it; embeddings may be plain arrays or Float32Arrays. */
export interface IdentityInput {
  ferretId: string;
  name: string | null;
  embeddings: ReadonlyArray<ArrayLike<number>>;
  /** The tracker's other per-identity fields (enrolled, lastSeenTs, lastCamera …), kept as JSON; omitted/null keeps what is stored. */
  state?: Record<string, unknown> | null;
}

export interface IdentityPersistence {
  /** For logs: where identities are kept (e.g. the database file). */
  readonly location: string;
  /** Every identity with its embeddings, in enrolment order. */
  load(): Identity[];
  /** Creates or updates these identities (name and embeddings replaced), atomically; others are untouched. */
  save(identities: readonly IdentityInput[]): void;
  /** Forgets one identity (history stays); returns whether it existed. */
  remove(ferretId: string): boolean;
  /** Registry-wide state (e.g. {nextId}), or null before the first save. */
  loadRegistryState(): Record<string, unknown> | null;
  /** Replaces the registry-wide state. */
  saveRegistryState(state: Record<string, unknown>): void;
}

const events = new EventEmitter<{ change: [p: IdentityPersistence | undefined] }>();
let current: { p: IdentityPersistence; owner: object } | undefined;

/** Installs (or, with null, removes) the persistence; only the owner that installed it can remove it. */
export function setIdentityPersistence(p: IdentityPersistence | null, owner: object): void {
  if (p === null) {
    if (current?.owner !== owner) return;
    current = undefined;
  } else {
    current = { p, owner };
  }
  events.emit('change', current?.p);
}

/** The active persistence, or undefined: then the tracker uses its JSON file. */
export function getIdentityPersistence(): IdentityPersistence | undefined {
  return current?.p;
}

/** Called with the new persistence (undefined = back to the JSON file) whenever it changes; returns an unsubscribe function. */
export function onIdentityPersistenceChange(fn: (p: IdentityPersistence | undefined) => void): () => void {
  events.on('change', fn);
  return () => events.off('change', fn);
}

/** SQLite-backed persistence over a store's ferrets / ferret_embeddings tables. */
export function storeIdentityPersistence(store: BehaviorStore): IdentityPersistence {
  return {
    location: store.file,
    load: () => store.loadIdentities(),
    save: (list) =>
      store.saveIdentities(
        list.map((e) => ({
          ferretId: e.ferretId,
          name: e.name ?? null,
          embeddings: (e.embeddings ?? []).map((v) => (v instanceof Float32Array ? v : Float32Array.from(v))),
          state: e.state ?? null,
        })),
      ),
    remove: (ferretId) => store.deleteFerret(ferretId),
    loadRegistryState: () => store.identityRegistryState(),
    saveRegistryState: (state) => store.saveIdentityRegistryState(state),
  };
}
