/** Worker-thread entry for workerBlockChecker: checks blocks of export lines (line-bytes.ts) and hands each block back. */
import { parentPort } from 'node:worker_threads';
import { verifyBlock } from './line-bytes.js';

parentPort?.on('message', (message: { id: number; block: Uint8Array; digestSize: number }) => {
  const verdict = verifyBlock(message.block, message.digestSize);
  // The block goes back (transferred, not copied): the caller reads on from it when a line was not vouched for.
  parentPort?.postMessage({ id: message.id, verdict, block: message.block }, [message.block.buffer as ArrayBuffer]);
});
