export * from './queries.js';
export * from './series.js';
export * from './trust.module.js';
export * from './trust.read-model.js';
export * from './views.js';
