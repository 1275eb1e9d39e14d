import fc from 'fast-check';
import { DomainError } from '../../domain/src/shared/errors.js';
import { WrongExpectedRevisionError } from '../../event-store/src/errors.js';
import { createMemoryEventStore } from '../../event-store/src/memory/index.js';
import type { EventMetadata, EventStore, ExpectedRevision, ProposedEvent } from '../../event-store/src/port.js';
import { clearAggregateCache } from './aggregate-cache.js';
import { CommandConflictError, IdempotencyKeyReusedError } from './errors.js';
import { executeCommand, IDEMPOTENCY_RECORDED, idempotencyStream } from './execute-command.js';
import { counterDecider, type CounterCommand } from './testing/counter.js';

const STREAM = 'counter-c1';

const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: 'officer-1',
  role: 'city-officer',
  scope: 'city:lyon',
  correlationId: 'corr-1',
  schemaVersion: 1,
  ...overrides,
});

const increment = (by: number): CounterCommand => ({ type: 'increment', by });

/** A store that lets a test act between a command's read and its append, and counts the appends. */
function interceptAppends(store: EventStore, before: (attempt: number) => Promise<void>): EventStore & { appendCalls: number } {
  const wrapped = Object.create(store) as EventStore & { appendCalls: number };
  wrapped.appendCalls = 0;
  wrapped.appendToStream = async (stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision) => {
    wrapped.appendCalls++;
    await before(wrapped.appendCalls);
    return store.appendToStream(stream, events, expected);
  };
  return wrapped;
}

describe('the command path: read, fold, decide, append', () => {
  it('appends what the decider decides at the revision it read, and answers with revision and position', async () => {
    const store = createMemoryEventStore();
    const first = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(2), metadata: metadata() });
    const second = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(3), metadata: metadata() });

    expect(first).toMatchObject({ nextExpectedRevision: 0n, position: 0n, replayed: false });
    expect(second.events).toEqual([{ type: 'counter.incremented', data: { by: 3, total: 5 } }]);
    expect(second).toMatchObject({ nextExpectedRevision: 1n, position: 1n });
    const recorded = await store.readStream(STREAM);
    expect(recorded.map((e) => e.metadata.actor)).toEqual(['officer-1', 'officer-1']);
  });

  it('passes a refusal of the domain to the caller without retrying or writing', async () => {
    const store = interceptAppends(createMemoryEventStore(), async () => undefined);
    await expect(executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(5000), metadata: metadata() })).rejects.toBeInstanceOf(DomainError);
    expect(store.appendCalls).toBe(0);
    expect(await store.streamExists(STREAM)).toBe(false);
  });

  it('decides again on the fresh state after a concurrent writer moved the stream', async () => {
    const base = createMemoryEventStore();
    const store = interceptAppends(base, async (attempt) => {
      if (attempt === 1) await executeCommand({ store: base, stream: STREAM, decider: counterDecider, command: increment(10), metadata: metadata({ actor: 'rival' }) });
    });
    const outcome = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(1), metadata: metadata() });

    expect(store.appendCalls).toBe(2);
    expect(outcome.events).toEqual([{ type: 'counter.incremented', data: { by: 1, total: 11 } }]);
    expect(outcome.nextExpectedRevision).toBe(1n);
  });

  it('gives up after a bounded number of conflicting attempts with a 409 domain error', async () => {
    const base = createMemoryEventStore();
    let rivalWrites = 0;
    const store = interceptAppends(base, async () => {
      rivalWrites++;
      await executeCommand({ store: base, stream: STREAM, decider: counterDecider, command: increment(1), metadata: metadata({ actor: 'rival' }) });
    });
    const attempt = executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(1), metadata: metadata(), maxAttempts: 4 });

    await expect(attempt).rejects.toBeInstanceOf(CommandConflictError);
    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'concurrent_modification' });
    expect(store.appendCalls).toBe(4);
    expect(rivalWrites).toBe(4);
    expect(await base.streamRevision(STREAM)).toBe(3n);
  });

  it('does not retry store errors other than a revision conflict', async () => {
    const store = interceptAppends(createMemoryEventStore({ limits: { maxEventBytes: 64 } }), async () => undefined);
    const big = metadata({ correlationId: 'x'.repeat(200) });
    await expect(executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(1), metadata: big })).rejects.not.toBeInstanceOf(WrongExpectedRevisionError);
    expect(store.appendCalls).toBe(1);
  });

  it('uses the ids the caller chose', async () => {
    const store = createMemoryEventStore();
    const id = '0b7c6f3e-3d5a-4c1e-9a8b-1f2e3d4c5b6a';
    const outcome = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(1), metadata: metadata(), eventIds: [id] });
    expect(outcome.eventIds).toEqual([id]);
    expect((await store.readStream(STREAM))[0].id).toBe(id);
  });
});

