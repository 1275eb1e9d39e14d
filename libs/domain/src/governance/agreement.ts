/**
 * Agreement: concluded by member cities under a body; holds the responsibility list, the compensation rules and the
 * deadlines of commitments. Amendments take effect from an instant on and never rewrite what governed before.
 * Stream `agreement-<id>`.
 */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { Dec, minorDigits } from '../shared/money.js';
import { instant, parseInstant, type Instant } from '../shared/time.js';
import {
  INCIDENT_ROLES,
  RISK_CATEGORIES,
  type AgreementEvent,
  type AgreementTerms,
  type CompensationRules,
  type RiskCategory,
} from './events.js';
import {
  checkOccurredAt,
  requireBodyActor,
  requireBounded,
  requireExists,
  requireId,
  requireOneOf,
  requireText,
  requireUnique,
  type CommandBase,
} from './common.js';

/** COMPENSATION.md defaults. Every field may be overridden per agreement. */
export const DEFAULT_COMPENSATION_RULES: Readonly<CompensationRules> = Object.freeze({
  currency: 'CNY',
  thetaBase: '0.50',
  thetaCap: '1.00',
  thetaIncrements: Object.freeze({ late_report: '0.10', non_cooperation: '0.15', concealment: '0.20', false_report: '0.25' }),
  nonCooperationHaircut: '0.20',
  fundCover: '0.50',
  benefitShareRate: '0.05',
  benefitMatchRate: '1.0',
});

export type CompensationRulesOverrides = Partial<Omit<CompensationRules, 'thetaIncrements'>> & {
  thetaIncrements?: Partial<CompensationRules['thetaIncrements']>;
};

export const MAX_AGREEMENT_PARTIES = 200;
export const MAX_DUTIES_PER_CITY = 50;
/** Amendments kept in one agreement's history; a longer life calls for a new agreement. */
export const MAX_AGREEMENT_AMENDMENTS = 100;
/** Commitment deadlines are bounded: a default period beyond ten years is a typo. */
export const MAX_DEADLINE_SECONDS = 10 * 365 * 86_400;

/** Terms as a command gives them: compensation rules are overrides over the defaults. */
export type AgreementTermsInput = Omit<AgreementTerms, 'compensationRules'> & { compensationRules?: CompensationRulesOverrides };

/** Cross-stream facts: the body's current members, as the handler read them from `body-<bodyId>`. */
export interface BodyContext {
  bodyId: string;
  members: string[];
}

export type ConcludeAgreement = CommandBase & {
  type: 'ConcludeAgreement';
  agreementId: string;
  bodyId: string;
  title: string;
  parties: string[];
  terms: AgreementTermsInput;
  body: BodyContext | null;
};
export type AmendAgreement = CommandBase & { type: 'AmendAgreement'; agreementId: string; effectiveFrom: Instant; terms: AgreementTermsInput; reason: string };
export type TerminateAgreement = CommandBase & { type: 'TerminateAgreement'; agreementId: string; reason: string };
export type AgreementCommand = ConcludeAgreement | AmendAgreement | TerminateAgreement;

export interface TermsVersion {
  effectiveFrom: Instant;
  terms: AgreementTerms;
}

export interface AgreementState {
  agreement: {
    agreementId: string;
    bodyId: string;
    title: string;
    parties: string[];
    /** Ordered by effectiveFrom; the first is the concluded terms, effective from validFrom. */
    versions: TermsVersion[];
    terminatedAt: Instant | null;
  } | null;
  lastOccurredAtMs: number | null;
}

export type AgreementStatusAt = 'in_force' | 'not_yet_in_force' | 'expired' | 'terminated';

/**
 * What a commitment needs from its agreement, as in force at one instant: the handler derives it with
 * `agreementTermsAt` and passes it in MakeCommitment.
 */
export interface AgreementContext {
  agreementId: string;
  bodyId: string;
  status: AgreementStatusAt;
  parties: string[];
  currency: string;
  overdueGraceSeconds: number;
  defaultAfterSeconds: number;
  validFrom: Instant;
  validUntil: Instant | null;
}

/**
 * The version of the terms in force at `instantMs`: the last one effective by then, or the concluded terms for an
 * instant before every amendment (whether the agreement was in force at all is `agreementTermsAt`'s status). Pure.
 */
