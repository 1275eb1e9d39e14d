import type { Decider, DomainEvent } from '../../domain/src/shared/decider.js';
import { StreamNotFoundError } from '../../event-store/src/errors.js';
import { dropOldest } from '../../event-store/src/shared/bounded-map.js';
import type { EventStore, RecordedEvent } from '../../event-store/src/port.js';

/**
 * Folded aggregates kept between commands, so a command on a long stream (a body's treasury, a busy commitment)
 * reads only the events appended since the last one instead of the whole stream.
 *
 * Sound because the log is append-only and events are immutable: the state folded up to revision r stays the state at
 * r forever. It relies on the Decider contract that `evolve` is pure (returns a new state, never mutates its input),
 * which every decider's given/when/then specs hold it to. Bounded: at most `maxStreams` aggregates per store, least
 * recently used first out. Each entry also keeps the events written under an idempotency key, so a repeated request
 * is recognised without re-reading the stream.
 */
export const AGGREGATE_CACHE_MAX_STREAMS = 4_096;

interface CachedAggregate {
  decider: object;
  decode: object;
  revision: bigint;
  state: unknown;
  /** Events of this stream carrying an idempotency key, by key, in revision order. */
  keyed: Map<string, RecordedEvent[]>;
}

export interface LoadedAggregate<S> {
  state: S;
  /** Revision of the stream's last event, or null when the stream does not exist. */
  revision: bigint | null;
  /** The events of this stream written under `key` (a repeat or a reuse of the key), in order. */
  underKey(key: string): RecordedEvent[];
}

const caches = new WeakMap<EventStore, Map<string, CachedAggregate>>();

function cacheOf(store: EventStore): Map<string, CachedAggregate> {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new Map();
    caches.set(store, cache);
  }
  return cache;
}

/** Events after `revision`, page by page, at most `maxEvents` (a stream growing faster than that is read again next time). */
async function readAfter(store: EventStore, stream: string, revision: bigint | null, maxEvents: number): Promise<RecordedEvent[] | null> {
  const events: RecordedEvent[] = [];
  // A command often addresses a stream that does not exist yet (a new commitment): ask, rather than pay for a
  // StreamNotFoundError with its stack on every such command.
  if (revision === null && (await store.streamRevision(stream)) === null) return events;
  const pageSize = store.limits.maxReadCount;
  let from = revision === null ? 0n : revision + 1n;
  for (let page = 0; page <= Math.ceil(maxEvents / pageSize); page++) {
    let batch: RecordedEvent[];
    try {
      batch = await store.readStream(stream, { direction: 'forwards', fromRevision: from, maxCount: pageSize });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return revision === null ? events : null;
      throw error;
    }
    events.push(...batch);
    if (events.length > maxEvents) return null;
    if (batch.length < pageSize) return events;
    from = batch[batch.length - 1].revision + 1n;
  }
  return null;
}

/**
 * The aggregate of `stream` folded with `decider`, reading only what the cache has not seen. Returns null when the
 * stream holds more than `maxEvents` events to read at once (the caller refuses the command).
 */
export async function loadAggregate<C, E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
  decode: (event: RecordedEvent) => E,
  maxEvents: number,
): Promise<LoadedAggregate<S> | null> {
  const cache = cacheOf(store);
  const hit = cache.get(stream);
  const base = hit !== undefined && hit.decider === decider && hit.decode === decode ? hit : undefined;
  const baseRevision = base?.revision ?? null;
  const fresh = await readAfter(store, stream, baseRevision, maxEvents);
  if (fresh === null) {
    if (base !== undefined) cache.delete(stream);
    return null;
  }

  let state = (base?.state as S | undefined) ?? decider.initialState();
  for (const recorded of fresh) state = decider.evolve(state, decode(recorded));
  const revision = fresh.length > 0 ? fresh[fresh.length - 1].revision : baseRevision;

  // Another command on this stream may have advanced the entry while we read: only the entry we started from is
  // advanced, and only keyed events up to our revision are seen (the entry may hold later ones).
  const entry = cache.get(stream);
  if (revision !== null && (entry === undefined || entry === base) && (base === undefined || revision > base.revision)) {
    const keyed = base?.keyed ?? new Map<string, RecordedEvent[]>();
    for (const recorded of fresh) {
      const key = recorded.metadata.idempotencyKey;
      if (key === undefined || key === null) continue;
      const list = keyed.get(key);
      if (list === undefined) keyed.set(key, [recorded]);
      else list.push(recorded);
    }
    cache.delete(stream);
    cache.set(stream, { decider, decode, revision, state, keyed });
    dropOldest(cache, AGGREGATE_CACHE_MAX_STREAMS);
  } else if (entry !== undefined && entry === base) {
    // Nothing new: keep the entry warm (most recently used last).
    cache.delete(stream);
    cache.set(stream, entry);
  }

  const keyedBase = base?.keyed;
  return {
    state,
    revision,
    underKey(key: string): RecordedEvent[] {
      const earlier = (keyedBase?.get(key) ?? []).filter((e) => baseRevision !== null && e.revision <= baseRevision);
      return [...earlier, ...fresh.filter((e) => e.metadata.idempotencyKey === key)];
    },
  };
}

/** Whether `stream`'s aggregate, folded with this decider and decode, is cached (a command on it reads only what is new). */
export function isAggregateCached(store: EventStore, stream: string, decider: object, decode: object): boolean {
  const hit = caches.get(store)?.get(stream);
  return hit !== undefined && hit.decider === decider && hit.decode === decode;
}

/** Forget every cached aggregate of a store (tests, or after a store is swapped). */
export function clearAggregateCache(store: EventStore): void {
  caches.delete(store);
}
