/**
 * Events of compensation: incidents and their assessment, the special fund of a body, transfers and settlements.
 *
 * Streams:
 * - `incident-<incidentId>`: IncidentOpened … IncidentAssessed (closing = assessing).
 * - `fund-<bodyId>`: the special fund of body <bodyId> (one fund per body, so its id is the body's id): FundEstablished
 *   and money in on the fund's own books. Money in only ever adds to what may be paid, so it needs no serializing.
 * - `treasury-<bodyId>`: every reduction of an obligation of body <bodyId>, on ONE stream: every transfer against one
 *   (whoever pays it, the fund's payouts included, and every reversal) and every executed settlement. Its expected
 *   revision serializes them, so a transfer and a settlement (or two transfers, or two payouts of the fund) cannot
 *   both pass their checks against the same obligation or the same money.
 * Obligations are not a stream of their own: they are created by IncidentAssessed, by FindingRecorded.penalty (city →
 * fund of the finding's body, id `penalty-<findingId>`) and by SettlementExecuted (novation).
 *
 * Conventions as in governance/events.ts: every `data` carries `occurredAt`; amounts are decimal strings at the
 * currency's minor-unit scale.
 */
import type { DomainEvent } from '../shared/decider.js';
import type { Instant } from '../shared/time.js';
import type { CompensationRules, FindingKind, RiskCategory } from '../governance/events.js';

export const INCIDENT_SCENARIOS = ['spans_several_cities', 'spreads_from_one_city', 'hazard_and_exposure_apart'] as const;
export type IncidentScenario = (typeof INCIDENT_SCENARIOS)[number];

/** A party to money: a city, or the special fund of a body (fund id = body id). */
export type Party = { kind: 'city'; id: string } | { kind: 'fund'; id: string };
export const partyKey = (p: Party): string => `${p.kind}:${p.id}`;
export const cityParty = (id: string): Party => ({ kind: 'city', id });
export const fundParty = (id: string): Party => ({ kind: 'fund', id });

export const OBLIGATION_REASONS = ['cost_sharing_origin', 'cost_sharing_fund', 'benefit_pool', 'benefit_match', 'penalty', 'settlement'] as const;
export type ObligationReason = (typeof OBLIGATION_REASONS)[number];

export interface Obligation {
  obligationId: string;
  bodyId: string;
  payer: Party;
  payee: Party;
  amount: string;
  currency: string;
  reason: ObligationReason;
  source: { kind: 'incident' | 'finding' | 'settlement'; id: string };
}

/** How a closed incident's obligations were derived: every input and intermediate of COMPENSATION.md. */
export interface AssessmentDerivation {
  currency: string;
  rules: CompensationRules;
  origins: string[];
  /** Origin id → its share of the liability L and of the benefit pool. */
  originShares: Record<string, string>;
  findingIds: string[];
  /** θ_base + Σ increments of the origins' findings, before the cap. */
  thetaUncapped: string;
  theta: string;
  verifiedCosts: Record<string, string>;
  haircutCities: string[];
  eligibleCosts: Record<string, string>;
  eligibleTotal: string;
  originLiabilityTotal: string;
  originLiabilityByOrigin: Record<string, string>;
  originPays: Record<string, string>;
  fundPaysTotal: string;
  fundPays: Record<string, string>;
  cityBears: Record<string, string>;
  benefit: {
    avertedLoss: string;
    poolTotal: string;
    poolByOrigin: Record<string, string>;
    matchTotal: string;
    /** Assisting city → its share of pool + match, by verified contributions. */
    distribution: Record<string, string>;
  } | null;
}

export type IncidentOpened = DomainEvent<
  'IncidentOpened',
  {
    incidentId: string;
    agreementId: string;
    bodyId: string;
    riskCategory: RiskCategory;
    scenario: IncidentScenario;
    originCities: string[];
    affectedCities: string[];
    /** Copied from the agreement as in force when the incident opened: the incident is assessed by these. */
    rules: CompensationRules;
    description: string;
    occurredAt: Instant;
  }
>;
export type AffectedCityAdded = DomainEvent<'AffectedCityAdded', { incidentId: string; cityId: string; occurredAt: Instant }>;
export type ResponseCostClaimed = DomainEvent<
  'ResponseCostClaimed',
  { incidentId: string; claimId: string; cityId: string; amount: string; currency: string; evidenceRef: string; occurredAt: Instant }
