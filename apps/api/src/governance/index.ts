export * from './governance-api.module.js';
export * from './governance.controllers.js';
export * from './governance.dto.js';
export * from './governance-query.dto.js';
export * from './validation.js';
