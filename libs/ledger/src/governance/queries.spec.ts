import { randomUUID } from 'node:crypto';
import { at, made } from '../../../domain/src/governance/testing.fixtures.js';
import type { CommitmentEvent } from '../../../domain/src/governance/events.js';
import { DomainError } from '../../../domain/src/shared/errors.js';
import { createMemoryEventStore } from '../../../event-store/src/memory/index.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { encodeCursor, InvalidCursorError, MAX_PAGE_SIZE } from '../pagination.js';
import { readCommitmentTimeline, type TimelineEntry } from './queries.js';

const delivery = (deliveryId: string, hours: number): CommitmentEvent => ({
  type: 'DeliveryRecorded',
  data: { commitmentId: 'sandbags-1', deliveryId, quantity: '1', evidenceRef: `waybill ${deliveryId}`, occurredAt: at(hours) },
});

/** A log where sandbags-1 was made and delivered in `deliveries` parts, with another commitment's events between. */
async function ledger(deliveries: number, maxReadCount?: number): Promise<EventStore> {
  const store = createMemoryEventStore(maxReadCount === undefined ? {} : { limits: { maxReadCount } });
  const append = (stream: string, e: CommitmentEvent, actor: string) =>
    store.appendToStream(stream, [{ id: randomUUID(), type: e.type, data: e.data, metadata: { actor, role: 'city-officer', correlationId: 'spec', schemaVersion: 1 } }], 'any');
  await append('commitment-sandbags-1', made(), 'yrd-officer');
  await append('commitment-pumps-1', made({ commitmentId: 'pumps-1' }), 'yrd-officer');
  for (let n = 1; n <= deliveries; n++) await append('commitment-sandbags-1', delivery(`d${n}`, n), 'officer-suzhou');
  return store;
}

/** Every page of the timeline, following the cursors (bounded: a page holds at least one entry). */
async function allPages(store: EventStore, upTo: bigint, limit: number): Promise<TimelineEntry[][]> {
  const pages: TimelineEntry[][] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard <= Number(upTo) + 1; guard++) {
    const page = await readCommitmentTimeline(store, 'sandbags-1', upTo, { limit, cursor });
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('the timeline cursors did not end');
}

describe("a commitment's timeline, read from its stream", () => {
  it('gives each event of the commitment with who recorded it, where it sits in the log, and its data', async () => {
    const store = await ledger(2);
    const page = await readCommitmentTimeline(store, 'sandbags-1', 2n, {});
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      expect.objectContaining({ type: 'CommitmentMade', occurredAt: made().data.occurredAt, revision: '0', position: '0', actor: 'yrd-officer', role: 'city-officer' }),
      expect.objectContaining({ type: 'DeliveryRecorded', occurredAt: at(1), revision: '1', position: '2', actor: 'officer-suzhou', data: delivery('d1', 1).data }),
      expect.objectContaining({ type: 'DeliveryRecorded', occurredAt: at(2), revision: '2', position: '3' }),
    ]);
    expect(page.items.every((e) => /^\d{4}-\d{2}-\d{2}T/.test(e.recordedAt))).toBe(true);
  });

  it('stops at the revision of the state shown, though the log has gone further', async () => {
    const store = await ledger(4);
    const page = await readCommitmentTimeline(store, 'sandbags-1', 1n, {});
    expect(page.items.map((e) => e.revision)).toEqual(['0', '1']);
    expect(page.nextCursor).toBeNull();
  });

  it('pages a long timeline with cursors, and the pages together are the whole timeline in order', async () => {
    const store = await ledger(7);
    const whole = await readCommitmentTimeline(store, 'sandbags-1', 7n, {});
    const pages = await allPages(store, 7n, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(whole.items);
    expect(whole.items.map((e) => e.revision)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it("never asks the store for more than it reads at once, and says where to go on", async () => {
    const store = await ledger(5, 2);
    const first = await readCommitmentTimeline(store, 'sandbags-1', 5n, { limit: MAX_PAGE_SIZE });
    expect(first.items.map((e) => e.revision)).toEqual(['0', '1']);
    expect(first.nextCursor).toBe(encodeCursor('1'));
    expect((await allPages(store, 5n, MAX_PAGE_SIZE)).flat().map((e) => e.revision)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('answers a cursor past the state shown with nothing more, and refuses a cursor it did not issue', async () => {
    const store = await ledger(1);
    expect(await readCommitmentTimeline(store, 'sandbags-1', 1n, { cursor: encodeCursor('1') })).toEqual({ items: [], nextCursor: null });
    await expect(readCommitmentTimeline(store, 'sandbags-1', 1n, { cursor: encodeCursor('-1') })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(readCommitmentTimeline(store, 'sandbags-1', 1n, { cursor: encodeCursor('d1') })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('answers a commitment the log does not hold as not found', async () => {
    const store = await ledger(0);
    await expect(readCommitmentTimeline(store, 'atlantis', 0n, {})).rejects.toMatchObject({ code: 'commitment_not_found' });
    await expect(readCommitmentTimeline(store, 'atlantis', 0n, {})).rejects.toBeInstanceOf(DomainError);
  });
});
