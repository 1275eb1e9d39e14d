export * from './read-model.js';
export * from './trust/index.js';