export function termsVersionAt(agreement: NonNullable<AgreementState['agreement']>, instantMs: number): TermsVersion {
  let version = agreement.versions[0];
  for (const v of agreement.versions) {
    if (Date.parse(v.effectiveFrom) <= instantMs) version = v;
  }
  return version;
}

/** The agreement's terms in force at `instantMs`, or null when the agreement does not exist. Pure. */
export function agreementTermsAt(state: AgreementState, instantMs: number): AgreementContext | null {
  const a = state.agreement;
  if (a === null) return null;
  const { terms } = termsVersionAt(a, instantMs);
  const status: AgreementStatusAt =
    a.terminatedAt !== null && Date.parse(a.terminatedAt) <= instantMs
      ? 'terminated'
      : instantMs < Date.parse(terms.validFrom)
        ? 'not_yet_in_force'
        : terms.validUntil !== null && instantMs >= Date.parse(terms.validUntil)
          ? 'expired'
          : 'in_force';
  return {
    agreementId: a.agreementId,
    bodyId: a.bodyId,
    status,
    parties: [...a.parties],
    currency: terms.compensationRules.currency,
    overdueGraceSeconds: terms.overdueGraceSeconds,
    defaultAfterSeconds: terms.defaultAfterSeconds,
    validFrom: terms.validFrom,
    validUntil: terms.validUntil,
  };
}

const RATE_RE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;

function rate(value: string | undefined, fallback: string, field: string, max: Dec | null): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !RATE_RE.test(v) || (max !== null && new Dec(v).greaterThan(max))) {
    throw new DomainError('invalid_rate', `${field} must be a non-negative decimal string${max === null ? '' : ` of at most ${max.toString()}`}`, {
      field,
      value: v,
      max: max?.toString() ?? null,
    });
  }
  return v;
}

/** Overrides over the defaults, each checked: fractions within [0, 1], the match rate any non-negative decimal. */
export function resolveCompensationRules(overrides: CompensationRulesOverrides | undefined, parties: readonly string[]): CompensationRules {
  const o = overrides ?? {};
  const d = DEFAULT_COMPENSATION_RULES;
  const one = new Dec(1);
  const currency = o.currency ?? d.currency;
  minorDigits(currency);
  const inc = o.thetaIncrements ?? {};
  const rules: CompensationRules = {
    currency,
    thetaBase: rate(o.thetaBase, d.thetaBase, 'compensationRules.thetaBase', one),
    thetaCap: rate(o.thetaCap, d.thetaCap, 'compensationRules.thetaCap', one),
    thetaIncrements: {
      late_report: rate(inc.late_report, d.thetaIncrements.late_report, 'compensationRules.thetaIncrements.late_report', one),
      non_cooperation: rate(inc.non_cooperation, d.thetaIncrements.non_cooperation, 'compensationRules.thetaIncrements.non_cooperation', one),
      concealment: rate(inc.concealment, d.thetaIncrements.concealment, 'compensationRules.thetaIncrements.concealment', one),
      false_report: rate(inc.false_report, d.thetaIncrements.false_report, 'compensationRules.thetaIncrements.false_report', one),
    },
    nonCooperationHaircut: rate(o.nonCooperationHaircut, d.nonCooperationHaircut, 'compensationRules.nonCooperationHaircut', one),
    fundCover: rate(o.fundCover, d.fundCover, 'compensationRules.fundCover', one),
    benefitShareRate: rate(o.benefitShareRate, d.benefitShareRate, 'compensationRules.benefitShareRate', one),
    benefitMatchRate: rate(o.benefitMatchRate, d.benefitMatchRate, 'compensationRules.benefitMatchRate', null),
  };
  if (new Dec(rules.thetaBase).greaterThan(rules.thetaCap)) {
    throw new DomainError('invalid_rate', 'compensationRules.thetaBase must not exceed thetaCap', { thetaBase: rules.thetaBase, thetaCap: rules.thetaCap });
  }
  if (o.originShares !== undefined) {
    const entries = requireBounded(Object.entries(o.originShares), parties.length, 'compensationRules.originShares');
    const shares: Record<string, string> = {};
    for (const [cityId, share] of entries) {
      requirePartyOf(parties, cityId, 'compensationRules.originShares');
      const s = rate(share, share, `compensationRules.originShares.${cityId}`, null);
      if (new Dec(s).isZero()) {
        throw new DomainError('invalid_rate', `compensationRules.originShares.${cityId} must be greater than zero`, { field: `compensationRules.originShares.${cityId}`, value: s });
      }
      shares[cityId] = s;
    }
    rules.originShares = shares;
  }
  return rules;
}

