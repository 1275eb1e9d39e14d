import fc from 'fast-check';
import { fromMinor, toMinor } from '../shared/money.js';
import { assessIncident, type IncidentAssessmentInput } from './assessment.js';
import { DEFAULT_RULES } from './testing.fixtures.js';

const base: IncidentAssessmentInput = {
  incidentId: 'quake-1',
  bodyId: 'delta',
  fundId: 'delta',
  rules: DEFAULT_RULES,
  originCities: ['origin-city'],
  verifiedCosts: { 'river-city': '1000.00', 'hill-city': '500.00' },
  findings: [],
  avertedLoss: null,
};

describe('assessing an incident', () => {
  it('caps the origin liability ratio at θ_cap however many findings the origin has', () => {
    const findings = (['concealment', 'false_report', 'late_report', 'non_cooperation'] as const).map((kind, i) => ({ findingId: `f${i}`, cityId: 'origin-city', kind }));
    const { derivation } = assessIncident({ ...base, findings });
    expect(derivation.thetaUncapped).toBe('1.20');
    expect(derivation.theta).toBe('1.00');
    expect(derivation.originLiabilityTotal).toBe('1500.00');
    expect(derivation.fundPaysTotal).toBe('0.00');
  });

  it('counts a refusal to join joint action as non-cooperation: the affected city’s costs take the haircut', () => {
    const { derivation } = assessIncident({ ...base, findings: [{ findingId: 'f1', cityId: 'hill-city', kind: 'refusal_to_join_joint_action' }] });
    expect(derivation.haircutCities).toEqual(['hill-city']);
    expect(derivation.eligibleCosts).toEqual({ 'hill-city': '400.00', 'river-city': '1000.00' });
    // L = 0.5 · 1400 = 700 → hill 200; fund covers half of hill's residual 200 → 100; hill bears 500 − 200 − 100.
    expect(derivation.cityBears['hill-city']).toBe('200.00');
  });

  it('splits the liability over several origins by their agreed shares', () => {
    const rules = { ...DEFAULT_RULES, originShares: { 'origin-city': '2', 'second-origin': '1' } };
    const { derivation, obligations } = assessIncident({ ...base, rules, originCities: ['origin-city', 'second-origin'] });
    expect(derivation.originLiabilityByOrigin).toEqual({ 'origin-city': '500.00', 'second-origin': '250.00' });
    const owedBy = (origin: string): bigint =>
      obligations.filter((o) => o.reason === 'cost_sharing_origin' && o.payer.id === origin).reduce((s, o) => s + toMinor(o.amount, 'CNY'), 0n);
    expect(owedBy('origin-city')).toBe(50_000n);
    expect(owedBy('second-origin')).toBe(25_000n);
  });

  it('splits the liability equally between origins by default', () => {
    const { derivation } = assessIncident({ ...base, originCities: ['origin-city', 'second-origin'], verifiedCosts: { 'river-city': '0.03' } });
    expect(derivation.originLiabilityTotal).toBe('0.02');
    expect(derivation.originLiabilityByOrigin).toEqual({ 'origin-city': '0.01', 'second-origin': '0.01' });
  });

  it('creates no benefit pool when no city has verified contributions', () => {
    const { derivation, obligations } = assessIncident({ ...base, verifiedCosts: { 'river-city': '0.00' }, avertedLoss: '1000000.00' });
    expect(derivation.benefit?.poolTotal).toBe('0.00');
    expect(obligations).toEqual([]);
  });

  it('every city’s cost is exactly what the origin, the fund and the city itself bear', () => {
    const costs = fc.dictionary(fc.constantFrom('a-city', 'b-city', 'c-city', 'd-city'), fc.bigInt({ min: 0n, max: 10n ** 11n }), { minKeys: 1 });
    const kinds = fc.constantFrom('late_report', 'concealment', 'false_report', 'non_cooperation', 'slow_response', 'refusal_to_join_joint_action' as const);
    fc.assert(
      fc.property(costs, fc.array(fc.tuple(fc.constantFrom('o-1', 'o-2', 'a-city', 'b-city'), kinds), { maxLength: 5 }), fc.option(fc.bigInt({ min: 0n, max: 10n ** 12n })), (c, fs, averted) => {
        const verifiedCosts = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, fromMinor(v, 'CNY')]));
        const input = {
          ...base,
          originCities: ['o-1', 'o-2'],
          verifiedCosts,
          findings: fs.map(([cityId, kind], i) => ({ findingId: `f${i}`, cityId, kind })),
          avertedLoss: averted === null ? null : fromMinor(averted, 'CNY'),
        };
        const { derivation, obligations } = assessIncident(input);
        for (const city of Object.keys(verifiedCosts)) {
          const sum = toMinor(derivation.originPays[city]!, 'CNY') + toMinor(derivation.fundPays[city]!, 'CNY') + toMinor(derivation.cityBears[city]!, 'CNY');
          expect(sum).toBe(toMinor(verifiedCosts[city]!, 'CNY'));
        }
        const total = (reason: string): bigint => obligations.filter((o) => o.reason === reason).reduce((s, o) => s + toMinor(o.amount, 'CNY'), 0n);
        expect(total('cost_sharing_origin')).toBe(toMinor(derivation.originLiabilityTotal, 'CNY'));
        expect(total('cost_sharing_fund')).toBe(toMinor(derivation.fundPaysTotal, 'CNY'));
        if (derivation.benefit !== null) {
          expect(total('benefit_pool')).toBe(toMinor(derivation.benefit.poolTotal, 'CNY'));
          expect(total('benefit_match')).toBe(toMinor(derivation.benefit.matchTotal, 'CNY'));
        }
      }),
      { numRuns: 200 },
    );
  });
});
