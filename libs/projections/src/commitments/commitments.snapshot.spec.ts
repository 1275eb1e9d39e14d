import { at, BODY, made, T0 } from '../../../domain/src/governance/testing.fixtures.js';
import type { CommitmentEvent } from '../../../domain/src/governance/events.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { DeferredSnapshotBytes } from '../read-model.js';
import { captureStepByStep } from '../capture-steps.fixtures.js';
import { CommitmentsReadModel } from './commitments.read-model.js';
import { COMMITMENTS_PER_SNAPSHOT_ROW, RECORD_WIDTH } from './commitments.snapshot.js';

const HOUR_MS = 3_600_000;
const NOW = Date.parse(at(24 * 30));

/** Appends domain events as the log would: one stream per commitment, one global order. */
class Log {
  private position = 0n;
  private readonly revisions = new Map<string, bigint>();

  record(e: CommitmentEvent): RecordedEvent {
    const stream = `commitment-${e.data.commitmentId}`;
    const revision = this.revisions.get(stream) ?? 0n;
    this.revisions.set(stream, revision + 1n);
    const position = this.position++;
    return {
      id: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
      type: e.type,
      stream,
      revision,
      position,
      recordedAt: T0,
      data: e.data,
      metadata: { actor: 'yrd-officer', role: 'coordinator', correlationId: 'c', schemaVersion: 1 },
      hash: '',
    };
  }
}

const delivery = (commitmentId: string, deliveryId: string, quantity: string, hours: number): CommitmentEvent => ({
  type: 'DeliveryRecorded',
  data: { commitmentId, deliveryId, quantity, evidenceRef: `waybill ${deliveryId}`, occurredAt: at(hours) },
});
const fulfilled = (commitmentId: string, completingDeliveryId: string, hours: number, onTime = true): CommitmentEvent => ({
  type: 'CommitmentFulfilled',
  data: { commitmentId, completingDeliveryId, delivered: '100', onTime, fulfilledAt: at(hours), occurredAt: at(hours) },
});

/** Every way a commitment's life goes: fulfilled, struck and reopened, overdue, defaulted, waived, closed short. */
const HISTORY: readonly CommitmentEvent[] = [
  made(),
  made({ commitmentId: 'pumps-1', obligee: { kind: 'body', id: BODY }, kind: 'personnel', dueAt: at(24), incidentId: 'flood-2025' }),
  made({
    commitmentId: 'fund-1',
    obligee: { kind: 'fund', id: BODY },
    kind: 'funding',
    promise: { kind: 'money', amount: '20000.00', currency: 'CNY' },
    value: { amount: '20000.00', currency: 'CNY' },
    allowOverDelivery: true,
  }),
  // Recorded by an older writer: an instant without milliseconds stays exactly as recorded.
  made({ commitmentId: 'old-1', occurredAt: '2025-03-01T00:00:00Z', dueAt: '2025-03-03T00:00:00Z' }),
  made({ commitmentId: 'waived-1', description: 'sandbags for the Taihu embankment' }),
  made({ commitmentId: 'short-1' }),
  delivery('sandbags-1', 'd1', '40', 2),
  delivery('sandbags-1', 'd2', '30', 3),
  { type: 'DeliveryDisputed', data: { commitmentId: 'sandbags-1', deliveryId: 'd2', disputeId: 'wet-bags', reason: 'soaked', occurredAt: at(4) } },
  { type: 'DisputeResolved', data: { commitmentId: 'sandbags-1', disputeId: 'wet-bags', deliveryId: 'd2', outcome: 'upheld', note: 'photos', occurredAt: at(5) } },
  delivery('sandbags-1', 'd3', '60', 6),
  fulfilled('sandbags-1', 'd3', 6),
  { type: 'DeliveryDisputed', data: { commitmentId: 'sandbags-1', deliveryId: 'd1', disputeId: 'light', reason: 'short weight', occurredAt: at(7) } },
  { type: 'DisputeResolved', data: { commitmentId: 'sandbags-1', disputeId: 'light', deliveryId: 'd1', outcome: 'rejected', note: 'weighed again', occurredAt: at(8) } },
  delivery('fund-1', 'f1', '20000.00', 9),
  fulfilled('fund-1', 'f1', 9),
  { type: 'DeliveryDisputed', data: { commitmentId: 'fund-1', deliveryId: 'f1', disputeId: 'bounced', reason: 'bounced', occurredAt: at(10) } },
  { type: 'DisputeResolved', data: { commitmentId: 'fund-1', disputeId: 'bounced', deliveryId: 'f1', outcome: 'upheld', note: 'bank', occurredAt: at(11) } },
  { type: 'CommitmentReopened', data: { commitmentId: 'fund-1', delivered: '0.00', occurredAt: at(11) } },
  { type: 'CommitmentOverdue', data: { commitmentId: 'pumps-1', dueAt: at(24), occurredAt: at(25) } },
  { type: 'CommitmentDefaulted', data: { commitmentId: 'pumps-1', reason: 'deadline', note: 'not fulfilled', occurredAt: at(24 + 7 * 24) } },
  { type: 'CommitmentWaived', data: { commitmentId: 'waived-1', waivedBy: { kind: 'city', id: 'hangzhou' }, reason: 'receded', occurredAt: at(12) } },
  delivery('short-1', 's1', '10', 12),
  { type: 'CommitmentClosedShort', data: { commitmentId: 'short-1', delivered: '10', promised: '100', fraction: '0.100000', reason: 'enough', occurredAt: at(13) } },
];

