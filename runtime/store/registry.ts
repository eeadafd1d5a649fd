// The store the HTTP API and other runtime modules read: set by the behavior-store node while it
// runs. One database per Node-RED instance, so a second active store is refused rather than
// silently replacing the first (two nodes writing two files would split the history).
import type { BehaviorStore } from './store';

let current: { store: BehaviorStore; owner: object } | undefined;

/** Makes `store` the instance's store; throws when another owner's store is active. */
export function setCurrentStore(store: BehaviorStore, owner: object): void {
  if (current && current.owner !== owner && current.store.isOpen) {
    throw new Error(`another behavior-store node already uses ${current.store.file}; deploy only one per Node-RED instance`);
  }
  current = { store, owner };
}

/** Forgets the store if `owner` set it (a redeploy closes the old node after the new one may have started). */
export function clearCurrentStore(owner: object): void {
  if (current?.owner === owner) current = undefined;
}

/** The open store, or undefined when no behavior-store node is deployed. */
export function currentStore(): BehaviorStore | undefined {
  return current?.store.isOpen ? current.store : undefined;
}
