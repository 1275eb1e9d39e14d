import { given } from '../shared/given-when-then.js';
import type { IncidentFinding } from './assessment.js';
import { incidentDecider, type IncidentCommand } from './incident.js';
import type { IncidentEvent, IncidentOpened } from './events.js';
import { AGREEMENT, DEFAULT_RULES, T0, T1, T2 } from './testing.fixtures.js';

const opened: IncidentOpened = {
  type: 'IncidentOpened',
  data: {
    incidentId: 'flood-1',
    agreementId: 'delta-floods',
    bodyId: 'delta',
    riskCategory: 'natural_disaster',
    scenario: 'spreads_from_one_city',
    originCities: ['origin-city'],
    affectedCities: ['river-city', 'hill-city'],
    rules: DEFAULT_RULES,
    description: 'upstream dam release floods the river plain',
    occurredAt: T0,
  },
};
const open: IncidentCommand = {
  type: 'OpenIncident',
  incidentId: 'flood-1',
  agreementId: 'delta-floods',
  riskCategory: 'natural_disaster',
  scenario: 'spreads_from_one_city',
  originCities: ['origin-city'],
  affectedCities: ['river-city', 'hill-city'],
  description: 'upstream dam release floods the river plain',
  occurredAt: T0,
  context: { agreement: AGREEMENT },
};
const claimed = (claimId: string, cityId: string, amount: string): IncidentEvent => ({
  type: 'ResponseCostClaimed',
  data: { incidentId: 'flood-1', claimId, cityId, amount, currency: 'CNY', evidenceRef: `evidence/${claimId}`, occurredAt: T1 },
});
const claim = (claimId: string, cityId: string, amount: string, actorCityId = cityId): IncidentCommand => ({
  type: 'ClaimResponseCost',
  claimId,
  cityId,
  amount,
  evidenceRef: `evidence/${claimId}`,
  occurredAt: T1,
  context: { actorCityId },
});
const verified = (claimId: string, verifiedAmount: string): IncidentEvent => ({
  type: 'ClaimVerified',
  data: { incidentId: 'flood-1', claimId, verifiedAmount, note: 'receipts checked', occurredAt: T1 },
});
const close = (findings: IncidentFinding[] = [], fundId: string | null = 'delta'): IncidentCommand => ({
  type: 'CloseIncident',
  occurredAt: T2,
  context: { fundId, findings },
});

