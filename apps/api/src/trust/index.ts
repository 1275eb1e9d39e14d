export * from './trust-api.module.js';
export * from './trust.controller.js';
export * from './trust.dto.js';
