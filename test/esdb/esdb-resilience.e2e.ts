import { openEsdbEventStore, StoreDeadlineExceededError, StoreUnavailableError } from '../../libs/event-store/src/esdb/index.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import type { LogRecord } from './server/index.js';
import { proposed, take, testServerTarget, uniqueStream, uniqueTypePrefix } from './fixture.js';

type Target = Awaited<ReturnType<typeof testServerTarget>>;

/** What only a controllable node can show: a node going away mid-subscription, a slow node, a tampered log. */
describe('EventStoreDB adapter when the node misbehaves', () => {
  let target: Target;
  let store: EventStore;

  beforeEach(async () => {
    target = await testServerTarget();
    store = openEsdbEventStore({
      connectionString: target.connectionString,
      deadlineMs: 400,
      reconnect: { maxAttempts: 60, initialDelayMs: 50, maxDelayMs: 300 },
    });
  });

  afterEach(async () => {
    await store.close();
    await target.stop();
  });

  it('resumes a subscription after the node restarts, without losing or repeating an event', async () => {
    const prefix = uniqueTypePrefix();
    const stream = uniqueStream('ledger');
    const before = Array.from({ length: 5 }, (_, i) => proposed(`${prefix}Entry`, { i }));
    await store.appendToStream(stream, before, 'no_stream');
    const subscription = store.subscribeToAll({ typePrefixes: [prefix] });
    const firstHalf = await take(subscription, 5);

    await target.server.stop();
    // Down long enough that several reconnection attempts fail before the node is back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await target.server.restart();
    // Written while the subscriber is still reconnecting: it must catch these up from where it stopped.
    const writer = openEsdbEventStore({ connectionString: target.connectionString });
    const during = Array.from({ length: 5 }, (_, i) => proposed(i % 2 === 0 ? `${prefix}Entry` : 'noise.Skipped', { i }));
    await writer.appendToStream(stream, during, 4n);
    const afterwards = [proposed(`${prefix}Entry`, { last: true })];
    await writer.appendToStream(stream, afterwards, 9n);
    const secondHalf = await take(subscription, 4);
    await writer.close();
    await subscription.close();

    const expected = [...before, ...during.filter((_, i) => i % 2 === 0), ...afterwards].map((e) => e.id);
    const seen = [...firstHalf, ...secondHalf];
    expect(seen.map((e) => e.id)).toEqual(expected);
    expect(new Set(seen.map((e) => e.position)).size).toBe(seen.length);
  });

  it('reports a node that is down as unavailable, then works again once it is back', async () => {
    const stream = uniqueStream('pledge');
    await store.appendToStream(stream, [proposed('pledge.Opened')], 'no_stream');
    await target.server.stop();
    const refused = await store.appendToStream(stream, [proposed('pledge.Amended')], 0n).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused instanceof StoreUnavailableError || refused instanceof StoreDeadlineExceededError).toBe(true);
    await target.server.restart();
    // The first call after a reconnect may still meet the dead channel; the same ids make the retry safe.
    const amended = [proposed('pledge.Amended')];
    const retried = await store.appendToStream(stream, amended, 0n).catch(async () => store.appendToStream(stream, amended, 0n));
    expect(retried.nextExpectedRevision).toBe(1n);
    expect((await store.readStream(stream)).map((e) => e.id)).toEqual([expect.any(String), amended[0]?.id]);
  });

  it('keeps the data of a restarted node', async () => {
    const stream = uniqueStream('fund');
    await store.appendToStream(stream, [proposed('fund.Created')], 'no_stream');
    await target.server.restart();
    const reopened = openEsdbEventStore({ connectionString: target.connectionString });
    expect(await reopened.streamRevision(stream)).toBe(0n);
    await reopened.close();
  });

  it('fails an append and a read with a clear deadline error when the node answers too slowly', async () => {
    const stream = uniqueStream('pledge');
    await store.appendToStream(stream, [proposed('pledge.Opened')], 'no_stream');
    target.server.setResponseDelay(1_500);
    const append = store.appendToStream(stream, [proposed('pledge.Amended')], 0n);
    await expect(append).rejects.toBeInstanceOf(StoreDeadlineExceededError);
    await expect(append).rejects.toThrow(/did not answer .* within 400 ms/);
    await expect(store.readStream(stream)).rejects.toBeInstanceOf(StoreDeadlineExceededError);

    target.server.setResponseDelay(0);
    const events = await store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['pledge.Opened']);
  });

  describe('verifying the per-stream hash chains', () => {
    const seed = async (): Promise<RecordedEvent[]> => {
      const a = uniqueStream('city');
      const b = uniqueStream('fund');
      await store.appendToStream(a, [proposed('city.Joined', { name: 'Lyon' })], 'no_stream');
      await store.appendToStream(b, [proposed('fund.Created', { cap: '1000.00' })], 'no_stream');
      await store.appendToStream(a, [proposed('city.Pledged', { amount: '10.00' })], 0n);
      await store.appendToStream(b, [proposed('fund.Paid', { amount: '10.00' })], 0n);
      return [...(await store.readStream(a)), ...(await store.readStream(b))].sort((x, y) => (x.position < y.position ? -1 : 1));
    };
    const record = (position: bigint): LogRecord => {
      const log = target.server.log;
      const found = log.recordAt(log.indexAtOrAfter(position));
      if (found?.position !== position) throw new Error(`no record at ${position}`);
      return found;
    };

    it('accepts untouched chains, from the start and from a position midway', async () => {
      const events = await seed();
      expect(await store.verify()).toMatchObject({ ok: true, checked: 4, firstBadPosition: null });
      expect(await store.verify((events[2] as RecordedEvent).position)).toMatchObject({ ok: true, checked: 2 });
    });

    it('finds an amount changed in the stored bytes', async () => {
      const events = await seed();
      const tampered = events[2] as RecordedEvent;
      record(tampered.position).data = Buffer.from(JSON.stringify({ amount: '99.00' }));
      expect(await store.verify()).toMatchObject({ ok: false, checked: 2, firstBadPosition: tampered.position });
    });

    it('finds a chain link rewritten to hide a removed predecessor', async () => {
      const events = await seed();
      const tampered = events[3] as RecordedEvent;
      const stored = record(tampered.position);
      const metadata = JSON.parse(Buffer.from(stored.customMetadata).toString('utf8')) as { concordat: { prevHash: string } };
      metadata.concordat.prevHash = 'f'.repeat(64);
      stored.customMetadata = Buffer.from(JSON.stringify(metadata));
      const report = await store.verify();
      expect(report).toMatchObject({ ok: false, firstBadPosition: tampered.position });
      expect(report.reason).toMatch(/chain link/);
    });
  });
});