describe('an incident under an agreement', () => {
  describe('opening', () => {
    it('opens with the agreement’s compensation rules copied in', () => {
      given(incidentDecider, []).when(open).then([opened]);
    });
    it('is refused when the agreement does not cover the risk category', () => {
      given(incidentDecider, []).when({ ...open, riskCategory: 'technology_cyber' }).thenThrows('risk_not_covered');
    });
    it('is refused when a city is not a party to the agreement', () => {
      given(incidentDecider, []).when({ ...open, affectedCities: ['river-city', 'stranger-city'] }).thenThrows('not_a_party');
    });
    it('is refused when an origin city is also affected', () => {
      given(incidentDecider, []).when({ ...open, affectedCities: ['origin-city'] }).thenThrows('origin_is_affected');
    });
    it('refuses a hazard spreading from one city with two origins', () => {
      given(incidentDecider, []).when({ ...open, originCities: ['origin-city', 'second-origin'] }).thenThrows('scenario_origin_mismatch');
    });
    it('accepts several origins when the hazard spans several cities', () => {
      const events = incidentDecider.decide({ ...open, scenario: 'spans_several_cities', originCities: ['origin-city', 'second-origin'] }, incidentDecider.initialState());
      expect(events[0]?.type === 'IncidentOpened' && events[0].data.originCities).toEqual(['origin-city', 'second-origin']);
    });
    it('is refused under a terminated agreement', () => {
      given(incidentDecider, []).when({ ...open, context: { agreement: { ...AGREEMENT, terminated: true } } }).thenThrows('agreement_terminated', 409);
    });
    it('cannot open the same incident twice', () => {
      given(incidentDecider, [opened]).when(open).thenThrows('incident_already_opened', 409);
    });
  });

  describe('affected cities', () => {
    it('adds a party of the agreement as an affected city', () => {
      given(incidentDecider, [opened])
        .when({ type: 'AddAffectedCity', cityId: 'coast-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } })
        .then([{ type: 'AffectedCityAdded', data: { incidentId: 'flood-1', cityId: 'coast-city', occurredAt: T1 } }]);
    });
    it('an origin city cannot be added as affected, nor a city outside the agreement', () => {
      given(incidentDecider, [opened]).when({ type: 'AddAffectedCity', cityId: 'origin-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } }).thenThrows('origin_is_affected');
      given(incidentDecider, [opened]).when({ type: 'AddAffectedCity', cityId: 'far-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } }).thenThrows('not_a_party');
    });
    it('adding a city already affected changes nothing', () => {
      given(incidentDecider, [opened]).when({ type: 'AddAffectedCity', cityId: 'river-city', occurredAt: T1, context: { agreementParties: AGREEMENT.parties } }).then([]);
    });
  });

  describe('response-cost claims', () => {
    it('an affected city’s officer claims its own costs with evidence', () => {
      given(incidentDecider, [opened]).when(claim('c1', 'river-city', '1000')).then([claimed('c1', 'river-city', '1000.00')]);
    });
    it('an officer cannot claim for another city', () => {
      given(incidentDecider, [opened]).when(claim('c1', 'river-city', '1000', 'hill-city')).thenThrows('claim_for_other_city', 403);
    });
    it('a city that is not affected cannot claim', () => {
      given(incidentDecider, [opened]).when(claim('c1', 'coast-city', '1000')).thenThrows('not_affected');
    });
    it('the same claim again is recognised, a different one under the same id is refused naming the field', () => {
      given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00')]).when(claim('c1', 'river-city', '1000.00')).then([]);
      const error = given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00')]).when(claim('c1', 'river-city', '999.00')).thenThrows('claim_id_reused', 409);
      expect(error.details.field).toBe('amount');
    });
    it('the coordinator verifies a lower amount', () => {
      given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00')])
        .when({ type: 'VerifyClaim', claimId: 'c1', verifiedAmount: '800', note: 'receipts checked', occurredAt: T1 })
        .then([verified('c1', '800.00')]);
    });
    it('cannot verify more than was claimed', () => {
      given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00')])
        .when({ type: 'VerifyClaim', claimId: 'c1', verifiedAmount: '1000.01', note: 'receipts checked', occurredAt: T1 })
        .thenThrows('verified_exceeds_claim');
    });
    it('a rejected claim cannot be verified afterwards', () => {
      const rejected: IncidentEvent = { type: 'ClaimRejected', data: { incidentId: 'flood-1', claimId: 'c1', reason: 'no evidence', occurredAt: T1 } };
      given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00'), rejected])
        .when({ type: 'VerifyClaim', claimId: 'c1', verifiedAmount: '10', note: 'late receipts', occurredAt: T1 })
        .thenThrows('claim_already_decided', 409);
    });
  });

  describe('the third-party assessment of the averted loss', () => {
    const recorded: IncidentEvent = {
      type: 'AvertedLossAssessed',
      data: { incidentId: 'flood-1', assessor: 'delta-university', avertedLoss: '100000.00', currency: 'CNY', reportRef: 'report/7', occurredAt: T1 },
    };
    const record = (avertedLoss: string): IncidentCommand => ({ type: 'RecordAvertedLoss', assessor: 'delta-university', avertedLoss, reportRef: 'report/7', occurredAt: T1 });
    it('is recorded once, in the incident’s currency', () => {
      given(incidentDecider, [opened]).when(record('100000')).then([recorded]);
    });
    it('the same assessment again changes nothing; a different one is refused', () => {
      given(incidentDecider, [opened, recorded]).when(record('100000.00')).then([]);
      given(incidentDecider, [opened, recorded]).when(record('90000.00')).thenThrows('averted_loss_already_assessed', 409);
    });
  });

  describe('closing assesses the incident', () => {
    const history: IncidentEvent[] = [opened, claimed('c1', 'river-city', '1000.00'), claimed('c2', 'hill-city', '500.00'), verified('c1', '1000.00'), verified('c2', '500.00')];

    it('is refused while a claim awaits verification', () => {
      given(incidentDecider, [opened, claimed('c1', 'river-city', '1000.00')]).when(close()).thenThrows('claims_pending', 409);
    });

    it('emits one event with every obligation: origin → affected and fund → affected', () => {
      const [event] = incidentDecider.decide(close(), history.reduce(incidentDecider.evolve, incidentDecider.initialState()));
      expect(event?.type).toBe('IncidentAssessed');
      if (event?.type !== 'IncidentAssessed') return;
      // θ = 0.50: origin pays 750.00 by E (1000:500), fund covers half of the residual 750.00.
      expect(event.data.derivation.theta).toBe('0.50');
      expect(event.data.obligations.map((o) => [o.obligationId, o.payer.id, o.payee.id, o.amount])).toEqual([
        ['flood-1:origin:origin-city:hill-city', 'origin-city', 'hill-city', '250.00'],
        ['flood-1:origin:origin-city:river-city', 'origin-city', 'river-city', '500.00'],
        ['flood-1:fund:hill-city', 'delta', 'hill-city', '125.00'],
        ['flood-1:fund:river-city', 'delta', 'river-city', '250.00'],
      ]);
    });

    it('counts a slow response of the origin as a late report', () => {
      const [event] = incidentDecider.decide(close([{ findingId: 'f1', cityId: 'origin-city', kind: 'slow_response' }]), history.reduce(incidentDecider.evolve, incidentDecider.initialState()));
      expect(event?.type === 'IncidentAssessed' && event.data.derivation.theta).toBe('0.60');
    });

    it('is refused without the body’s fund', () => {
      given(incidentDecider, history).when(close([], null)).thenThrows('fund_not_found', 404);
    });

    it('a closed incident takes no more claims', () => {
      const assessed = incidentDecider.decide(close(), history.reduce(incidentDecider.evolve, incidentDecider.initialState()));
      given(incidentDecider, [...history, ...assessed]).when(claim('c3', 'river-city', '1')).thenThrows('incident_closed', 409);
    });

    it('shares the averted loss: origin pool σ·B and the fund’s match, by verified contributions', () => {
      const assessedLoss: IncidentEvent = {
        type: 'AvertedLossAssessed',
        data: { incidentId: 'flood-1', assessor: 'delta-university', avertedLoss: '100000.00', currency: 'CNY', reportRef: 'report/7', occurredAt: T1 },
      };
      const [event] = incidentDecider.decide(close(), [...history, assessedLoss].reduce(incidentDecider.evolve, incidentDecider.initialState()));
      if (event?.type !== 'IncidentAssessed') throw new Error('expected an assessment');
      expect(event.data.derivation.benefit).toEqual({
        avertedLoss: '100000.00',
        poolTotal: '5000.00',
        poolByOrigin: { 'origin-city': '5000.00' },
        matchTotal: '5000.00',
        distribution: { 'hill-city': '3333.33', 'river-city': '6666.67' },
      });
      const benefit = event.data.obligations.filter((o) => o.reason === 'benefit_pool' || o.reason === 'benefit_match');
      expect(benefit.map((o) => [o.reason, o.payee.id, o.amount])).toEqual([
        ['benefit_pool', 'hill-city', '1666.67'],
        ['benefit_match', 'hill-city', '1666.66'],
        ['benefit_pool', 'river-city', '3333.33'],
        ['benefit_match', 'river-city', '3333.34'],
      ]);
    });
  });
});
