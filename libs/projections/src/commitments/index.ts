export * from './commitments.read-model.js';
