/// <reference types="jest" />
import { randomUUID } from 'node:crypto';
import {
  EventTooLargeError,
  InvalidAppendError,
  StreamNotFoundError,
  TooManyEventsError,
  WrongExpectedRevisionError,
} from '../errors.js';
import { canonicalJson, eventHash, GENESIS_HASH } from '../integrity.js';
import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  ProposedEvent,
  RecordedEvent,
  StoreLimits,
  Subscription,
} from '../port.js';
import { verifyAgainstHead } from '../shared/verify-head.js';

/** What an adapter does that the port allows but does not promise. */
export interface ContractCapabilities {
  /** Positions are exactly 0, 1, 2, … in commit order, and a fresh store is empty. */
  gaplessPositions?: boolean;
  /** Each event's hash chains to the previous event in the global order (not per stream). */
  globalHashChain?: boolean;
  /** Acknowledged appends survive closing and reopening the store: the subject must offer `reopen`. */
  durable?: boolean;
}

export interface ContractSubject {
  store: EventStore;
  /** Close the store and open it again on the same storage: only for durable adapters. */
  reopen?: () => Promise<EventStore>;
  cleanup(): Promise<void>;
}

export interface ContractFactoryOptions {
  limits?: Partial<StoreLimits>;
}

export type ContractFactory = (options?: ContractFactoryOptions) => Promise<ContractSubject>;

const TIMEOUT_MS = 60_000;

/** Where an append landed, without whether it was a repeat (which only some adapters tell, and its own test checks). */
const landed = (result: AppendResult): Pick<AppendResult, 'nextExpectedRevision' | 'position'> => ({
  nextExpectedRevision: result.nextExpectedRevision,
  position: result.position,
});

