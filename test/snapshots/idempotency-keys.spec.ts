/**
 * The idempotency key index restored from its snapshot answers a repeated request, and forgets keys, exactly as the
 * index that was never stopped.
 */
import type { EventMetadata, RecordedEvent } from '../../libs/event-store/src/port.js';
import { IdempotencyKeysReadModel } from '../../libs/ledger/src/idempotency.js';

const recorded = (position: number, stream: string, metadata: Partial<EventMetadata>): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  type: 'counter.incremented',
  stream,
  revision: BigInt(position),
  position: BigInt(position),
  recordedAt: '2026-11-28T18:00:00.000Z',
  data: {},
  metadata: { actor: 'officer-1', role: 'city-officer', correlationId: `c-${position}`, schemaVersion: 1, ...metadata },
  hash: 'e'.repeat(64),
});

/** Keys named out of alphabetical order, so first-seen order and sorted order differ. */
const keyOf = (i: number): string => `key-${(i * 37) % 101}`;

describe('the idempotency key index snapshot', () => {
  it('restores the first answer under every key and forgets the same oldest keys afterwards', () => {
    const live = new IdempotencyKeysReadModel(4);
    for (let i = 0; i < 6; i++) live.apply(recorded(i, `counter-${i}`, { idempotencyKey: keyOf(i), requestHash: `h${i}` }));
    const restored = new IdempotencyKeysReadModel(4);
    restored.restore(JSON.parse(JSON.stringify(live.snapshot())));
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(restored.find(keyOf(5))).toEqual({ requestHash: 'h5', acknowledgement: { stream: 'counter-5', revision: '5', position: '5' } });

    // One more key: the one seen first (key-74) goes, not the one first in sorted order (key-10).
    live.apply(recorded(6, 'counter-6', { idempotencyKey: keyOf(6), requestHash: 'h6' }));
    restored.apply(recorded(6, 'counter-6', { idempotencyKey: keyOf(6), requestHash: 'h6' }));
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(restored.find(keyOf(2))).toBeUndefined();
    expect(restored.find(keyOf(3))).toBeDefined();
  });

  it('refuses a malformed snapshot and keeps no key of it', () => {
    const index = new IdempotencyKeysReadModel();
    expect(() => index.restore([['k1', 'h', 'counter-a', '0', '0'], ['k2', 'h', 'counter-b', 'one', '1']])).toThrow('snapshot row of key k2 is malformed');
    expect(index.find('k1')).toBeUndefined();
    expect(() => index.restore({ k1: 'h' })).toThrow('is not a list');
  });
});
