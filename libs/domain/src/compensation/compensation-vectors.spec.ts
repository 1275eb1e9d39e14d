import type { CompensationRules } from '../governance/events.js';
import { compensationVectors } from '../shared/spec-vectors.fixtures.js';
import { splitAmount } from './allocation.js';
import { assessIncident } from './assessment.js';
import { DEFAULT_RULES } from './testing.fixtures.js';

const { costSharing, rounding } = compensationVectors();

const defaultRules = (over: Partial<CompensationRules>): CompensationRules => ({ ...DEFAULT_RULES, ...over });

describe('public compensation vectors', () => {
  it('include both the cost-sharing and the rounding vectors', () => {
    expect(costSharing.length).toBeGreaterThan(0);
    expect(rounding.length).toBeGreaterThan(0);
  });

  describe.each(costSharing.map((v) => [v.name, v] as const))('cost sharing: %s', (_name, vector) => {
    const { input, expected } = vector;
    const findings = [
      ...input.origin_findings.map((kind, i) => ({ findingId: `o-${i}`, cityId: input.origin, kind })),
      ...Object.entries(input.affected_findings).flatMap(([cityId, kinds]) => kinds.map((kind, i) => ({ findingId: `${cityId}-${i}`, cityId, kind }))),
    ];
    const { derivation, obligations } = assessIncident({
      incidentId: 'vector',
      bodyId: 'body',
      fundId: 'body',
      rules: defaultRules({ thetaBase: input.theta_base, thetaCap: input.theta_cap, fundCover: input.fund_cover }),
      originCities: [input.origin],
      verifiedCosts: input.verified_costs,
      findings,
      avertedLoss: null,
    });

    it('derives θ, eligible costs, origin and fund shares and what each city bears', () => {
      expect(derivation.theta).toBe(expected.theta);
      expect(derivation.eligibleCosts).toEqual(expected.eligible_cost);
      expect(derivation.originLiabilityTotal).toBe(expected.origin_liability_total);
      expect(derivation.originPays).toEqual(expected.origin_pays);
      expect(derivation.fundPaysTotal).toBe(expected.fund_pays_total);
      expect(derivation.fundPays).toEqual(expected.fund_pays);
      expect(derivation.cityBears).toEqual(expected.city_bears);
    });

    it('creates one obligation origin → city and one fund → city for each share', () => {
      const owed = (reason: string): Record<string, string> =>
        Object.fromEntries(obligations.filter((o) => o.reason === reason).map((o) => [o.payee.id, o.amount]));
      expect(owed('cost_sharing_origin')).toEqual(expected.origin_pays);
      expect(owed('cost_sharing_fund')).toEqual(Object.fromEntries(Object.entries(expected.fund_pays).filter(([, a]) => a !== '0.00')));
      expect(obligations.filter((o) => o.reason === 'cost_sharing_origin').every((o) => o.payer.id === input.origin)).toBe(true);
    });
  });

  describe.each(rounding.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    it.each(vector.cases.map((c) => [c.total, c] as const))('splits %s by largest remainder exactly as published', (_total, c) => {
      expect(splitAmount(c.total, c.weights, 'CNY')).toEqual(c.expected);
    });
  });
});
