/**
 * The assessment of an incident (COMPENSATION.md, "origin leads, affected assist" and benefit sharing), as one pure
 * function. Its result is the content of IncidentAssessed: every obligation and how it was derived.
 */
import { DomainError } from '../shared/errors.js';
import { fromMinor, toMinor } from '../shared/money.js';
import type { CompensationRules } from '../governance/events.js';
import type { FindingKind } from '../governance/events.js';
import { allocateMinor, apportionMatrix, parseRatio, roundProductMinor, weightsFromDecimals, type Ratio, type Weighted } from './allocation.js';
import { COUNTED_AS, cityParty, fundParty, partyKey, type AssessmentDerivation, type Obligation, type Party } from './events.js';

export interface IncidentFinding {
  findingId: string;
  cityId: string;
  kind: FindingKind;
}

export interface IncidentAssessmentInput {
  incidentId: string;
  bodyId: string;
  fundId: string;
  rules: CompensationRules;
  originCities: readonly string[];
  /** Every affected city → the sum of its verified claims (zero when it has none). */
  verifiedCosts: Readonly<Record<string, string>>;
  /** The standing (not revoked) findings of this incident. */
  findings: readonly IncidentFinding[];
  /** The third-party assessment of the averted loss, if one was recorded. */
  avertedLoss: string | null;
}

