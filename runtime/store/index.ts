// The behavior-history store's public surface (docs/store.md).
export { BehaviorStore, DEFAULT_PAGE, MAX_PAGE, type StoreOptions, type StoreEvents } from './store';
export { handleQuery, QueryError, MAX_TIMELINE_MS, type QueryPayload, type QueryResult, type QueryKind } from './query';
export { applyRetention, RetentionScheduler, type RetentionPolicy, type RetentionOptions, type RetentionReport, type RetainedTable } from './retention';
export { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion, type Migration } from './migrations';
export { parseIdentitiesJson, parseIdentitiesFile, type IdentitiesFile } from './identities-json';
export * from './types';
export { setCurrentStore, clearCurrentStore, currentStore } from './registry';
export {
  setIdentityPersistence,
  getIdentityPersistence,
  onIdentityPersistenceChange,
  storeIdentityPersistence,
  type IdentityPersistence,
  type IdentityInput,
} from './identity-persistence';
export { classifyInput, InputError, type StoreInput, type EpisodeEvent } from './input';
