/** Worker-thread entry for workerLineChecker: checks batches of export lines, answers a leaf hash (or null) per line. */
import { parentPort } from 'node:worker_threads';
import { checkLines } from './canonical-line.js';

parentPort?.on('message', (message: { id: number; lines: string[] }) => {
  parentPort?.postMessage({ id: message.id, leafHashes: checkLines(message.lines) });
});