describe('the command path under an idempotency key', () => {
  const keyed = (requestHash: string): EventMetadata => metadata({ idempotencyKey: 'key-7', requestHash });

  it('answers a repeated request with the first answer and writes nothing more', async () => {
    const store = createMemoryEventStore();
    const first = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(2), metadata: keyed('h1') });
    await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(1), metadata: metadata() });
    const repeat = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(2), metadata: keyed('h1') });

    expect(repeat).toEqual({ ...first, replayed: true });
    expect(await store.streamRevision(STREAM)).toBe(1n);
  });

  it('derives the same event ids for the same request, so concurrent repeats write once', async () => {
    const store = createMemoryEventStore();
    const run = () => executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(2), metadata: keyed('h1') });
    const [a, b] = await Promise.all([run(), run()]);

    expect(a.eventIds).toEqual(b.eventIds);
    expect(a.position).toBe(b.position);
    expect(await store.streamRevision(STREAM)).toBe(0n);
  });

  it('refuses the key reused for a different request, naming the key, and writes nothing', async () => {
    const store = createMemoryEventStore();
    await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(2), metadata: keyed('h1') });
    const reuse = executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(3), metadata: keyed('h2') });

    await expect(reuse).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(reuse).rejects.toMatchObject({ status: 422, details: { idempotencyKey: 'key-7' } });
    expect(await store.streamRevision(STREAM)).toBe(0n);
  });

  it('records a no-op under its key so a repeat answers the same and a reuse is refused', async () => {
    const store = createMemoryEventStore();
    await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(4), metadata: metadata() });
    const first = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: { type: 'touch' }, metadata: keyed('t1') });
    const repeat = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: { type: 'touch' }, metadata: keyed('t1') });

    expect(first).toMatchObject({ events: [], nextExpectedRevision: 0n, position: 1n, replayed: false });
    expect(repeat).toMatchObject({ events: [], nextExpectedRevision: 0n, position: 1n, replayed: true });
    const [marker] = await store.readStream(idempotencyStream('key-7'));
    expect(marker.type).toBe(IDEMPOTENCY_RECORDED);
    await expect(executeCommand({ store, stream: STREAM, decider: counterDecider, command: { type: 'touch' }, metadata: keyed('t2') })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('answers a no-op without a key with the current revision and no position', async () => {
    const store = createMemoryEventStore();
    const outcome = await executeCommand({ store, stream: STREAM, decider: counterDecider, command: { type: 'touch' }, metadata: metadata() });
    expect(outcome).toMatchObject({ events: [], nextExpectedRevision: null, position: null });
    expect(await store.headPosition()).toBeNull();
  });
});

