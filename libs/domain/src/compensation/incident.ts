/**
 * An incident under an agreement (stream `incident-<incidentId>`): opened, affected cities added, response costs
 * claimed and verified, the averted loss assessed, and closed by assessing it. Cross-stream facts (the agreement, the
 * incident's findings, the fund) arrive in the command's context: the handler reads them, the decider stays pure.
 */
import { DomainError, notFound } from '../shared/errors.js';
import { fromMinor, money, toMinor } from '../shared/money.js';
import type { Decider } from '../shared/decider.js';
import type { Instant } from '../shared/time.js';
import { parseInstant } from '../shared/time.js';
import { RISK_CATEGORIES, type CompensationRules, type RiskCategory } from '../governance/events.js';
import { requireId, requireText } from '../governance/common.js';
import { assessIncident, type IncidentFinding } from './assessment.js';
import { INCIDENT_SCENARIOS, type IncidentEvent, type IncidentScenario } from './events.js';

/** The agreement as the handler read it (agreement stream, terms in force at `occurredAt`). */
export interface IncidentAgreementContext {
  agreementId: string;
  bodyId: string;
  parties: readonly string[];
  riskCategories: readonly RiskCategory[];
  compensationRules: CompensationRules;
  terminated: boolean;
}

export interface OpenIncident {
  type: 'OpenIncident';
  incidentId: string;
  agreementId: string;
  riskCategory: RiskCategory;
  scenario: IncidentScenario;
  originCities: readonly string[];
  affectedCities: readonly string[];
  description: string;
  occurredAt: Instant;
  context: { agreement: IncidentAgreementContext | null };
}
export interface AddAffectedCity {
  type: 'AddAffectedCity';
  cityId: string;
  occurredAt: Instant;
  context: { agreementParties: readonly string[] };
}
export interface ClaimResponseCost {
  type: 'ClaimResponseCost';
  claimId: string;
  cityId: string;
  amount: string;
  evidenceRef: string;
  occurredAt: Instant;
  /** The city the claiming officer acts for (from the token): an officer claims for their own city only. */
  context: { actorCityId: string };
}
export interface VerifyClaim {
  type: 'VerifyClaim';
  claimId: string;
  verifiedAmount: string;
  note: string;
  occurredAt: Instant;
}
export interface RejectClaim {
  type: 'RejectClaim';
  claimId: string;
  reason: string;
  occurredAt: Instant;
}
export interface RecordAvertedLoss {
  type: 'RecordAvertedLoss';
  assessor: string;
  avertedLoss: string;
  reportRef: string;
  occurredAt: Instant;
}
export interface CloseIncident {
  type: 'CloseIncident';
  occurredAt: Instant;
  /** The body's fund must exist; findings: the standing (not revoked) findings whose incidentId is this incident. */
  context: { fundId: string | null; findings: readonly IncidentFinding[] };
}
export type IncidentCommand = OpenIncident | AddAffectedCity | ClaimResponseCost | VerifyClaim | RejectClaim | RecordAvertedLoss | CloseIncident;

export interface Claim {
  claimId: string;
  cityId: string;
  amount: string;
  evidenceRef: string;
  status: 'pending' | 'verified' | 'rejected';
  verifiedAmount: string | null;
}

export interface IncidentState {
  status: 'none' | 'open' | 'assessed';
  incidentId: string | null;
  bodyId: string | null;
  rules: CompensationRules | null;
  originCities: readonly string[];
  affectedCities: readonly string[];
  claims: Readonly<Record<string, Claim>>;
  avertedLoss: { assessor: string; avertedLoss: string; reportRef: string } | null;
}

/** Bounds on one incident: parties and claims. */
export const INCIDENT_LIMITS = { maxCities: 32, maxClaims: 1000 } as const;

interface OpenIncidentState extends IncidentState {
  status: 'open';
  incidentId: string;
  bodyId: string;
  rules: CompensationRules;
}

function requireOpen(state: IncidentState): OpenIncidentState {
  const { incidentId, bodyId, rules } = state;
  if (state.status === 'none' || incidentId === null || bodyId === null || rules === null) throw notFound('incident', 'this');
  if (state.status === 'assessed') throw new DomainError('incident_closed', `incident ${incidentId} is closed and assessed`, { incidentId }, 409);
  return { ...state, status: 'open', incidentId, bodyId, rules };
}