/** The contract every EventStore adapter must pass: EventStoreDB's semantics, idempotency guaranteed. */
export function describeEventStoreContract(
  name: string,
  factory: ContractFactory,
  capabilities: ContractCapabilities = {},
): void {
  // Tests of a capability exist only for adapters that declare it, so none is skipped or vacuous.
  const itIfGapless = capabilities.gaplessPositions ? it : undefined;
  const itIfChained = capabilities.globalHashChain ? it : undefined;
  const itIfDurable = capabilities.durable ? it : undefined;
  describe(`${name}: the event store contract`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    const extra: ContractSubject[] = [];
    // Unique names keep tests apart on a store shared between tests (EventStoreDB).
    let tag: string;
    const streamOf = (category = 'account'): string => `${category}${tag}-${randomUUID()}`;
    const typeOf = (what: string): string => `${tag}.${what}`;
    const metadata = (): EventMetadata => ({
      actor: 'city:lyon',
      role: 'city-officer',
      scope: 'city:lyon',
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey: null,
      schemaVersion: 1,
    });
    const event = (what = 'deposited', data: unknown = { amount: '10.00' }): ProposedEvent => ({
      id: randomUUID(),
      type: typeOf(what),
      data,
      metadata: metadata(),
    });
    const events = (count: number, what = 'deposited'): ProposedEvent[] =>
      Array.from({ length: count }, (_, i) => event(what, { n: i, amount: `${i}.00` }));
    const withLimits = async (limits: Partial<StoreLimits>): Promise<EventStore> => {
      const s = await factory({ limits });
      extra.push(s);
      return s.store;
    };
    const rejection = async (p: Promise<unknown>): Promise<unknown> => {
      try {
        await p;
      } catch (error) {
        return error;
      }
      throw new Error('expected the promise to reject');
    };
    const expectConflict = async (
      p: Promise<AppendResult>,
      expected: ExpectedRevision,
      actual: bigint | 'no_stream',
    ): Promise<void> => {
      const error = await rejection(p);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).expected).toBe(expected);
      expect((error as WrongExpectedRevisionError).actual).toBe(actual);
    };
    const readAllOf = async (s: EventStore, prefix: string, after: bigint | 'start' = 'start'): Promise<RecordedEvent[]> => {
      const out: RecordedEvent[] = [];
      let cursor: bigint | 'start' = after;
      for (let page = 0; page < 10_000; page++) {
        const result = await s.readAll({ after: cursor, typePrefixes: [prefix] });
        out.push(...result.events);
        if (result.nextAfter !== null) cursor = result.nextAfter;
        if (result.isEnd) return out;
      }
      throw new Error('readAll did not reach the end within 10,000 pages');
    };

    beforeEach(async () => {
      tag = randomUUID().slice(0, 8);
      subject = await factory();
      store = subject.store;
    }, TIMEOUT_MS);

    afterEach(async () => {
      for (const s of extra.splice(0)) await s.cleanup();
      await subject.cleanup();
    }, TIMEOUT_MS);

    describe('appending with an expected revision', () => {
      it('writes a new stream at no_stream from revision 0 and returns its last revision and position', async () => {
        const stream = streamOf();
        const batch = events(3);
        const result = await store.appendToStream(stream, batch, 'no_stream');
        expect(result.nextExpectedRevision).toBe(2n);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(read.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(read[2]?.position).toBe(result.position);
        expect(await store.streamRevision(stream)).toBe(2n);
        expect(await store.streamExists(stream)).toBe(true);
      });

      it('refuses no_stream when the stream already exists, reporting its revision', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(2), 'no_stream');
        await expectConflict(store.appendToStream(stream, events(1), 'no_stream'), 'no_stream', 1n);
        expect(await store.streamRevision(stream)).toBe(1n);
      });

      it('refuses stream_exists on a stream that does not exist, and writes nothing', async () => {
        const stream = streamOf();
        await expectConflict(store.appendToStream(stream, events(1), 'stream_exists'), 'stream_exists', 'no_stream');
        expect(await store.streamExists(stream)).toBe(false);
      });

      it('appends at stream_exists and at any to an existing stream', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(1), 'no_stream');
        expect((await store.appendToStream(stream, events(1), 'stream_exists')).nextExpectedRevision).toBe(1n);
        expect((await store.appendToStream(stream, events(2), 'any')).nextExpectedRevision).toBe(3n);
      });

      it('creates a stream at any', async () => {
        const stream = streamOf();
        expect((await store.appendToStream(stream, events(2), 'any')).nextExpectedRevision).toBe(1n);
      });

      it('appends at the exact current revision and refuses a stale or future one with expected and actual', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(2), 'no_stream');
        expect((await store.appendToStream(stream, events(1), 1n)).nextExpectedRevision).toBe(2n);
        await expectConflict(store.appendToStream(stream, events(1), 1n), 1n, 2n);
        await expectConflict(store.appendToStream(stream, events(1), 7n), 7n, 2n);
        expect(await store.streamRevision(stream)).toBe(2n);
      });

      it('refuses an exact revision on a stream that does not exist', async () => {
        const stream = streamOf();
        await expectConflict(store.appendToStream(stream, events(1), 0n), 0n, 'no_stream');
        expect(await store.streamExists(stream)).toBe(false);
      });

      it('records the envelope as proposed: id, type, stream, revision, data, metadata, instant and hash', async () => {
        const stream = streamOf();
        const proposed = event('pledged', { amount: '1250.50', currency: 'EUR', note: 'line\nbreak ✓', nested: { b: 1, a: [true, null] } });
        await store.appendToStream(stream, [proposed], 'no_stream');
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({ id: proposed.id, type: proposed.type, stream, revision: 0n });
        expect(recorded?.data).toEqual(proposed.data);
        expect(recorded?.metadata).toEqual(proposed.metadata);
        expect(Number.isNaN(Date.parse(recorded?.recordedAt ?? ''))).toBe(false);
        expect(recorded?.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        expect(recorded?.hash).toMatch(/^[0-9a-f]{64}$/);
      });

      it('gives later commits later positions', async () => {
        const a = await store.appendToStream(streamOf(), events(2), 'no_stream');
        const b = await store.appendToStream(streamOf(), events(1), 'no_stream');
        expect(b.position > a.position).toBe(true);
        const head = await store.headPosition();
        expect(head !== null && head >= b.position).toBe(true);
      });

      it('refuses malformed appends and writes nothing: no events, a repeated id, an id that is not a UUID', async () => {
        const stream = streamOf();
        const once = event();
        expect(await rejection(store.appendToStream(stream, [], 'any'))).toBeInstanceOf(InvalidAppendError);
        expect(await rejection(store.appendToStream(stream, [once, { ...once }], 'any'))).toBeInstanceOf(InvalidAppendError);
        expect(await rejection(store.appendToStream(stream, [{ ...event(), id: 'not-a-uuid' }], 'any'))).toBeInstanceOf(
          InvalidAppendError,
        );
        expect(await store.streamExists(stream)).toBe(false);
      });

      it('refuses a stream name or event type with a lone surrogate (UTF-8 cannot keep it as hashed); a pair is fine', async () => {
        const stream = streamOf();
        expect(await rejection(store.appendToStream(`${stream}-\ud800`, events(1), 'any'))).toBeInstanceOf(InvalidAppendError);
        expect(await rejection(store.appendToStream(stream, [{ ...event(), type: typeOf('sent\udc00') }], 'any'))).toBeInstanceOf(InvalidAppendError);
        expect(await store.streamExists(stream)).toBe(false);
        const paired = `${stream}-\ud83d\ude00`;
        await store.appendToStream(paired, [{ ...event(), type: typeOf('sent\ud83d\ude00') }], 'no_stream');
        expect((await store.readStream(paired)).map((e) => [e.stream, e.type])).toEqual([[paired, typeOf('sent\ud83d\ude00')]]);
      });
    });

    describe('idempotent appends', () => {
      it('returns the first result and writes nothing when the same ids are appended again at no_stream', async () => {
        const stream = streamOf();
        const batch = events(3);
        const first = await store.appendToStream(stream, batch, 'no_stream');
        const head = await store.headPosition();
        expect(landed(await store.appendToStream(stream, batch, 'no_stream'))).toEqual(landed(first));
        expect(await store.headPosition()).toBe(head);
        expect(await store.streamRevision(stream)).toBe(2n);
      });

      it('says which appends were repeats, when it declares that it can tell', async () => {
        if (store.reportsRepeats !== true) {
          // An adapter that cannot tell never claims a repeat.
          const stream = streamOf();
          const batch = events(2);
          await store.appendToStream(stream, batch, 'no_stream');
          expect((await store.appendToStream(stream, batch, 'no_stream')).repeated).not.toBe(true);
          return;
        }
        const stream = streamOf();
        const batch = events(3);
        const first = await store.appendToStream(stream, batch, 'no_stream');
        expect(first.repeated).toBeUndefined();
        expect(await store.appendToStream(stream, batch, 'no_stream')).toEqual({ ...first, repeated: true });
        expect((await store.appendToStream(stream, batch.slice(0, 2), 'any')).repeated).toBe(true);
        expect((await store.appendToStream(stream, events(1), 2n)).repeated).toBeUndefined();
      });

      it('returns the first result when the same ids are appended again at the same exact revision', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(2), 'no_stream');
        const batch = events(2);
        const first = await store.appendToStream(stream, batch, 1n);
        await store.appendToStream(stream, events(1), 3n);
        expect(landed(await store.appendToStream(stream, batch, 1n))).toEqual(landed(first));
        expect(await store.streamRevision(stream)).toBe(4n);
      });

      it('treats the same ids under any or stream_exists, once written, as a no-op', async () => {
        const stream = streamOf();
        const batch = events(2);
        const first = await store.appendToStream(stream, batch, 'any');
        expect(landed(await store.appendToStream(stream, batch, 'any'))).toEqual(landed(first));
        expect(landed(await store.appendToStream(stream, batch, 'stream_exists'))).toEqual(landed(first));
        expect(await store.streamRevision(stream)).toBe(1n);
      });

      it('treats a prefix of an earlier append as already written, answering with the last event of that prefix', async () => {
        const stream = streamOf();
        const batch = events(4);
        await store.appendToStream(stream, batch, 'no_stream');
        const written = await store.readStream(stream);
        const prefix = batch.slice(0, 2);
        const expected = { nextExpectedRevision: 1n, position: written[1]?.position };
        expect(landed(await store.appendToStream(stream, prefix, 'no_stream'))).toEqual(expected);
        expect(landed(await store.appendToStream(stream, prefix, 'any'))).toEqual(expected);
        expect(await store.streamRevision(stream)).toBe(3n);
      });

      it('treats a prefix of a later batch at its exact expected revision as already written', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(1), 'no_stream');
        const batch = events(3);
        await store.appendToStream(stream, batch, 0n);
        const result = await store.appendToStream(stream, batch.slice(0, 2), 0n);
        expect(result.nextExpectedRevision).toBe(2n);
        expect(await store.streamRevision(stream)).toBe(3n);
      });

      it('refuses more ids than were written at a stale revision', async () => {
        const stream = streamOf();
        const batch = events(2);
        await store.appendToStream(stream, batch, 'no_stream');
        await expectConflict(store.appendToStream(stream, [...batch, event()], 'no_stream'), 'no_stream', 1n);
        expect(await store.streamRevision(stream)).toBe(1n);
      });

      it('refuses different ids at a stale revision', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(2), 'no_stream');
        await expectConflict(store.appendToStream(stream, events(2), 'no_stream'), 'no_stream', 1n);
      });

      it('refuses an overlap that mixes written and new ids, even under any', async () => {
        const stream = streamOf();
        const batch = events(2);
        await store.appendToStream(stream, batch, 'no_stream');
        await expectConflict(store.appendToStream(stream, [batch[1] as ProposedEvent, event()], 'any'), 'any', 1n);
        await expectConflict(store.appendToStream(stream, [batch[0] as ProposedEvent, event()], 1n), 1n, 1n);
        expect(await store.streamRevision(stream)).toBe(1n);
      });

      it('refuses the written ids in another order', async () => {
        const stream = streamOf();
        const batch = events(2);
        await store.appendToStream(stream, batch, 'no_stream');
        await expectConflict(store.appendToStream(stream, [...batch].reverse(), 'no_stream'), 'no_stream', 1n);
      });

      it('refuses the written ids at an expected revision they were not written after', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(1), 'no_stream');
        const batch = events(2);
        await store.appendToStream(stream, batch, 0n);
        await expectConflict(store.appendToStream(stream, batch, 'no_stream'), 'no_stream', 2n);
        await expectConflict(store.appendToStream(stream, batch, 1n), 1n, 2n);
      });

      it('writes the same ids into another stream: ids are recognised per stream', async () => {
        const batch = events(2);
        await store.appendToStream(streamOf(), batch, 'no_stream');
        const other = streamOf();
        expect((await store.appendToStream(other, batch, 'no_stream')).nextExpectedRevision).toBe(1n);
        expect((await store.readStream(other)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });
    });

    describe('limits', () => {
      it('refuses an event larger than maxEventBytes and writes nothing of its append', async () => {
        const small = await withLimits({ maxEventBytes: 2_000 });
        const stream = streamOf();
        const big = event('deposited', { memo: 'x'.repeat(2_500) });
        const error = await rejection(small.appendToStream(stream, [event(), big], 'any'));
        expect(error).toBeInstanceOf(EventTooLargeError);
        expect((error as EventTooLargeError).eventId).toBe(big.id);
        expect((error as EventTooLargeError).maxBytes).toBe(2_000);
        expect((error as EventTooLargeError).sizeBytes).toBeGreaterThan(2_000);
        expect(await small.streamExists(stream)).toBe(false);
      });

      it('refuses more events than maxAppendCount in one append and writes nothing', async () => {
        const small = await withLimits({ maxAppendCount: 5 });
        const stream = streamOf();
        const error = await rejection(small.appendToStream(stream, events(6), 'any'));
        expect(error).toBeInstanceOf(TooManyEventsError);
        expect((error as TooManyEventsError).count).toBe(6);
        expect((error as TooManyEventsError).max).toBe(5);
        expect(await small.streamExists(stream)).toBe(false);
        expect((await small.appendToStream(stream, events(5), 'any')).nextExpectedRevision).toBe(4n);
      });

      it('caps every read at maxReadCount, whatever the caller asks', async () => {
        const small = await withLimits({ maxReadCount: 5 });
        const stream = streamOf();
        await small.appendToStream(stream, events(12), 'no_stream');
        expect(await small.readStream(stream, { maxCount: 100 })).toHaveLength(5);
        expect(await small.readStream(stream)).toHaveLength(5);
        expect((await small.readAll({ maxCount: 100, typePrefixes: [tag] })).events.length).toBeLessThanOrEqual(5);
      });
    });

    describe('reading a stream', () => {
      let stream: string;
      beforeEach(async () => {
        stream = streamOf();
        await store.appendToStream(stream, events(10), 'no_stream');
      });
      const revisions = (read: RecordedEvent[]): number[] => read.map((e) => Number(e.revision));

      it('reads forwards from the start, from a revision, with a count', async () => {
        expect(revisions(await store.readStream(stream))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(revisions(await store.readStream(stream, { fromRevision: 4n, maxCount: 3 }))).toEqual([4, 5, 6]);
        expect(revisions(await store.readStream(stream, { fromRevision: 8n, maxCount: 5 }))).toEqual([8, 9]);
      });

      it('reads backwards from the end, from a revision, with a count', async () => {
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 3 }))).toEqual([9, 8, 7]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 2n }))).toEqual([2, 1, 0]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }))).toEqual([9]);
      });

      it('returns nothing when reading forwards past the end', async () => {
        expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
        expect(await store.readStream(stream, { fromRevision: 'end' })).toEqual([]);
      });

      it('reports a stream that does not exist as not found, absent and without a revision', async () => {
        const missing = streamOf();
        const error = await rejection(store.readStream(missing));
        expect(error).toBeInstanceOf(StreamNotFoundError);
        expect((error as StreamNotFoundError).stream).toBe(missing);
        expect(await store.streamExists(missing)).toBe(false);
        expect(await store.streamRevision(missing)).toBeNull();
      });
    });

    describe('reading the whole log', () => {
      it('pages through the log in commit order, each page strictly after the last', async () => {
        const before = await store.headPosition();
        const a = streamOf();
        const b = streamOf();
        const written: string[] = [];
        for (let i = 0; i < 5; i++) {
          const batchA = events(2);
          const batchB = events(1);
          await store.appendToStream(a, batchA, 'any');
          await store.appendToStream(b, batchB, 'any');
          written.push(...batchA.map((e) => e.id), ...batchB.map((e) => e.id));
        }
        const seen: RecordedEvent[] = [];
        let after: bigint | 'start' = before ?? 'start';
        for (let page = 0; page < 100; page++) {
          const result = await store.readAll({ after, maxCount: 4, typePrefixes: [tag] });
          expect(result.events.length).toBeLessThanOrEqual(4);
          seen.push(...result.events);
          if (result.nextAfter !== null) after = result.nextAfter;
          if (result.isEnd) break;
        }
        expect(seen.map((e) => e.id)).toEqual(written);
        for (let i = 1; i < seen.length; i++) expect((seen[i] as RecordedEvent).position > (seen[i - 1] as RecordedEvent).position).toBe(true);
      });

      it('filters by event type prefix', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, [event('pledge.made'), event('transfer.sent'), event('pledge.kept'), event('audit.noted')], 'no_stream');
        const pledges = await readAllOf(store, typeOf('pledge.'));
        expect(pledges.map((e) => e.type)).toEqual([typeOf('pledge.made'), typeOf('pledge.kept')]);
        const both = await store.readAll({ typePrefixes: [typeOf('transfer.'), typeOf('audit.')] });
        expect(both.events.map((e) => e.type)).toEqual([typeOf('transfer.sent'), typeOf('audit.noted')]);
      });

      it('reports the head position as the position of the last event written', async () => {
        const result = await store.appendToStream(streamOf(), events(3), 'no_stream');
        expect(await store.headPosition()).toBe(result.position);
        const page = await store.readAll({ after: result.position - 1n, maxCount: 1 });
        expect(page.events[0]?.position).toBe(result.position);
      });

      itIfGapless?.('numbers a fresh log 0, 1, 2… with no gaps', async () => {
        expect(await store.headPosition()).toBeNull();
        expect(await store.readAll()).toEqual({ events: [], nextAfter: null, isEnd: true });
        await store.appendToStream(streamOf(), events(3), 'no_stream');
        await store.appendToStream(streamOf(), events(2), 'no_stream');
        const all = await store.readAll();
        expect(all.events.map((e) => e.position)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(all).toMatchObject({ nextAfter: 4n, isEnd: true });
        expect(await store.headPosition()).toBe(4n);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of two racing appenders win each revision', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(1), 'no_stream');
        const winners: string[] = [];
        for (let revision = 0n; revision < 20n; revision++) {
          const left = event('left');
          const right = event('right');
          const outcomes = await Promise.allSettled([
            store.appendToStream(stream, [left], revision),
            store.appendToStream(stream, [right], revision),
          ]);
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(lost[0]?.reason).toBeInstanceOf(WrongExpectedRevisionError);
          winners.push(outcomes[0]?.status === 'fulfilled' ? left.id : right.id);
        }
        const read = await store.readStream(stream, { fromRevision: 1n });
        expect(read.map((e) => e.id)).toEqual(winners);
      });

      it('keeps every append of many writers to different streams, each at its own position', async () => {
        const streams = Array.from({ length: 10 }, () => streamOf());
        const results = await Promise.all(
          streams.flatMap((s) => [store.appendToStream(s, events(3), 'any'), store.appendToStream(s, events(2), 'any')]),
        );
        for (const s of streams) expect(await store.streamRevision(s)).toBe(4n);
        expect(new Set(results.map((r) => r.position)).size).toBe(results.length);
      });

      it('lets readers run during writes and see only whole, ordered prefixes', async () => {
        const stream = streamOf();
        let writing = true;
        const writer = (async () => {
          for (let i = 0; i < 100; i++) await store.appendToStream(stream, events(3), i === 0 ? 'no_stream' : BigInt(i * 3 - 1));
          writing = false;
        })();
        let reads = 0;
        while (writing && reads < 10_000) {
          reads++;
          const exists = await store.streamExists(stream);
          if (!exists) continue;
          const read = await store.readStream(stream, { direction: 'backwards', maxCount: 50 });
          // Appends are atomic: a reader never sees part of a three-event batch.
          expect(Number(read[0]?.revision) % 3).toBe(2);
          for (let i = 1; i < read.length; i++) expect(read[i]?.revision).toBe((read[i - 1]?.revision ?? 0n) - 1n);
        }
        await writer;
        expect(await store.streamRevision(stream)).toBe(299n);
      });

      it('holds a 10,000-event stream and reads it back in order, page by page', async () => {
        const stream = streamOf();
        const batchSize = Math.min(1_000, store.limits.maxAppendCount);
        for (let written = 0; written < 10_000; written += batchSize) {
          await store.appendToStream(stream, events(batchSize), written === 0 ? 'no_stream' : BigInt(written - 1));
        }
        expect(await store.streamRevision(stream)).toBe(9_999n);
        let next = 0n;
        for (let page = 0; page < 10_000 && next < 10_000n; page++) {
          const read = await store.readStream(stream, { fromRevision: next });
          expect(read.length).toBeGreaterThan(0);
          for (const e of read) expect(e.revision).toBe(next++);
        }
        expect(next).toBe(10_000n);
        const last = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
        expect(last[0]?.revision).toBe(9_999n);
      }, TIMEOUT_MS);
    });

    describe('subscribing to the log', () => {
      const take = async (sub: Subscription, count: number): Promise<RecordedEvent[]> => {
        const out: RecordedEvent[] = [];
        if (count === 0) return out;
        for await (const e of sub) {
          out.push(e);
          if (out.length === count) break;
        }
        return out;
      };

      it('starts strictly after the position given', async () => {
        const stream = streamOf();
        const first = await store.appendToStream(stream, events(3), 'no_stream');
        const later = events(2);
        await store.appendToStream(stream, later, 2n);
        const sub = store.subscribeToAll({ after: first.position, typePrefixes: [tag] });
        expect((await take(sub, 2)).map((e) => e.id)).toEqual(later.map((e) => e.id));
      });

      it('catches up, then goes live, delivering every event once and in order while appends continue', async () => {
        const stream = streamOf();
        const before = await store.headPosition();
        const written: string[] = [];
        for (let i = 0; i < 30; i++) {
          const batch = events(10);
          await store.appendToStream(stream, batch, 'any');
          written.push(...batch.map((e) => e.id));
        }
        const sub = store.subscribeToAll({ after: before ?? 'start', typePrefixes: [tag], highWaterMark: 16 });
        const consumer = take(sub, 600);
        for (let i = 0; i < 100; i++) {
          const batch = events(3);
          await store.appendToStream(stream, batch, 'any');
          written.push(...batch.map((e) => e.id));
          if (i % 10 === 0) await new Promise((r) => setImmediate(r));
        }
        const seen = await consumer;
        expect(seen.map((e) => e.id)).toEqual(written);
      }, TIMEOUT_MS);

      it('delivers only the event types asked for', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, [event('pledge.made'), event('transfer.sent'), event('pledge.kept')], 'no_stream');
        const sub = store.subscribeToAll({ typePrefixes: [typeOf('pledge.')] });
        const seen = await take(sub, 2);
        expect(seen.map((e) => e.type)).toEqual([typeOf('pledge.made'), typeOf('pledge.kept')]);
        await sub.close();
      });

      it('gives a slow consumer with a small high-water mark every event, in order', async () => {
        const stream = streamOf();
        const before = await store.headPosition();
        const batch = events(200);
        await store.appendToStream(stream, batch, 'no_stream');
        const sub = store.subscribeToAll({ after: before ?? 'start', typePrefixes: [tag], highWaterMark: 4 });
        const seen: string[] = [];
        for await (const e of sub) {
          seen.push(e.id);
          await new Promise((r) => setImmediate(r));
          if (seen.length === batch.length) break;
        }
        expect(seen).toEqual(batch.map((e) => e.id));
      }, TIMEOUT_MS);

      it('ends a live subscription waiting for events when it is closed', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(1), 'no_stream');
        const sub = store.subscribeToAll({ typePrefixes: [tag] });
        const seen: RecordedEvent[] = [];
        const consumer = (async () => {
          for await (const e of sub) seen.push(e);
          return 'ended';
        })();
        await new Promise((r) => setTimeout(r, 50));
        await sub.close();
        expect(await consumer).toBe('ended');
        expect(seen).toHaveLength(1);
      });

      it('ends cleanly on break and leaves the store usable', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(5), 'no_stream');
        const sub = store.subscribeToAll({ typePrefixes: [tag] });
        expect(await take(sub, 2)).toHaveLength(2);
        expect((await store.appendToStream(stream, events(1), 4n)).nextExpectedRevision).toBe(5n);
        const again = store.subscribeToAll({ typePrefixes: [tag] });
        expect(await take(again, 6)).toHaveLength(6);
      });
    });

    describe('integrity', () => {
      itIfChained?.('chains each hash over the canonical bytes and the previous hash, so an auditor can recompute it', async () => {
        await store.appendToStream(streamOf(), events(3), 'no_stream');
        await store.appendToStream(streamOf(), [event('noted', { z: 1, a: { y: '2', b: null } })], 'no_stream');
        const all = (await store.readAll()).events;
        let previous = GENESIS_HASH;
        for (const e of all) {
          const recomputed = eventHash(previous, {
            ...e,
            dataJson: canonicalJson(e.data),
            metadataJson: canonicalJson(e.metadata),
          });
          expect(e.hash).toBe(recomputed);
          previous = e.hash;
        }
      });

      itIfChained?.('verifies an intact log, from the start and from a position', async () => {
        await store.appendToStream(streamOf(), events(5), 'no_stream');
        const last = await store.appendToStream(streamOf(), events(4), 'no_stream');
        const head = (await store.readAll({ after: last.position - 1n })).events[0];
        expect(head?.position).toBe(last.position);
        expect(await store.verify()).toEqual({ ok: true, checked: 9, firstBadPosition: null, reason: null, headHash: head?.hash });
        expect(await store.verify(6n)).toMatchObject({ ok: true, checked: 3, headHash: head?.hash });
        expect(await store.verify(last.position + 1n)).toMatchObject({ ok: true, checked: 0, headHash: head?.hash });
        expect(await verifyAgainstHead(store, { position: last.position, hash: head?.hash ?? '' })).toMatchObject({ ok: true });
      });

      itIfChained?.('refuses to vouch for a chain checked from beyond the head: the link before it is missing', async () => {
        const last = await store.appendToStream(streamOf(), events(3), 'no_stream');
        expect(await store.verify(last.position + 5n)).toEqual({
          ok: false,
          checked: 0,
          firstBadPosition: last.position + 4n,
          reason: `position ${last.position + 4n} is missing`,
          headHash: null,
        });
      });

      itIfChained?.('reports a remembered head that the log no longer matches', async () => {
        const result = await store.appendToStream(streamOf(), events(3), 'no_stream');
        const report = await verifyAgainstHead(store, { position: result.position, hash: 'f'.repeat(64) });
        expect(report).toMatchObject({ ok: false, firstBadPosition: result.position });
        const beyond = await verifyAgainstHead(store, { position: result.position + 5n, hash: 'f'.repeat(64) });
        expect(beyond).toMatchObject({ ok: false, firstBadPosition: result.position + 1n });
      });
    });

    describe('reopening durable storage', () => {
      itIfDurable?.('keeps every acknowledged event, its hash and idempotency across a reopen', async () => {
        if (subject.reopen === undefined) throw new Error(`${name} declares durable but its subject cannot reopen`);
        const stream = streamOf();
        const batch = events(50);
        const first = await store.appendToStream(stream, batch, 'no_stream');
        await store.appendToStream(streamOf(), events(7), 'no_stream');
        const before = await readAllOf(store, tag);
        store = await subject.reopen();
        expect(await readAllOf(store, tag)).toEqual(before);
        expect(landed(await store.appendToStream(stream, batch, 'no_stream'))).toEqual(landed(first));
        const next = await store.appendToStream(stream, events(1), 49n);
        expect(next.nextExpectedRevision).toBe(50n);
        expect(next.position > (before[before.length - 1]?.position ?? -1n)).toBe(true);
        if (capabilities.globalHashChain) expect(await store.verify()).toMatchObject({ ok: true });
      });
    });
  });
}
