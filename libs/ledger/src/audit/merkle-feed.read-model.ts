import { Inject, Injectable } from '@nestjs/common';
import { decodeMerkleSnapshot, merkleSnapshotRows } from '../../../event-store/src/audit/merkle-snapshot.js';
import { MerkleCache, merkleCacheFor } from '../../../event-store/src/audit/service.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { EVENT_STORE } from '../tokens.js';

export const MERKLE_READ_MODEL = 'audit.merkle';

/** Leaf i is the event at position i only where positions are gapless; elsewhere (EventStoreDB) leaf i is the i-th event. */
export const hasGaplessPositions = (store: Pick<EventStore, 'kind'>): boolean => store.kind !== 'esdb';

/**
 * A MerkleCache fed by the runner. Its canonical state is the tree size and root over the events it applied: a
 * rebuild from zero must reach the same root. Its snapshot is the tree the cache keeps at that size
 * (merkle-snapshot.ts: the levels from the 64-leaf block roots up, and the leaves of the last block): captured in
 * O(1) by sharing bytes the cache never rewrites, restored by copying them back. Version 2 is that shape; a
 * version 1 snapshot (every level, leaf hashes first) is refused and the model rebuilt from the log.
 */
export class MerkleFeed implements ReadModel {
  readonly version = 2;
  private applied = 0;

  constructor(
    protected readonly cache: MerkleCache,
    readonly name: string = MERKLE_READ_MODEL,
  ) {}

  apply(event: RecordedEvent): void {
    // An event the cache already holds (a proof request caught up first) must carry the same hash, or this throws.
    this.cache.apply(event);
    this.applied += 1;
  }

  canonicalState(): unknown {
    // The cache may be ahead of this model (a proof request caught it up): it still holds this size's last block.
    return { treeSize: String(this.applied), root: this.cache.rootHeld(this.applied).toString('hex') };
  }

  snapshot(): unknown {
    return merkleSnapshotRows(this.cache.capture(this.applied), this.cache.rootHeld(this.applied).toString('hex'));
  }

  /** Checks the whole snapshot and rebuilds its tree aside; only then does the cache take it over. */
  restore(state: unknown): void {
    if (this.applied !== 0) throw new Error(`${this.name} has applied ${this.applied} events: only a fresh model restores`);
    const { tree, positions } = decodeMerkleSnapshot(state, this.cache.leafOrder);
    this.cache.adopt(tree, positions);
    this.applied = tree.size;
  }
}

/**
 * Feeds the store's MerkleCache as the runner applies events, so digests and proofs never rebuild the tree.
 * On EventStoreDB the leaves are taken by ordinal, and the cache keeps each leaf's position.
 */
@Injectable()
export class MerkleFeedReadModel extends MerkleFeed {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(merkleCacheFor(store));
  }

  /** A rebuild feeds its own tree, never the store's. */
  fresh(): ReadModel {
    return new MerkleFeed(new MerkleCache(this.cache.leafOrder), this.name);
  }
}
