/**
 * The audit API the HTTP and CLI layers call: digests, inclusion and consistency proofs over any EventStore.
 *
 * Leaf i of the tree is the i-th event of the log in global order (its ordinal). On the embedded stores positions
 * are gapless, so the ordinal is the position and a gap is reported as an AuditHistoryError rather than silently
 * renumbered. On EventStoreDB positions are commit offsets with gaps: the cache keeps the position of every leaf
 * (8 bytes each), so a position names its leaf and a leaf its position; there a position the cache never saw
 * between two it did is the incident.
 *
 * Proofs come from a MerkleCache per store (kept in a WeakMap), fed by catching up on the log page by page or
 * live through `apply`, so no call rebuilds the tree. The tree keeps no leaves of complete 64-leaf blocks (about
 * 1 byte per leaf instead of 64): a proof or past root that needs nodes inside such a block reads the block's 64
 * events back from the store and checks them against the block root the tree kept before using them.
 */
import { systemClock, toIso, type Clock } from '../clock.js';
import type { EventStore, RecordedEvent, StoreKind } from '../port.js';
import { AuditHistoryError, AuditRangeError } from './errors.js';
import { DIGEST_FORMAT, type DigestFile } from './export.js';
import { hashLeafOfHex, LEAF_BLOCK_LEAVES, MerkleLog, type LeafBlocks } from './merkle.js';
import { HASH_BYTES, hashLeaf, toHashBytes, verifyConsistency, verifyInclusion } from './proof-verify.js';

/** Most pages one catch-up reads before yielding; a log that outgrows it is caught up over several calls. */
const MAX_CATCH_UP_PAGES = 1_000_000;

/** How a store's events become leaves: by their gapless position, or by their ordinal with the positions kept. */
export type LeafOrder = 'position' | 'ordinal';

/**
 * Most leaf blocks one request reads back from the store: each size or leaf index it names needs at most one (a
 * consistency proof names two sizes and asks for two roots), and a block completing while it reads adds one.
 */
const MAX_BLOCKS_PER_REQUEST = 8;

/** Leaf i is the event at position i only where positions are gapless (the embedded stores). */
export const leafOrderOf = (kind: StoreKind): LeafOrder => (kind === 'esdb' ? 'ordinal' : 'position');

/**
 * The positions of the leaves, in order: increasing, packed 8 bytes each, searched by bisection. Append-only like
 * the Merkle levels: values below `size` are never written again, so a view of them may be kept.
 */
class LeafPositions {
  constructor(
    private values = new BigInt64Array(1_024),
    public size = 0,
  ) {}

  /** The first `count` positions, as a view. */
  prefix(count: number): BigInt64Array {
    return this.values.subarray(0, count);
  }

  push(position: bigint): void {
    if (this.size === this.values.length) {
      const grown = new BigInt64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size] = position;
    this.size += 1;
  }

  at(ordinal: number): bigint {
    if (ordinal < 0 || ordinal >= this.size) throw new AuditRangeError(`no leaf ${ordinal} among ${this.size}`);
    return this.values[ordinal];
  }

