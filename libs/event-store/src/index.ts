export * from './port.js';
export * from './errors.js';
export * from './clock.js';
export * from './integrity.js';
