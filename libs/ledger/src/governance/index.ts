export * from './commands.js';
export * from './deadline-manager.js';
export * from './governance.module.js';
export * from './handlers.js';
export * from './queries.js';
