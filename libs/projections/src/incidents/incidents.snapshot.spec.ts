import type { RecordedEvent } from '../../../event-store/src/port.js';
import { fold } from '../../../domain/src/shared/decider.js';
import { incidentDecider, type IncidentCommand } from '../../../domain/src/compensation/incident.js';
import type { IncidentEvent } from '../../../domain/src/compensation/events.js';
import { AGREEMENT, T0, T1, T2 } from '../../../domain/src/compensation/testing.fixtures.js';
import { DeferredSnapshotBytes } from '../read-model.js';
import { IncidentsReadModel } from './incidents.read-model.js';

/** The log as it is written: incident commands decided by the real decider, findings appended as recorded. */
class Log {
  readonly events: RecordedEvent[] = [];
  private readonly history = new Map<string, IncidentEvent[]>();

  private append(stream: string, type: string, data: unknown): void {
    const position = BigInt(this.events.length);
    this.events.push({ id: `e-${position}`, type, stream, revision: 0n, position, recordedAt: T0, data, metadata: { actor: 'spec', role: 'system', correlationId: 'spec', schemaVersion: 1 }, hash: '' });
  }

  incident(incidentId: string, command: IncidentCommand): this {
    const past = this.history.get(incidentId) ?? [];
    const decided = incidentDecider.decide(command, fold(incidentDecider, past));
    for (const e of decided) this.append(`incident-${incidentId}`, e.type, e.data);
    this.history.set(incidentId, [...past, ...decided]);
    return this;
  }

  open(incidentId: string, originCities: string[], affectedCities: string[]): this {
    const opened: IncidentCommand = {
      type: 'OpenIncident',
      incidentId,
      agreementId: AGREEMENT.agreementId,
      riskCategory: 'natural_disaster',
      scenario: 'spreads_from_one_city',
      originCities,
      affectedCities,
      description: `levee breach at ${originCities.join(', ')}`,
      occurredAt: T0,
      context: { agreement: AGREEMENT },
    };
    return this.incident(incidentId, opened);
  }

  claim(incidentId: string, claimId: string, cityId: string, amount: string): this {
    return this.incident(incidentId, { type: 'ClaimResponseCost', claimId, cityId, amount, evidenceRef: `invoice ${claimId}`, occurredAt: T1, context: { actorCityId: cityId } });
  }

  finding(findingId: string, cityId: string, incidentId: string | null, penalty: { amount: string; currency: string } | null = null): this {
    this.append(`finding-${findingId}`, 'FindingRecorded', {
      findingId, bodyId: 'delta', cityId, counterpartyCityId: null, kind: 'late_report', severity: 1.5, incidentId, penalty, description: 'seen', occurredAt: T1,
    });
    return this;
  }

  revoke(findingId: string): this {
    this.append(`finding-${findingId}`, 'FindingRevoked', { findingId, reason: 'appeal upheld', occurredAt: T2 });
    return this;
  }

  /** A model fed the events from `from` on. */
  feed(model: IncidentsReadModel, from = 0): IncidentsReadModel {
    for (const e of this.events.slice(from)) model.apply(e);
    return model;
  }
}

