export { openEsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.js';
export { StoreDeadlineExceededError, StoreUnavailableError, EnvelopeError } from './errors.js';
export type { ReconnectPolicy } from './esdb-subscription.js';
export { UNHASHED_POSITION } from './envelope.js';
