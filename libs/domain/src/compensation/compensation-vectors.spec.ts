import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CompensationRules, FindingKind } from '../governance/events.js';
import { splitAmount } from './allocation.js';
import { assessIncident } from './assessment.js';

interface CostSharingVector {
  name: string;
  input: {
    origin: string;
    verified_costs: Record<string, string>;
    origin_findings: FindingKind[];
    affected_findings: Record<string, FindingKind[]>;
    theta_base: string;
    theta_cap: string;
    fund_cover: string;
  };
  expected: {
    theta: string;
    eligible_cost: Record<string, string>;
    origin_liability_total: string;
    origin_pays: Record<string, string>;
    fund_pays_total: string;
    fund_pays: Record<string, string>;
    city_bears: Record<string, string>;
  };
}
interface RoundingVector {
  name: string;
  cases: { total: string; weights: Record<string, string>; expected: Record<string, string> }[];
}

/** The shared spec lives beside the repository (../shared/spec); CONCORDAT_VECTORS points elsewhere when needed. */
function loadCompensationVectors(): (CostSharingVector | RoundingVector)[] {
  const candidates = [
    process.env.CONCORDAT_VECTORS,
    resolve(process.cwd(), '../shared/spec/trust-compensation-vectors.json'),
    resolve(process.cwd(), 'spec/trust-compensation-vectors.json'),
  ].filter((p): p is string => p !== undefined);
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`compensation vectors not found; looked in ${candidates.join(', ')}`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { compensation: (CostSharingVector | RoundingVector)[] }).compensation;
}

const vectors = loadCompensationVectors();
const costSharing = vectors.filter((v): v is CostSharingVector => 'input' in v);
const rounding = vectors.filter((v): v is RoundingVector => 'cases' in v);

const defaultRules = (over: Partial<CompensationRules>): CompensationRules => ({
  currency: 'CNY',
  thetaBase: '0.50',
  thetaCap: '1.00',
  thetaIncrements: { late_report: '0.10', non_cooperation: '0.15', concealment: '0.20', false_report: '0.25' },
  nonCooperationHaircut: '0.20',
  fundCover: '0.50',
  benefitShareRate: '0.05',
  benefitMatchRate: '1.0',
  ...over,
});

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
