export * from './events.js';
export * from './common.js';
export * from './city.js';
export * from './body.js';
export * from './agreement.js';
export * from './commitment.js';
export * from './finding.js';
