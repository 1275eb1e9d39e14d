/**
 * Events of governance: cities, coordination bodies, agreements, commitments and accountability findings.
 * These types are the contract between the deciders (which emit them), the log (which stores them as
 * `{type, data}` plus an envelope) and the projections (trust, commitments read model, balances).
 *
 * Conventions: every `data` carries `occurredAt` (the business instant, ISO-8601 UTC); amounts and quantities are
 * decimal strings; ids are slugs (`[a-z0-9][a-z0-9-]{0,62}`) or UUIDs. Streams: `city-<id>`, `body-<id>`,
 * `agreement-<id>`, `commitment-<id>`, `finding-<id>`. Old versions are upcast on read, never rewritten.
 */
import type { DomainEvent } from '../shared/decider.js';
import type { Instant } from '../shared/time.js';
import type { Money } from '../shared/money.js';

export const ADMINISTRATIVE_LEVELS = ['municipality', 'sub_provincial', 'provincial_capital', 'prefecture_level', 'county_level'] as const;
export type AdministrativeLevel = (typeof ADMINISTRATIVE_LEVELS)[number];

export const RISK_CATEGORIES = ['natural_disaster', 'public_health', 'accident', 'social_security', 'technology_cyber'] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export const COMMITMENT_KINDS = [
  'information_report',
  'supplies',
  'personnel',
  'equipment',
  'funding',
  'response',
  'drill',
  'training',
  'platform',
] as const;
export type CommitmentKind = (typeof COMMITMENT_KINDS)[number];