describe('a command that creates its stream, decided without asking first whether the stream exists', () => {
  const keyed = (key: string, requestHash: string): EventMetadata => metadata({ idempotencyKey: key, requestHash });
  const create = (store: EventStore, command: CounterCommand, meta: EventMetadata = metadata()) =>
    executeCommand({ store, stream: STREAM, decider: counterDecider, command, metadata: meta, createsStream: true });

  it('writes the new stream and answers with its first revision and position', async () => {
    const store = createMemoryEventStore();
    const outcome = await create(store, increment(2));

    expect(outcome).toMatchObject({ events: [{ type: 'counter.incremented', data: { by: 2, total: 2 } }], nextExpectedRevision: 0n, position: 0n, replayed: false });
    expect((await store.readStream(STREAM)).map((e) => e.data)).toEqual([{ by: 2, total: 2 }]);
  });

  it('decides on what the stream holds when it already exists, refusing what that state refuses', async () => {
    const store = createMemoryEventStore();
    await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(500), metadata: metadata() });
    clearAggregateCache(store);

    // On an empty counter 900 is allowed; on this one (500) it passes the limit.
    await expect(create(store, increment(900))).rejects.toMatchObject({ code: 'counter_limit_exceeded' });
    const accepted = await create(store, increment(100));
    expect(accepted.events).toEqual([{ type: 'counter.incremented', data: { by: 100, total: 600 } }]);
    expect(accepted.nextExpectedRevision).toBe(1n);
  });

  it('accepts what the stream it finds allows, though an empty stream would refuse it', async () => {
    const store = createMemoryEventStore();
    await executeCommand({ store, stream: STREAM, decider: counterDecider, command: increment(5), metadata: metadata() });
    clearAggregateCache(store);

    const outcome = await create(store, { type: 'decrement', by: 2 });
    expect(outcome.events).toEqual([{ type: 'counter.incremented', data: { by: -2, total: 3 } }]);
    expect(outcome.nextExpectedRevision).toBe(1n);
  });

  it('answers a repeat of a keyed request with the events first written, even once the stream is no longer cached', async () => {
    const store = createMemoryEventStore();
    const first = await create(store, increment(2), keyed('key-9', 'h1'));
    clearAggregateCache(store);
    // Same key and request hash, so the same event ids; what the decider would decide now differs, as a command
    // stamped with a later instant would.
    const repeat = await create(store, increment(3), keyed('key-9', 'h1'));

    expect(repeat).toEqual({ ...first, replayed: true });
    expect(repeat.events).toEqual([{ type: 'counter.incremented', data: { by: 2, total: 2 } }]);
    expect(await store.streamRevision(STREAM)).toBe(0n);
  });

  it('answers the same with a store that cannot tell a repeated append from a first one', async () => {
    const base = createMemoryEventStore();
    const store = Object.create(base, { reportsRepeats: { value: undefined } }) as EventStore;
    const first = await create(store, increment(2), keyed('key-9', 'h1'));
    clearAggregateCache(store);
    const repeat = await create(store, increment(3), keyed('key-9', 'h1'));

    expect(store.reportsRepeats).toBeUndefined();
    expect(repeat).toEqual({ ...first, replayed: true });
  });

  it('refuses the key reused for another request on a stream that is no longer cached', async () => {
    const store = createMemoryEventStore();
    await create(store, increment(2), keyed('key-9', 'h1'));
    clearAggregateCache(store);

    await expect(create(store, increment(2), keyed('key-9', 'h2'))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await store.streamRevision(STREAM)).toBe(0n);
  });

  it('gives the same answers and the same log as the usual path, for any commands, keys and forgotten caches', async () => {
    type Step = { kind: 'command'; stream: number; by: number; key: number | null; touch: boolean } | { kind: 'forget' };
    const step = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('command' as const), stream: fc.nat(2), by: fc.integer({ min: -300, max: 600 }), key: fc.option(fc.nat(3)), touch: fc.boolean() }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'forget' as const }) },
    );
    const run = async (steps: readonly Step[], createsStream: boolean): Promise<{ answers: unknown[]; log: unknown[] }> => {
      const store = createMemoryEventStore();
      const answers: unknown[] = [];
      for (const s of steps) {
        if (s.kind === 'forget') {
          clearAggregateCache(store);
          continue;
        }
        const command: CounterCommand = s.touch ? { type: 'touch' } : s.by < 0 ? { type: 'decrement', by: -s.by } : increment(s.by);
        // A key's request hash follows the command, so a key is repeated for the same request or reused for another.
        const meta = s.key === null ? metadata() : keyed(`key-${s.key}`, `${s.stream}:${JSON.stringify(command)}`);
        try {
          const outcome = await executeCommand({ store, stream: `counter-${s.stream}`, decider: counterDecider, command, metadata: meta, createsStream });
          answers.push({ ...outcome, eventIds: s.key === null ? outcome.eventIds.length : outcome.eventIds });
        } catch (error) {
          answers.push({ refused: (error as { code?: string }).code ?? String(error) });
        }
      }
      const page = await store.readAll({ maxCount: 1_000 });
      const log = page.events.map((e) => ({ stream: e.stream, revision: e.revision, type: e.type, data: e.data, key: e.metadata.idempotencyKey ?? null }));
      return { answers, log };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        expect(await run(steps, true)).toEqual(await run(steps, false));
      }),
      { numRuns: 150 },
    );
  });
});
