import { randomUUID } from 'node:crypto';
import { FakeClock } from '../clock.js';
import { describeEventStoreContract } from '../contract/event-store.contract.js';
import { StoreClosedError } from '../errors.js';
import type { ProposedEvent } from '../port.js';
import { createMemoryEventStore } from './memory-event-store.js';

describeEventStoreContract(
  'in-memory',
  (options) => {
    const store = createMemoryEventStore({ limits: options?.limits });
    return Promise.resolve({ store, cleanup: () => store.close() });
  },
  { gaplessPositions: true, globalHashChain: true },
);

const pledge = (): ProposedEvent => ({
  id: randomUUID(),
  type: 'pledge.made',
  data: { amount: '5.00' },
  metadata: { actor: 'city:oslo', role: 'city-officer', correlationId: randomUUID(), schemaVersion: 1 },
});

describe('in-memory event store', () => {
  it('stamps recordedAt from the ledger clock at the moment of the append', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));
    const store = createMemoryEventStore({ clock });
    await store.appendToStream('fund-1', [pledge()], 'no_stream');
    clock.advance(90_000);
    await store.appendToStream('fund-1', [pledge()], 0n);
    const read = await store.readStream('fund-1');
    expect(read.map((e) => e.recordedAt)).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-01T09:01:30.000Z']);
  });

  it('hands out copies, so a caller mutating a read event cannot change the log', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('fund-1', [pledge()], 'no_stream');
    const [first] = await store.readStream('fund-1');
    (first?.data as { amount: string }).amount = '999.00';
    expect((await store.readStream('fund-1'))[0]?.data).toEqual({ amount: '5.00' });
    expect(await store.verify()).toMatchObject({ ok: true, checked: 1 });
  });

  it('refuses work once closed and ends its live subscriptions', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('fund-1', [pledge()], 'no_stream');
    const sub = store.subscribeToAll();
    const consumer = (async () => {
      let seen = 0;
      for await (const _event of sub) seen++;
      return seen;
    })();
    await new Promise((r) => setTimeout(r, 20));
    await store.close();
    expect(await consumer).toBe(1);
    await expect(store.appendToStream('fund-1', [pledge()], 0n)).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.readAll()).rejects.toBeInstanceOf(StoreClosedError);
    expect(() => store.subscribeToAll()).toThrow(StoreClosedError);
  });
});
