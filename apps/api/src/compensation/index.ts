export * from './compensation-api.module.js';
export * from './compensation.controllers.js';
export * from './compensation.dto.js';
export * from './csv.js';
