export { openSqliteEventStore, AppendQueueFullError, DEFAULT_SQLITE_CACHE_MIB, SQLITE_CACHE_MIB_RANGE, type SqliteEventStoreOptions } from './sqlite-event-store.js';
export { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
