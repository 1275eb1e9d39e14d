export { openSqliteEventStore, AppendQueueFullError, type SqliteEventStoreOptions } from './sqlite-event-store.js';
export { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