export const FINDING_KINDS = [
  'late_report',
  'concealment',
  'false_report',
  'refusal_to_join_joint_action',
  'slow_response',
  'non_cooperation',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Role of a city for incidents under an agreement: "the origin leads, affected cities assist". */
export type IncidentRole = 'origin_leads' | 'affected_assists' | 'either';
export const INCIDENT_ROLES: readonly IncidentRole[] = ['origin_leads', 'affected_assists', 'either'];

/** To whom a commitment is owed. */
export type Obligee = { kind: 'city'; id: string } | { kind: 'body'; id: string } | { kind: 'fund'; id: string };

/** The compensation rules of COMPENSATION.md; every field overridable per agreement. Decimals as strings. */
export interface CompensationRules {
  currency: string;
  thetaBase: string; // 0.50
  thetaCap: string; // 1.00
  thetaIncrements: Record<'late_report' | 'non_cooperation' | 'concealment' | 'false_report', string>; // 0.10 0.15 0.20 0.25
  nonCooperationHaircut: string; // 0.20
  fundCover: string; // 0.50
  benefitShareRate: string; // sigma 0.05
  benefitMatchRate: string; // m 1.0
  /** Origin city id → share weight when several origins split the liability; absent → equal. */
  originShares?: Record<string, string>;
}

export interface Responsibility {
  cityId: string;
  duties: string[];
  incidentRole: IncidentRole;
}

export interface AgreementTerms {
  riskCategories: RiskCategory[];
  responsibilities: Responsibility[];
  compensationRules: CompensationRules;
  /** Grace after the due instant before an open commitment counts as overdue. */
  overdueGraceSeconds: number;
  /** Period after the due instant after which an unfulfilled commitment is defaulted (reason "deadline"). */
  defaultAfterSeconds: number;
  validFrom: Instant;
  validUntil: Instant | null;
}

/** What a commitment promises: a quantity of a unit, or an amount of money. */
export type Promise_ = { kind: 'quantity'; quantity: string; unit: string } | { kind: 'money'; amount: string; currency: string };

export type CityRegistered = DomainEvent<'CityRegistered', { cityId: string; name: string; level: AdministrativeLevel; region: string; occurredAt: Instant }>;
export type CityRenamed = DomainEvent<'CityRenamed', { cityId: string; name: string; previousName: string; occurredAt: Instant }>;
export type CityEvent = CityRegistered | CityRenamed;

export type BodyEstablished = DomainEvent<
  'BodyEstablished',
  { bodyId: string; name: string; members: string[]; offices: { riskCategory: RiskCategory; name: string }[]; occurredAt: Instant }
>;
export type MemberAdmitted = DomainEvent<'MemberAdmitted', { bodyId: string; cityId: string; occurredAt: Instant }>;
export type MemberRemoved = DomainEvent<'MemberRemoved', { bodyId: string; cityId: string; reason: string; occurredAt: Instant }>;
export type BodyEvent = BodyEstablished | MemberAdmitted | MemberRemoved;

export type AgreementConcluded = DomainEvent<
  'AgreementConcluded',
  { agreementId: string; bodyId: string; title: string; parties: string[]; terms: AgreementTerms; occurredAt: Instant }
>;
/** New terms from `effectiveFrom` on; earlier terms stay in the history and keep governing what came before. */
export type AgreementAmended = DomainEvent<'AgreementAmended', { agreementId: string; effectiveFrom: Instant; terms: AgreementTerms; reason: string; occurredAt: Instant }>;
export type AgreementTerminated = DomainEvent<'AgreementTerminated', { agreementId: string; reason: string; occurredAt: Instant }>;
export type AgreementEvent = AgreementConcluded | AgreementAmended | AgreementTerminated;

/**
 * A commitment copies the terms it is made under (grace, default period, body, currency), so its decider and every
 * projection can work from its own stream alone.
 */
export type CommitmentMade = DomainEvent<
  'CommitmentMade',
  {
    commitmentId: string;
    agreementId: string;
    bodyId: string;
    obligor: string;
    obligee: Obligee;
    kind: CommitmentKind;
    description: string;
    promise: Promise_;
    /** Monetary value or agreed valuation: weighs the commitment in trust. */
    value: Money;
    dueAt: Instant;
    incidentId: string | null;
    allowOverDelivery: boolean;
    overdueGraceSeconds: number;
    defaultAfterSeconds: number;
    occurredAt: Instant;
  }
>;
export type DeliveryRecorded = DomainEvent<
  'DeliveryRecorded',
  { commitmentId: string; deliveryId: string; quantity: string; evidenceRef: string; occurredAt: Instant }
>;
/** Emitted with the delivery that reaches the promised quantity. `fulfilledAt` = that delivery's occurredAt. */
export type CommitmentFulfilled = DomainEvent<
  'CommitmentFulfilled',
  { commitmentId: string; completingDeliveryId: string; delivered: string; onTime: boolean; fulfilledAt: Instant; occurredAt: Instant }
>;
/** The body accepts a partial delivery as final. fraction = delivered / promised, a decimal string in [0, 1). */
export type CommitmentClosedShort = DomainEvent<
  'CommitmentClosedShort',
  { commitmentId: string; delivered: string; promised: string; fraction: string; reason: string; occurredAt: Instant }
>;
/** Deadline processing: due + grace passed with the commitment still open. Informational (trust uses its own rule 4). */
export type CommitmentOverdue = DomainEvent<'CommitmentOverdue', { commitmentId: string; dueAt: Instant; occurredAt: Instant }>;
export type CommitmentDefaulted = DomainEvent<
  'CommitmentDefaulted',
  { commitmentId: string; reason: 'declared' | 'deadline'; note: string; occurredAt: Instant }
>;
export type CommitmentWaived = DomainEvent<'CommitmentWaived', { commitmentId: string; waivedBy: Obligee; reason: string; occurredAt: Instant }>;
export type DeliveryDisputed = DomainEvent<'DeliveryDisputed', { commitmentId: string; deliveryId: string; disputeId: string; reason: string; occurredAt: Instant }>;
/** upheld: the delivery no longer counts. If that takes a fulfilled commitment below its promise, CommitmentReopened follows. */
export type DisputeResolved = DomainEvent<
  'DisputeResolved',
  { commitmentId: string; disputeId: string; deliveryId: string; outcome: 'upheld' | 'rejected'; note: string; occurredAt: Instant }
>;
/** A fulfilment no longer stands (its completing delivery was disputed and upheld): the commitment is open again. */
export type CommitmentReopened = DomainEvent<'CommitmentReopened', { commitmentId: string; delivered: string; occurredAt: Instant }>;
export type CommitmentEvent =
  | CommitmentMade
  | DeliveryRecorded
  | CommitmentFulfilled
  | CommitmentClosedShort
  | CommitmentOverdue
  | CommitmentDefaulted
  | CommitmentWaived
  | DeliveryDisputed
  | DisputeResolved
  | CommitmentReopened;

export type FindingRecorded = DomainEvent<
  'FindingRecorded',
  {
    findingId: string;
    bodyId: string;
    cityId: string;
    counterpartyCityId: string | null;
    kind: FindingKind;
    /** 0.5 to 3. */
    severity: number;
    incidentId: string | null;
    /** Payable to the body's special fund. */
    penalty: Money | null;
    description: string;
    occurredAt: Instant;
  }
>;
export type FindingRevoked = DomainEvent<'FindingRevoked', { findingId: string; reason: string; occurredAt: Instant }>;
export type FindingEvent = FindingRecorded | FindingRevoked;

export type GovernanceEvent = CityEvent | BodyEvent | AgreementEvent | CommitmentEvent | FindingEvent;

/** Stream names: one place, so the deciders, handlers and projections agree. */
export const streams = {
  city: (id: string) => `city-${id}`,
  body: (id: string) => `body-${id}`,
  agreement: (id: string) => `agreement-${id}`,
  commitment: (id: string) => `commitment-${id}`,
  finding: (id: string) => `finding-${id}`,
} as const;