function requireClaim(state: IncidentState, claimId: string): Claim {
  const claim = state.claims[claimId];
  if (claim === undefined) throw notFound('claim', claimId);
  return claim;
}

function decideOpen(command: OpenIncident, state: IncidentState): IncidentEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('incident_already_opened', `incident ${command.incidentId} already exists`, { incidentId: command.incidentId }, 409);
  }
  requireId(command.incidentId, 'incidentId');
  const agreement = command.context.agreement;
  if (agreement === null || agreement.agreementId !== command.agreementId) throw notFound('agreement', command.agreementId);
  if (agreement.terminated) throw new DomainError('agreement_terminated', `agreement ${agreement.agreementId} is terminated`, { agreementId: agreement.agreementId }, 409);
  if (!RISK_CATEGORIES.includes(command.riskCategory) || !agreement.riskCategories.includes(command.riskCategory)) {
    throw new DomainError('risk_not_covered', `agreement ${agreement.agreementId} does not cover ${command.riskCategory}`, { riskCategory: command.riskCategory });
  }
  if (!INCIDENT_SCENARIOS.includes(command.scenario)) throw new DomainError('invalid_scenario', `scenario must be one of ${INCIDENT_SCENARIOS.join(', ')}`, { scenario: command.scenario });
  const origins = [...new Set(command.originCities)];
  const affected = [...new Set(command.affectedCities)];
  for (const city of [...origins, ...affected]) requireId(city, 'cityId');
  if (origins.length === 0) throw new DomainError('incident_without_origin', 'an incident needs at least one origin city', {});
  if (origins.length + affected.length > INCIDENT_LIMITS.maxCities) throw new DomainError('too_many_cities', `at most ${INCIDENT_LIMITS.maxCities} cities per incident`, {});
  if (command.scenario === 'spreads_from_one_city' && origins.length !== 1) {
    throw new DomainError('scenario_origin_mismatch', 'a hazard that spreads from one city has exactly one origin', { origins });
  }
  if (command.scenario === 'spans_several_cities' && origins.length < 2) {
    throw new DomainError('scenario_origin_mismatch', 'a hazard that spans several cities has several origins', { origins });
  }
  const both = affected.filter((c) => origins.includes(c));
  if (both.length > 0) throw new DomainError('origin_is_affected', 'an origin city is not also an affected city of the same incident', { cities: both });
  const strangers = [...origins, ...affected].filter((c) => !agreement.parties.includes(c));
  if (strangers.length > 0) throw new DomainError('not_a_party', 'every origin and affected city must be a party to the agreement', { cities: strangers });
  if (agreement.compensationRules.originShares !== undefined) {
    const missing = origins.filter((o) => agreement.compensationRules.originShares?.[o] === undefined);
    if (missing.length > 0) throw new DomainError('origin_share_missing', 'the agreement gives origin shares but not for every origin', { cities: missing });
  }
  requireText(command.description, 'description', 'description');
  return [
    {
      type: 'IncidentOpened',
      data: {
        incidentId: command.incidentId,
        agreementId: agreement.agreementId,
        bodyId: agreement.bodyId,
        riskCategory: command.riskCategory,
        scenario: command.scenario,
        originCities: origins,
        affectedCities: affected,
        rules: agreement.compensationRules,
        description: command.description,
        occurredAt: command.occurredAt,
      },
    },
  ];
}

