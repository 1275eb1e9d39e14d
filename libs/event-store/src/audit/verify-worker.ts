/** Worker-thread entry for workerLineChecker: checks batches of export lines, answers one flag per line. */
import { parentPort } from 'node:worker_threads';
import { checkLines } from './canonical-line.js';

parentPort?.on('message', (message: { id: number; lines: string[] }) => {
  // Copied rather than transferred: a few hundred bytes per batch, and no cast from ArrayBufferLike.
  parentPort?.postMessage({ id: message.id, flags: checkLines(message.lines) });
});
