/** Worker-thread entry for workerLineChecker: checks batches of export lines, answers a leaf hash (or null) per line and the batch's subtree root. */
import { parentPort } from 'node:worker_threads';
import { checkBatch } from './canonical-line.js';

parentPort?.on('message', (message: { id: number; lines: string[] }) => {
  parentPort?.postMessage({ id: message.id, verdict: checkBatch(message.lines) });
});
