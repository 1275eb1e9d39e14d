/**
 * Where the byte fast path checks its blocks: in the calling thread, or in worker threads (each block is handed over
 * and back, not copied). The hash chain is sequential, but a block's own lines are not: workers check whole blocks,
 * the calling thread only joins them (first position, first link, a few subtree roots per block).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { verifyBlock, type BlockVerdict } from './line-bytes.js';

export const MAX_BLOCK_WORKERS = 16;

/** The compiled worker script; absent when running from the TypeScript sources (the tests), where no worker can start. */
const BLOCK_WORKER_SCRIPT = new URL('./block-worker.js', import.meta.url);

/**
 * Worker threads a verification uses when not told: one per core (at most MAX_BLOCK_WORKERS) on a machine of two or
 * more, none on one core (a worker there only adds hand-offs) or where the compiled worker script is absent.
 */
export function defaultBlockWorkers(cores: number = availableParallelism(), script: URL = BLOCK_WORKER_SCRIPT): number {
  if (cores < 2 || !existsSync(fileURLToPath(script))) return 0;
  return Math.min(MAX_BLOCK_WORKERS, cores);
}

export interface CheckedBlock {
  verdict: BlockVerdict;
  /** The block's bytes (the same ones, handed back when they went to a worker). */
  block: Uint8Array;
}

export interface BlockChecker {
  /** How many blocks to keep in flight: enough to keep every thread busy. */
  readonly parallelism: number;
  /**
   * Checks `block`; the caller must not touch `block` until this settles (a worker may hold it meanwhile). With
   * `ownsBuffer`, the block starts its buffer and no other view of that buffer is in use: the whole buffer may then be
   * handed over and back instead of the block being copied first.
   */
  check(block: Uint8Array, digestSize: number, ownsBuffer?: boolean): Promise<CheckedBlock>;
  close(): Promise<void>;
}

/** Checks blocks in the calling thread (the default). */
export const inThreadBlockChecker: BlockChecker = {
  parallelism: 1,
  check: (block, digestSize) => Promise.resolve({ verdict: verifyBlock(block, digestSize), block }),
  close: () => Promise.resolve(),
};

interface Waiting {
  resolve: (checked: CheckedBlock) => void;
  reject: (error: Error) => void;
}

/** A pool of `workers` threads running block-worker.js (the compiled build), blocks handed out in turn. */
export function workerBlockChecker(workers: number, script: URL = BLOCK_WORKER_SCRIPT): BlockChecker {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_BLOCK_WORKERS) {
    throw new RangeError(`workers must be 1..${MAX_BLOCK_WORKERS}; got ${workers}`);
  }
  const waiting = new Map<number, Waiting & { thread: number }>();
  /** Blocks each thread holds: a block goes to the least busy one, so a thread slowed by other work gets fewer. */
  const holding = new Array<number>(workers).fill(0);
  const failAll = (error: Error): void => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    holding.fill(0);
  };
  const threads = Array.from({ length: workers }, () => {
    const worker = new Worker(script);
    worker.on('message', (message: { id: number; verdict: BlockVerdict; block: Uint8Array }) => {
      const w = waiting.get(message.id);
      if (w === undefined) return;
      waiting.delete(message.id);
      holding[w.thread] -= 1;
      w.resolve({ verdict: message.verdict, block: message.block });
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (code !== 0) failAll(new Error(`a verify worker exited with code ${code}`));
    });
    return worker;
  });
  let nextId = 0;
  return {
    parallelism: workers,
    check(block, digestSize, ownsBuffer = false) {
      const id = nextId;
      nextId += 1;
      let thread = id % threads.length;
      for (let t = 0; t < threads.length; t += 1) if (holding[t] < holding[thread]) thread = t;
      return new Promise<CheckedBlock>((resolve, reject) => {
        waiting.set(id, { resolve, reject, thread });
        holding[thread] += 1;
        // Only whole buffers can be handed over: a block that views part of one someone else may use is copied first.
        const whole = block.byteOffset === 0 && (ownsBuffer || block.byteLength === block.buffer.byteLength);
        const own = whole ? block : new Uint8Array(block);
        threads[thread].postMessage({ id, block: own, digestSize }, [own.buffer as ArrayBuffer]);
      });
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
      failAll(new Error('the verify workers were closed'));
    },
  };
}
