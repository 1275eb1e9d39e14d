export * from './read-model.js';
export * from './trust/index.js';
export * from './balances/index.js';
export * from './settlement/index.js';
export * from './governance/index.js';
export * from './incidents/index.js';
