/**
 * Worker threads for the verifier's per-line hashing. The hash chain itself is sequential, but checking each
 * line against its own recorded prevHash is not: workers do that, and the calling thread keeps the sequential
 * part (positions, links, Merkle root) and every judgement about a line the workers could not vouch for.
 */
import { Worker } from 'node:worker_threads';
import type { BatchVerdict, LineChecker } from './canonical-line.js';

export const MAX_VERIFY_WORKERS = 16;

interface Waiting {
  resolve: (verdict: BatchVerdict) => void;
  reject: (error: Error) => void;
}

/** A pool of `workers` threads running verify-worker.js (the compiled build), batches handed out in turn. */
export function workerLineChecker(workers: number, script: URL = new URL('./verify-worker.js', import.meta.url)): LineChecker {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_VERIFY_WORKERS) {
    throw new RangeError(`workers must be 1..${MAX_VERIFY_WORKERS}; got ${workers}`);
  }
  const waiting = new Map<number, Waiting>();
  const failAll = (error: Error): void => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  const threads = Array.from({ length: workers }, () => {
    const worker = new Worker(script);
    worker.on('message', (message: { id: number; verdict: BatchVerdict }) => {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      w?.resolve(message.verdict);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (code !== 0) failAll(new Error(`a verify worker exited with code ${code}`));
    });
    return worker;
  });
  let nextId = 0;
  const checkBatch = (lines: readonly string[]): Promise<BatchVerdict> => {
    const id = nextId;
    nextId += 1;
    return new Promise<BatchVerdict>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      threads[id % threads.length].postMessage({ id, lines });
    });
  };
  return {
    check: async (lines) => (await checkBatch(lines)).leafHashes,
    checkBatch,
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
      failAll(new Error('the verify workers were closed'));
    },
  };
}
