export * from './audit-api.module.js';
export * from './audit.controller.js';
export * from './audit.dto.js';
export * from './offline.js';
