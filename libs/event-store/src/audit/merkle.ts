/**
 * RFC 6962 Merkle tree over the log: digests (tree size, root) and the proofs the verifier in proof-verify.ts checks.
 *
 * Leaves are the events' hashes (32 raw bytes) in global order; leaf i is the i-th event (the event at position i
 * where positions are gapless; on EventStoreDB the audit cache keeps each leaf's position).
 *
 * The server's tree (MerkleLog) keeps the roots of complete blocks of 64 leaves and everything above them, not the
 * leaves: at 1,000,000 events about 1 MB instead of 64 MB. What lies below a block root is hashed again from the
 * block's leaves, which its callers read back from the event store (service.ts).
 */
import { hash } from 'node:crypto';
import { EMPTY_TREE_ROOT, HASH_BYTES, hashChildren, hashLeaf } from './proof-verify.js';

/** Most leaves one tree may hold here: indices stay exact JavaScript numbers. */
export const MAX_MERKLE_LEAVES = Number.MAX_SAFE_INTEGER;

/**
 * The hashes of the complete subtrees of one height, in order, packed in one growable buffer. Append-only: bytes
 * below `count` are never written again (growth copies them to a new buffer and leaves the old one as it was), so a
 * view of them stays valid and unchanged while the level grows.
 */
class HashLevel {
  constructor(
    private bytes: Buffer = Buffer.alloc(HASH_BYTES * 64),
    public count = 0,
  ) {}

  push(hash: Uint8Array): void {
    const offset = this.count * HASH_BYTES;
    if (offset + HASH_BYTES > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, offset);
      this.bytes = grown;
    }
    this.bytes.set(hash, offset);
    this.count += 1;
  }

  /** hashChildren of this level's last two hashes, which lie side by side: one copy into the node scratch. */
  lastPairParent(): Buffer {
    const end = this.count * HASH_BYTES;
    this.bytes.copy(nodeScratch, 1, end - 2 * HASH_BYTES, end);
    return hash('sha256', nodeScratch, 'buffer');
  }

  /** A view, not a copy: callers hash it or copy it, never keep it across appends. */
  at(index: number): Buffer {
    const offset = index * HASH_BYTES;
    return this.bytes.subarray(offset, offset + HASH_BYTES);
  }

  /** The first `count` hashes, as a view (see the class comment for why it may be kept). */
  prefix(count: number): Buffer {
    return this.bytes.subarray(0, count * HASH_BYTES);
  }

  get byteLength(): number {
    return this.bytes.length;
  }
}

/** Height of the subtrees whose roots the log keeps as its lowest level: blocks of 2^6 = 64 leaves. */
export const LEAF_BLOCK_HEIGHT = 6;
/** Leaves in one block: the unit the log drops from memory once complete and reads back from the event store. */
export const LEAF_BLOCK_LEAVES = 2 ** LEAF_BLOCK_HEIGHT;
const BLOCK_BYTES = LEAF_BLOCK_LEAVES * HASH_BYTES;

/**
 * Leaf hashes of blocks the log no longer holds, by block index (block b is leaves 64b to 64b + 63): 32 bytes per
 * leaf, in order, read back from the event store and checked with `MerkleLog.blockMatches` before use. A block may
 * be given in part (its first leaves) when a computation only needs those, as for a root at a size inside it.
 */
export type LeafBlocks = ReadonlyMap<number, Uint8Array>;

const NO_BLOCKS: LeafBlocks = new Map();
const MISSING_BLOCK = 'the leaves of a complete block this needs were not supplied (see blocksFor…)';

/** MTH over leaf hashes [from, to) of `leaves` (to > from), split as RFC 6962 splits. */
function rangeHash(leaves: Uint8Array, from: number, to: number): Buffer {
  if (to - from === 1) return Buffer.from(leaves.subarray(from * HASH_BYTES, to * HASH_BYTES));
  const k = splitPoint(to - from);
  return hashChildren(rangeHash(leaves, from, from + k), rangeHash(leaves, from + k, to));
}

