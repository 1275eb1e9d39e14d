/**
 * The offline verifier over the export's bytes (a file, stdin): the same checks and verdicts as verifyExport, with
 * the bulk of an honest export checked without decoding, parsing or splitting it into strings.
 *
 * Under a digest, the bytes are cut into blocks of whole lines and each block is checked on its own (line-bytes.ts:
 * layout, own hash, positions and links inside the block), in this thread or in worker threads; this thread joins
 * the blocks in order (first position and link against what came before, a few Merkle subtree roots per block) and
 * checks the root and head when the count reaches the digest's. At the first line a block cannot vouch for, that
 * line and everything after it go, as text, to verifyExport's line-by-line verifier, which carries on from the
 * events already verified and names the problem, if there is one. Without a digest, or for a per-stream-chain
 * export, everything goes that way (the byte path is only sound under a digest's root).
 *
 * Memory: the blocks in flight (3 per thread, a few MiB each) and one line beyond them.
 */
import { GENESIS_HASH } from '../integrity.js';
import { inThreadBlockChecker, type BlockChecker, type CheckedBlock } from './block-checker.js';
import type { DigestFile } from './export.js';
import { MerkleFrontier } from './merkle.js';
import { isStreamChainLine } from './verify-stream-export.js';
import {
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_PROGRESS_EVERY,
  verifyExport,
  verifyGlobalChainExport,
  verifyProgress,
  type ExportVerification,
  type GlobalChainProgress,
  type VerifyExportOptions,
} from './verify-export.js';

export interface VerifyExportBytesOptions extends VerifyExportOptions {
  /** Where blocks are checked: workerBlockChecker (the caller closes it) or, by default, this thread. */
  blockChecker?: BlockChecker;
  /**
   * Bytes per block, about: whole lines up to the first newline past this (at most 64 MiB). Default: 4 MiB for worker
   * threads (fewer hand-overs), 256 KiB in this thread (most blocks are then views of what was read, not copies).
   */
  blockBytes?: number;
}

const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;
const DEFAULT_IN_THREAD_BLOCK_BYTES = 256 * 1024;
/** A block always holds whole lines: at least one, however small this is. */
const MIN_BLOCK_BYTES = 1;
const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
const NEWLINE = 0x0a;
const BLOCK_SLACK_BYTES = 64 * 1024;
const BLOCKS_PER_THREAD = 3;