function requirePartyOf(parties: readonly string[], cityId: string, field: string): void {
  if (!parties.includes(cityId)) {
    throw new DomainError('city_not_party', `${field}: city ${cityId} is not a party to the agreement`, { field, cityId, parties });
  }
}

function seconds(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_DEADLINE_SECONDS) {
    throw new DomainError('invalid_period', `${field} must be a whole number of seconds between 0 and ${MAX_DEADLINE_SECONDS}`, {
      field,
      value,
      max: MAX_DEADLINE_SECONDS,
    });
  }
  return value;
}

/** Checks and normalises a set of terms against the agreement's parties. */
export function resolveTerms(input: AgreementTermsInput, parties: readonly string[]): AgreementTerms {
  const riskCategories: RiskCategory[] = requireBounded(input.riskCategories, RISK_CATEGORIES.length, 'terms.riskCategories').map((c, i) =>
    requireOneOf(c, RISK_CATEGORIES, 'invalid_risk_category', `terms.riskCategories[${i}]`),
  );
  if (riskCategories.length === 0) {
    throw new DomainError('no_risk_category', 'an agreement covers at least one risk category', { field: 'terms.riskCategories' });
  }
  requireUnique(riskCategories, 'duplicate_risk_category', 'terms.riskCategories');
  const responsibilities = requireBounded(input.responsibilities, parties.length, 'terms.responsibilities').map((r, i) => {
    requirePartyOf(parties, r.cityId, `terms.responsibilities[${i}].cityId`);
    const duties = requireBounded(r.duties, MAX_DUTIES_PER_CITY, `terms.responsibilities[${i}].duties`).map((d, j) =>
      requireText(d, `terms.responsibilities[${i}].duties[${j}]`, 'duty'),
    );
    const incidentRole = requireOneOf(r.incidentRole, INCIDENT_ROLES, 'invalid_incident_role', `terms.responsibilities[${i}].incidentRole`);
    return { cityId: r.cityId, duties, incidentRole };
  });
  requireUnique(
    responsibilities.map((r) => r.cityId),
    'duplicate_responsibility',
    'terms.responsibilities',
  );
  const overdueGraceSeconds = seconds(input.overdueGraceSeconds, 'terms.overdueGraceSeconds');
  const defaultAfterSeconds = seconds(input.defaultAfterSeconds, 'terms.defaultAfterSeconds');
  if (defaultAfterSeconds <= overdueGraceSeconds) {
    throw new DomainError('default_before_overdue', 'terms.defaultAfterSeconds must be longer than terms.overdueGraceSeconds', {
      overdueGraceSeconds,
      defaultAfterSeconds,
    });
  }
  const validFromMs = parseInstant(input.validFrom, 'terms.validFrom');
  const validUntilMs = input.validUntil === null ? null : parseInstant(input.validUntil, 'terms.validUntil');
  if (validUntilMs !== null && validUntilMs <= validFromMs) {
    throw new DomainError('invalid_validity', 'terms.validUntil must be after terms.validFrom', { validFrom: input.validFrom, validUntil: input.validUntil });
  }
  return {
    riskCategories,
    responsibilities,
    compensationRules: resolveCompensationRules(input.compensationRules, parties),
    overdueGraceSeconds,
    defaultAfterSeconds,
    validFrom: instant(validFromMs),
    validUntil: validUntilMs === null ? null : instant(validUntilMs),
  };
}

