/**
 * The correlation index restored from its snapshot (written and read by the snapshot file code) forgets and answers
 * exactly as the index that was never stopped.
 */
import type { RecordedEvent } from '../../libs/event-store/src/port.js';
import { CorrelationIndexReadModel, CorrelationSnapshotRejected } from '../../libs/ledger/src/audit/correlation-index.read-model.js';
import { encodeSnapshot, openSnapshot } from '../../libs/ledger/src/snapshots/index.js';

const event = (position: number, correlationId: string): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  type: 'CityRenamed',
  stream: `city-${position % 7}`,
  revision: BigInt(position),
  position: BigInt(position),
  recordedAt: '2026-11-28T18:00:00.000Z',
  data: {},
  metadata: { actor: 'admin-1', role: 'admin', correlationId, schemaVersion: 1 },
  hash: 'f'.repeat(64),
});

const limits = { maxCorrelations: 5, maxPositionsPerCorrelation: 3 };
const correlationOf = (i: number): string => `request-${(i * 7919) % 11}`;

async function written(state: unknown): Promise<unknown> {
  const chunks: Buffer[] = [];
  const fields = { readModel: 'audit.correlations', version: 2, parameterSetVersion: null, position: '39', store: { kind: 'memory' as const, eventHash: 'a'.repeat(64) }, takenAt: '2026-11-28T18:00:00.000Z' };
  await encodeSnapshot(fields, state, async (chunk) => void chunks.push(Buffer.from(chunk)));
  return openSnapshot('audit.correlations', Buffer.concat(chunks)).state();
}

describe('the correlation index snapshot', () => {
  it('restores an index that forgets and answers as the one that kept running', async () => {
    const live = new CorrelationIndexReadModel(limits);
    for (let i = 0; i < 40; i++) live.apply(event(i, correlationOf(i)));
    const restored = new CorrelationIndexReadModel(limits);
    restored.restore(await written(live.snapshot()));
    expect(restored.canonicalState()).toEqual(live.canonicalState());

    for (let i = 40; i < 80; i++) {
      live.apply(event(i, correlationOf(i)));
      restored.apply(event(i, correlationOf(i)));
    }
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(restored.lookup(correlationOf(79))).toEqual(live.lookup(correlationOf(79)));
    expect(live.lookup(correlationOf(79)).indexedFrom).toBeGreaterThan(0n);
  });

  it('refuses a snapshot of another shape (or of the first version) and stays empty', () => {
    const index = new CorrelationIndexReadModel(limits);
    expect(() => index.restore([['12'], ['request-1', 1, false, ['12']]])).toThrow(CorrelationSnapshotRejected);
    expect(() => index.restore({ indexedFrom: '0' })).toThrow('not a list of rows');
    expect(index.canonicalState()).toEqual({ indexedFrom: '0', correlations: [] });
  });
});
