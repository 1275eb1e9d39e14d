import { resolveTerms } from '../../../domain/src/governance/agreement.js';
import type { GovernanceEvent } from '../../../domain/src/governance/events.js';
import { at, BODY, PARTIES, T0, termsInput } from '../../../domain/src/governance/testing.fixtures.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { AgreementsReadModel, BodiesReadModel, CitiesReadModel, FindingsReadModel } from './governance.read-models.js';
import { SortedKeys } from './sorted-keys.js';
import { DeferredSnapshotBytes } from '../read-model.js';

const streamOf = (e: GovernanceEvent): string => {
  switch (e.type) {
    case 'CityRegistered':
    case 'CityRenamed':
      return `city-${e.data.cityId}`;
    case 'BodyEstablished':
    case 'MemberAdmitted':
    case 'MemberRemoved':
      return `body-${e.data.bodyId}`;
    case 'AgreementConcluded':
    case 'AgreementAmended':
    case 'AgreementTerminated':
      return `agreement-${e.data.agreementId}`;
    case 'FindingRecorded':
    case 'FindingRevoked':
      return `finding-${e.data.findingId}`;
    default:
      return `commitment-${e.data.commitmentId}`;
  }
};

function feed(models: readonly { apply(e: RecordedEvent): void }[], events: readonly GovernanceEvent[]): void {
  const revisions = new Map<string, bigint>();
  events.forEach((e, i) => {
    const stream = streamOf(e);
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    const recorded: RecordedEvent = { id: `id-${i}`, type: e.type, stream, revision, position: BigInt(i), recordedAt: T0, data: e.data, metadata: { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1 }, hash: '' };
    for (const m of models) m.apply(recorded);
  });
}

describe('the governance read models', () => {
  it('list cities in id order, by region or level, with each rename applied', () => {
    const cities = new CitiesReadModel();
    feed(
      [cities],
      [
        { type: 'CityRegistered', data: { cityId: 'suzhou', name: 'Suzhou', level: 'prefecture_level', region: 'yrd', occurredAt: T0 } },
        { type: 'CityRegistered', data: { cityId: 'beijing', name: 'Beijing', level: 'municipality', region: 'jjj', occurredAt: T0 } },
        { type: 'CityRegistered', data: { cityId: 'hangzhou', name: 'Hangchow', level: 'provincial_capital', region: 'yrd', occurredAt: T0 } },
        { type: 'CityRenamed', data: { cityId: 'hangzhou', name: 'Hangzhou', previousName: 'Hangchow', occurredAt: at(1) } },
      ],
    );
    expect([...cities.matching({})].map((c) => c.cityId)).toEqual(['beijing', 'hangzhou', 'suzhou']);
    expect([...cities.matching({ region: 'yrd' }, 'hangzhou')].map((c) => c.cityId)).toEqual(['suzhou']);
    expect(cities.get('hangzhou')).toEqual({ cityId: 'hangzhou', name: 'Hangzhou', level: 'provincial_capital', region: 'yrd', revision: '1', position: '3' });
    expect(cities.get('lyon')).toBeNull();
  });

  it('keep the members of a body as they are admitted and removed', () => {
    const bodies = new BodiesReadModel();
    feed(
      [bodies],
      [
        { type: 'BodyEstablished', data: { bodyId: BODY, name: 'YRD', members: ['hangzhou', 'suzhou'], offices: [], occurredAt: T0 } },
        { type: 'MemberAdmitted', data: { bodyId: BODY, cityId: 'jiaxing', occurredAt: at(1) } },
        { type: 'MemberRemoved', data: { bodyId: BODY, cityId: 'suzhou', reason: 'left', occurredAt: at(2) } },
      ],
    );
    expect(bodies.get(BODY)?.members).toEqual(['hangzhou', 'jiaxing']);
    expect([...bodies.matching({ member: 'suzhou' })]).toEqual([]);
  });

  it('keep every version of an agreement and show the terms and status in force at the instant asked', () => {
    const agreements = new AgreementsReadModel();
    const first = resolveTerms(termsInput(), PARTIES);
    const second = resolveTerms(termsInput({ overdueGraceSeconds: 7200 }), PARTIES);
    feed(
      [agreements],
      [
        { type: 'AgreementConcluded', data: { agreementId: 'taihu-flood', bodyId: BODY, title: 'Taihu', parties: PARTIES, terms: first, occurredAt: T0 } },
        { type: 'AgreementAmended', data: { agreementId: 'taihu-flood', effectiveFrom: at(24), terms: second, reason: 'longer grace', occurredAt: at(1) } },
        { type: 'AgreementTerminated', data: { agreementId: 'taihu-flood', reason: 'superseded', occurredAt: at(48) } },
      ],
    );
    const before = agreements.get('taihu-flood', Date.parse(at(2)));
    expect(before).toMatchObject({ status: 'in_force', currentTerms: { overdueGraceSeconds: 3600 }, terminatedAt: at(48) });
    expect(before?.termsHistory.map((v) => v.effectiveFrom)).toEqual([first.validFrom, at(24)]);
    expect(agreements.get('taihu-flood', Date.parse(at(30)))?.currentTerms.overdueGraceSeconds).toBe(7200);
    expect(agreements.get('taihu-flood', Date.parse(at(48)))?.status).toBe('terminated');
    expect([...agreements.matching({ party: 'huzhou' }, Date.parse(at(2)))]).toEqual([]);
  });

  it('list findings by city and by whether they were revoked', () => {
    const findings = new FindingsReadModel();
    const recorded = (findingId: string, cityId: string): GovernanceEvent => ({
      type: 'FindingRecorded',
      data: { findingId, bodyId: BODY, cityId, counterpartyCityId: null, kind: 'late_report', severity: 1, incidentId: null, penalty: null, description: 'late', occurredAt: T0 },
    });
    feed([findings], [recorded('f1', 'hangzhou'), recorded('f2', 'hangzhou'), recorded('f3', 'suzhou'), { type: 'FindingRevoked', data: { findingId: 'f2', reason: 'appeal', occurredAt: at(1) } }]);
    expect([...findings.matching({ cityId: 'hangzhou', revoked: false })].map((f) => f.finding.findingId)).toEqual(['f1']);
    expect(findings.get('f2')?.revoked).toEqual({ reason: 'appeal', occurredAt: at(1) });
  });
});

