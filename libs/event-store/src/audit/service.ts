/**
 * The audit API the HTTP and CLI layers call: digests, inclusion and consistency proofs over any EventStore.
 *
 * Leaf i of the tree is the event at global position i, so this needs a gapless log (the embedded adapters);
 * a gap is reported as an AuditHistoryError rather than silently renumbered.
 *
 * Proofs come from a MerkleCache per store (kept in a WeakMap), fed by catching up on the log page by page or
 * live through `apply`, so no call rebuilds the tree.
 */
import { systemClock, toIso, type Clock } from '../clock.js';
import type { EventStore, RecordedEvent } from '../port.js';
import { AuditHistoryError, AuditRangeError } from './errors.js';
import { DIGEST_FORMAT, type DigestFile } from './export.js';
import { MerkleLog } from './merkle.js';
import { hashLeaf, toHashBytes, verifyConsistency, verifyInclusion } from './proof-verify.js';

/** Most pages one catch-up reads before yielding; a log that outgrows it is caught up over several calls. */
const MAX_CATCH_UP_PAGES = 1_000_000;

/** The Merkle tree over a store's event hashes, kept current by `apply` (live) or `catchUp` (page by page). */
export class MerkleCache {
  readonly log = new MerkleLog();
  /** Catch-ups run one at a time, so two callers never append the same page twice. */
  private queue: Promise<void> = Promise.resolve();

  get size(): number {
    return this.log.size;
  }

  /**
   * Adds the event at the next position. An event already applied is accepted when its hash is the one applied
   * (a subscription overlapping a catch-up); any other hash there, or a skipped position, is an integrity incident.
   */
  apply(event: Pick<RecordedEvent, 'position' | 'hash'>): void {
    const size = BigInt(this.log.size);
    const leaf = hashLeaf(Buffer.from(event.hash, 'hex'));
    if (event.position < size) {
      if (!this.log.leafHash(Number(event.position)).equals(leaf)) {
        throw new AuditHistoryError(`position ${event.position} now has hash ${event.hash}, not the one already in the Merkle tree`);
      }
      return;
    }
    if (event.position > size) {
      throw new AuditHistoryError(`position ${event.position} arrived before position ${size}: the log has a gap`);
    }
    this.log.appendLeafHash(leaf);
  }

  /** Reads the log until the tree holds position `through` (or the log ends). */
  catchUp(store: EventStore, through: bigint): Promise<void> {
    const run = this.queue.then(() => this.readUntil(store, through));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readUntil(store: EventStore, through: bigint): Promise<void> {
    for (let pages = 0; pages < MAX_CATCH_UP_PAGES && BigInt(this.log.size) <= through; pages += 1) {
      const size = BigInt(this.log.size);
      const page = await store.readAll({ after: size === 0n ? 'start' : size - 1n, maxCount: store.limits.maxReadCount });
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
    cache = new MerkleCache();
    caches.set(store, cache);
  }
  return cache;
}

export interface InclusionProofResult {
  /** The event's global position: its leaf index. */
  position: string;
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

async function eventAt(store: EventStore, position: bigint): Promise<RecordedEvent> {
  const page = await store.readAll({ after: position === 0n ? 'start' : position - 1n, maxCount: 1 });
  const event = page.events[0];
  if (event === undefined || event.position !== position) throw new AuditHistoryError(`the log has no event at position ${position}`);
  return event;
}

/** Tree size of the whole log now (head + 1, or 0). */
async function currentSize(store: EventStore): Promise<bigint> {
  const head = await store.headPosition();
  return head === null ? 0n : head + 1n;
}

async function treeOf(store: EventStore, treeSize: bigint): Promise<MerkleLog> {
  const cache = merkleCacheFor(store);
  if (treeSize > 0n) await cache.catchUp(store, treeSize - 1n);
  if (BigInt(cache.size) < treeSize) throw new AuditRangeError(`the log holds ${cache.size} events, fewer than ${treeSize}`);
  return cache.log;
}

function checkSize(what: string, size: bigint, available: bigint): void {
  if (size < 0n || size > available) throw new AuditRangeError(`${what} ${size} is outside the log's 0..${available} events`);
}

/** The digest over positions 0..`position` (default: the whole log as of now). */
export async function digestAt(store: EventStore, position?: bigint, options: AuditOptions = {}): Promise<DigestFile> {
  const available = await currentSize(store);
  if (position !== undefined && (position < 0n || position >= available)) {
    throw new AuditRangeError(`position ${position} is not in the log (${available} events)`);
  }
  const treeSize = position === undefined ? available : position + 1n;
  const tree = await treeOf(store, treeSize);
  const head = treeSize === 0n ? null : await eventAt(store, treeSize - 1n);
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
  const available = await currentSize(store);
  const size = treeSize ?? available;
  checkSize('tree size', size, available);
  if (position < 0n || position >= size) throw new AuditRangeError(`position ${position} is not in a tree of ${size} events`);
  const tree = await treeOf(store, size);
  const event = await eventAt(store, position);
  return {
    position: position.toString(),
    treeSize: size.toString(),
    eventHash: event.hash,
    leafHash: tree.leafHash(Number(position)).toString('hex'),
    proof: tree.inclusionProof(Number(position), Number(size)).map((node) => node.toString('hex')),
    root: tree.root(Number(size)).toString('hex'),
  };
}

/** Proof that the tree of `size2` events extends the tree of its first `size1` (default size2: the whole log now). */
export async function consistencyProof(store: EventStore, size1: bigint, size2?: bigint): Promise<ConsistencyProofResult> {
  const available = await currentSize(store);
  const second = size2 ?? available;
  checkSize('size2', second, available);
  checkSize('size1', size1, second);
  const tree = await treeOf(store, second);
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
  if (eventHashBytes === null || !DECIMAL.test(proof.position) || proof.treeSize !== digest.treeSize) return false;
  const leaf = hashLeaf(eventHashBytes).toString('hex');
  return leaf === proof.leafHash && verifyInclusion(leaf, BigInt(proof.position), BigInt(digest.treeSize), proof.proof, digest.root);
}

/** Checks a served consistency proof between two digests the auditor holds (older first). */
export function checkConsistencyProof(proof: ConsistencyProofResult, older: DigestFile, newer: DigestFile): boolean {
  if (proof.size1 !== older.treeSize || proof.size2 !== newer.treeSize) return false;
  return verifyConsistency(BigInt(older.treeSize), BigInt(newer.treeSize), proof.proof, older.root, newer.root);
}
