export * from './settlement.queries.js';