/**
 * The root of one whole block of leaf hashes, reduced in place in `work` (a block's worth of bytes, overwritten):
 * 63 hashes and no buffer beyond the ones SHA-256 returns. The root is a view of `work`'s first 32 bytes: callers
 * copy or compare it before `work` is used again.
 */
function blockRootIn(work: Buffer): Buffer {
  for (let width = LEAF_BLOCK_LEAVES; width > 1; width /= 2) {
    for (let i = 0; i < width / 2; i += 1) {
      work.copy(nodeScratch, 1, 2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES);
      work.set(hash('sha256', nodeScratch, 'buffer'), i * HASH_BYTES);
    }
  }
  return work.subarray(0, HASH_BYTES);
}

/** Largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Heights at or above the block height that a log of `size` leaves holds whole subtrees of. */
function keptLevels(size: number): number {
  let levels = 0;
  // At most 53 - 6 turns below 2^53.
  while (2 ** (LEAF_BLOCK_HEIGHT + levels) <= size) levels += 1;
  return levels;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

function checkSize(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer between 0 and ${max}; got ${value}`);
  }
}

/** Where one computation takes the leaves of a block: null when they are not at hand. */
type BlockSource = (block: number, leaves: number) => Uint8Array | null;

/**
 * An append-only RFC 6962 Merkle log that keeps the complete subtrees of 64 leaves and more (about 1 byte per leaf:
 * one 32-byte hash per block of 64, plus the levels above it) and the leaf hashes of the block under construction.
 * Roots and proofs that need nodes below a block's root inside a complete block take that block's leaf hashes as
 * an argument (`LeafBlocks`, read back from the event store by the caller); the `blocksFor…` methods name the
 * blocks a request needs, at most one per size or index it names. Hashing stays synchronous: fetching is the
 * caller's.
 */
export class MerkleLog {
  /** levels[i] holds the hashes of the complete subtrees of 2^(6 + i) leaves, left to right. */
  private readonly levels: HashLevel[] = [new HashLevel()];
  /** The leaf hashes of the block under construction: reused for every block, never handed out as a view. */
  private readonly current = Buffer.alloc(BLOCK_BYTES);
  private currentCount = 0;

  /** A log holding `leafHashes` (32 bytes each, in order), appended one by one: about one SHA-256 per leaf. */
  static fromLeafHashes(leafHashes: Uint8Array): MerkleLog {
    if (leafHashes.length % HASH_BYTES !== 0) throw new RangeError(`leaf hashes come in ${HASH_BYTES}-byte units; got ${leafHashes.length} bytes`);
    const count = leafHashes.length / HASH_BYTES;
    if (count > MAX_MERKLE_LEAVES) throw new RangeError('too many leaves for one Merkle log');
    const log = new MerkleLog();
    for (let i = 0; i < count; i += 1) log.appendLeafHash(leafHashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    return log;
  }

  /**
   * A log given the levels a log of its size keeps (levels[i]: its complete subtrees of 2^(6 + i) leaves, in
   * order, as `levelsUpTo` answers them) and the leaf hashes of its incomplete last block (`blockLeavesUpTo`);
   * both copied. Its size is 64 leaves per block of levels[0] plus those leaves. Checks the counts, not the hashes:
   * the caller vouches for the bytes (a sealed snapshot).
   */
  static fromLevels(levels: readonly Uint8Array[], currentLeaves: Uint8Array): MerkleLog {
    const currentCount = currentLeaves.length / HASH_BYTES;
    if (!Number.isInteger(currentCount) || currentCount >= LEAF_BLOCK_LEAVES) {
      throw new RangeError(`the incomplete block holds fewer than ${LEAF_BLOCK_LEAVES} whole leaf hashes; got ${currentLeaves.length} bytes`);
    }
    const blocks = levels.length === 0 ? 0 : levels[0].length / HASH_BYTES;
    const size = blocks * LEAF_BLOCK_LEAVES + currentCount;
    if (!Number.isSafeInteger(size) || size > MAX_MERKLE_LEAVES) throw new RangeError('the block level is not whole hashes');
    const expected = keptLevels(size);
    if (levels.length !== expected) throw new RangeError(`a log of ${size} leaves keeps ${expected} levels; got ${levels.length}`);
    const log = new MerkleLog();
    log.levels.length = 0;
    levels.forEach((bytes, i) => {
      const count = Math.floor(size / 2 ** (LEAF_BLOCK_HEIGHT + i));
      if (bytes.length !== count * HASH_BYTES) throw new RangeError(`level ${i} of a log of ${size} leaves holds ${count} hashes; got ${bytes.length} bytes`);
      const owned = Buffer.alloc(Math.max(64, count) * HASH_BYTES);
      owned.set(bytes);
      log.levels.push(new HashLevel(owned, count));
    });
    if (log.levels.length === 0) log.levels.push(new HashLevel());
    log.current.set(currentLeaves);
    log.currentCount = currentCount;
    return log;
  }

  get size(): number {
    return this.completeBlocks * LEAF_BLOCK_LEAVES + this.currentCount;
  }

  /** Complete blocks: their roots are level 0; their leaves are no longer held. */
  get completeBlocks(): number {
    return this.levels[0].count;
  }

  /** Index of the first leaf still held (the first of the block under construction). */
  get firstHeldLeaf(): number {
    return this.completeBlocks * LEAF_BLOCK_LEAVES;
  }

  /** Bytes held: the kept levels and the block under construction. */
  get retainedBytes(): number {
    return this.levels.reduce((total, level) => total + level.byteLength, this.current.length);
  }

  /** Appends a leaf hash (already SHA-256(0x00 || leaf)). */
  appendLeafHash(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_BYTES) throw new RangeError(`a leaf hash has ${HASH_BYTES} bytes; got ${leafHash.length}`);
    if (this.size >= MAX_MERKLE_LEAVES) throw new RangeError('the Merkle log is full');
    this.current.set(leafHash, this.currentCount * HASH_BYTES);
    this.currentCount += 1;
    if (this.currentCount < LEAF_BLOCK_LEAVES) return;
    // The block is complete: its root joins the kept levels and its leaves are dropped (reduced in place, the
    // buffer then starts the next block).
    this.levels[0].push(blockRootIn(this.current));
    this.currentCount = 0;
    // Each block completes at most one subtree per level above it, bottom up: amortised one hash per block.
    let i = 0;
    while (this.levels[i].count % 2 === 0) {
      const parent = this.levels[i].lastPairParent();
      if (this.levels.length === i + 1) this.levels.push(new HashLevel());
      this.levels[i + 1].push(parent);
      i += 1;
    }
  }

  /** Appends a leaf by its bytes (for a log entry: the event hash as 32 raw bytes). */
  appendLeaf(leaf: Uint8Array): void {
    this.appendLeafHash(hashLeaf(leaf));
  }

  /** Whether `leaves` are the 64 leaf hashes of complete block `block`: their root is the one kept for it. */
  blockMatches(block: number, leaves: Uint8Array): boolean {
    checkSize('block', block, this.completeBlocks - 1);
    if (leaves.length !== BLOCK_BYTES) return false;
    blockWork.set(leaves);
    return blockRootIn(blockWork).equals(this.levels[0].at(block));
  }

  /**
   * The kept levels of the tree of the first `size` leaves (see fromLevels), as views rather than copies: later
   * appends never change these bytes, so the views may be kept (a snapshot captured between two events).
   */
  levelsUpTo(size: number): Buffer[] {
    checkSize('size', size, this.size);
    return this.levels.slice(0, keptLevels(size)).map((level, i) => level.prefix(Math.floor(size / 2 ** (LEAF_BLOCK_HEIGHT + i))));
  }

  /**
   * The leaf hashes of the incomplete last block of the tree of the first `size` leaves (size mod 64 of them),
   * copied: from the block under construction, or from `blocks` when that block is complete.
   */
  blockLeavesUpTo(size: number, blocks: LeafBlocks = NO_BLOCKS): Buffer {
    checkSize('size', size, this.size);
    const block = Math.floor(size / LEAF_BLOCK_LEAVES);
    const count = size - block * LEAF_BLOCK_LEAVES;
    if (count === 0) return Buffer.alloc(0);
    const leaves = this.sourceOf(blocks)(block, count);
    if (leaves === null) throw new RangeError(MISSING_BLOCK);
    return Buffer.from(leaves.subarray(0, count * HASH_BYTES));
  }

  /** The leaf hash at `index`, copied. */
  leafHash(index: number, blocks: LeafBlocks = NO_BLOCKS): Buffer {
    checkSize('index', index, this.size - 1);
    return this.required(this.leafIn(index, this.sourceOf(blocks)));
  }

  /** The tree hash of the first `treeSize` leaves (default: all). */
  root(treeSize: number = this.size, blocks: LeafBlocks = NO_BLOCKS): Buffer {
    checkSize('treeSize', treeSize, this.size);
    return this.required(this.rootIn(treeSize, this.sourceOf(blocks)));
  }

  /** RFC 6962 §2.1.1 audit path for leaf `index` in the tree of the first `treeSize` leaves, leaf side first. */
  inclusionProof(index: number, treeSize: number = this.size, blocks: LeafBlocks = NO_BLOCKS): Buffer[] {
    this.checkInclusion(index, treeSize);
    const proof: (Buffer | null)[] = [];
    this.path(index, 0, treeSize, this.sourceOf(blocks), proof);
    return proof.map((node) => this.required(node));
  }

  /** RFC 6962 §2.1.2 proof that the tree of `size2` leaves extends the tree of its first `size1` leaves. */
  consistencyProof(size1: number, size2: number = this.size, blocks: LeafBlocks = NO_BLOCKS): Buffer[] {
    this.checkConsistency(size1, size2);
    const proof: (Buffer | null)[] = [];
    if (size1 > 0 && size1 < size2) this.subproof(size1, 0, size2, true, this.sourceOf(blocks), proof);
    return proof.map((node) => this.required(node));
  }

  /** The complete blocks whose leaves `root(treeSize)` needs (at most one). */
  blocksForRoot(treeSize: number): number[] {
    checkSize('treeSize', treeSize, this.size);
    return this.recorded((source) => this.rootIn(treeSize, source));
  }

  /** The complete blocks whose leaves `leafHash(index)`, `inclusionProof(index, treeSize)` and `root(treeSize)` need. */
  blocksForInclusion(index: number, treeSize: number): number[] {
    this.checkInclusion(index, treeSize);
    return this.recorded((source) => {
      this.leafIn(index, source);
      this.path(index, 0, treeSize, source, []);
      this.rootIn(treeSize, source);
    });
  }

  /** The complete blocks whose leaves `consistencyProof(size1, size2)` and the roots at both sizes need. */
  blocksForConsistency(size1: number, size2: number): number[] {
    this.checkConsistency(size1, size2);
    return this.recorded((source) => {
      if (size1 > 0 && size1 < size2) this.subproof(size1, 0, size2, true, source, []);
      this.rootIn(size1, source);
      this.rootIn(size2, source);
    });
  }

  private checkInclusion(index: number, treeSize: number): void {
    checkSize('treeSize', treeSize, this.size);
    if (treeSize === 0) throw new RangeError('the empty tree has no leaves to prove');
    checkSize('index', index, treeSize - 1);
  }

  private checkConsistency(size1: number, size2: number): void {
    checkSize('size2', size2, this.size);
    checkSize('size1', size1, size2);
  }

  /** Leaves of the block under construction from memory, of complete blocks from `blocks` (whole or a prefix). */
  private sourceOf(blocks: LeafBlocks): BlockSource {
    return (block, leaves) => {
      if (block === this.completeBlocks) return leaves <= this.currentCount ? this.current : null;
      const given = blocks.get(block);
      return given !== undefined && given.length >= leaves * HASH_BYTES ? given : null;
    };
  }

  /** The complete blocks a computation run over a recording source asks for, in order. */
  private recorded(run: (source: BlockSource) => void): number[] {
    const wanted = new Set<number>();
    run((block) => {
      if (block === this.completeBlocks) return this.current;
      wanted.add(block);
      return null;
    });
    return [...wanted].sort((a, b) => a - b);
  }

  private required(node: Buffer | null): Buffer {
    if (node === null) throw new RangeError(MISSING_BLOCK);
    return node;
  }

  private leafIn(index: number, source: BlockSource): Buffer | null {
    const block = Math.floor(index / LEAF_BLOCK_LEAVES);
    const offset = index - block * LEAF_BLOCK_LEAVES;
    const leaves = source(block, offset + 1);
    return leaves === null ? null : Buffer.from(leaves.subarray(offset * HASH_BYTES, (offset + 1) * HASH_BYTES));
  }

  private rootIn(treeSize: number, source: BlockSource): Buffer | null {
    return treeSize === 0 ? Buffer.from(EMPTY_TREE_ROOT) : this.subtreeHash(0, treeSize, source);
  }

  /**
   * MTH(D[start:end]): a kept node when the range is a complete aligned subtree of a block or more, hashed from the
   * leaves when it lies inside one block, else split as RFC 6962 does. Null when a block's leaves are not at hand.
   */
  private subtreeHash(start: number, end: number, source: BlockSource): Buffer | null {
    const width = end - start;
    if (width >= LEAF_BLOCK_LEAVES && isPowerOfTwo(width) && start % width === 0) {
      return Buffer.from(this.levels[Math.log2(width) - LEAF_BLOCK_HEIGHT].at(start / width));
    }
    const block = Math.floor(start / LEAF_BLOCK_LEAVES);
    const first = block * LEAF_BLOCK_LEAVES;
    if (end <= first + LEAF_BLOCK_LEAVES) {
      const leaves = source(block, end - first);
      return leaves === null ? null : rangeHash(leaves, start - first, end - first);
    }
    const k = splitPoint(width);
    const left = this.subtreeHash(start, start + k, source);
    const right = this.subtreeHash(start + k, end, source);
    return left === null || right === null ? null : hashChildren(left, right);
  }

  /** PATH(m, D[start:end]), appending the deepest sibling first so the proof reads leaf to root. */
  private path(m: number, start: number, end: number, source: BlockSource, out: (Buffer | null)[]): void {
    const width = end - start;
    if (width <= 1) return;
    const k = splitPoint(width);
    if (m < k) {
      this.path(m, start, start + k, source, out);
      out.push(this.subtreeHash(start + k, end, source));
    } else {
      this.path(m - k, start + k, end, source, out);
      out.push(this.subtreeHash(start, start + k, source));
    }
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2. */
  private subproof(m: number, start: number, end: number, wholeOldTree: boolean, source: BlockSource, out: (Buffer | null)[]): void {
    const width = end - start;
    if (m === width) {
      if (!wholeOldTree) out.push(this.subtreeHash(start, end, source));
      return;
    }
    const k = splitPoint(width);
    if (m <= k) {
      this.subproof(m, start, start + k, wholeOldTree, source, out);
      out.push(this.subtreeHash(start + k, end, source));
    } else {
      this.subproof(m - k, start + k, end, false, source, out);
      out.push(this.subtreeHash(start, start + k, source));
    }
  }
}

/*
 * The streaming verifier hashes two small nodes per event, so it works in hex through reused scratch buffers:
 * Node's one-shot hash() is several times faster with hex output than with a Buffer. The server's tree (appends,
 * leaves from hex) uses the same scratch buffers. Same bytes hashed as hashLeaf/hashChildren in proof-verify.ts (the
 * spec checks they agree).
 */
const leafScratch = Buffer.alloc(1 + HASH_BYTES);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES);
nodeScratch[0] = 0x01;
/** Where `blockMatches` reduces a block it checks, so the caller's bytes stay as they were. */
const blockWork = Buffer.alloc(BLOCK_BYTES);

/** Puts a leaf given in hex into the leaf scratch, after its 0x00 prefix. */
function leafInScratch(leafHex: string): Buffer {
  // Buffer.write stops at the first non-hex pair, so a short count is how malformed hex shows.
  if (leafHex.length !== 2 * HASH_BYTES || leafScratch.write(leafHex, 1, 'hex') !== HASH_BYTES) {
    throw new RangeError('a leaf is a 32-byte hash in hex');
  }
  return leafScratch;
}

/** hashLeaf over a leaf of 32 bytes given in hex, in hex. */
export function hashLeafHex(leafHex: string): string {
  return hash('sha256', leafInScratch(leafHex), 'hex');
}

/** hashLeaf over a leaf of 32 bytes given in hex, as bytes: the server's tree takes one per event it applies. */
export function hashLeafOfHex(leafHex: string): Buffer {
  return hash('sha256', leafInScratch(leafHex), 'buffer');
}

/** hashChildren over two hex hashes, in hex. */
export function hashChildrenHex(leftHex: string, rightHex: string): string {
  nodeScratch.write(leftHex, 1, 'hex');
  nodeScratch.write(rightHex, 1 + HASH_BYTES, 'hex');
  return hash('sha256', nodeScratch, 'hex');
}

/**
 * The O(log n) frontier of a Merkle tree (the roots of its complete subtrees): enough for the root of
 * everything appended so far, which is all a streaming verifier needs.
 */
export class MerkleFrontier {
  /*
   * Complete subtree roots (hex) from largest (leftmost) to smallest, and their heights, in two parallel arrays:
   * appending allocates no object per leaf (this runs once or twice per verified event).
   */
  private readonly hashes: string[] = [];
  private readonly heights: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf by its bytes, given as a 32-byte hash in hex (an event hash). */
  appendLeafHex(leafHex: string): void {
    this.appendLeafHashHex(hashLeafHex(leafHex));
  }

  /** Appends a leaf hash already computed (hex of SHA-256(0x00 || leaf)), e.g. by a worker thread. */
  appendLeafHashHex(leafHashHex: string): void {
    this.appendSubtreeHashHex(0, leafHashHex);
  }

  /**
   * Appends 2^height leaves at once by the root of their complete subtree (e.g. a worker's batch). Only where such a
   * subtree can start: when the leaves so far are a multiple of 2^height, which is when RFC 6962 splits there.
   */
  appendSubtreeHashHex(subtreeHeight: number, rootHex: string): void {
    if (rootHex.length !== 2 * HASH_BYTES) throw new RangeError('a subtree root is 32 bytes in hex');
    if (!Number.isInteger(subtreeHeight) || subtreeHeight < 0 || subtreeHeight > 52 || this.count % 2 ** subtreeHeight !== 0) {
      throw new RangeError(`a subtree of height ${subtreeHeight} cannot start after ${this.count} leaves`);
    }
    let hash = rootHex;
    let height = subtreeHeight;
    // The stack holds at most one subtree per height (≤ 53 entries), so this loop is bounded.
    for (let top = this.heights.length - 1; top >= 0 && this.heights[top] === height; top -= 1) {
      hash = hashChildrenHex(this.hashes[top], hash);
      this.hashes.pop();
      this.heights.pop();
      height += 1;
    }
    this.hashes.push(hash);
    this.heights.push(height);
    this.count += 2 ** subtreeHeight;
  }

  /** Root of every leaf appended so far: the complete subtrees folded right to left, as RFC 6962 splits. */
  root(): Buffer {
    if (this.hashes.length === 0) return Buffer.from(EMPTY_TREE_ROOT);
    let acc = this.hashes[this.hashes.length - 1];
    for (let i = this.hashes.length - 2; i >= 0; i -= 1) acc = hashChildrenHex(this.hashes[i], acc);
    return Buffer.from(acc, 'hex');
  }
}
