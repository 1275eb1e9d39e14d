export * from './audit.module.js';
export * from './audit.service.js';
export * from './correlation-index.read-model.js';
export * from './history.js';
export * from './merkle-feed.read-model.js';
export * from './progress.js';
export * from './rebuild.js';
export * from './state-digest.js';
