export * from './governance.read-models.js';
export * from './sorted-keys.js';
export * from '../commitments/index.js';