>;
export type ClaimVerified = DomainEvent<'ClaimVerified', { incidentId: string; claimId: string; verifiedAmount: string; note: string; occurredAt: Instant }>;
export type ClaimRejected = DomainEvent<'ClaimRejected', { incidentId: string; claimId: string; reason: string; occurredAt: Instant }>;
export type AvertedLossAssessed = DomainEvent<
  'AvertedLossAssessed',
  { incidentId: string; assessor: string; avertedLoss: string; currency: string; reportRef: string; occurredAt: Instant }
>;
/** Closing the incident: every obligation it creates, with its derivation. Nothing about the incident changes after. */
export type IncidentAssessed = DomainEvent<
  'IncidentAssessed',
  { incidentId: string; bodyId: string; fundId: string; derivation: AssessmentDerivation; obligations: Obligation[]; occurredAt: Instant }
>;
export type IncidentEvent = IncidentOpened | AffectedCityAdded | ResponseCostClaimed | ClaimVerified | ClaimRejected | AvertedLossAssessed | IncidentAssessed;

export type FundEstablished = DomainEvent<'FundEstablished', { fundId: string; bodyId: string; currency: string; occurredAt: Instant }>;
/** A member's contribution that fulfils no commitment (one toward a funding commitment is that commitment's DeliveryRecorded). */
export type MemberContributionReceived = DomainEvent<
  'MemberContributionReceived',
  { fundId: string; contributionId: string; cityId: string; amount: string; currency: string; reference: string; occurredAt: Instant }
>;
export type ThirdPartyIncentiveReceived = DomainEvent<
  'ThirdPartyIncentiveReceived',
  { fundId: string; incentiveId: string; source: string; amount: string; currency: string; reference: string; occurredAt: Instant }
>;

export const TRANSFER_FORMS = ['money', 'training', 'personnel', 'equipment', 'platform'] as const;
export type TransferForm = (typeof TRANSFER_FORMS)[number];

/** In-kind settlement carries the valuation the body agreed and where it is recorded. */
export interface InKindValuation {
  description: string;
  valuationRef: string;
}

export interface TransferTerms {
  transferId: string;
  obligationId: string;
  payer: Party;
  payee: Party;
  amount: string;
  currency: string;
  form: TransferForm;
  /** Required for every form but money; null for money. */
  valuation: InKindValuation | null;
  /** The settled transfer this one reverses (payer and payee swapped), or null. */
  reverses: string | null;
}

export type TransferInitiated = DomainEvent<'TransferInitiated', TransferTerms & { occurredAt: Instant }>;
export type TransferSettled = DomainEvent<'TransferSettled', { transferId: string; occurredAt: Instant }>;
export type TransferVoided = DomainEvent<'TransferVoided', { transferId: string; reason: string; occurredAt: Instant }>;
export type TransferEvent = TransferInitiated | TransferSettled | TransferVoided;

export type FundEvent = FundEstablished | MemberContributionReceived | ThirdPartyIncentiveReceived;

/**
 * A settlement by novation: the body's unencumbered obligations in one currency are discharged and replaced by at most
 * k − 1 net obligations (each then paid by an ordinary transfer). Every party's net position is preserved exactly.
 */
export type SettlementExecuted = DomainEvent<
  'SettlementExecuted',
  {
    settlementId: string;
    bodyId: string;
    currency: string;
    fingerprint: string;
    discharged: { obligationId: string; amount: string }[];
    obligations: Obligation[];
    occurredAt: Instant;
  }
>;
export type SettlementEvent = SettlementExecuted;

export type TreasuryEvent = TransferEvent | SettlementEvent;

export type CompensationEvent = IncidentEvent | FundEvent | TreasuryEvent;

/** Finding kinds as COMPENSATION.md counts them: slow response is a late report, refusing joint action is non-cooperation. */
export type CountedFindingKind = 'late_report' | 'non_cooperation' | 'concealment' | 'false_report';
export const COUNTED_AS: Readonly<Record<FindingKind, CountedFindingKind>> = {
  late_report: 'late_report',
  slow_response: 'late_report',
  non_cooperation: 'non_cooperation',
  refusal_to_join_joint_action: 'non_cooperation',
  concealment: 'concealment',
  false_report: 'false_report',
};

export const compensationStreams = {
  incident: (id: string) => `incident-${id}`,
  fund: (bodyId: string) => `fund-${bodyId}`,
  /** Where every transfer against an obligation of the body, and every settlement of the body, is decided. */
  treasury: (bodyId: string) => `treasury-${bodyId}`,
} as const;

export const penaltyObligationId = (findingId: string): string => `penalty-${findingId}`;