const LATER: readonly CommitmentEvent[] = [
  delivery('fund-1', 'f2', '25000.00', 30),
  fulfilled('fund-1', 'f2', 30, false),
  { type: 'CommitmentOverdue', data: { commitmentId: 'old-1', dueAt: '2025-03-03T00:00:00Z', occurredAt: at(50) } },
  made({ commitmentId: 'late-1', dueAt: at(90), occurredAt: at(60) }),
];

/** A row as the runner gives it back: JSON rows parsed, binary rows as a Buffer of their bytes. */
const storedRow = (row: unknown): unknown => {
  if (!(row instanceof DeferredSnapshotBytes)) return JSON.parse(JSON.stringify(row)) as unknown;
  const produced = row.produce();
  return typeof produced === 'string' ? Buffer.from(produced, 'latin1') : Buffer.from(Buffer.from(produced.buffer, produced.byteOffset, produced.byteLength));
};

/** A snapshot as the runner stores it: serialized row by row, read back. */
const stored = (model: CommitmentsReadModel): unknown[] => (model.snapshot() as unknown[]).map(storedRow);

/** Lets the background decoding of a restored model run to its end (a bounded number of timer turns). */
async function decoded(model: CommitmentsReadModel): Promise<number> {
  for (let turn = 0; turn < 10_000 && model.undecoded() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
  return model.undecoded();
}

/** Everything the model answers: state, views, list order, deadline agenda. */
function answers(model: CommitmentsReadModel): unknown {
  const state = model.canonicalState() as { id: string }[];
  return {
    state,
    views: state.map(({ id }) => model.get(id, NOW)),
    listed: [...model.matching({}, NOW)].map((c) => c.commitmentId),
    overdue: [...model.matching({ status: 'overdue' }, NOW)].map((c) => c.commitmentId),
    next: model.nextDeadlineMs(),
    reached: model.deadlinesReached(Number.MAX_SAFE_INTEGER, 100),
  };
}

function replayed(events: readonly CommitmentEvent[], log = new Log(), model = new CommitmentsReadModel()): { model: CommitmentsReadModel; log: Log } {
  for (const e of events) model.apply(log.record(e));
  return { model, log };
}

describe('the commitments snapshot', () => {
  it('restores every commitment as the log built it, and both go on alike after further events', () => {
    const { model: live, log } = replayed(HISTORY);
    const restored = new CommitmentsReadModel();
    restored.restore(stored(live));
    expect(answers(restored)).toEqual(answers(live));
    expect(restored.get('sandbags-1', NOW)).toMatchObject({ delivered: '100', status: 'fulfilled_on_time', revision: '8' });
    expect(restored.get('sandbags-1', NOW)?.deliveries.map((d) => [d.deliveryId, d.counts, d.disputeId])).toEqual([
      ['d1', true, 'light'],
      ['d2', false, 'wet-bags'],
      ['d3', true, null],
    ]);
    expect(restored.get('old-1', NOW)).toMatchObject({ madeAt: '2025-03-01T00:00:00Z', dueAt: '2025-03-03T00:00:00Z' });

    for (const e of LATER) {
      const recorded = log.record(e);
      live.apply(recorded);
      restored.apply(recorded);
    }
    expect(answers(restored)).toEqual(answers(live));
    expect(restored.get('fund-1', NOW)?.status).toBe('fulfilled_late');
  });

  it('writes each shared string once and no field name', () => {
    const { model } = replayed(HISTORY);
    const json = JSON.stringify(stored(model));
    expect(json.split('sandbags for the Taihu embankment')).toHaveLength(2);
    expect(json.split('"taihu-flood"')).toHaveLength(2);
    expect(json).not.toMatch(/"(commitmentId|deliveries|occurredAt|agreementId)":/);
  });

  it('keeps a commitment made in a shape it does not encode exactly as it was recorded', () => {
    const odd = made({ commitmentId: 'odd-1' });
    const withExtra: CommitmentEvent = { type: 'CommitmentMade', data: { ...odd.data, ...{ note: 'from an older writer' } } };
    const { model } = replayed([withExtra]);
    const restored = new CommitmentsReadModel();
    restored.restore(stored(model));
    expect(restored.canonicalState()).toEqual(model.canonicalState());
    expect(JSON.stringify(restored.canonicalState())).toContain('from an older writer');
  });

  it('is the state when it was taken, whatever the model applies while it is written out', () => {
    const { model, log } = replayed(HISTORY);
    const before = new CommitmentsReadModel();
    before.restore(stored(model));
    const rows = model.snapshot() as unknown[];
    for (const e of LATER) model.apply(log.record(e));
    const taken = new CommitmentsReadModel();
    taken.restore(rows.map(storedRow));
    expect(answers(taken)).toEqual(answers(before));
    expect(taken.get('late-1', NOW)).toBeNull();
  });

  it('spreads many commitments over chunks whose string tables continue one another', () => {
    const events = Array.from({ length: COMMITMENTS_PER_SNAPSHOT_ROW + 5 }, (_, i) => made({ commitmentId: `c-${i}`, dueAt: new Date(Date.parse(at(48)) + i * HOUR_MS).toISOString() }));
    const { model } = replayed(events);
    const rows = stored(model);
    expect(rows).toHaveLength(4);
    const restored = new CommitmentsReadModel();
    restored.restore(rows);
    expect(answers(restored)).toEqual(answers(model));
    // Read out of order, the second chunk's string indexes would name other strings: refused instead.
    expect(() => new CommitmentsReadModel().restore([rows[2], rows[3], rows[0], rows[1]])).toThrow('continues a string table');
  });

  it('captured in steps, with questions answered between two steps, writes what a capture in one go writes', () => {
    // Steps after each chunk of the list (at most 1,024 keys): several here.
    const events = Array.from({ length: 2_500 }, (_, i) => made({ commitmentId: `c-${i}`, dueAt: new Date(Date.parse(at(48)) + (i % 500) * HOUR_MS).toISOString() }));
    const { model } = replayed(events);
    const inOneGo = stored(model);
    const captured = captureStepByStep(model.snapshotInSlices(1), () => {
      expect(model.get('c-42', NOW)).toMatchObject({ commitmentId: 'c-42' });
      expect([...model.matching({}, NOW)].slice(0, 3)).toHaveLength(3);
    });
    expect(captured.steps).toBeGreaterThanOrEqual(3);
    expect((captured.value as unknown[]).map(storedRow)).toEqual(inOneGo);
  });

  it('writes each commitment as it was at the capture, though events change it before its chunk is serialized', () => {
    const events = Array.from({ length: 2 * COMMITMENTS_PER_SNAPSHOT_ROW + 3 }, (_, i) => made({ commitmentId: `c-${i}`, dueAt: new Date(Date.parse(at(48)) + i * HOUR_MS).toISOString() }));
    const { model: live, log } = replayed(events);
    const atCapture = answers(live);
    const rows = live.snapshot() as unknown[];
    // The first chunk is written, then commitments of every chunk change, then a new one is made, then the rest.
    const first = [storedRow(rows[0]), storedRow(rows[1])];
    for (const id of ['c-0', 'c-300', 'c-502']) {
      live.apply(log.record(delivery(id, 'd1', '60', 30)));
      live.apply(log.record(delivery(id, 'd2', '40', 31)));
    }
    live.apply(log.record(made({ commitmentId: 'c-new', dueAt: at(20) })));
    const restored = new CommitmentsReadModel();
    restored.restore([...first, ...rows.slice(2).map(storedRow)]);
    expect(answers(restored)).toEqual(atCapture);
    expect(restored.get('c-300', NOW)).toMatchObject({ delivered: '0', deliveries: [] });
    expect(restored.get('c-new', NOW)).toBeNull();
    expect(live.get('c-300', NOW)).toMatchObject({ delivered: '100' });
  });

  it('refuses to serialize a chunk again once the whole capture was written, and keeps no chunk’s records once written', () => {
    const events = Array.from({ length: 2 * COMMITMENTS_PER_SNAPSHOT_ROW + 3 }, (_, i) =>
      made({ commitmentId: `c-${i}`, agreementId: `agreement-${i % 7}`, dueAt: new Date(Date.parse(at(48)) + i * HOUR_MS).toISOString() }),
    );
    const { model } = replayed(events);
    const rows = model.snapshot() as unknown[];
    const second = rows.map(storedRow);
    // Rows may change once the capture is written, unrecorded: a second serialization would not be the capture's.
    expect(() => storedRow(rows[1])).toThrow('serialized after its capture was released');
    // A chunk's records asked for before its index: the chunk's strings still enter the table once, in order.
    const fresh = replayed(events).model;
    const inOrder = stored(fresh);
    const taken = fresh.snapshot() as unknown[];
    const recordsFirst = [storedRow(taken[1]), ...taken.slice(0, 1).map(storedRow), ...taken.slice(2).map(storedRow)];
    expect([recordsFirst[1], recordsFirst[0], ...recordsFirst.slice(2)]).toEqual(inOrder);
    const restored = new CommitmentsReadModel();
    restored.restore(second);
    expect(answers(restored)).toEqual(answers(fresh));
  });

  it('serves from the index at once and decodes each chunk on first use or in the background, answering as the log built it', async () => {
    const events = Array.from({ length: 3 * COMMITMENTS_PER_SNAPSHOT_ROW + 7 }, (_, i) =>
      made({ commitmentId: `c-${i}`, dueAt: new Date(Date.parse(at(48)) + ((i * 7919) % 4000) * HOUR_MS).toISOString() }),
    );
    const { model: live, log } = replayed(events);
    const rows = stored(live);
    expect(rows).toHaveLength(8);

    const asked = new CommitmentsReadModel();
    asked.restore(rows);
    expect(asked.undecoded()).toBe(4);
    // The agenda and the list order come from the index alone.
    expect(asked.nextDeadlineMs()).toBe(live.nextDeadlineMs());
    expect(asked.deadlinesReached(Number.MAX_SAFE_INTEGER, 5)).toEqual(live.deadlinesReached(Number.MAX_SAFE_INTEGER, 5));
    expect(asked.get(`c-${2 * COMMITMENTS_PER_SNAPSHOT_ROW + 3}`, NOW)).toEqual(live.get(`c-${2 * COMMITMENTS_PER_SNAPSHOT_ROW + 3}`, NOW));
    expect(asked.undecoded()).toBe(3);
    // An event for an undecoded commitment finds its previous state.
    const delivered = log.record(delivery('c-17', 'd-17', '40', 50));
    live.apply(delivered);
    asked.apply(delivered);
    expect(asked.get('c-17', NOW)).toEqual(live.get('c-17', NOW));
    expect(answers(asked)).toEqual(answers(live));
    expect(asked.undecoded()).toBe(0);

    // Nothing decodes in the background before the runner has caught up (it would compete with the start).
    const idle = new CommitmentsReadModel();
    idle.restore(rows);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(idle.undecoded()).toBe(4);
    idle.caughtUp();
    await expect(decoded(idle)).resolves.toBe(0);
    live.apply(log.record(delivery('c-18', 'd-18', '10', 51)));
    idle.apply(log.record(delivery('c-18', 'd-18', '10', 51)));
    expect(idle.get('c-18', NOW)?.delivered).toBe(live.get('c-18', NOW)?.delivered);
  });

  it('refuses a snapshot whose index it does not recognise and stays fresh', () => {
    const { model } = replayed(HISTORY);
    const rows = stored(model);
    const [base, strings, keys, agenda] = rows[0] as unknown[];
    const refused: [unknown, string][] = [
      [{ rows }, 'is not a list of chunks'],
      [rows.slice(1), 'is not a list of chunks'],
      [[[base, strings, keys], rows[1]], "row 0 is not a chunk's index"],
      [[rows[0], JSON.parse((rows[1] as Buffer).toString()) as unknown], "row 1 is not a chunk's records"],
      [[[base, strings, [...(keys as string[]), (keys as string[])[0]], agenda], rows[1]], 'is written twice'],
      [[[base, strings, keys, [99, 0]], rows[1]], 'has a malformed deadline'],
      [[[base, [1], keys, agenda], rows[1]], 'a string of row 0 is not text'],
    ];
    for (const [snapshot, reason] of refused) {
      const fresh = new CommitmentsReadModel();
      expect(() => fresh.restore(snapshot)).toThrow(reason);
      expect(fresh.canonicalState()).toEqual([]);
      expect(fresh.nextDeadlineMs()).toBeNull();
      expect([...fresh.matching({}, NOW)]).toEqual([]);
    }
  });

  it('refuses to answer from records that do not decode as their index says, rather than answer without them', async () => {
    const { model } = replayed(HISTORY);
    const rows = stored(model);
    const [index, bytes] = rows as [unknown[], Buffer];
    const records = JSON.parse(bytes.toString()) as unknown[];
    const first = String(records[0]);
    const phaseAt = 4 + 18;
    const damaged: [Buffer, string][] = [
      [Buffer.from(JSON.stringify(records.map((v, i) => (i === phaseAt ? 9 : v)))), `phase of ${first} is not a known code`],
      [Buffer.from(JSON.stringify(records.slice(1))), `is not ${(index[2] as unknown[]).length} records of ${RECORD_WIDTH} values`],
      [Buffer.from(JSON.stringify(records.map((v, i) => (i === 4 ? (index[1] as unknown[]).length : v)))), 'is not an entry of the string table'],
      [Buffer.from(JSON.stringify([...records.slice(RECORD_WIDTH, 2 * RECORD_WIDTH), ...records.slice(RECORD_WIDTH)])), 'where its index lists'],
      [Buffer.from('[1,'), 'chunk 0 is not JSON'],
    ];
    for (const [records, reason] of damaged) {
      const asked = new CommitmentsReadModel();
      asked.restore([index, records]);
      expect(() => asked.get(first, NOW)).toThrow(reason);
      expect(() => asked.get(first, NOW)).toThrow(reason);
      expect(() => [...asked.matching({}, NOW)]).toThrow(reason);
      expect(() => asked.canonicalState()).toThrow(reason);
      const idle = new CommitmentsReadModel();
      idle.restore([index, records]);
      idle.caughtUp();
      await decoded(idle);
      expect(() => idle.get(first, NOW)).toThrow(reason);
    }
  });

  it('frees the bytes of the chunks it will never decode once one of them does not decode', () => {
    const events = Array.from({ length: 2 * COMMITMENTS_PER_SNAPSHOT_ROW + 3 }, (_, i) =>
      made({ commitmentId: `c-${i}`, dueAt: new Date(Date.parse(at(48)) + i * HOUR_MS).toISOString() }),
    );
    const rows = stored(replayed(events).model);
    // Three chunks, each an index row and a records row: the first chunk's records do not decode.
    expect(rows).toHaveLength(6);
    const damaged = [...rows];
    damaged[1] = Buffer.from('[1,');
    const asked = new CommitmentsReadModel();
    asked.restore(damaged);
    const chunks = asked.undecoded();
    expect(asked.undecodedBytes()).toBeGreaterThan(0);
    expect(() => asked.canonicalState()).toThrow('chunk 0 is not JSON');
    expect(asked.undecodedBytes()).toBe(0);
    // Still refused, and still counted as not decoded: they never will be.
    expect(() => asked.canonicalState()).toThrow('chunk 0 is not JSON');
    expect(chunks).toBe(3);
    expect(asked.undecoded()).toBe(2);
  });

  it('refuses to restore into a model that already holds commitments', () => {
    const { model } = replayed(HISTORY);
    expect(() => model.restore(stored(model))).toThrow('already has rows');
  });
});
