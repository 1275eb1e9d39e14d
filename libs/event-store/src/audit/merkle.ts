/**
 * RFC 6962 Merkle tree over the log: digests (tree size, root) and the proofs the verifier in proof-verify.ts checks.
 *
 * Leaves are the events' hashes (32 raw bytes) in global order; leaf i is the i-th event (the event at position i
 * where positions are gapless; on EventStoreDB the audit cache keeps each leaf's position).
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

/** The level above `level`: one inner node per complete pair, hashed through reused scratch space. */
function parentLevel(level: HashLevel): HashLevel {
  const count = Math.floor(level.count / 2);
  const parents = Buffer.alloc(Math.max(64, count) * HASH_BYTES);
  const children = level.prefix(count * 2);
  const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  for (let i = 0; i < count; i += 1) {
    // Left and right siblings sit side by side: one copy gives SHA-256 its whole input after the 0x01 prefix.
    children.copy(scratch, 1, i * 2 * HASH_BYTES, (i + 1) * 2 * HASH_BYTES);
    parents.write(hash('sha256', scratch, 'hex'), i * HASH_BYTES, 'hex');
  }
  return new HashLevel(parents, count);
}

/** Largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Levels a log of `size` leaves holds: the leaves, and one more per doubling (1 for the empty log). */
function heightsOf(size: number): number {
  let heights = 1;
  // At most 53 turns below 2^53.
  while (2 ** heights <= size) heights += 1;
  return heights;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

function checkSize(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer between 0 and ${max}; got ${value}`);
  }
}

/**
 * An append-only Merkle log that keeps every complete subtree hash (≈ 64 bytes per leaf: the leaf hashes plus
 * every level above them), so the root at any past size and any proof cost O(log n) hashes instead of a rebuild.
 */
export class MerkleLog {
  /** levels[h] holds the hashes of the complete subtrees of 2^h leaves, left to right. */
  private readonly levels: HashLevel[] = [new HashLevel()];

  /**
   * A log holding `leafHashes` (32 bytes each, in order; copied), its inner nodes recomputed level by level: about
   * one SHA-256 per leaf, with no per-leaf allocation.
   */
  static fromLeafHashes(leafHashes: Uint8Array): MerkleLog {
    if (leafHashes.length % HASH_BYTES !== 0) throw new RangeError(`leaf hashes come in ${HASH_BYTES}-byte units; got ${leafHashes.length} bytes`);
    const count = leafHashes.length / HASH_BYTES;
    if (count > MAX_MERKLE_LEAVES) throw new RangeError('too many leaves for one Merkle log');
    const log = new MerkleLog();
    const leaves = Buffer.alloc(Math.max(64, count) * HASH_BYTES);
    leaves.set(leafHashes);
    log.levels[0] = new HashLevel(leaves, count);
    // One level per height: at most 53 turns for any count below 2^53.
    for (let level = log.levels[0]; level.count >= 2; ) {
      level = parentLevel(level);
      log.levels.push(level);
    }
    return log;
  }

  get size(): number {
    return this.levels[0].count;
  }

  /** Bytes held by the cache: the memory cost of keeping proofs cheap. */
  get retainedBytes(): number {
    return this.levels.reduce((total, level) => total + level.byteLength, 0);
  }

  /** Appends a leaf hash (already SHA-256(0x00 || leaf)). */
  appendLeafHash(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_BYTES) throw new RangeError(`a leaf hash has ${HASH_BYTES} bytes; got ${leafHash.length}`);
    if (this.size >= MAX_MERKLE_LEAVES) throw new RangeError('the Merkle log is full');
    this.levels[0].push(leafHash);
    // Each append completes at most one subtree per level, bottom up: amortised one inner hash per leaf.
    let height = 0;
    while (this.levels[height].count % 2 === 0) {
      const level = this.levels[height];
      const parent = level.lastPairParent();
      if (this.levels.length === height + 1) this.levels.push(new HashLevel());
      this.levels[height + 1].push(parent);
      height += 1;
    }
  }

  /** Appends a leaf by its bytes (for a log entry: the event hash as 32 raw bytes). */
  appendLeaf(leaf: Uint8Array): void {
    this.appendLeafHash(hashLeaf(leaf));
  }

  /**
   * A log of `levels[0].length / 32` leaves given every level a log of that size holds (levels[h]: the hashes of its
   * complete subtrees of 2^h leaves, in order; copied), as `levelsUpTo` answers them. Checks their counts, not their
   * hashes: the caller vouches for the bytes (a sealed snapshot), which is what makes this cheaper than
   * fromLeafHashes.
   */
  static fromLevels(levels: readonly Uint8Array[]): MerkleLog {
    const size = levels.length === 0 ? -1 : levels[0].length / HASH_BYTES;
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MERKLE_LEAVES) throw new RangeError('the leaf level is not whole leaf hashes');
    const heights = heightsOf(size);
    if (levels.length !== heights) throw new RangeError(`a log of ${size} leaves has ${heights} levels; got ${levels.length}`);
    const log = new MerkleLog();
    log.levels.length = 0;
    levels.forEach((bytes, height) => {
      const count = Math.floor(size / 2 ** height);
      if (bytes.length !== count * HASH_BYTES) throw new RangeError(`level ${height} of a log of ${size} leaves holds ${count} hashes; got ${bytes.length} bytes`);
      const owned = Buffer.alloc(Math.max(64, count) * HASH_BYTES);
      owned.set(bytes);
      log.levels.push(new HashLevel(owned, count));
    });
    return log;
  }

  /**
   * Every level of the tree of the first `size` leaves (see fromLevels), as views rather than copies: later appends
   * never change these bytes, so the views may be kept (a snapshot captured between two events) while the log grows.
   */
  levelsUpTo(size: number): Buffer[] {
    checkSize('size', size, this.size);
    const heights = heightsOf(size);
    return this.levels.slice(0, heights).map((level, height) => level.prefix(Math.floor(size / 2 ** height)));
  }

  /** The first `size` leaf hashes, 32 bytes each, as a view (see levelsUpTo). */
  leafHashesUpTo(size: number): Buffer {
    checkSize('size', size, this.size);
    return this.levels[0].prefix(size);
  }

  /** The leaf hash at `index`, copied. */
  leafHash(index: number): Buffer {
    checkSize('index', index, this.size - 1);
    return Buffer.from(this.levels[0].at(index));
  }

  /** The tree hash of the first `treeSize` leaves (default: all). */
  root(treeSize: number = this.size): Buffer {
    checkSize('treeSize', treeSize, this.size);
    return treeSize === 0 ? Buffer.from(EMPTY_TREE_ROOT) : this.subtreeHash(0, treeSize);
  }

  /** RFC 6962 §2.1.1 audit path for leaf `index` in the tree of the first `treeSize` leaves, leaf side first. */
  inclusionProof(index: number, treeSize: number = this.size): Buffer[] {
    checkSize('treeSize', treeSize, this.size);
    if (treeSize === 0) throw new RangeError('the empty tree has no leaves to prove');
    checkSize('index', index, treeSize - 1);
    const proof: Buffer[] = [];
    this.path(index, 0, treeSize, proof);
    return proof;
  }

  /** RFC 6962 §2.1.2 proof that the tree of `size2` leaves extends the tree of its first `size1` leaves. */
  consistencyProof(size1: number, size2: number = this.size): Buffer[] {
    checkSize('size2', size2, this.size);
    checkSize('size1', size1, size2);
    const proof: Buffer[] = [];
    if (size1 > 0 && size1 < size2) this.subproof(size1, 0, size2, true, proof);
    return proof;
  }

  /** MTH(D[start:end]): a cached node when the range is a complete aligned subtree, else split as RFC 6962 does. */
  private subtreeHash(start: number, end: number): Buffer {
    const width = end - start;
    if (isPowerOfTwo(width) && start % width === 0) {
      const height = Math.log2(width);
      return Buffer.from(this.levels[height].at(start / width));
    }
    const k = splitPoint(width);
    return hashChildren(this.subtreeHash(start, start + k), this.subtreeHash(start + k, end));
  }

  /** PATH(m, D[start:end]), appending the deepest sibling first so the proof reads leaf to root. */
  private path(m: number, start: number, end: number, out: Buffer[]): void {
    const width = end - start;
    if (width <= 1) return;
    const k = splitPoint(width);
    if (m < k) {
      this.path(m, start, start + k, out);
      out.push(this.subtreeHash(start + k, end));
    } else {
      this.path(m - k, start + k, end, out);
      out.push(this.subtreeHash(start, start + k));
    }
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2. */
  private subproof(m: number, start: number, end: number, wholeOldTree: boolean, out: Buffer[]): void {
    const width = end - start;
    if (m === width) {
      if (!wholeOldTree) out.push(this.subtreeHash(start, end));
      return;
    }
    const k = splitPoint(width);
    if (m <= k) {
      this.subproof(m, start, start + k, wholeOldTree, out);
      out.push(this.subtreeHash(start + k, end));
    } else {
      this.subproof(m - k, start + k, end, false, out);
      out.push(this.subtreeHash(start, start + k));
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