/** Three incidents: one assessed with a benefit pool and findings, one open with decided claims, one just opened. */
function history(): Log {
  return new Log()
    .finding('f-early', 'origin-city', 'flood-1')
    .open('flood-1', ['origin-city'], ['river-city'])
    .incident('flood-1', { type: 'AddAffectedCity', cityId: 'hill-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } })
    .claim('flood-1', 'c-1', 'river-city', '1000')
    .claim('flood-1', 'c-2', 'hill-city', '300')
    .incident('flood-1', { type: 'VerifyClaim', claimId: 'c-1', verifiedAmount: '900', note: 'one invoice twice', occurredAt: T2 })
    .incident('flood-1', { type: 'RejectClaim', claimId: 'c-2', reason: 'outside the period', occurredAt: T2 })
    .incident('flood-1', { type: 'RecordAvertedLoss', assessor: 'delta-university', avertedLoss: '5000', reportRef: 'report/7', occurredAt: T2 })
    .finding('f-coop', 'river-city', 'flood-1', { amount: '200.00', currency: 'CNY' })
    .revoke('f-coop')
    .incident('flood-1', { type: 'CloseIncident', occurredAt: T2, context: { fundId: 'delta', findings: [{ findingId: 'f-early', cityId: 'origin-city', kind: 'late_report' }] } })
    .finding('f-late', 'origin-city', 'flood-1')
    .open('spill-2', ['river-city'], ['hill-city'])
    .claim('spill-2', 'c-3', 'hill-city', '250')
    .finding('f-elsewhere', 'hill-city', 'never-opened')
    .finding('f-none', 'hill-city', null)
    .open('quiet-3', ['hill-city'], ['origin-city']);
}

/** What the model answers: its canonical state, each incident in full, the standing findings and the lists. */
function answers(model: IncidentsReadModel): unknown {
  const ids = ['flood-1', 'spill-2', 'quiet-3', 'never-opened'];
  return {
    state: model.canonicalState(),
    incidents: ids.map((id) => model.incident(id)),
    standing: ids.map((id) => model.standingFindings(id)),
    open: [...model.summaries({ status: 'open' })],
    assessed: [...model.summaries({ bodyId: 'delta', status: 'assessed' })],
  };
}

/** A row as the runner gives it back: JSON rows parsed, binary rows as a Buffer of their bytes. */
const storedRow = (row: unknown): unknown => {
  if (!(row instanceof DeferredSnapshotBytes)) return JSON.parse(JSON.stringify(row)) as unknown;
  const produced = row.produce();
  return typeof produced === 'string' ? Buffer.from(produced, 'latin1') : Buffer.from(Buffer.from(produced.buffer, produced.byteOffset, produced.byteLength));
};

/** A snapshot as the runner stores it: each row serialized, read back. */
const stored = (model: IncidentsReadModel): unknown[] => (model.snapshot() as unknown[]).map(storedRow);

/** The rows of a snapshot written as one group, as JSON values. */
const tuplesOf = (snapshot: unknown[]): unknown[][] => snapshot.flatMap((group) => JSON.parse((group as Buffer).toString()) as unknown[][]);

describe('the incidents snapshot', () => {
  it('restores incidents, claims and tied findings as the log built them, and both go on alike after further events', () => {
    const log = history();
    const live = log.feed(new IncidentsReadModel());
    const restored = new IncidentsReadModel();
    restored.restore(stored(live));
    expect(answers(restored)).toEqual(answers(live));
    expect(restored.incident('flood-1')).toMatchObject({ status: 'assessed', affectedCities: ['river-city', 'hill-city'], avertedLoss: { avertedLoss: '5000.00' } });
    expect(restored.incident('flood-1')?.findings.map((f) => [f.findingId, f.revoked, f.afterAssessment])).toEqual([
      ['f-coop', true, false],
      ['f-early', false, false],
      ['f-late', false, true],
    ]);

    const before = log.events.length;
    log
      .incident('spill-2', { type: 'AddAffectedCity', cityId: 'origin-city', occurredAt: T2, context: { agreementParties: AGREEMENT.parties } })
      .incident('spill-2', { type: 'VerifyClaim', claimId: 'c-3', verifiedAmount: '250', note: 'ok', occurredAt: T2 })
      .revoke('f-elsewhere')
      .revoke('f-early')
      .finding('f-quiet', 'hill-city', 'quiet-3');
    log.feed(live, before);
    log.feed(restored, before);
    expect(answers(restored)).toEqual(answers(live));
    expect(restored.incident('spill-2')?.claims).toEqual([expect.objectContaining({ claimId: 'c-3', status: 'verified', verifiedAmount: '250.00' })]);
    expect(restored.standingFindings('flood-1').map((f) => f.findingId)).toEqual(['f-late']);
  });

  it('is the state when it was taken, whatever the model applies while it is written out', () => {
    const log = history();
    const model = log.feed(new IncidentsReadModel());
    const taken = model.snapshot() as unknown[];
    // A copy: canonicalState() hands out the findings the model goes on revoking.
    const expected: unknown = JSON.parse(JSON.stringify(answers(model)));
    const before = log.events.length;
    log
      .incident('spill-2', { type: 'VerifyClaim', claimId: 'c-3', verifiedAmount: '200', note: 'partly', occurredAt: T2 })
      .incident('spill-2', { type: 'AddAffectedCity', cityId: 'origin-city', occurredAt: T2, context: { agreementParties: AGREEMENT.parties } })
      .revoke('f-late');
    log.feed(model, before);
    const restored = new IncidentsReadModel();
    restored.restore(taken.map(storedRow));
    expect(answers(restored)).toEqual(expected);
    expect(restored.incident('spill-2')?.claims[0]?.status).toBe('pending');
  });

  it('holds each capture’s moment across two snapshots in turn, over many groups, while claims, cities, closings and findings go on', () => {
    const log = history();
    for (let i = 0; i < 40; i++) log.open(`quake-${i}`, ['origin-city'], ['river-city']).claim(`quake-${i}`, `q-${i}`, 'river-city', '100').finding(`fq-${i}`, 'hill-city', `quake-${i}`);
    const model = log.feed(new IncidentsReadModel());
    const firstRows = model.snapshot() as unknown[];
    expect(firstRows.length).toBeGreaterThan(2);
    const atFirst: unknown = JSON.parse(JSON.stringify(answers(model)));
    let before = log.events.length;
    for (let i = 0; i < 40; i += 3) {
      log
        .incident(`quake-${i}`, { type: 'AddAffectedCity', cityId: 'hill-city', occurredAt: T2, context: { agreementParties: AGREEMENT.parties } })
        .claim(`quake-${i}`, `q2-${i}`, 'hill-city', '50')
        .incident(`quake-${i}`, { type: 'VerifyClaim', claimId: `q-${i}`, verifiedAmount: '90', note: 'checked', occurredAt: T2 })
        .revoke(`fq-${i}`)
        .finding(`fq2-${i}`, 'river-city', `quake-${i}`);
    }
    log.feed(model, before);
    const secondRows = model.snapshot() as unknown[];
    const atSecond: unknown = JSON.parse(JSON.stringify(answers(model)));
    before = log.events.length;
    log
      .incident('quake-0', { type: 'RecordAvertedLoss', assessor: 'delta-university', avertedLoss: '700', reportRef: 'report/9', occurredAt: T2 })
      .incident('quake-0', { type: 'RejectClaim', claimId: 'q2-0', reason: 'late', occurredAt: T2 })
      .revoke('fq2-0');
    log.feed(model, before);

    const first = new IncidentsReadModel();
    first.restore(firstRows.map(storedRow));
    expect(answers(first)).toEqual(atFirst);
    const second = new IncidentsReadModel();
    second.restore(secondRows.map(storedRow));
    expect(answers(second)).toEqual(atSecond);
    expect(answers(second)).not.toEqual(atFirst);
    expect(second.incident('quake-0')?.claims.map((c) => c.status)).toEqual(['verified', 'pending']);
    expect(model.incident('quake-0')?.claims.map((c) => c.status)).toEqual(['verified', 'rejected']);
  });

  it('keeps the groups as bytes until a question or an incident event needs them, or until it decodes them in the background', async () => {
    const log = history();
    const live = log.feed(new IncidentsReadModel());
    for (let i = 0; i < 1_200; i++) log.open(`drill-${i}`, ['origin-city'], ['river-city']);
    log.feed(live, log.events.length - 1_200);
    const rows = stored(live);
    expect(rows.length).toBeGreaterThan(1);

    const idle = new IncidentsReadModel();
    idle.restore(rows);
    expect(idle.undecoded()).toBe(rows.length);
    // An event no incident answer depends on leaves the groups as they are.
    idle.apply({ ...log.events[0], type: 'CityRegistered', position: BigInt(log.events.length) });
    expect(idle.undecoded()).toBe(rows.length);
    idle.caughtUp();
    for (let turn = 0; turn < 10_000 && idle.undecoded() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(idle.undecoded()).toBe(0);
    expect(answers(idle)).toEqual(answers(live));

    const asked = new IncidentsReadModel();
    asked.restore(rows);
    const before = log.events.length;
    log.revoke('f-late').claim('drill-7', 'c-9', 'river-city', '75');
    log.feed(live, before);
    log.feed(asked, before);
    expect(asked.undecoded()).toBe(0);
    expect(answers(asked)).toEqual(answers(live));
  });

  it('refuses rows that are not groups of bytes at once, and stays fresh', () => {
    const rows = stored(history().feed(new IncidentsReadModel()));
    for (const [snapshot, reason] of [
      [{ rows }, 'is not a list of rows'],
      [tuplesOf(rows), 'row 0 is not a group of rows as bytes'],
    ] as [unknown, string][]) {
      const fresh = new IncidentsReadModel();
      expect(() => fresh.restore(snapshot)).toThrow(reason);
      expect(fresh.canonicalState()).toEqual({ incidents: [], findings: [] });
      expect([...fresh.summaries()]).toEqual([]);
    }
  });

  it('refuses to answer from a group it does not recognise, rather than answer without it', () => {
    const rows = tuplesOf(stored(history().feed(new IncidentsReadModel())));
    const incidentRow = rows[0];
    const withField = (at: number, value: unknown): unknown[] => [...incidentRow.slice(0, at), value, ...incidentRow.slice(at + 1)];
    const refused: [unknown, string][] = [
      [{ rows }, 'group 0 is not a list of rows'],
      [[['incidents', ...incidentRow.slice(1)]], 'row 0 is of an unknown kind'],
      [[incidentRow.slice(0, 14)], 'row 0 is not a tuple of 15'],
      [[withField(4, 'meteor_strike')], 'risk category of flood-1 is not one of'],
      [[withField(7, 0)], 'status of flood-1 disagrees with its assessment'],
      [[withField(12, ['c-1', 'river-city'])], 'claims of flood-1 is not a list of 10-value entries'],
      [[...rows, rows[0]], 'incident flood-1 is written twice'],
      [[...rows, ['findings', 'flood-1', [1, 2, 3]]], 'findings of flood-1 is not a list of 8-value entries'],
    ];
    for (const [group, reason] of refused) {
      const model = new IncidentsReadModel();
      model.restore([Buffer.from(JSON.stringify(group))]);
      expect(() => model.canonicalState()).toThrow(reason);
      expect(() => model.incident('flood-1')).toThrow(reason);
      expect(() => [...model.summaries()]).toThrow(reason);
      expect(() => model.apply(history().events[1])).toThrow(reason);
    }
    const split = new IncidentsReadModel();
    split.restore([Buffer.from(JSON.stringify(rows)), Buffer.from(JSON.stringify([rows[0]]))]);
    expect(() => split.incident('spill-2')).toThrow('incident flood-1 is written twice');
    const cut = new IncidentsReadModel();
    cut.restore([Buffer.from('[["incident"')]);
    expect(() => cut.standingFindings('flood-1')).toThrow('group 0 is not JSON');
  });

  it('refuses to restore into a model that already holds incidents', () => {
    const model = history().feed(new IncidentsReadModel());
    expect(() => model.restore(stored(model))).toThrow('already has rows');
  });
});
