import { Inject, Injectable } from '@nestjs/common';
import { MerkleCache, merkleCacheFor } from '../../../event-store/src/audit/service.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { EVENT_STORE } from '../tokens.js';

export const MERKLE_READ_MODEL = 'audit.merkle';

/** Leaf i is the event at position i: only stores whose positions are gapless can be treed this way. */
export const hasGaplessPositions = (store: Pick<EventStore, 'kind'>): boolean => store.kind !== 'esdb';

/**
 * Feeds the store's MerkleCache as the runner applies events, so digests and proofs never rebuild the tree. Its
 * canonical state is the tree size and root over the events it applied: a rebuild from zero must reach the same root.
 *
 * On a store without gapless positions (EventStoreDB) it feeds nothing and its state says so.
 */
@Injectable()
export class MerkleFeedReadModel implements ReadModel {
  readonly name = MERKLE_READ_MODEL;
  readonly version = 1;
  private readonly cache: MerkleCache | null;
  private applied = 0;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.cache = hasGaplessPositions(store) ? merkleCacheFor(store) : null;
  }

  /** A rebuild feeds its own tree, never the store's. */
  fresh(): ReadModel {
    return new DetachedMerkleFeed(this.cache === null ? null : new MerkleCache(), this.name);
  }

  apply(event: RecordedEvent): void {
    if (this.cache === null) return;
    // An event the cache already holds (a proof request caught up first) must carry the same hash, or this throws.
    this.cache.apply(event);
    this.applied += 1;
  }

  canonicalState(): unknown {
    return merkleState(this.cache, this.applied);
  }
}

function merkleState(cache: MerkleCache | null, applied: number): unknown {
  if (cache === null) return { treeSize: null, root: null, reason: 'positions are not gapless on this store' };
  return { treeSize: String(applied), root: cache.log.root(applied).toString('hex') };
}

/** The fresh instance of MerkleFeedReadModel: the same state shape over a tree of its own. */
class DetachedMerkleFeed implements ReadModel {
  readonly version = 1;
  private applied = 0;

  constructor(
    private readonly cache: MerkleCache | null,
    readonly name: string,
  ) {}

  apply(event: RecordedEvent): void {
    if (this.cache === null) return;
    this.cache.apply(event);
    this.applied += 1;
  }

  canonicalState(): unknown {
    return merkleState(this.cache, this.applied);
  }
}
