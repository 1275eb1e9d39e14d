export * from './esdb-log.js';
export * from './esdb-test-server.js';