type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const iteratorOf = (source: ByteSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> =>
  Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();

/**
 * Blocks of whole lines (each at least `blockBytes` long but the last), read ahead from a byte source.
 *
 * Pooled (for worker threads): every block is copied into a buffer of its own, which the checker may hand over whole,
 * and which comes back to the pool once its block is joined; a few buffers then serve the whole file (a fresh one per
 * block costs its page faults again, on the thread that also feeds the workers). Otherwise a block that lies within
 * one piece read is a view of it, not a copy.
 */
class BlockReader {
  /** Bytes read and not yet handed out, and where the last newline among them ends (0: none). */
  parts: Buffer[] = [];
  private length = 0;
  private cut = 0;
  done = false;
  /** Block buffers back from the checker, ready for reuse (at most `poolLimit`). */
  private readonly pool: ArrayBuffer[] = [];

  constructor(
    readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    private readonly blockBytes: number,
    private readonly maxLineBytes: number,
    private readonly poolLimit: number,
  ) {}

  /** True when blocks own their buffers (pooled), which the checker may then hand over whole. */
  get pooled(): boolean {
    return this.poolLimit > 0;
  }

  /** Takes a joined block's buffer back for later blocks (a pooled reader's blocks only; others are left alone). */
  recycle(block: Uint8Array): void {
    if (this.pool.length >= this.poolLimit || block.byteOffset !== 0 || !(block.buffer instanceof ArrayBuffer)) return;
    if (block.buffer.byteLength >= this.blockBytes) this.pool.push(block.buffer);
  }

  /** The next block; 'overlong' when a line outgrows the limit (the caller reads on as text); null at the end. */
  async next(): Promise<Buffer | 'overlong' | null> {
    // Bounded by the input: every turn reads a chunk or returns.
    for (;;) {
      if (this.cut > 0 && (this.length >= this.blockBytes || this.done)) return this.take(this.cutNear());
      if (this.done) return this.length > 0 ? this.take(this.length) : null;
      if (this.length - this.cut > this.maxLineBytes) return 'overlong';
      const step = await this.iterator.next();
      if (step.done === true) {
        this.done = true;
        continue;
      }
      const chunk = Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength);
      const newline = chunk.lastIndexOf(NEWLINE);
      if (newline >= 0) this.cut = this.length + newline + 1;
      this.parts.push(chunk);
      this.length += chunk.length;
    }
  }

  /** Where the block ends: after the first newline at or past `blockBytes`, or else after the last one read. */
  private cutNear(): number {
    let offset = 0;
    for (const part of this.parts) {
      const from = Math.max(0, this.blockBytes - 1 - offset);
      if (from < part.length) {
        const newline = part.indexOf(NEWLINE, from);
        if (newline >= 0) return offset + newline + 1;
      }
      offset += part.length;
    }
    return this.cut;
  }

  /** The first `bytes` bytes read: a view when they lie in one piece read (unless pooled), else copied into one buffer. */
  private take(bytes: number): Buffer {
    const head = this.parts[0];
    if (!this.pooled && bytes <= head.length) {
      if (bytes === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(bytes);
      this.length -= bytes;
      this.cut = Math.max(0, this.cut - bytes);
      return head.subarray(0, bytes);
    }
    const block = this.blockBuffer(bytes);
    let filled = 0;
    while (filled < bytes) {
      const part = this.parts[0];
      const used = Math.min(part.length, bytes - filled);
      part.copy(block, filled, 0, used);
      filled += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    this.length -= bytes;
    this.cut = Math.max(0, this.cut - bytes);
    return block;
  }

  /** `bytes` bytes of a buffer of their own: a pooled one when it is large enough, else a new one with some room. */
  private blockBuffer(bytes: number): Buffer {
    if (!this.pooled) return Buffer.allocUnsafeSlow(bytes);
    const reused = this.pool.pop();
    if (reused !== undefined && reused.byteLength >= bytes) return Buffer.from(reused, 0, bytes);
    // A block runs past blockBytes to the end of its last line: room for a line of a usual length beyond it.
    return Buffer.from(Buffer.allocUnsafeSlow(Math.max(bytes, this.blockBytes + BLOCK_SLACK_BYTES)).buffer, 0, bytes);
  }
}

/**
 * Lines as text from `parts` and then the rest of `iterator`: cut at newlines, one trailing carriage return dropped.
 * A line longer than `maxLineBytes` keeps only its first `maxLineBytes` bytes: enough for the verifier to see it is
 * too long (each UTF-16 unit takes at most 3 bytes), and memory stays bounded.
 */
async function* textLines(parts: readonly Uint8Array[], iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | null, maxLineBytes: number): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const keep = (bytes: Buffer): void => {
    const room = maxLineBytes - pendingBytes;
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    pending.push(kept);
    pendingBytes += kept.length;
  };
  const line = (): string => {
    let bytes = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    pending = [];
    pendingBytes = 0;
    return bytes.toString('utf8');
  };
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    yield* parts;
    if (iterator === null) return;
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) yield step.value;
  };
  for await (const chunk of chunks()) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    // Bounded by the chunk: every turn consumes a line or ends.
    for (let newline = bytes.indexOf(NEWLINE, start); newline >= 0; newline = bytes.indexOf(NEWLINE, start)) {
      keep(bytes.subarray(start, newline));
      yield line();
      start = newline + 1;
    }
    if (start < bytes.length) keep(bytes.subarray(start));
  }
  // A last line without its newline, as a line reader yields it.
  if (pendingBytes > 0) yield line();
}

/** The first non-blank line of `block` as text, or null when it has none. */
function firstLineOf(block: Buffer): string | null {
  let start = 0;
  // Bounded by the block: every turn consumes a line.
  while (start < block.length) {
    const newline = block.indexOf(NEWLINE, start);
    const end = newline < 0 ? block.length : newline;
    const text = block.toString('utf8', start, end);
    if (text.trim() !== '') return text;
    start = end + 1;
  }
  return null;
}

/**
 * Verifies an export given as bytes (e.g. a file's read stream) against itself and, when given, a digest; the same
 * verdicts and discrepancies as verifyExport over its lines.
 */
export async function verifyExportBytes(source: ByteSource, digest?: DigestFile, options: VerifyExportBytesOptions = {}): Promise<ExportVerification> {
  const iterator = iteratorOf(source);
  try {
    return await verifyFrom(iterator, digest, options);
  } finally {
    // Closes the source (a file) when verification stops before its end.
    await iterator.return?.(undefined);
  }
}

