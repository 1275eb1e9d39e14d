import { FakeClock } from '../../libs/event-store/src/clock.js';
import { StoreClosedError, StreamNotFoundError, WrongExpectedRevisionError } from '../../libs/event-store/src/errors.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { openEsdbEventStore } from '../../libs/event-store/src/esdb/index.js';
import { esdbTarget, proposed, take, uniqueStream, uniqueTypePrefix, type EsdbTarget } from './fixture.js';

/**
 * The EventStoreDB adapter over real gRPC: against the in-process test server, or against the server named by
 * CONCORDAT_ESDB_URL when it is set (streams and event types are unique per run, so a shared server is fine).
 */
describe('EventStoreDB adapter over gRPC', () => {
  let target: EsdbTarget;
  let store: EventStore;
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));

  beforeAll(async () => {
    target = await esdbTarget();
    store = openEsdbEventStore({ connectionString: target.connectionString, clock, limits: { maxReadCount: 50 } });
  });

  afterAll(async () => {
    await store.close();
    await target.stop();
  });

  describe('appending with an expected revision', () => {
    it('opens a pledge stream with no_stream, then extends it at its exact revision, with any and with stream_exists', async () => {
      const stream = uniqueStream('pledge');
      const opened = await store.appendToStream(stream, [proposed('pledge.Opened', { amount: '120.50' })], 'no_stream');
      const exact = await store.appendToStream(stream, [proposed('pledge.Amended', { amount: '130.00' })], 0n);
      const any = await store.appendToStream(stream, [proposed('pledge.Noted')], 'any');
      const exists = await store.appendToStream(stream, [proposed('pledge.Noted'), proposed('pledge.Noted')], 'stream_exists');

      expect([opened, exact, any, exists].map((r) => r.nextExpectedRevision)).toEqual([0n, 1n, 2n, 4n]);
      expect(opened.position < exact.position && exact.position < any.position && any.position < exists.position).toBe(true);
      expect(await store.streamRevision(stream)).toBe(4n);
    });

    it('starts a new stream with any', async () => {
      const stream = uniqueStream('fund');
      const result = await store.appendToStream(stream, [proposed('fund.Created')], 'any');
      expect(result.nextExpectedRevision).toBe(0n);
      expect(await store.streamExists(stream)).toBe(true);
    });

    it('refuses no_stream on a stream that exists, naming the actual revision', async () => {
      const stream = uniqueStream('pledge');
      await store.appendToStream(stream, [proposed('pledge.Opened')], 'no_stream');
      const refusal = store.appendToStream(stream, [proposed('pledge.Opened')], 'no_stream');
      await expect(refusal).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(refusal).rejects.toMatchObject({ stream, expected: 'no_stream', actual: 0n });
    });

    it('refuses a stale exact revision and stream_exists on a missing stream', async () => {
      const stream = uniqueStream('pledge');
      await store.appendToStream(stream, [proposed('pledge.Opened'), proposed('pledge.Amended')], 'no_stream');
      await expect(store.appendToStream(stream, [proposed('pledge.Amended')], 0n)).rejects.toMatchObject({
        expected: 0n,
        actual: 1n,
      });
      await expect(store.appendToStream(uniqueStream('pledge'), [proposed('pledge.Amended')], 'stream_exists')).rejects.toMatchObject({
        expected: 'stream_exists',
        actual: 'no_stream',
      });
      await expect(store.appendToStream(uniqueStream('pledge'), [proposed('pledge.Amended')], 3n)).rejects.toMatchObject({
        expected: 3n,
        actual: 'no_stream',
      });
    });

    it('lets exactly one of two writers racing at the same revision win', async () => {
      const stream = uniqueStream('commitment');
      await store.appendToStream(stream, [proposed('commitment.Made')], 'no_stream');
      const outcomes = await Promise.allSettled([
        store.appendToStream(stream, [proposed('commitment.Fulfilled')], 0n),
        store.appendToStream(stream, [proposed('commitment.Defaulted')], 0n),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected');
      expect(rejected?.status === 'rejected' && rejected.reason instanceof WrongExpectedRevisionError).toBe(true);
      expect(await store.streamRevision(stream)).toBe(1n);
    });

    it('keeps every stream chain intact when writers append with any concurrently', async () => {
      const stream = uniqueStream('ledger');
      await Promise.all(Array.from({ length: 6 }, (_, i) => store.appendToStream(stream, [proposed('ledger.Entry', { i })], 'any')));
      const events = await store.readStream(stream);
      expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
      expect(events.slice(1).every((e, i) => e.hash !== (events[i] as RecordedEvent).hash)).toBe(true);
      expect((await store.verify()).ok).toBe(true);
    });
  });

  describe('idempotent re-appends of the same event ids', () => {
    it('returns the first result and writes nothing when the same ids come again at the same revision', async () => {
      const stream = uniqueStream('pledge');
      const events = [proposed('pledge.Opened'), proposed('pledge.Amended')];
      const first = await store.appendToStream(stream, events, 'no_stream');
      const again = await store.appendToStream(stream, events, 'no_stream');
      expect(again).toEqual(first);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('treats the same ids under any as a no-op once written', async () => {
      const stream = uniqueStream('pledge');
      const events = [proposed('pledge.Opened')];
      const first = await store.appendToStream(stream, events, 'any');
      const again = await store.appendToStream(stream, events, 'any');
      expect(again).toEqual(first);
      expect(await store.streamRevision(stream)).toBe(0n);
    });

    it('accepts a prefix of an earlier append at its revision', async () => {
      const stream = uniqueStream('pledge');
      const events = [proposed('pledge.Opened'), proposed('pledge.Amended'), proposed('pledge.Noted')];
      await store.appendToStream(stream, events, 'no_stream');
      const prefix = await store.appendToStream(stream, events.slice(0, 2), 'no_stream');
      expect(prefix.nextExpectedRevision).toBe(1n);
      expect(await store.streamRevision(stream)).toBe(2n);
    });

    it('refuses an overlap that mixes written ids with new ones', async () => {
      const stream = uniqueStream('pledge');
      const written = proposed('pledge.Opened');
      await store.appendToStream(stream, [written], 'no_stream');
      await expect(store.appendToStream(stream, [written, proposed('pledge.Amended')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.appendToStream(stream, [written, proposed('pledge.Amended')], 'any')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await store.streamRevision(stream)).toBe(0n);
    });
  });

  describe('reading', () => {
    it('reads a stream forwards, backwards, from a revision and up to a count, with the envelope as written', async () => {
      const stream = uniqueStream('commitment');
      clock.set('2026-03-02T10:30:00Z');
      const events = Array.from({ length: 5 }, (_, i) => proposed('commitment.Installment', { n: i, amount: `${i}.25` }));
      await store.appendToStream(stream, events, 'no_stream');

      const forwards = await store.readStream(stream);
      expect(forwards.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(forwards[0]).toMatchObject({
        type: 'commitment.Installment',
        stream,
        revision: 0n,
        recordedAt: '2026-03-02T10:30:00.000Z',
        data: { n: 0, amount: '0.25' },
        metadata: events[0]?.metadata,
      });
      expect(forwards[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
      const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
      expect(backwards.map((e) => e.revision)).toEqual([4n, 3n]);
      const middle = await store.readStream(stream, { fromRevision: 2n, maxCount: 2 });
      expect(middle.map((e) => e.revision)).toEqual([2n, 3n]);
    });

    it('reports a missing stream as not found, not as empty', async () => {
      const stream = uniqueStream('ghost');
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      expect(await store.streamExists(stream)).toBe(false);
      expect(await store.streamRevision(stream)).toBeNull();
    });

    it('caps every read at the store limit', async () => {
      const stream = uniqueStream('ledger');
      await store.appendToStream(stream, Array.from({ length: 60 }, () => proposed('ledger.Entry')), 'no_stream');
      expect(await store.readStream(stream, { maxCount: 1_000 })).toHaveLength(50);
      expect((await store.readAll({ maxCount: 1_000 })).events.length).toBeLessThanOrEqual(50);
    });

    it('pages through $all after a position, in order, without gaps or repeats, filtered by type prefix', async () => {
      const prefix = uniqueTypePrefix();
      const start = (await store.headPosition()) ?? 'start';
      const streams = [uniqueStream('city'), uniqueStream('fund'), uniqueStream('city')];
      const written: string[] = [];
      for (let i = 0; i < 21; i++) {
        const event = proposed(i % 3 === 2 ? 'other.Noise' : `${prefix}Entry`, { i });
        await store.appendToStream(streams[i % 3] as string, [event], 'any');
        if (i % 3 !== 2) written.push(event.id);
      }
      const seen: RecordedEvent[] = [];
      let after: bigint | 'start' = start;
      let pages = 0;
      for (; pages < 100; pages++) {
        const page = await store.readAll({ after, maxCount: 4, typePrefixes: [prefix] });
        seen.push(...page.events);
        if (page.nextAfter !== null) after = page.nextAfter;
        if (page.isEnd) break;
      }
      expect(seen.map((e) => e.id)).toEqual(written);
      expect(seen.every((e, i) => i === 0 || e.position > (seen[i - 1] as RecordedEvent).position)).toBe(true);
      expect(pages).toBeGreaterThanOrEqual(5);
      expect(await store.headPosition()).toBe(seen.length > 0 ? (await store.readAll({ after })).nextAfter ?? after : null);
    });
  });

  describe('subscribing to $all', () => {
    it('delivers the prefixed events after a position exactly once, in order, across catch-up and live', async () => {
      const prefix = uniqueTypePrefix();
      const start = (await store.headPosition()) ?? 'start';
      const stream = uniqueStream('trust');
      const before = [proposed(`${prefix}Granted`), proposed('noise.Ignored'), proposed(`${prefix}Raised`)];
      await store.appendToStream(stream, before, 'no_stream');
      const subscription = store.subscribeToAll({ after: start, typePrefixes: [prefix] });
      const caughtUp = await take(subscription, 2);
      const live = [proposed(`${prefix}Lowered`), proposed('noise.Ignored'), proposed(`${prefix}Revoked`)];
      await store.appendToStream(stream, live, 2n);
      const liveSeen = await take(subscription, 2);
      await subscription.close();

      const ids = [...caughtUp, ...liveSeen].map((e) => e.id);
      expect(ids).toEqual([before[0], before[2], live[0], live[2]].map((e) => e?.id));
      expect(liveSeen[0]?.revision).toBe(3n);
    });

    it('starts strictly after the position given', async () => {
      const prefix = uniqueTypePrefix();
      const stream = uniqueStream('trust');
      const first = await store.appendToStream(stream, [proposed(`${prefix}A`)], 'no_stream');
      const second = proposed(`${prefix}B`);
      await store.appendToStream(stream, [second], 0n);
      const subscription = store.subscribeToAll({ after: first.position, typePrefixes: [prefix] });
      const [only] = await take(subscription, 1);
      await subscription.close();
      expect(only?.id).toBe(second.id);
    });

    it('lets a new replica catch up from zero while another replica keeps writing, seeing each event once in order', async () => {
      const prefix = uniqueTypePrefix();
      const stream = uniqueStream('ledger');
      const writer = openEsdbEventStore({ connectionString: target.connectionString });
      const replica = openEsdbEventStore({ connectionString: target.connectionString });
      const total = 120;
      await writer.appendToStream(stream, Array.from({ length: 40 }, (_, i) => proposed(`${prefix}Entry`, { i })), 'no_stream');
      const subscription = replica.subscribeToAll({ typePrefixes: [prefix], highWaterMark: 8 });
      const seen = take(subscription, total, 30_000);
      for (let i = 40; i < total; i += 10) {
        const batch = Array.from({ length: 10 }, (_, j) => proposed(`${prefix}Entry`, { i: i + j }));
        await writer.appendToStream(stream, batch, BigInt(i - 1));
      }
      const events = await seen;
      await subscription.close();
      await Promise.all([writer.close(), replica.close()]);
      expect(events.map((e) => e.data)).toEqual(Array.from({ length: total }, (_, i) => ({ i })));
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
    });

    it('ends cleanly when closed while waiting for live events', async () => {
      const subscription = store.subscribeToAll({ typePrefixes: [uniqueTypePrefix()] });
      const waiting = take(subscription, 1);
      await subscription.close();
      expect(await waiting).toEqual([]);
    });
  });

  it('refuses calls once closed', async () => {
    const other = openEsdbEventStore({ connectionString: target.connectionString });
    await other.close();
    await expect(other.readStream(uniqueStream('pledge'))).rejects.toBeInstanceOf(StoreClosedError);
  });
});
