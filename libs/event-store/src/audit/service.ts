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
 * live through `apply`, so no call rebuilds the tree.
 */
import { systemClock, toIso, type Clock } from '../clock.js';
import type { EventStore, RecordedEvent, StoreKind } from '../port.js';
import { AuditHistoryError, AuditRangeError } from './errors.js';
import { DIGEST_FORMAT, type DigestFile } from './export.js';
import { hashLeafOfHex, MerkleLog } from './merkle.js';
import { hashLeaf, toHashBytes, verifyConsistency, verifyInclusion } from './proof-verify.js';

/** Most pages one catch-up reads before yielding; a log that outgrows it is caught up over several calls. */
const MAX_CATCH_UP_PAGES = 1_000_000;

/** How a store's events become leaves: by their gapless position, or by their ordinal with the positions kept. */
export type LeafOrder = 'position' | 'ordinal';

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

/** What a MerkleCache held at some size: views of bytes it never rewrites, so they stay valid while it grows. */
export interface MerkleCacheCapture {
  leafOrder: LeafOrder;
  size: number;
  /** Every level of the tree of those leaves (MerkleLog.levelsUpTo): leaf hashes first. */
  levels: Buffer[];
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

  constructor(readonly leafOrder: LeafOrder = 'position') {
    this.positions = leafOrder === 'ordinal' ? new LeafPositions() : null;
  }

  get log(): MerkleLog {
    return this.tree;
  }

  get size(): number {
    return this.tree.size;
  }

  /** The first `size` leaves, in O(1): shares bytes the cache never rewrites instead of copying them. */
  capture(size: number): MerkleCacheCapture {
    const levels = this.tree.levelsUpTo(size);
    return { leafOrder: this.leafOrder, size, levels, positions: this.positions === null ? null : this.positions.prefix(size) };
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
   */
  apply(event: Pick<RecordedEvent, 'position' | 'hash'>): void {
    const leaf = hashLeafOfHex(event.hash);
    const last = this.lastPosition();
    if (last !== null && event.position <= last) {
      const ordinal = this.ordinalOf(event.position);
      if (ordinal === null) throw new AuditHistoryError(`an event at position ${event.position} appeared among events the Merkle tree already holds`);
      if (!this.log.leafHash(ordinal).equals(leaf)) {
        throw new AuditHistoryError(`position ${event.position} now has hash ${event.hash}, not the one already in the Merkle tree`);
      }
      return;
    }
    if (this.positions === null) {
      const size = BigInt(this.log.size);
      if (event.position > size) throw new AuditHistoryError(`position ${event.position} arrived before position ${size}: the log has a gap`);
    } else {
      this.positions.push(event.position);
    }
    this.log.appendLeafHash(leaf);
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
      const page = await store.readAll({ after: last ?? 'start', maxCount: store.limits.maxReadCount });
      for (const event of page.events) this.apply(event);
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
  const tree = await treeOf(store, cache, treeSize);
  const head = treeSize === 0n ? null : await eventAt(store, cache, Number(treeSize) - 1);
  return {
    format: DIGEST_FORMAT,
    treeSize: treeSize.toString(),
    root: tree.root(Number(treeSize)).toString('hex'),
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
  const tree = await treeOf(store, cache, size);
  const event = await eventAt(store, cache, ordinal);
  return {
    position: position.toString(),
    leafIndex: ordinal.toString(),
    treeSize: size.toString(),
    eventHash: event.hash,
    leafHash: tree.leafHash(ordinal).toString('hex'),
    proof: tree.inclusionProof(ordinal, Number(size)).map((node) => node.toString('hex')),
    root: tree.root(Number(size)).toString('hex'),
  };
}

/** Proof that the tree of `size2` events extends the tree of its first `size1` (default size2: the whole log now). */
export async function consistencyProof(store: EventStore, size1: bigint, size2?: bigint): Promise<ConsistencyProofResult> {
  const cache = merkleCacheFor(store);
  const available = await currentSize(store, cache);
  const second = size2 ?? available;
  checkSize('size2', second, available);
  checkSize('size1', size1, second);
  const tree = await treeOf(store, cache, second);
  return {
    size1: size1.toString(),
    size2: second.toString(),
    root1: tree.root(Number(size1)).toString('hex'),
    root2: tree.root(Number(second)).toString('hex'),
    proof: tree.consistencyProof(Number(size1), Number(second)).map((node) => node.toString('hex')),
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
