import { FakeClock } from '../clock.js';
import { createMemoryEventStore } from '../memory/index.js';
import type { EventStore, ProposedEvent } from '../port.js';

/** A deterministic UUID per event number, so two stores can hold the very same history. */
export const eventId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface LedgerHistoryOptions {
  events: number;
  /** Replaces the data of event `n` (a rewritten history: every later hash is honestly re-chained by the store). */
  rewrite?: { n: number; data: unknown };
}

/** A small ledger history: pledges and fulfilments across three city streams, one event per append. */
export async function ledgerHistory(options: LedgerHistoryOptions): Promise<EventStore> {
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));
  const store = createMemoryEventStore({ clock });
  const cities = ['lyon', 'porto', 'gdansk'];
  for (let n = 0; n < options.events; n += 1) {
    const city = cities[n % cities.length];
    const data =
      options.rewrite?.n === n
        ? options.rewrite.data
        : { amount: `${100 + n}.25`, currency: 'EUR', obligor: `city-${city}`, note: n % 5 === 0 ? 'line\nbreak "quoted" ü' : null };
    const event: ProposedEvent = {
      id: eventId(n),
      type: n % 4 === 3 ? 'commitment.Fulfilled' : 'commitment.Pledged',
      data,
      metadata: { actor: `user:${city}-treasurer`, role: 'treasurer', correlationId: `corr-${n}`, schemaVersion: 1 },
    };
    await store.appendToStream(`commitment-${city}`, [event], 'any');
    clock.advance(1_000);
  }
  return store;
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** Lines as a file reader yields them: no trailing newline. */
export const asLines = (chunks: readonly string[]): string[] => chunks.map((c) => c.replace(/\n$/, ''));
