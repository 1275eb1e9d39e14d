export * from './shared/decider.js';
export * from './shared/errors.js';
export * from './shared/money.js';
export * from './shared/time.js';
export * from './governance/events.js';
export * from './governance/index.js';
export * from './compensation/index.js';