describe('a governance snapshot', () => {
  it('writes each row as it was at the capture, though later events change it before the writer reaches its group', () => {
    const findings = new FindingsReadModel();
    const events: GovernanceEvent[] = Array.from({ length: 600 }, (_, i) => ({
      type: 'FindingRecorded',
      data: { findingId: `f${String(i).padStart(3, '0')}`, bodyId: BODY, cityId: `city-${i % 7}`, counterpartyCityId: null, kind: 'late_report', severity: 1, incidentId: null, penalty: null, description: 'late', occurredAt: T0 },
    }));
    feed([findings], events);
    const atCapture = JSON.stringify(findings.canonicalState());
    const captured = findings.snapshot() as DeferredSnapshotBytes[];
    const written = [captured[0]!.produce()];
    // Rows of the first group (already written) and of the last (not yet) are revoked, and a finding is added.
    ['f001', 'f599'].forEach((findingId, i) =>
      findings.apply({
        id: `revoked-${i}`,
        type: 'FindingRevoked',
        stream: `finding-${findingId}`,
        revision: 1n,
        position: BigInt(events.length + i),
        recordedAt: T0,
        data: { findingId, reason: 'appeal', occurredAt: at(1) },
        metadata: { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1 },
        hash: '',
      }),
    );
    written.push(...captured.slice(1).map((group) => group.produce()));
    const restored = new FindingsReadModel();
    restored.restore(written.map((bytes) => Buffer.from(bytes as string, 'latin1')));
    expect(JSON.stringify(restored.canonicalState())).toBe(atCapture);
    expect(restored.get('f599')?.revoked).toBeNull();
    expect(findings.get('f599')?.revoked).toEqual({ reason: 'appeal', occurredAt: at(1) });
  });
});

describe('sorted keys', () => {
  it('stay in order whatever the order of arrival, once each, and walk from after a key', () => {
    const keys = new SortedKeys();
    for (const k of ['m', 'c', 'x', 'c', 'a', 'p']) keys.insert(k);
    keys.remove('p');
    expect([...keys.after(null)]).toEqual(['a', 'c', 'm', 'x']);
    expect([...keys.after('c')]).toEqual(['m', 'x']);
    expect([...keys.after('d')]).toEqual(['m', 'x']);
    expect(keys.size).toBe(4);
  });
});
