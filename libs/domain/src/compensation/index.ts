export * from './allocation.js';
export * from './assessment.js';
export * from './events.js';
export * from './fund.js';
export * from './incident.js';
export * from './settlement.js';
export * from './transfers.js';
export * from './treasury.js';