export const incidentDecider: Decider<IncidentCommand, IncidentEvent, IncidentState> = {
  initialState: () => ({ status: 'none', incidentId: null, bodyId: null, rules: null, originCities: [], affectedCities: [], claims: {}, avertedLoss: null }),

  evolve(state, event) {
    switch (event.type) {
      case 'IncidentOpened':
        return {
          ...state,
          status: 'open',
          incidentId: event.data.incidentId,
          bodyId: event.data.bodyId,
          rules: event.data.rules,
          originCities: event.data.originCities,
          affectedCities: event.data.affectedCities,
        };
      case 'AffectedCityAdded':
        return { ...state, affectedCities: [...state.affectedCities, event.data.cityId] };
      case 'ResponseCostClaimed': {
        const { claimId, cityId, amount, evidenceRef } = event.data;
        return { ...state, claims: { ...state.claims, [claimId]: { claimId, cityId, amount, evidenceRef, status: 'pending', verifiedAmount: null } } };
      }
      case 'ClaimVerified':
      case 'ClaimRejected': {
        const claim = state.claims[event.data.claimId];
        if (claim === undefined) return state;
        const decided: Claim =
          event.type === 'ClaimVerified' ? { ...claim, status: 'verified', verifiedAmount: event.data.verifiedAmount } : { ...claim, status: 'rejected', verifiedAmount: null };
        return { ...state, claims: { ...state.claims, [claim.claimId]: decided } };
      }
      case 'AvertedLossAssessed':
        return { ...state, avertedLoss: { assessor: event.data.assessor, avertedLoss: event.data.avertedLoss, reportRef: event.data.reportRef } };
      case 'IncidentAssessed':
        return { ...state, status: 'assessed' };
    }
  },

  decide(command, state) {
    parseInstant(command.occurredAt, 'occurredAt');
    if (command.type === 'OpenIncident') return decideOpen(command, state);
    const open = requireOpen(state);
    const { incidentId, rules } = open;
    const at = command.occurredAt;
    switch (command.type) {
      case 'AddAffectedCity': {
        requireId(command.cityId, 'cityId');
        if (open.affectedCities.includes(command.cityId)) return [];
        if (open.originCities.includes(command.cityId)) throw new DomainError('origin_is_affected', 'an origin city is not also an affected city of the same incident', { cities: [command.cityId] });
        if (!command.context.agreementParties.includes(command.cityId)) throw new DomainError('not_a_party', 'an affected city must be a party to the agreement', { cities: [command.cityId] });
        if (open.originCities.length + open.affectedCities.length >= INCIDENT_LIMITS.maxCities) throw new DomainError('too_many_cities', `at most ${INCIDENT_LIMITS.maxCities} cities per incident`, {});
        return [{ type: 'AffectedCityAdded', data: { incidentId, cityId: command.cityId, occurredAt: at } }];
      }
      case 'ClaimResponseCost': {
        const amount = money(command.amount, rules.currency).amount;
        const existing = open.claims[command.claimId];
        if (existing !== undefined) {
          const field = existing.cityId !== command.cityId ? 'cityId' : existing.amount !== amount ? 'amount' : existing.evidenceRef !== command.evidenceRef ? 'evidenceRef' : null;
          if (field === null) return [];
          throw new DomainError('claim_id_reused', `claim ${command.claimId} already exists with a different ${field}`, { claimId: command.claimId, field }, 409);
        }
        requireId(command.claimId, 'claimId');
        if (command.context.actorCityId !== command.cityId) {
          throw new DomainError('claim_for_other_city', 'an officer claims response costs for their own city only', { cityId: command.cityId, actorCityId: command.context.actorCityId }, 403);
        }
        if (!open.affectedCities.includes(command.cityId)) throw new DomainError('not_affected', `city ${command.cityId} is not an affected city of incident ${incidentId}`, { cityId: command.cityId });
        if (toMinor(amount, rules.currency) <= 0n) throw new DomainError('invalid_amount', 'a claimed cost must be positive', { field: 'amount', value: command.amount });
        if (Object.keys(open.claims).length >= INCIDENT_LIMITS.maxClaims) throw new DomainError('too_many_claims', `at most ${INCIDENT_LIMITS.maxClaims} claims per incident`, {});
        requireText(command.evidenceRef, 'evidenceRef', 'evidenceRef');
        return [{ type: 'ResponseCostClaimed', data: { incidentId, claimId: command.claimId, cityId: command.cityId, amount, currency: rules.currency, evidenceRef: command.evidenceRef, occurredAt: at } }];
      }
      case 'VerifyClaim': {
        const claim = requireClaim(open, command.claimId);
        const verified = money(command.verifiedAmount, rules.currency).amount;
        if (claim.status === 'verified' && claim.verifiedAmount === verified) return [];
        if (claim.status !== 'pending') throw new DomainError('claim_already_decided', `claim ${claim.claimId} is already ${claim.status}`, { claimId: claim.claimId, status: claim.status }, 409);
        const verifiedMinor = toMinor(verified, rules.currency);
        if (verifiedMinor < 0n || verifiedMinor > toMinor(claim.amount, rules.currency)) {
          throw new DomainError('verified_exceeds_claim', 'the verified amount lies between zero and the amount claimed', { claimId: claim.claimId, claimed: claim.amount, verifiedAmount: verified });
        }
        requireText(command.note, 'note', 'reason');
        return [{ type: 'ClaimVerified', data: { incidentId, claimId: claim.claimId, verifiedAmount: verified, note: command.note, occurredAt: at } }];
      }
      case 'RejectClaim': {
        const claim = requireClaim(open, command.claimId);
        if (claim.status === 'rejected') return [];
        if (claim.status !== 'pending') throw new DomainError('claim_already_decided', `claim ${claim.claimId} is already ${claim.status}`, { claimId: claim.claimId, status: claim.status }, 409);
        requireText(command.reason, 'reason', 'reason');
        return [{ type: 'ClaimRejected', data: { incidentId, claimId: claim.claimId, reason: command.reason, occurredAt: at } }];
      }
      case 'RecordAvertedLoss': {
        const avertedLoss = money(command.avertedLoss, rules.currency).amount;
        if (open.avertedLoss !== null) {
          if (open.avertedLoss.avertedLoss === avertedLoss && open.avertedLoss.assessor === command.assessor && open.avertedLoss.reportRef === command.reportRef) return [];
          throw new DomainError('averted_loss_already_assessed', `the averted loss of incident ${incidentId} is already assessed`, { incidentId }, 409);
        }
        if (toMinor(avertedLoss, rules.currency) < 0n) throw new DomainError('invalid_amount', 'an averted loss is not negative', { field: 'avertedLoss' });
        requireText(command.assessor, 'assessor', 'name');
        requireText(command.reportRef, 'reportRef', 'evidenceRef');
        return [{ type: 'AvertedLossAssessed', data: { incidentId, assessor: command.assessor, avertedLoss, currency: rules.currency, reportRef: command.reportRef, occurredAt: at } }];
      }
      case 'CloseIncident': {
        const pending = Object.values(open.claims).filter((c) => c.status === 'pending').map((c) => c.claimId);
        if (pending.length > 0) throw new DomainError('claims_pending', 'every claim is verified or rejected before the incident is assessed', { claimIds: pending }, 409);
        const fundId = command.context.fundId;
        if (fundId === null || fundId !== open.bodyId) throw notFound('fund', open.bodyId);
        const verifiedCosts: Record<string, bigint> = Object.fromEntries(open.affectedCities.map((c) => [c, 0n]));
        for (const claim of Object.values(open.claims)) {
          if (claim.status === 'verified' && claim.verifiedAmount !== null) verifiedCosts[claim.cityId] = (verifiedCosts[claim.cityId] ?? 0n) + toMinor(claim.verifiedAmount, rules.currency);
        }
        const foreign = command.context.findings.filter((f) => !open.originCities.includes(f.cityId) && !open.affectedCities.includes(f.cityId));
        if (foreign.length > 0) throw new DomainError('finding_not_of_incident', 'a finding tied to the incident concerns one of its cities', { findingIds: foreign.map((f) => f.findingId) });
        const { derivation, obligations } = assessIncident({
          incidentId,
          bodyId: open.bodyId,
          fundId,
          rules,
          originCities: open.originCities,
          verifiedCosts: Object.fromEntries(Object.entries(verifiedCosts).map(([c, v]) => [c, fromMinor(v, rules.currency)])),
          findings: command.context.findings,
          avertedLoss: open.avertedLoss?.avertedLoss ?? null,
        });
        return [{ type: 'IncidentAssessed', data: { incidentId, bodyId: open.bodyId, fundId, derivation, obligations, occurredAt: at } }];
      }
    }
  },
};
