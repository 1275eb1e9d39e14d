export * from './commands/index.js';
export * from './io.js';
export * from './program.js';
