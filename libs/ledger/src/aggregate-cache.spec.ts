import { createMemoryEventStore } from '../../event-store/src/memory/index.js';
import type { EventMetadata, EventStore, ReadStreamOptions, RecordedEvent } from '../../event-store/src/port.js';
import { AGGREGATE_CACHE_MAX_STREAMS } from './aggregate-cache.js';
import { IdempotencyKeyReusedError } from './errors.js';
import { executeCommand } from './execute-command.js';
import { counterDecider } from './testing/counter.js';

const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: 'officer-1',
  role: 'coordinator',
  correlationId: 'corr-1',
  schemaVersion: 1,
  ...overrides,
});

/** A store that records every stream read: where it started and how many events it returned. */
function countingReads(store: EventStore): EventStore & { reads: { stream: string; from: bigint | string; returned: number }[] } {
  const wrapped = Object.create(store) as EventStore & { reads: { stream: string; from: bigint | string; returned: number }[] };
  wrapped.reads = [];
  wrapped.readStream = async (stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
    const events = await store.readStream(stream, options);
    wrapped.reads.push({ stream, from: options?.fromRevision ?? 'start', returned: events.length });
    return events;
  };
  return wrapped;
}

const increment = (by: number) => ({ type: 'increment' as const, by });

describe('the command path keeps folded aggregates between commands', () => {
  it('reads only the events appended since the last command on a long stream', async () => {
    const store = countingReads(createMemoryEventStore());
    for (let i = 0; i < 50; i++) {
      await executeCommand({ store, stream: 'counter-long', decider: counterDecider, command: increment(1), metadata: metadata() });
    }
    const lastRead = store.reads[store.reads.length - 1];
    expect(lastRead).toEqual({ stream: 'counter-long', from: 48n, returned: 1 });
    const outcome = await executeCommand({ store, stream: 'counter-long', decider: counterDecider, command: increment(1), metadata: metadata() });
    expect(outcome.events).toEqual([{ type: 'counter.incremented', data: { by: 1, total: 51 } }]);
    expect(store.reads[store.reads.length - 1]).toEqual({ stream: 'counter-long', from: 49n, returned: 1 });
  });

  it('decides on events another writer appended behind its back', async () => {
    const base = createMemoryEventStore();
    const replicaA = countingReads(base);
    await executeCommand({ store: replicaA, stream: 'counter-shared', decider: counterDecider, command: increment(5), metadata: metadata() });
    // Another replica (another cache) writes twice.
    const replicaB = Object.create(base) as EventStore;
    await executeCommand({ store: replicaB, stream: 'counter-shared', decider: counterDecider, command: increment(10), metadata: metadata({ actor: 'rival' }) });
    await executeCommand({ store: replicaB, stream: 'counter-shared', decider: counterDecider, command: increment(20), metadata: metadata({ actor: 'rival' }) });

    const outcome = await executeCommand({ store: replicaA, stream: 'counter-shared', decider: counterDecider, command: increment(1), metadata: metadata() });
    expect(outcome.events).toEqual([{ type: 'counter.incremented', data: { by: 1, total: 36 } }]);
  });

  it('recognises a repeated request under its idempotency key once the aggregate is cached', async () => {
    const store = createMemoryEventStore();
    const keyed = metadata({ idempotencyKey: 'key-1', requestHash: 'hash-1' });
    const first = await executeCommand({ store, stream: 'counter-keyed', decider: counterDecider, command: increment(3), metadata: keyed });
    await executeCommand({ store, stream: 'counter-keyed', decider: counterDecider, command: increment(4), metadata: metadata() });

    const repeat = await executeCommand({ store, stream: 'counter-keyed', decider: counterDecider, command: increment(3), metadata: keyed });
    expect(repeat).toMatchObject({ replayed: true, position: first.position, eventIds: first.eventIds });
    await expect(
      executeCommand({ store, stream: 'counter-keyed', decider: counterDecider, command: increment(9), metadata: metadata({ idempotencyKey: 'key-1', requestHash: 'other' }) }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await store.readStream('counter-keyed')).length).toBe(2);
  });

  it('gives concurrent commands on one stream each a consistent state (exactly one wins each revision)', async () => {
    const store = createMemoryEventStore();
    await executeCommand({ store, stream: 'counter-race', decider: counterDecider, command: increment(1), metadata: metadata() });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => executeCommand({ store, stream: 'counter-race', decider: counterDecider, command: increment(1), metadata: metadata(), maxAttempts: 20 })),
    );
    const totals = outcomes.map((o) => (o.events[0]?.data.total ?? 0)).sort((a, b) => a - b);
    expect(totals).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const recorded = await store.readStream('counter-race');
    expect(recorded.map((e) => (e.data as { total: number }).total)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stays bounded: the least recently used aggregate is dropped and folded again from the log when needed', async () => {
    const store = countingReads(createMemoryEventStore());
    await executeCommand({ store, stream: 'counter-first', decider: counterDecider, command: increment(7), metadata: metadata() });
    for (let i = 0; i < AGGREGATE_CACHE_MAX_STREAMS; i++) {
      await executeCommand({ store, stream: `counter-n${i}`, decider: counterDecider, command: increment(1), metadata: metadata() });
    }
    const outcome = await executeCommand({ store, stream: 'counter-first', decider: counterDecider, command: increment(1), metadata: metadata() });
    expect(outcome.events).toEqual([{ type: 'counter.incremented', data: { by: 1, total: 8 } }]);
    const reread = store.reads.filter((r) => r.stream === 'counter-first');
    expect(reread[reread.length - 1]).toEqual({ stream: 'counter-first', from: 0n, returned: 1 });
  });
});
