import { Inject, Injectable } from '@nestjs/common';
import { MerkleCache, merkleCacheFor } from '../../../event-store/src/audit/service.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { EVENT_STORE } from '../tokens.js';

export const MERKLE_READ_MODEL = 'audit.merkle';

/** Leaf i is the event at position i only where positions are gapless; elsewhere (EventStoreDB) leaf i is the i-th event. */
export const hasGaplessPositions = (store: Pick<EventStore, 'kind'>): boolean => store.kind !== 'esdb';

/**
 * Feeds the store's MerkleCache as the runner applies events, so digests and proofs never rebuild the tree. Its
 * canonical state is the tree size and root over the events it applied: a rebuild from zero must reach the same root.
 * On EventStoreDB the leaves are taken by ordinal, and the cache keeps each leaf's position.
 */
@Injectable()
export class MerkleFeedReadModel implements ReadModel {
  readonly name = MERKLE_READ_MODEL;
  readonly version = 1;
  private readonly cache: MerkleCache;
  private applied = 0;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.cache = merkleCacheFor(store);
  }

  /** A rebuild feeds its own tree, never the store's. */
  fresh(): ReadModel {
    return new DetachedMerkleFeed(new MerkleCache(this.cache.leafOrder), this.name);
  }

  apply(event: RecordedEvent): void {
    // An event the cache already holds (a proof request caught up first) must carry the same hash, or this throws.
    this.cache.apply(event);
    this.applied += 1;
  }

  canonicalState(): unknown {
    return merkleState(this.cache, this.applied);
  }
}

function merkleState(cache: MerkleCache, applied: number): unknown {
  return { treeSize: String(applied), root: cache.log.root(applied).toString('hex') };
}

/** The fresh instance of MerkleFeedReadModel: the same state shape over a tree of its own. */
class DetachedMerkleFeed implements ReadModel {
  readonly version = 1;
  private applied = 0;

  constructor(
    private readonly cache: MerkleCache,
    readonly name: string,
  ) {}

  apply(event: RecordedEvent): void {
    this.cache.apply(event);
    this.applied += 1;
  }

  canonicalState(): unknown {
    return merkleState(this.cache, this.applied);
  }
}
