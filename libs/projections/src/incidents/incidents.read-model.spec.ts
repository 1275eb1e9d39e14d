import type { RecordedEvent } from '../../../event-store/src/port.js';
import { fold } from '../../../domain/src/shared/decider.js';
import { incidentDecider, type IncidentCommand } from '../../../domain/src/compensation/incident.js';
import type { IncidentEvent } from '../../../domain/src/compensation/events.js';
import { AGREEMENT, T0, T1, T2 } from '../../../domain/src/compensation/testing.fixtures.js';
import { IncidentsReadModel } from './incidents.read-model.js';

/** Feeds events to the model as the log would, deciding incident commands with the real decider. */
class Feed {
  readonly model = new IncidentsReadModel();
  private position = 0n;
  private readonly history = new Map<string, IncidentEvent[]>();

  append(stream: string, type: string, data: unknown): void {
    const recorded: RecordedEvent = {
      id: `e-${this.position}`,
      type,
      stream,
      revision: 0n,
      position: this.position++,
      recordedAt: T0,
      data,
      metadata: { actor: 'spec', role: 'system', correlationId: 'spec', schemaVersion: 1 },
      hash: '',
    };
    this.model.apply(recorded);
  }

  incident(incidentId: string, command: IncidentCommand): void {
    const past = this.history.get(incidentId) ?? [];
    const events = incidentDecider.decide(command, fold(incidentDecider, past));
    for (const e of events) this.append(`incident-${incidentId}`, e.type, e.data);
    this.history.set(incidentId, [...past, ...events]);
  }

  finding(findingId: string, cityId: string, kind: string, incidentId: string | null): void {
    this.append(`finding-${findingId}`, 'FindingRecorded', {
      findingId, bodyId: 'delta', cityId, counterpartyCityId: null, kind, severity: 1, incidentId, penalty: null, description: 'seen', occurredAt: T1,
    });
  }
}

function openFlood(feed: Feed): void {
  feed.incident('flood-1', {
    type: 'OpenIncident',
    incidentId: 'flood-1',
    agreementId: AGREEMENT.agreementId,
    riskCategory: 'natural_disaster',
    scenario: 'spreads_from_one_city',
    originCities: ['origin-city'],
    affectedCities: ['river-city'],
    description: 'levee breach',
    occurredAt: T0,
    context: { agreement: AGREEMENT },
  });
}

describe('incidents read model', () => {
  it('shows an open incident with its cities and claims as they are decided', () => {
    const feed = new Feed();
    openFlood(feed);
    feed.incident('flood-1', { type: 'AddAffectedCity', cityId: 'hill-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } });
    feed.incident('flood-1', { type: 'ClaimResponseCost', claimId: 'c-1', cityId: 'river-city', amount: '1000', evidenceRef: 'inv-1', occurredAt: T1, context: { actorCityId: 'river-city' } });
    feed.incident('flood-1', { type: 'ClaimResponseCost', claimId: 'c-2', cityId: 'hill-city', amount: '300', evidenceRef: 'inv-2', occurredAt: T1, context: { actorCityId: 'hill-city' } });
    feed.incident('flood-1', { type: 'VerifyClaim', claimId: 'c-1', verifiedAmount: '900', note: 'one invoice twice', occurredAt: T2 });
    feed.incident('flood-1', { type: 'RejectClaim', claimId: 'c-2', reason: 'outside the period', occurredAt: T2 });

    const view = feed.model.incident('flood-1');
    expect(view).toMatchObject({ status: 'open', currency: 'CNY', originCities: ['origin-city'], affectedCities: ['river-city', 'hill-city'], assessment: null });
    expect(view?.claims).toEqual([
      expect.objectContaining({ claimId: 'c-1', status: 'verified', amount: '1000.00', verifiedAmount: '900.00', decisionNote: 'one invoice twice', decidedAt: T2 }),
      expect.objectContaining({ claimId: 'c-2', status: 'rejected', verifiedAmount: null, decisionNote: 'outside the period' }),
    ]);
  });

  it('ties findings to the incident, even those recorded before it opened, and leaves revoked ones out of the standing ones', () => {
    const feed = new Feed();
    feed.finding('f-early', 'origin-city', 'late_report', 'flood-1');
    openFlood(feed);
    feed.finding('f-coop', 'river-city', 'non_cooperation', 'flood-1');
    feed.finding('f-other', 'river-city', 'concealment', 'another-incident');
    feed.finding('f-none', 'river-city', 'concealment', null);
    feed.append('finding-f-coop', 'FindingRevoked', { findingId: 'f-coop', reason: 'appeal upheld', occurredAt: T2 });

    expect(feed.model.incident('flood-1')?.findings.map((f) => [f.findingId, f.revoked])).toEqual([
      ['f-coop', true],
      ['f-early', false],
    ]);
    expect(feed.model.standingFindings('flood-1')).toEqual([{ findingId: 'f-early', cityId: 'origin-city', kind: 'late_report' }]);
  });

  it('shows the assessment with its derivation once the incident is closed, marks findings recorded after it, and lists incidents by body and status', () => {
    const feed = new Feed();
    openFlood(feed);
    feed.incident('flood-1', { type: 'ClaimResponseCost', claimId: 'c-1', cityId: 'river-city', amount: '1000', evidenceRef: 'inv-1', occurredAt: T1, context: { actorCityId: 'river-city' } });
    feed.incident('flood-1', { type: 'VerifyClaim', claimId: 'c-1', verifiedAmount: '1000', note: 'ok', occurredAt: T1 });
    feed.incident('flood-1', { type: 'CloseIncident', occurredAt: T2, context: { fundId: 'delta', findings: [] } });

    const view = feed.model.incident('flood-1');
    expect(view?.status).toBe('assessed');
    expect(view?.assessment?.derivation).toMatchObject({ theta: '0.50', originLiabilityTotal: '500.00', fundPaysTotal: '250.00' });
    expect(view?.assessment?.obligations.map((o) => [o.reason, o.amount])).toEqual([
      ['cost_sharing_origin', '500.00'],
      ['cost_sharing_fund', '250.00'],
    ]);
    feed.finding('f-late', 'origin-city', 'concealment', 'flood-1');
    expect(view?.findings).toEqual([]);
    expect(feed.model.incident('flood-1')?.findings).toEqual([expect.objectContaining({ findingId: 'f-late', afterAssessment: true })]);
    expect([...feed.model.summaries({ bodyId: 'delta', status: 'assessed' })].map((s) => s.incidentId)).toEqual(['flood-1']);
    expect([...feed.model.summaries({ status: 'open' })]).toEqual([]);
    expect(feed.model.incident('unknown')).toBeNull();
  });
});
