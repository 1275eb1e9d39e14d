/**
 * A node shared with another application: its events carry no concordat block. The ledger's read path over `$all`
 * (read models, the head, the lag) steps over them; `verify()` lets them be in their own streams and reports one
 * slipped into a ledger stream. Always on the test server: verification walks the whole node.
 */
import esdb from '@eventstore/db-client';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { EnvelopeError, openEsdbEventStore } from '../../libs/event-store/src/esdb/index.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { proposed, take, testServerTarget, uniqueStream, type EsdbTarget } from './fixture.js';

const { EventStoreDBClient: Client, jsonEvent } = esdb;

describe('EventStoreDB shared with another application', () => {
  let target: EsdbTarget;
  let store: EventStore;
  let other: EventStoreDBClient;

  beforeEach(async () => {
    target = await testServerTarget();
    store = openEsdbEventStore({ connectionString: target.connectionString, clock: new FakeClock(Date.parse('2026-03-01T09:00:00Z')) });
    other = Client.connectionString(target.connectionString);
  });

  afterEach(async () => {
    await store.close();
    await other.dispose();
    await target.stop();
  });

  /** Another application's write: its own stream and types, metadata of its own or none. */
  const foreignWrite = async (stream: string, withMetadata: boolean): Promise<void> => {
    const event = jsonEvent({ type: 'OrderPlaced', data: { sku: 'pump-7' }, ...(withMetadata ? { metadata: { tenant: 'warehouse' } } : {}) });
    await other.appendToStream(stream, [event]);
  };

  it('steps over the other application’s events in $all, in the head and in a subscription from zero', async () => {
    const ledger = uniqueStream('commitment');
    const made = proposed('CommitmentMade', { commitmentId: 'c-1' });
    await store.appendToStream(ledger, [made], 'no_stream');
    await foreignWrite(uniqueStream('orders'), false);
    const delivered = proposed('DeliveryRecorded', { commitmentId: 'c-1' });
    const last = await store.appendToStream(ledger, [delivered], 0n);
    await foreignWrite(uniqueStream('orders'), true);

    const page = await store.readAll({ maxCount: 50 });
    expect(page.events.map((e) => e.id)).toEqual([made.id, delivered.id]);
    expect(await store.headPosition()).toBe(last.position);

    const subscription = store.subscribeToAll();
    const seen = await take(subscription, 2);
    const liveEvent = proposed('CommitmentFulfilled', { commitmentId: 'c-1' });
    await foreignWrite(uniqueStream('orders'), false);
    await store.appendToStream(ledger, [liveEvent], 1n);
    const live = await take(subscription, 1);
    await subscription.close();
    expect([...seen, ...live].map((e) => e.id)).toEqual([made.id, delivered.id, liveEvent.id]);

    expect(await store.verify()).toMatchObject({ ok: true, checked: 3 });
  });

  it('reports an event without concordat’s block slipped into a ledger stream', async () => {
    const ledger = uniqueStream('commitment');
    await store.appendToStream(ledger, [proposed('CommitmentMade')], 'no_stream');
    await foreignWrite(ledger, false);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/without concordat's integrity block/);
  });

  it('refuses to chain a ledger event onto another application’s stream', async () => {
    const shared = uniqueStream('commitment');
    await foreignWrite(shared, true);
    await expect(store.appendToStream(shared, [proposed('CommitmentMade')], 'any')).rejects.toBeInstanceOf(EnvelopeError);
    expect(await store.readAll({ maxCount: 50 })).toMatchObject({ events: [] });
    expect(await store.verify()).toMatchObject({ ok: true, checked: 0 });
  });
});