export const agreementDecider: Decider<AgreementCommand, AgreementEvent, AgreementState> = {
  initialState: () => ({ agreement: null, lastOccurredAtMs: null }),

  evolve(state, event) {
    const lastOccurredAtMs = Date.parse(event.data.occurredAt);
    switch (event.type) {
      case 'AgreementConcluded': {
        const { agreementId, bodyId, title, parties, terms } = event.data;
        return {
          agreement: { agreementId, bodyId, title, parties: [...parties], versions: [{ effectiveFrom: terms.validFrom, terms }], terminatedAt: null },
          lastOccurredAtMs,
        };
      }
      case 'AgreementAmended':
        return {
          agreement: state.agreement && {
            ...state.agreement,
            versions: [...state.agreement.versions, { effectiveFrom: event.data.effectiveFrom, terms: event.data.terms }],
          },
          lastOccurredAtMs,
        };
      case 'AgreementTerminated':
        return { agreement: state.agreement && { ...state.agreement, terminatedAt: event.data.occurredAt }, lastOccurredAtMs };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'ConcludeAgreement': {
        const agreementId = requireId(command.agreementId, 'agreementId');
        const bodyId = requireId(command.bodyId, 'bodyId');
        requireBodyActor(command.by, bodyId, 'conclude an agreement');
        if (state.agreement !== null) {
          throw new DomainError('agreement_already_exists', `agreement ${agreementId} already exists`, { agreementId }, 409);
        }
        if (command.body === null || command.body.bodyId !== bodyId) {
          throw new DomainError('body_not_found', `coordination body ${bodyId} does not exist`, { id: bodyId }, 404);
        }
        const title = requireText(command.title, 'title', 'name');
        const parties = requireBounded(command.parties, MAX_AGREEMENT_PARTIES, 'parties').map((p, i) => requireId(p, `parties[${i}]`));
        requireUnique(parties, 'duplicate_party', 'parties');
        if (parties.length < 2) {
          throw new DomainError('too_few_parties', 'an agreement binds at least two member cities', { count: parties.length });
        }
        for (const p of parties) {
          if (!command.body.members.includes(p)) {
            throw new DomainError('party_not_member', `city ${p} is not a member of body ${bodyId}`, { cityId: p, bodyId });
          }
        }
        const terms = resolveTerms(command.terms, parties);
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'AgreementConcluded', data: { agreementId, bodyId, title, parties, terms, occurredAt: at } }];
      }
      case 'AmendAgreement': {
        const a = requireExists(state.agreement, 'agreement', command.agreementId);
        requireBodyActor(command.by, a.bodyId, 'amend an agreement');
        if (a.terminatedAt !== null) {
          throw new DomainError('agreement_terminated', `agreement ${a.agreementId} was terminated`, { agreementId: a.agreementId, terminatedAt: a.terminatedAt }, 409);
        }
        if (a.versions.length > MAX_AGREEMENT_AMENDMENTS) {
          throw new DomainError('amendment_limit_reached', `agreement ${a.agreementId} has reached ${MAX_AGREEMENT_AMENDMENTS} amendments`, { max: MAX_AGREEMENT_AMENDMENTS }, 409);
        }
        const reason = requireText(command.reason, 'reason', 'reason');
        const terms = resolveTerms(command.terms, a.parties);
        const { ms, at } = checkOccurredAt(command, state.lastOccurredAtMs);
        const effectiveFromMs = parseInstant(command.effectiveFrom, 'effectiveFrom');
        // Terms that governed a past instant stay what they were: an amendment only speaks from its own instant on.
        if (effectiveFromMs < ms) {
          throw new DomainError('retroactive_amendment', 'an amendment cannot take effect before it is made', { effectiveFrom: command.effectiveFrom, occurredAt: at });
        }
        const latest = a.versions[a.versions.length - 1];
        if (effectiveFromMs < Date.parse(latest.effectiveFrom)) {
          throw new DomainError('retroactive_amendment', 'an amendment cannot take effect before the terms it replaces', {
            effectiveFrom: command.effectiveFrom,
            latestEffectiveFrom: latest.effectiveFrom,
          });
        }
        return [{ type: 'AgreementAmended', data: { agreementId: a.agreementId, effectiveFrom: instant(effectiveFromMs), terms, reason, occurredAt: at } }];
      }
      case 'TerminateAgreement': {
        const a = requireExists(state.agreement, 'agreement', command.agreementId);
        requireBodyActor(command.by, a.bodyId, 'terminate an agreement');
        if (a.terminatedAt !== null) {
          throw new DomainError('agreement_already_terminated', `agreement ${a.agreementId} was already terminated`, { agreementId: a.agreementId, terminatedAt: a.terminatedAt }, 409);
        }
        const reason = requireText(command.reason, 'reason', 'reason');
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'AgreementTerminated', data: { agreementId: a.agreementId, reason, occurredAt: at } }];
      }
    }
  },
};
