export * from './incidents.read-model.js';
