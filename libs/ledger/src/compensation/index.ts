export * from './commands.js';
export * from './compensation.module.js';
export * from './handlers.js';
export * from './queries.js';
export * from './views.js';
