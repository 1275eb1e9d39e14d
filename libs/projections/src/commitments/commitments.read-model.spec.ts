import { at, BODY, made, T0 } from '../../../domain/src/governance/testing.fixtures.js';
import type { CommitmentEvent } from '../../../domain/src/governance/events.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { ProjectionInvariantError } from '../read-model.js';
import { CommitmentsReadModel } from './commitments.read-model.js';

const HOUR_MS = 3_600_000;

/** Records domain events as the log would: one stream per commitment, one global order. */
function logOf(events: readonly CommitmentEvent[]): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  return events.map((e, i) => {
    const stream = `commitment-${e.data.commitmentId}`;
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      type: e.type,
      stream,
      revision,
      position: BigInt(i),
      recordedAt: T0,
      data: e.data,
      metadata: { actor: 'yrd-officer', role: 'coordinator', correlationId: 'c', schemaVersion: 1 },
      hash: '',
    };
  });
}

function modelOf(events: readonly CommitmentEvent[]): CommitmentsReadModel {
  const model = new CommitmentsReadModel();
  for (const e of logOf(events)) model.apply(e);
  return model;
}

const delivered = (commitmentId: string, deliveryId: string, quantity: string, hours: number): CommitmentEvent => ({
  type: 'DeliveryRecorded',
  data: { commitmentId, deliveryId, quantity, evidenceRef: 'waybill', occurredAt: at(hours) },
});

describe('the commitments read model', () => {
  it('shows a commitment overdue once the clock passes due + grace, without an event saying so', () => {
    const model = modelOf([made()]);
    // Due at 48 h, one hour of grace.
    expect(model.get('sandbags-1', Date.parse(at(49)) - 1)?.status).toBe('open');
    expect(model.get('sandbags-1', Date.parse(at(49)))?.status).toBe('overdue');
    expect(model.get('sandbags-1', Date.parse(at(49)))).toMatchObject({ overdueAt: at(49), defaultAt: new Date(Date.parse(at(48)) + 7 * 24 * HOUR_MS).toISOString() });
  });

  it('lists by due instant then id, filtered, from after a sort key', () => {
    const model = modelOf([
      made({ commitmentId: 'c-late', dueAt: at(72) }),
      made({ commitmentId: 'c-early', dueAt: at(24), obligor: 'hangzhou', obligee: { kind: 'city', id: 'suzhou' }, kind: 'personnel' }),
      made({ commitmentId: 'c-body', dueAt: at(48), obligee: { kind: 'body', id: BODY } }),
      made({ commitmentId: 'c-also-48', dueAt: at(48) }),
    ]);
    const ids = (filter: Parameters<CommitmentsReadModel['matching']>[0], after: string | null = null) => [...model.matching(filter, Date.parse(T0), after)].map((c) => c.commitmentId);
    expect(ids({})).toEqual(['c-early', 'c-also-48', 'c-body', 'c-late']);
    expect(ids({ obligor: 'suzhou' })).toEqual(['c-also-48', 'c-body', 'c-late']);
    expect(ids({ obligee: BODY, obligeeKind: 'body' })).toEqual(['c-body']);
    expect(ids({ kind: 'personnel' })).toEqual(['c-early']);
    expect(ids({ dueFrom: at(48), dueTo: at(48) })).toEqual(['c-also-48', 'c-body']);
    expect(ids({}, `${at(48)}|c-also-48`)).toEqual(['c-body', 'c-late']);
    expect(ids({ status: 'overdue' })).toEqual([]);
  });

  it('keeps the next deadline of each open commitment, and forgets a commitment once it is settled', () => {
    const model = modelOf([
      made({ commitmentId: 'a', dueAt: at(10) }),
      made({ commitmentId: 'b', dueAt: at(20) }),
      { type: 'CommitmentOverdue', data: { commitmentId: 'a', dueAt: at(10), occurredAt: at(11) } },
      delivered('b', 'd1', '100', 12),
      { type: 'CommitmentFulfilled', data: { commitmentId: 'b', completingDeliveryId: 'd1', delivered: '100', onTime: true, fulfilledAt: at(12), occurredAt: at(12) } },
    ]);
    const defaultOfA = Date.parse(at(10)) + 7 * 24 * HOUR_MS;
    expect(model.nextDeadlineMs()).toBe(defaultOfA);
    expect(model.deadlinesReached(defaultOfA - 1, 10)).toEqual([]);
    expect(model.deadlinesReached(defaultOfA, 10)).toEqual(['a']);
    expect(model.get('b', defaultOfA)?.status).toBe('fulfilled_on_time');
  });

  it('keeps where each commitment is in the log, and no timeline of its events', () => {
    const model = modelOf([made(), delivered('sandbags-1', 'd1', '40', 2)]);
    expect(model.get('sandbags-1', Date.parse(T0))).toMatchObject({ delivered: '40', revision: '1', position: '1' });
    expect(model.get('nothing', Date.parse(T0))).toBeNull();
    // The timeline is read from the commitment's stream by the query layer; the snapshot carries no event data.
    expect(JSON.stringify(model.snapshot())).not.toContain('DeliveryRecorded');
  });

  it('stops loudly on a commitment event before the commitment was made', () => {
    expect(() => modelOf([delivered('ghost', 'd1', '1', 1)])).toThrow(ProjectionInvariantError);
  });

  it('keeps each commitment’s names as recorded, shared with the other commitments that name the same, whatever the shape', () => {
    const { value: _value, ...withoutValue } = made({ commitmentId: 'old-shape' }).data;
    const events: CommitmentEvent[] = [made({ commitmentId: 'a-1' }), made({ commitmentId: 'a-2' }), { type: 'CommitmentMade', data: withoutValue as CommitmentEvent['data'] } as CommitmentEvent];
    const model = modelOf(events);
    const nowMs = Date.parse(at(1));
    expect(model.get('a-2', nowMs)).toMatchObject({ agreementId: made().data.agreementId, obligor: made().data.obligor, obligee: made().data.obligee, value: made().data.value });
    expect(model.get('old-shape', nowMs)?.value).toBeUndefined();
    expect(model.get('old-shape', nowMs)?.obligee).toEqual(made().data.obligee);
    expect(model.canonicalState()).toEqual(
      logOf(events).map((e, i) => expect.objectContaining({ id: e.stream.slice('commitment-'.length), revision: '0', state: expect.objectContaining({ commitment: events[i]!.data }) })),
    );
  });
});

