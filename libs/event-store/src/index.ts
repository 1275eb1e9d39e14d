export * from './port.js';
export * from './errors.js';
export * from './clock.js';
export * from './integrity.js';
export * from './memory/index.js';
export { verifyAgainstHead, type HeadAnchor } from './shared/index.js';
export * from './audit/index.js';
export * from './sqlite/index.js';
