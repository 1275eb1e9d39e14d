/**
 * SHA-256 of snapshot payloads on a worker thread, with the file's bytes moved there and back rather than copied.
 *
 * WebCrypto's digest runs on the thread pool, but it first copies its input on the main thread: 300 MB of snapshots
 * cost a restart 0.2–0.5 s of main-thread copying (and fresh pages to fault in), as long as the hash itself. Here the
 * file's ArrayBuffer is transferred to one worker (nothing copied), hashed there while the main thread parses
 * another model's rows, and transferred back; the caller continues with the Buffer it gets back (the one it handed
 * over is detached meanwhile). A file whose bytes cannot be moved (a view into a larger or pooled buffer) or that is
 * small is hashed in place.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Below this a file is hashed on the calling thread: the round trip would cost more than the hash. */
const IN_PLACE_BYTES = 1024 * 1024;
/** Files being hashed at once; the runner holds at most a few, so more is a caller's mistake. */
const MAX_PENDING = 64;

export interface HashedFile {
  /** Lowercase hex SHA-256 of the first `length` bytes. */
  hex: string;
  /** The file's bytes to go on with: the Buffer handed in, or the same bytes moved back from the worker. */
  file: Buffer;
}

/** Hashes the first `length` bytes of a file; the Buffer passed in must not be used after the call (see HashedFile). */
export interface PayloadHasher {
  sha256(file: Buffer, length: number): Promise<HashedFile>;
  /** Ends the worker, if one was started; pending hashes are rejected. */
  close(): Promise<void>;
}

// CommonJS, evaluated as the worker's script: no file to resolve next to the compiled one (tests run the sources).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, length }) => {
  let hex = null;
  let error = null;
  try {
    hex = createHash('sha256').update(new Uint8Array(buffer, 0, length)).digest('hex');
  } catch (e) {
    error = String(e);
  }
  parentPort.postMessage({ id, buffer, hex, error }, [buffer]);
});
`;

interface Reply {
  id: number;
  buffer: ArrayBuffer;
  hex: string | null;
  error: string | null;
}

interface Pending {
  resolve: (hashed: HashedFile) => void;
  reject: (error: Error) => void;
}

const inPlace = (file: Buffer, length: number): HashedFile => ({ hex: createHash('sha256').update(file.subarray(0, length)).digest('hex'), file });

/** A Buffer that is the whole of a plain ArrayBuffer, which can be transferred to a worker and back. */
function movable(file: Buffer): ArrayBuffer | null {
  const { buffer } = file;
  if (!(buffer instanceof ArrayBuffer) || file.byteOffset !== 0 || buffer.byteLength !== file.byteLength) return null;
  return buffer;
}

/**
 * One worker, started on the first file large enough to need it. It keeps the process alive only while a hash is
 * pending, so a hasher nobody closed does not hold a finished process open.
 */
export function workerHasher(): PayloadHasher {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, Pending>();
  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.hex === null) p.reject(new Error(`hashing failed: ${reply.error ?? 'unknown error'}`));
      else p.resolve({ hex: reply.hex, file: Buffer.from(reply.buffer) });
    });
    w.on('error', (error) => failAll(error));
    // A reply that cannot be deserialized names no file: every pending hash fails (the snapshots are rebuilt), none hangs.
    w.on('messageerror', (error) => failAll(error));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`the checksum worker exited with code ${code}`));
    });
    return w;
  };
  return {
    sha256(file, length) {
      if (!Number.isSafeInteger(length) || length < 0 || length > file.length) return Promise.reject(new RangeError(`cannot hash ${length} bytes of a ${file.length}-byte file`));
      const buffer = movable(file);
      if (buffer === null || file.length < IN_PLACE_BYTES || pending.size >= MAX_PENDING) return Promise.resolve(inPlace(file, length));
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<HashedFile>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        try {
          w.postMessage({ id, buffer, length }, [buffer]);
        } catch {
          // Not transferable after all (e.g. marked so by its allocator): nothing was moved, hash it here.
          pending.delete(id);
          if (pending.size === 0) w.unref();
          resolve(inPlace(file, length));
        }
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w !== null) await w.terminate();
      failAll(new Error('the checksum worker was closed'));
    },
  };
}