  /** The ordinal of `position`, or -1 when no leaf has it. */
  ordinalOf(position: bigint): number {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.values[middle];
      if (value === position) return middle;
      if (value < position) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/**
 * Checks events applied a second time (a subscription overlapping a catch-up) whose leaves have left memory because
 * their block is complete. Such events come again in log order: the checker holds the leaves of one block (the
 * ones the tree had when the block completed, or the ones applied again so far) and, once it holds all 64, checks
 * their root against the block root the tree kept. One 2 KB buffer, reused.
 */
class ReplayCheck {
  private readonly leaves = Buffer.alloc(LEAF_BLOCK_LEAVES * HASH_BYTES);
  private block = -1;
  private known = 0;

  /** Holds the leaf hashes `parts` (in order, from the block's first) of block `block`, as the tree had them. */
  seed(block: number, ...parts: Uint8Array[]): void {
    this.block = block;
    this.known = 0;
    for (const part of parts) {
      this.leaves.set(part, this.known * HASH_BYTES);
      this.known += part.length / HASH_BYTES;
    }
  }

  clear(): void {
    this.block = -1;
    this.known = 0;
  }

  /** The leaves held, as blocks a MerkleLog computation takes (the held block's first leaves). */
  blocks(): LeafBlocks {
    return new Map(this.block < 0 ? [] : [[this.block, this.leaves.subarray(0, this.known * HASH_BYTES)]]);
  }

  /** Checks leaf `ordinal` of a complete block of `tree`, applied again at `position` with hash `leaf`. */
  check(tree: MerkleLog, ordinal: number, position: bigint, leaf: Buffer): void {
    const block = Math.floor(ordinal / LEAF_BLOCK_LEAVES);
    const offset = ordinal - block * LEAF_BLOCK_LEAVES;
    if (block !== this.block && offset === 0) this.seed(block);
    if (block !== this.block || offset > this.known) {
      throw new AuditHistoryError(`position ${position} came again out of log order after its block of the Merkle tree was complete: it cannot be checked`);
    }
    if (offset < this.known) {
      if (!leaf.equals(this.leaves.subarray(offset * HASH_BYTES, (offset + 1) * HASH_BYTES))) {
        throw new AuditHistoryError(`position ${position} now has another hash than the one already in the Merkle tree`);
      }
      return;
    }
    this.leaves.set(leaf, offset * HASH_BYTES);
    this.known += 1;
    if (this.known === LEAF_BLOCK_LEAVES && !tree.blockMatches(block, this.leaves)) {
      const first = block * LEAF_BLOCK_LEAVES;
      throw new AuditHistoryError(`the events applied again as leaves ${first}..${first + LEAF_BLOCK_LEAVES - 1} do not give the block root in the Merkle tree: the log no longer matches the tree`);
    }
  }
}

/** What a MerkleCache held at some size: views of bytes it never rewrites (and one small copy), valid while it grows. */
export interface MerkleCacheCapture {
  leafOrder: LeafOrder;
  size: number;
  /** The levels the tree keeps of those leaves (MerkleLog.levelsUpTo): block roots first. */
  levels: Buffer[];
  /** The leaf hashes of the incomplete last block (size mod 64 of them), copied. */
  blockLeaves: Buffer;
  /** The leaves' positions (ordinal leaf order only; null where the leaf index is the position). */
  positions: BigInt64Array | null;
}

/** The Merkle tree over a store's event hashes, kept current by `apply` (live) or `catchUp` (page by page). */
export class MerkleCache {
  private tree = new MerkleLog();
  /** Null where the leaf order is the position itself. */
  private positions: LeafPositions | null;
  /** Catch-ups run one at a time, so two callers never append the same page twice. */
  private queue: Promise<void> = Promise.resolve();
  /**
   * Leaves `apply` has covered (its caller, the runner's feed, applies every event once, in order): when a catch-up
   * runs ahead of it, the feed applies those events again, and the block it is in is kept aside for the check.
   */
  private applied = 0;
  /** Events `apply` gives again whose block is complete. */
  private readonly appliedAgain = new ReplayCheck();
  /** Events a catch-up page repeats because `apply` added them while the page was read (catch-ups run one at a time). */
  private readonly readAgain = new ReplayCheck();

  constructor(readonly leafOrder: LeafOrder = 'position') {
    this.positions = leafOrder === 'ordinal' ? new LeafPositions() : null;
  }

  get log(): MerkleLog {
    return this.tree;
  }

  get size(): number {
    return this.tree.size;
  }

  /**
   * The first `size` leaves, in O(1): shares the kept levels, which the cache never rewrites, and copies the leaves
   * of the last block. `size` is one whose last block the cache holds: inside the block under construction, or
   * the size `apply` has reached when a catch-up ran ahead of it.
   */
  capture(size: number): MerkleCacheCapture {
    const levels = this.tree.levelsUpTo(size);
    const blockLeaves = this.tree.blockLeavesUpTo(size, this.appliedAgain.blocks());
    return { leafOrder: this.leafOrder, size, levels, blockLeaves, positions: this.positions === null ? null : this.positions.prefix(size) };
  }

  /** The root of the first `size` leaves from what the cache holds, for the same sizes as `capture`. */
  rootHeld(size: number): Buffer {
    return this.tree.root(size, this.appliedAgain.blocks());
  }

  /**
   * Takes over a tree rebuilt elsewhere (a snapshot's) while this cache is still empty; the caller has checked it
   * (leaf count, increasing positions). Throws, changing nothing, when the cache already holds leaves or the
   * leaf orders differ.
   */
  adopt(tree: MerkleLog, positions: BigInt64Array | null): void {
    if (this.tree.size !== 0) throw new AuditHistoryError(`the Merkle cache already holds ${this.tree.size} leaves`);
    if ((positions === null) !== (this.leafOrder === 'position')) throw new AuditHistoryError(`a tree in another leaf order than ${this.leafOrder}`);
    if (positions !== null && positions.length !== tree.size) throw new AuditHistoryError(`${positions.length} positions for ${tree.size} leaves`);
    if (positions !== null) {
      const values = new BigInt64Array(Math.max(1_024, positions.length));
      values.set(positions);
      this.positions = new LeafPositions(values, positions.length);
    }
    this.tree = tree;
    this.applied = tree.size;
    this.appliedAgain.clear();
    this.readAgain.clear();
  }

  /** The position of leaf `ordinal` (held by the cache). */
  positionOf(ordinal: number): bigint {
    if (this.positions === null) {
      if (ordinal < 0 || ordinal >= this.log.size) throw new AuditRangeError(`no leaf ${ordinal} among ${this.log.size}`);
      return BigInt(ordinal);
    }
    return this.positions.at(ordinal);
  }

  /** The leaf of the event at `position`, or null when the cache holds no event there. */
  ordinalOf(position: bigint): number | null {
    if (this.positions === null) return position >= 0n && position < BigInt(this.log.size) ? Number(position) : null;
    const ordinal = this.positions.ordinalOf(position);
    return ordinal < 0 ? null : ordinal;
  }

  /** Position of the last leaf, or null for the empty tree. */
  lastPosition(): bigint | null {
    return this.log.size === 0 ? null : this.positionOf(this.log.size - 1);
  }

  /**
   * Adds the next event of the log. An event already applied is accepted when its hash is the one applied
   * (a subscription overlapping a catch-up); any other hash there, or a skipped position, is an integrity incident.
   * Where the leaf has left memory (its block is complete), events applied again are checked in log order, each
   * against the leaf kept aside or, for a block applied again from its first leaf, all 64 against the block root
   * once the last of them arrives.
   */
  apply(event: Pick<RecordedEvent, 'position' | 'hash'>): void {
    const ordinal = this.add(event, 'apply');
    if (ordinal + 1 > this.applied) this.applied = ordinal + 1;
  }

  /**
   * Appends `event`, or checks it again where the tree already holds it (once its block is complete, through the
   * ReplayCheck of its caller: `apply` and catch-ups repeat events for different reasons); its leaf index.
   */
  private add(event: Pick<RecordedEvent, 'position' | 'hash'>, by: 'apply' | 'catch-up'): number {
    const leaf = hashLeafOfHex(event.hash);
    const last = this.lastPosition();
    const tree = this.tree;
    if (last !== null && event.position <= last) {
      const ordinal = this.ordinalOf(event.position);
      if (ordinal === null) throw new AuditHistoryError(`an event at position ${event.position} appeared among events the Merkle tree already holds`);
      if (ordinal < tree.firstHeldLeaf) (by === 'apply' ? this.appliedAgain : this.readAgain).check(tree, ordinal, event.position, leaf);
      else if (!tree.leafHash(ordinal).equals(leaf)) {
        throw new AuditHistoryError(`position ${event.position} now has hash ${event.hash}, not the one already in the Merkle tree`);
      }
      return ordinal;
    }
    if (this.positions === null) {
      const size = BigInt(tree.size);
      if (event.position > size) throw new AuditHistoryError(`position ${event.position} arrived before position ${size}: the log has a gap`);
    } else {
      this.positions.push(event.position);
    }
    const ordinal = tree.size;
    // A catch-up completing the block `apply` is in: its leaves would leave memory before `apply` gives them again.
    if (by === 'catch-up' && ordinal === tree.firstHeldLeaf + LEAF_BLOCK_LEAVES - 1 && this.applied > tree.firstHeldLeaf) {
      this.appliedAgain.seed(tree.completeBlocks, tree.blockLeavesUpTo(ordinal), leaf);
    }
    tree.appendLeafHash(leaf);
    return ordinal;
  }

  /** Reads the log until the tree holds the event at position `through` or a later one (or the log ends). */
  catchUp(store: EventStore, through: bigint): Promise<void> {
    const run = this.queue.then(() => this.readUntil(store, through));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readUntil(store: EventStore, through: bigint): Promise<void> {
    for (let pages = 0; pages < MAX_CATCH_UP_PAGES; pages += 1) {
      const last = this.lastPosition();
      if (last !== null && last >= through) return;
      // `apply` may add events while the page is read and complete a block: the page's copies of them are checked
      // against the leaves held now.
      this.readAgain.seed(this.tree.completeBlocks, this.tree.blockLeavesUpTo(this.tree.size));
      const page = await store.readAll({ after: last ?? 'start', maxCount: store.limits.maxReadCount });
      for (const event of page.events) this.add(event, 'catch-up');
      if (page.isEnd || page.events.length === 0) return;
    }
  }
}

const caches = new WeakMap<EventStore, MerkleCache>();

/** The cache the audit functions use for `store`: create it once, feed it with `apply` from a subscription. */
export function merkleCacheFor(store: EventStore): MerkleCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new MerkleCache(leafOrderOf(store.kind));
    caches.set(store, cache);
  }
  return cache;
}

export interface InclusionProofResult {
  /** The event's global position. */
  position: string;
  /**
   * Its leaf index: the event's ordinal in the log (0 for the first event). The position itself on the embedded
   * stores; on EventStoreDB, whose positions have gaps, the count of ledger events before it. Always set here;
   * optional for proofs served by builds before it (their leaf index is their position).
   */
  leafIndex?: string;
  treeSize: string;
  /** The event's hash (the leaf's bytes) and SHA-256(0x00 || it), the leaf hash the proof starts from. */
  eventHash: string;
  leafHash: string;
  /** Sibling hashes from the leaf up. */
  proof: string[];
  root: string;
}

export interface ConsistencyProofResult {
  size1: string;
  size2: string;
  root1: string;
  root2: string;
  proof: string[];
}

export interface AuditOptions {
  /** Clock for a digest's createdAt. */
  clock?: Clock;
}

/** The event of leaf `ordinal`, read at the position the cache holds for it (the one before it anchors the read). */
async function eventAt(store: EventStore, cache: MerkleCache, ordinal: number): Promise<RecordedEvent> {
  const position = cache.positionOf(ordinal);
  const page = await store.readAll({ after: ordinal === 0 ? 'start' : cache.positionOf(ordinal - 1), maxCount: 1 });
  const event = page.events[0];
  if (event === undefined || event.position !== position) throw new AuditHistoryError(`the log has no event at position ${position}`);
  return event;
}

/** Tree size of the whole log now: its events through the head (the cache is caught up to it on the way). */
async function currentSize(store: EventStore, cache: MerkleCache): Promise<bigint> {
  const head = await store.headPosition();
  if (head === null) return 0n;
  if (cache.leafOrder === 'position') return head + 1n;
  await cache.catchUp(store, head);
  const ordinal = cache.ordinalOf(head);
  if (ordinal === null) throw new AuditHistoryError(`the head position ${head} is not among the events read up to it`);
  return BigInt(ordinal) + 1n;
}

/** The leaf of the event at `position`, the cache caught up to it; an AuditRangeError when no event is there. */
async function leafAt(store: EventStore, cache: MerkleCache, position: bigint, what: string): Promise<number> {
  if (position < 0n) throw new AuditRangeError(`${what} ${position} is not in the log`);
  await cache.catchUp(store, position);
  const ordinal = cache.ordinalOf(position);
  if (ordinal === null) throw new AuditRangeError(`${what} ${position} is not the position of an event in the log`);
  return ordinal;
}

/**
 * The 64 leaf hashes of complete block `block`, read back from the log at the positions the cache holds for them
 * and checked against the block root the tree kept: a log that no longer gives that root is an AuditHistoryError,
 * never a wrong proof.
 */
async function leafBlock(store: EventStore, cache: MerkleCache, block: number): Promise<Buffer> {
  const first = block * LEAF_BLOCK_LEAVES;
  const leaves = Buffer.alloc(LEAF_BLOCK_LEAVES * HASH_BYTES);
  let read = 0;
  // Each turn reads at least one event or fails: at most 64 turns.
  while (read < LEAF_BLOCK_LEAVES) {
    const ordinal = first + read;
    const page = await store.readAll({
      after: ordinal === 0 ? 'start' : cache.positionOf(ordinal - 1),
      maxCount: Math.min(LEAF_BLOCK_LEAVES - read, store.limits.maxReadCount),
    });
    if (page.events.length === 0) throw new AuditHistoryError(`the log has no event at position ${cache.positionOf(ordinal)}, leaf ${ordinal} of the Merkle tree`);
    for (const event of page.events.slice(0, LEAF_BLOCK_LEAVES - read)) {
      const expected = cache.positionOf(first + read);
      if (event.position !== expected) throw new AuditHistoryError(`the log gives position ${event.position} where the Merkle tree has leaf ${first + read} at ${expected}`);
      leaves.set(hashLeafOfHex(event.hash), read * HASH_BYTES);
      read += 1;
    }
  }
  if (!cache.log.blockMatches(block, leaves)) {
    throw new AuditHistoryError(`the events of leaves ${first}..${first + LEAF_BLOCK_LEAVES - 1} no longer give the block root in the Merkle tree: the log no longer matches the tree`);
  }
  return leaves;
}

/**
 * Runs `compute` over the cache's tree with the leaves of every complete block `needs` names read back from the log
 * (at most MAX_BLOCKS_PER_REQUEST). Asks again after reading: a block completed meanwhile may be needed too.
 */
async function withBlocks<T>(store: EventStore, cache: MerkleCache, needs: (tree: MerkleLog) => number[], compute: (tree: MerkleLog, blocks: LeafBlocks) => T): Promise<T> {
  const blocks = new Map<number, Buffer>();
  // Every turn but the last reads at least one new block, and at most MAX_BLOCKS_PER_REQUEST are read.
  for (let turn = 0; turn <= MAX_BLOCKS_PER_REQUEST; turn += 1) {
    const tree = cache.log;
    const missing = needs(tree).filter((block) => !blocks.has(block));
    if (missing.length === 0) return compute(tree, blocks);
    if (blocks.size + missing.length > MAX_BLOCKS_PER_REQUEST) break;
    for (const block of missing) blocks.set(block, await leafBlock(store, cache, block));
  }
  throw new AuditRangeError(`one request may read at most ${MAX_BLOCKS_PER_REQUEST} blocks of the log back`);
}

async function treeOf(store: EventStore, cache: MerkleCache, treeSize: bigint): Promise<MerkleLog> {
  if (treeSize > 0n && BigInt(cache.size) < treeSize) {
    // The last position known is a lower bound for the leaf wanted: catch up past it until the tree is big enough.
    for (let rounds = 0; rounds < MAX_CATCH_UP_PAGES && BigInt(cache.size) < treeSize; rounds += 1) {
      const before = cache.size;
      await cache.catchUp(store, cache.leafOrder === 'position' ? treeSize - 1n : (cache.lastPosition() ?? -1n) + 1n);
      if (cache.size === before) break;
    }
  }
  if (BigInt(cache.size) < treeSize) throw new AuditRangeError(`the log holds ${cache.size} events, fewer than ${treeSize}`);
  return cache.log;
}

function checkSize(what: string, size: bigint, available: bigint): void {
  if (size < 0n || size > available) throw new AuditRangeError(`${what} ${size} is outside the log's 0..${available} events`);
}

/** The digest over the log up to and including the event at `position` (default: the whole log as of now). */
export async function digestAt(store: EventStore, position?: bigint, options: AuditOptions = {}): Promise<DigestFile> {
  const cache = merkleCacheFor(store);
  const available = await currentSize(store, cache);
  let treeSize = available;
  if (position !== undefined) {
    if (cache.leafOrder === 'position' && (position < 0n || position >= available)) {
      throw new AuditRangeError(`position ${position} is not in the log (${available} events)`);
    }
    treeSize = BigInt(await leafAt(store, cache, position, 'position')) + 1n;
  }
  await treeOf(store, cache, treeSize);
  const size = Number(treeSize);
  const root = await withBlocks(store, cache, (tree) => tree.blocksForRoot(size), (tree, blocks) => tree.root(size, blocks));
  const head = treeSize === 0n ? null : await eventAt(store, cache, size - 1);
  return {
    format: DIGEST_FORMAT,
    treeSize: treeSize.toString(),
    root: root.toString('hex'),
    headPosition: head === null ? null : head.position.toString(),
    headHash: head === null ? null : head.hash,
    createdAt: toIso((options.clock ?? systemClock).nowMs()),
    store: store.kind,
  };
}

/** Proof that the event at `position` is in the tree of `treeSize` events (default: the whole log now). */
export async function inclusionProof(store: EventStore, position: bigint, treeSize?: bigint): Promise<InclusionProofResult> {
  const cache = merkleCacheFor(store);
  const available = await currentSize(store, cache);
  const size = treeSize ?? available;
  checkSize('tree size', size, available);
  if (cache.leafOrder === 'position' && (position < 0n || position >= size)) throw new AuditRangeError(`position ${position} is not in a tree of ${size} events`);
  const ordinal = await leafAt(store, cache, position, 'position');
  if (BigInt(ordinal) >= size) throw new AuditRangeError(`position ${position} is leaf ${ordinal}, not in a tree of ${size} events`);
  await treeOf(store, cache, size);
  const event = await eventAt(store, cache, ordinal);
  const leaves = Number(size);
  const answer = await withBlocks(
    store,
    cache,
    (tree) => tree.blocksForInclusion(ordinal, leaves),
    (tree, blocks) => ({ leafHash: tree.leafHash(ordinal, blocks), proof: tree.inclusionProof(ordinal, leaves, blocks), root: tree.root(leaves, blocks) }),
  );
  return {
    position: position.toString(),
    leafIndex: ordinal.toString(),
    treeSize: size.toString(),
    eventHash: event.hash,
    leafHash: answer.leafHash.toString('hex'),
    proof: answer.proof.map((node) => node.toString('hex')),
    root: answer.root.toString('hex'),
  };
}

/** Proof that the tree of `size2` events extends the tree of its first `size1` (default size2: the whole log now). */
export async function consistencyProof(store: EventStore, size1: bigint, size2?: bigint): Promise<ConsistencyProofResult> {
  const cache = merkleCacheFor(store);
  const available = await currentSize(store, cache);
  const second = size2 ?? available;
  checkSize('size2', second, available);
  checkSize('size1', size1, second);
  await treeOf(store, cache, second);
  const [m, n] = [Number(size1), Number(second)];
  const answer = await withBlocks(
    store,
    cache,
    (tree) => tree.blocksForConsistency(m, n),
    (tree, blocks) => ({ root1: tree.root(m, blocks), root2: tree.root(n, blocks), proof: tree.consistencyProof(m, n, blocks) }),
  );
  return {
    size1: size1.toString(),
    size2: second.toString(),
    root1: answer.root1.toString('hex'),
    root2: answer.root2.toString('hex'),
    proof: answer.proof.map((node) => node.toString('hex')),
  };
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/**
 * Checks a served inclusion proof against a digest the auditor already holds: the leaf really is the event's hash,
 * the tree size is the digest's, and the path leads to the digest's root. Never trusts the proof's own root.
 */
export function checkInclusionProof(proof: InclusionProofResult, digest: DigestFile): boolean {
  const eventHashBytes = toHashBytes(proof.eventHash);
  // A proof without leafIndex comes from a build before it: there the leaf index was the position. Where positions
  // are gapless they still must be; on EventStoreDB the position-to-leaf binding is the export's to show (ordinals).
  const leafIndex = proof.leafIndex ?? proof.position;
  if (digest.store !== 'esdb' && leafIndex !== proof.position) return false;
  if (eventHashBytes === null || !DECIMAL.test(leafIndex) || !DECIMAL.test(proof.position) || proof.treeSize !== digest.treeSize) return false;
  const leaf = hashLeaf(eventHashBytes).toString('hex');
  return leaf === proof.leafHash && verifyInclusion(leaf, BigInt(leafIndex), BigInt(digest.treeSize), proof.proof, digest.root);
}

/** Checks a served consistency proof between two digests the auditor holds (older first). */
export function checkConsistencyProof(proof: ConsistencyProofResult, older: DigestFile, newer: DigestFile): boolean {
  if (proof.size1 !== older.treeSize || proof.size2 !== newer.treeSize) return false;
  return verifyConsistency(BigInt(older.treeSize), BigInt(newer.treeSize), proof.proof, older.root, newer.root);
}