async function verifyFrom(iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>, digest: DigestFile | undefined, options: VerifyExportBytesOptions): Promise<ExportVerification> {
  const maxLineBytes = 3 * ((options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH) + 1);
  const checker = options.blockChecker ?? inThreadBlockChecker;
  const defaultBlockBytes = checker.parallelism > 1 || options.blockChecker !== undefined ? DEFAULT_BLOCK_BYTES : DEFAULT_IN_THREAD_BLOCK_BYTES;
  const blockBytes = Math.min(MAX_BLOCK_BYTES, Math.max(MIN_BLOCK_BYTES, options.blockBytes ?? defaultBlockBytes));
  const digestSize = digest === undefined ? 0 : Number(digest.treeSize);
  if (digest === undefined || digestSize === 0 || !Number.isSafeInteger(digestSize)) return verifyExport(textLines([], iterator, maxLineBytes), digest, options);

  // Blocks in flight: a few per thread, so that a thread which finishes early has the next ones while the calling
  // thread waits, in order, for a slower one.
  const depth = BLOCKS_PER_THREAD * checker.parallelism;
  // Worker threads get blocks with buffers of their own (handed over, not copied), from a pool of those in flight.
  const reader = new BlockReader(iterator, blockBytes, maxLineBytes, checker.parallelism > 1 || options.blockChecker !== undefined ? depth + 1 : 0);
  const first = await reader.next();
  const rest = (blocks: readonly Uint8Array[]): AsyncGenerator<string> => textLines([...blocks, ...reader.parts], reader.done ? null : reader.iterator, maxLineBytes);
  if (first === null) return verifyExport([], digest, options);
  if (first === 'overlong') return verifyExport(rest([]), digest, options);
  const firstLine = firstLineOf(first);
  // The line-by-line verifier tells the chain model from the first line (and copes with a block of blank lines).
  if (firstLine === null || isStreamChainLine(firstLine)) return verifyExport(rest([first]), digest, options);

  const nowMs = options.nowMs ?? Date.now;
  const progressEvery = Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY);
  const eventsTotal = options.eventsTotal ?? digestSize;
  const progress: GlobalChainProgress = {
    frontier: new MerkleFrontier(),
    verified: 0,
    lineNumber: 0,
    previousHash: GENESIS_HASH,
    digestMatched: false,
    startedMs: nowMs(),
  };
  const report = (): void => {
    if (options.onProgress === undefined) return;
    options.onProgress(verifyProgress(progress.verified, eventsTotal, nowMs() - progress.startedMs));
  };
  const inFlight: Promise<CheckedBlock>[] = [];
  const send = (block: Buffer): void => {
    const checked = checker.check(block, digestSize, reader.pooled);
    // Awaited in turn; this only keeps an early stop from leaving a rejection unhandled.
    checked.catch(() => undefined);
    inFlight.push(checked);
  };
  /** Hands everything from `block[from]` on to the line-by-line verifier, which carries on from `progress`. */
  const carryOn = async (blocks: Uint8Array[]): Promise<ExportVerification> => {
    for (const pending of inFlight.splice(0)) blocks.push((await pending).block);
    return verifyGlobalChainExport(rest(blocks), digest, options, progress);
  };

  send(first);
  let overlong = false;
  // Bounded by the input: every turn takes a block.
  for (;;) {
    while (!overlong && !reader.done && inFlight.length < depth) {
      const next = await reader.next();
      if (next === null) break;
      if (next === 'overlong') overlong = true;
      else send(next);
    }
    const oldest = inFlight.shift();
    if (oldest === undefined) break;
    const { verdict, block } = await oldest;
    if (verdict.events > 0 && (verdict.firstPosition !== progress.verified || verdict.firstPrevHash !== progress.previousHash)) {
      return carryOn([block]);
    }
    const before = progress.verified;
    for (const subtree of verdict.subtrees) progress.frontier.appendSubtreeHashHex(subtree.height, subtree.root);
    progress.verified += verdict.events;
    progress.lineNumber += verdict.lines;
    if (verdict.events > 0) progress.previousHash = verdict.lastHash;
    if (Math.floor(progress.verified / progressEvery) !== Math.floor(before / progressEvery)) report();
    if (verdict.events > 0 && progress.verified === digestSize) {
      const stop = digestCheck(progress, digest);
      if (stop !== null) {
        report();
        return stop;
      }
    }
    if (verdict.bytes < block.length) return carryOn([block.subarray(verdict.bytes)]);
    reader.recycle(block);
  }
  return carryOn([]);
}

/** At the digest's size: its root and head reproduced (and noted), or the discrepancy verifyExport would name. */
function digestCheck(progress: GlobalChainProgress, digest: DigestFile): ExportVerification | null {
  const root = progress.frontier.root().toString('hex');
  const position = BigInt(progress.verified - 1);
  const fail = (reason: 'root_mismatch' | 'head_mismatch', detail: string): ExportVerification => ({
    ok: false,
    eventsVerified: progress.verified,
    firstDiscrepancy: { position, line: progress.lineNumber, reason, detail },
    root,
    headHash: progress.previousHash,
    digestMatched: false,
  });
  if (root !== digest.root) return fail('root_mismatch', `the Merkle root over positions 0..${position} is ${root}, the digest says ${digest.root}`);
  if (progress.previousHash !== digest.headHash) return fail('head_mismatch', `the hash at position ${position} is not the digest's head hash`);
  progress.digestMatched = true;
  return null;
}