export interface IncidentAssessment {
  derivation: AssessmentDerivation;
  obligations: Obligation[];
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const rescale = (r: Ratio, scale: number): bigint => r.numerator * pow10(scale - r.scale);
const formatRatio = (r: Ratio): string => {
  if (r.scale === 0) return r.numerator.toString();
  const digits = r.numerator.toString().padStart(r.scale + 1, '0');
  return `${digits.slice(0, -r.scale)}.${digits.slice(-r.scale)}`;
};
const sumRatios = (rs: readonly Ratio[]): Ratio => {
  const scale = rs.reduce((m, r) => Math.max(m, r.scale), 0);
  return { numerator: rs.reduce((s, r) => s + rescale(r, scale), 0n), scale };
};
const minRatio = (a: Ratio, b: Ratio): Ratio => {
  const scale = Math.max(a.scale, b.scale);
  return rescale(a, scale) <= rescale(b, scale) ? { numerator: rescale(a, scale), scale } : { numerator: rescale(b, scale), scale };
};
const sortedIds = (ids: Iterable<string>): string[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const sumMinor = (m: ReadonlyMap<string, bigint>): bigint => [...m.values()].reduce((s, v) => s + v, 0n);

/**
 * Origin liability ratio θ = min(θ_cap, θ_base + Σ increments of the origins' findings in this incident). Several
 * origins share one liability L, so there is one θ: every origin's findings raise it (each finding counts once).
 */
export function originLiabilityRatio(rules: CompensationRules, origins: readonly string[], findings: readonly IncidentFinding[]): { uncapped: Ratio; theta: Ratio } {
  const originSet = new Set(origins);
  const increments = findings
    .filter((f) => originSet.has(f.cityId))
    .map((f) => parseRatio(rules.thetaIncrements[COUNTED_AS[f.kind]], `rules.thetaIncrements.${COUNTED_AS[f.kind]}`));
  const uncapped = sumRatios([parseRatio(rules.thetaBase, 'rules.thetaBase'), ...increments]);
  return { uncapped, theta: minRatio(uncapped, parseRatio(rules.thetaCap, 'rules.thetaCap')) };
}

function oneMinus(r: Ratio, field: string): Ratio {
  const one = pow10(r.scale);
  if (r.numerator > one) throw new DomainError('invalid_ratio', `${field} must not exceed 1`, { field, value: formatRatio(r) });
  return { numerator: one - r.numerator, scale: r.scale };
}

function originWeights(rules: CompensationRules, origins: readonly string[]): Record<string, string> {
  const weights: Record<string, string> = {};
  for (const origin of origins) {
    const share = rules.originShares === undefined ? '1' : rules.originShares[origin];
    if (share === undefined) {
      throw new DomainError('origin_share_missing', `the agreement gives origin shares but none for ${origin}`, { originCityId: origin }, 422);
    }
    weights[origin] = share;
  }
  return weights;
}

const toRecord = (m: ReadonlyMap<string, bigint>, currency: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const id of sortedIds(m.keys())) out[id] = fromMinor(m.get(id) ?? 0n, currency);
  return out;
};

/**
 * Assess a closed incident. Origin → affected (P_k), fund → affected (F_k), and, when the averted loss was assessed,
 * the benefit pool (origins → assisting cities) and its match (fund → assisting cities). Zero amounts create no
 * obligation.
 */
export function assessIncident(input: IncidentAssessmentInput): IncidentAssessment {
  const { rules, incidentId, bodyId, fundId } = input;
  const currency = rules.currency;
  const origins = sortedIds(new Set(input.originCities));
  if (origins.length === 0) throw new DomainError('incident_without_origin', 'an incident needs at least one origin city', { incidentId });
  const affected = sortedIds(Object.keys(input.verifiedCosts));
  const overlap = affected.filter((c) => origins.includes(c));
  if (overlap.length > 0) throw new DomainError('origin_is_affected', 'an origin city cannot also be an affected city of the same incident', { cities: overlap });

  const { uncapped, theta } = originLiabilityRatio(rules, origins, input.findings);
  const haircut = parseRatio(rules.nonCooperationHaircut, 'rules.nonCooperationHaircut');
  const kept = oneMinus(haircut, 'rules.nonCooperationHaircut');
  const haircutCities = sortedIds(new Set(input.findings.filter((f) => COUNTED_AS[f.kind] === 'non_cooperation' && affected.includes(f.cityId)).map((f) => f.cityId)));

  const costs = new Map<string, bigint>();
  const eligible = new Map<string, bigint>();
  for (const city of affected) {
    const cost = toMinor(input.verifiedCosts[city] ?? '0', currency);
    if (cost < 0n) throw new DomainError('invalid_amount', 'a verified cost must not be negative', { cityId: city });
    costs.set(city, cost);
    eligible.set(city, haircutCities.includes(city) ? roundProductMinor(cost, kept) : cost);
  }
  const eligibleTotal = sumMinor(eligible);
  const asWeights = (m: ReadonlyMap<string, bigint>): Weighted[] => sortedIds(m.keys()).map((id) => ({ id, weight: m.get(id) ?? 0n }));

  // Step 3: L = round(θ·ΣE), split over affected by E_k; and over origins by their agreed shares.
  const liability = roundProductMinor(eligibleTotal, theta);
  const originPays = allocateMinor(liability, asWeights(eligible));
  const liabilityByOrigin = allocateMinor(liability, weightsFromDecimals(originWeights(rules, origins), 'rules.originShares'));

  // Step 4: F = round(fund_cover·Σ(E_k − P_k)), split by the residuals.
  const residuals = new Map(affected.map((c) => [c, (eligible.get(c) ?? 0n) - (originPays.get(c) ?? 0n)]));
  const fundTotal = roundProductMinor(sumMinor(residuals), parseRatio(rules.fundCover, 'rules.fundCover'));
  const fundPays = allocateMinor(fundTotal, asWeights(residuals));
  const cityBears = new Map(affected.map((c) => [c, (costs.get(c) ?? 0n) - (originPays.get(c) ?? 0n) - (fundPays.get(c) ?? 0n)]));

  const obligations: Obligation[] = [];
  const oblige = (obligationId: string, payer: Party, payee: Party, amountMinor: bigint, reason: Obligation['reason']): void => {
    if (amountMinor === 0n) return;
    obligations.push({ obligationId, bodyId, payer, payee, amount: fromMinor(amountMinor, currency), currency, reason, source: { kind: 'incident', id: incidentId } });
  };

  const originMatrix = apportionMatrix(asWeights(liabilityByOrigin), asWeights(originPays));
  for (const origin of origins) {
    for (const city of affected) oblige(`${incidentId}:origin:${origin}:${city}`, cityParty(origin), cityParty(city), originMatrix.get(origin)?.get(city) ?? 0n, 'cost_sharing_origin');
  }
  for (const city of affected) oblige(`${incidentId}:fund:${city}`, fundParty(fundId), cityParty(city), fundPays.get(city) ?? 0n, 'cost_sharing_fund');

  let benefit: AssessmentDerivation['benefit'] = null;
  if (input.avertedLoss !== null) {
    // Verified contributions are the verified response costs: a city that claimed nothing verified assisted with nothing.
    const contributions = new Map([...costs].filter(([, v]) => v > 0n));
    const averted = toMinor(input.avertedLoss, currency);
    const pool = contributions.size === 0 ? 0n : roundProductMinor(averted, parseRatio(rules.benefitShareRate, 'rules.benefitShareRate'));
    const match = roundProductMinor(pool, parseRatio(rules.benefitMatchRate, 'rules.benefitMatchRate'));
    const poolByOrigin = allocateMinor(pool, weightsFromDecimals(originWeights(rules, origins), 'rules.originShares'));
    const distribution = allocateMinor(pool + match, asWeights(contributions));
    const fundKey = partyKey(fundParty(fundId));
    const payers: Weighted[] = [...origins.map((o) => ({ id: partyKey(cityParty(o)), weight: poolByOrigin.get(o) ?? 0n })), { id: fundKey, weight: match }];
    const matrix = apportionMatrix(payers, asWeights(distribution));
    for (const city of sortedIds(contributions.keys())) {
      for (const origin of origins) {
        oblige(`${incidentId}:benefit-pool:${origin}:${city}`, cityParty(origin), cityParty(city), matrix.get(partyKey(cityParty(origin)))?.get(city) ?? 0n, 'benefit_pool');
      }
      oblige(`${incidentId}:benefit-match:${city}`, fundParty(fundId), cityParty(city), matrix.get(fundKey)?.get(city) ?? 0n, 'benefit_match');
    }
    benefit = {
      avertedLoss: fromMinor(averted, currency),
      poolTotal: fromMinor(pool, currency),
      poolByOrigin: toRecord(poolByOrigin, currency),
      matchTotal: fromMinor(match, currency),
      distribution: toRecord(distribution, currency),
    };
  }

  const derivation: AssessmentDerivation = {
    currency,
    rules,
    origins,
    originShares: originWeights(rules, origins),
    findingIds: sortedIds(new Set(input.findings.map((f) => f.findingId))),
    thetaUncapped: formatRatio(uncapped),
    theta: formatRatio(theta),
    verifiedCosts: toRecord(costs, currency),
    haircutCities,
    eligibleCosts: toRecord(eligible, currency),
    eligibleTotal: fromMinor(eligibleTotal, currency),
    originLiabilityTotal: fromMinor(liability, currency),
    originLiabilityByOrigin: toRecord(liabilityByOrigin, currency),
    originPays: toRecord(originPays, currency),
    fundPaysTotal: fromMinor(fundTotal, currency),
    fundPays: toRecord(fundPays, currency),
    cityBears: toRecord(cityBears, currency),
    benefit,
  };
  return { derivation, obligations };
}
