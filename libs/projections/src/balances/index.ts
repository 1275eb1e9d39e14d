export * from './balances.read-model.js';
