import { given } from '../shared/given-when-then.js';
import { fold } from '../shared/decider.js';
import {
  agreementDecider,
  agreementTermsAt,
  DEFAULT_COMPENSATION_RULES,
  resolveTerms,
  type AmendAgreement,
  type ConcludeAgreement,
  type TerminateAgreement,
} from './agreement.js';
import type { AgreementConcluded, AgreementEvent } from './events.js';
import { at, BODY, bodyOfficer, MEMBERS, NOW_MS, officerOf, otherBody, PARTIES, T0, T0_MS, termsInput } from './testing.fixtures.js';

const conclude = (over: Partial<ConcludeAgreement> = {}): ConcludeAgreement => ({
  type: 'ConcludeAgreement',
  agreementId: 'taihu-flood',
  bodyId: BODY,
  title: 'Taihu basin flood response',
  parties: [...PARTIES],
  terms: termsInput(),
  body: { bodyId: BODY, members: [...MEMBERS] },
  occurredAt: T0,
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});
const concluded: AgreementConcluded = {
  type: 'AgreementConcluded',
  data: {
    agreementId: 'taihu-flood',
    bodyId: BODY,
    title: 'Taihu basin flood response',
    parties: [...PARTIES],
    terms: { ...termsInput(), compensationRules: { ...DEFAULT_COMPENSATION_RULES, thetaIncrements: { ...DEFAULT_COMPENSATION_RULES.thetaIncrements } } },
    occurredAt: T0,
  },
};
const amend = (over: Partial<AmendAgreement> = {}): AmendAgreement => ({
  type: 'AmendAgreement',
  agreementId: 'taihu-flood',
  effectiveFrom: at(24 * 30),
  terms: termsInput({ overdueGraceSeconds: 7200, compensationRules: { fundCover: '0.60' } }),
  reason: 'the fund grew',
  occurredAt: at(24),
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});
const terminate = (over: Partial<TerminateAgreement> = {}): TerminateAgreement => ({
  type: 'TerminateAgreement',
  agreementId: 'taihu-flood',
  reason: 'superseded by the delta compact',
  occurredAt: at(24 * 60),
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});
const amended = (): AgreementEvent => agreementDecider.decide(amend(), fold(agreementDecider, [concluded]))[0];

describe('agreement', () => {
  it('is concluded under a body by its member cities, with the default compensation rules of COMPENSATION.md', () => {
    given(agreementDecider, []).when(conclude()).then([concluded]);
    expect(DEFAULT_COMPENSATION_RULES).toMatchObject({
      currency: 'CNY',
      thetaBase: '0.50',
      thetaCap: '1.00',
      thetaIncrements: { late_report: '0.10', non_cooperation: '0.15', concealment: '0.20', false_report: '0.25' },
      nonCooperationHaircut: '0.20',
      fundCover: '0.50',
      benefitShareRate: '0.05',
      benefitMatchRate: '1.0',
    });
  });

  it('overrides any compensation rule and keeps the defaults for the rest', () => {
    const terms = resolveTerms(termsInput({ compensationRules: { thetaBase: '0.60', thetaIncrements: { concealment: '0.30' }, originShares: { hangzhou: '2', suzhou: '1' } } }), PARTIES);
    expect(terms.compensationRules).toEqual({
      ...DEFAULT_COMPENSATION_RULES,
      thetaBase: '0.60',
      thetaIncrements: { ...DEFAULT_COMPENSATION_RULES.thetaIncrements, concealment: '0.30' },
      originShares: { hangzhou: '2', suzhou: '1' },
    });
  });

  it('refuses compensation rules out of their range', () => {
    const withRules = (compensationRules: NonNullable<ConcludeAgreement['terms']['compensationRules']>) => conclude({ terms: termsInput({ compensationRules }) });
    given(agreementDecider, []).when(withRules({ fundCover: '1.5' })).thenThrows('invalid_rate');
    given(agreementDecider, []).when(withRules({ thetaBase: '0.8', thetaCap: '0.7' })).thenThrows('invalid_rate');
    given(agreementDecider, []).when(withRules({ benefitShareRate: '-0.1' })).thenThrows('invalid_rate');
    given(agreementDecider, []).when(withRules({ currency: 'XAU' })).thenThrows('unknown_currency');
    given(agreementDecider, []).when(withRules({ originShares: { ningbo: '1' } })).thenThrows('city_not_party');
    given(agreementDecider, []).when(withRules({ originShares: { hangzhou: '0' } })).thenThrows('invalid_rate');
  });

  it('is concluded only by the officers of its own body', () => {
    given(agreementDecider, []).when(conclude({ by: otherBody })).thenThrows('actor_not_permitted', 403);
    given(agreementDecider, []).when(conclude({ by: officerOf('hangzhou') })).thenThrows('actor_not_permitted', 403);
  });

  it('is concluded once, under a body that exists', () => {
    given(agreementDecider, [concluded]).when(conclude({ occurredAt: at(1) })).thenThrows('agreement_already_exists', 409);
    given(agreementDecider, []).when(conclude({ body: null })).thenThrows('body_not_found', 404);
  });

  it('binds at least two distinct member cities of the body', () => {
    given(agreementDecider, []).when(conclude({ parties: ['hangzhou'] })).thenThrows('too_few_parties');
    given(agreementDecider, []).when(conclude({ parties: ['hangzhou', 'hangzhou'] })).thenThrows('duplicate_party');
    given(agreementDecider, []).when(conclude({ parties: ['hangzhou', 'ningbo'] })).thenThrows('party_not_member');
  });

  it('lists responsibilities only for its parties, once each', () => {
    const resp = (cityId: string) => ({ cityId, duties: ['assist'], incidentRole: 'affected_assists' as const });
    given(agreementDecider, []).when(conclude({ terms: termsInput({ responsibilities: [resp('huzhou')] }) })).thenThrows('city_not_party');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ responsibilities: [resp('suzhou'), resp('suzhou')] }) })).thenThrows('duplicate_responsibility');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ responsibilities: [{ ...resp('suzhou'), duties: [''] }] }) })).thenThrows('empty_text');
  });

  it('covers at least one known risk category', () => {
    given(agreementDecider, []).when(conclude({ terms: termsInput({ riskCategories: [] }) })).thenThrows('no_risk_category');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ riskCategories: ['accident', 'accident'] }) })).thenThrows('duplicate_risk_category');
  });

  it('defaults a commitment only after it could be overdue, and is valid for a positive span', () => {
    given(agreementDecider, []).when(conclude({ terms: termsInput({ overdueGraceSeconds: 3600, defaultAfterSeconds: 3600 }) })).thenThrows('default_before_overdue');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ overdueGraceSeconds: -1 }) })).thenThrows('invalid_period');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ overdueGraceSeconds: 1.5 }) })).thenThrows('invalid_period');
    given(agreementDecider, []).when(conclude({ terms: termsInput({ validUntil: '2024-01-01T00:00:00Z' }) })).thenThrows('invalid_validity');
  });

  it('is amended with new terms from an instant on, keeping the earlier terms for earlier instants', () => {
    given(agreementDecider, [concluded])
      .when(amend())
      .then([
        {
          type: 'AgreementAmended',
          data: {
            agreementId: 'taihu-flood',
            effectiveFrom: at(24 * 30),
            terms: resolveTerms(termsInput({ overdueGraceSeconds: 7200, compensationRules: { fundCover: '0.60' } }), PARTIES),
            reason: 'the fund grew',
            occurredAt: at(24),
          },
        },
      ]);
    const state = fold(agreementDecider, [concluded, amended()]);
    expect(agreementTermsAt(state, Date.parse(at(24 * 30)) - 1)?.overdueGraceSeconds).toBe(3600);
    expect(agreementTermsAt(state, Date.parse(at(24 * 30)))?.overdueGraceSeconds).toBe(7200);
  });

  it('cannot be amended retroactively', () => {
    given(agreementDecider, [concluded]).when(amend({ effectiveFrom: at(23) })).thenThrows('retroactive_amendment');
    given(agreementDecider, [concluded, amended()]).when(amend({ effectiveFrom: at(24 * 29), occurredAt: at(25) })).thenThrows('retroactive_amendment');
  });

  it('is amended and terminated only by its own body', () => {
    given(agreementDecider, [concluded]).when(amend({ by: officerOf('suzhou') })).thenThrows('actor_not_permitted', 403);
    given(agreementDecider, [concluded]).when(terminate({ by: otherBody })).thenThrows('actor_not_permitted', 403);
  });

  it('an unknown agreement cannot be amended or terminated', () => {
    given(agreementDecider, []).when(amend()).thenThrows('agreement_not_found', 404);
    given(agreementDecider, []).when(terminate()).thenThrows('agreement_not_found', 404);
  });

  it('is terminated once, and a terminated agreement is not amended', () => {
    const terminated: AgreementEvent = { type: 'AgreementTerminated', data: { agreementId: 'taihu-flood', reason: 'superseded by the delta compact', occurredAt: at(24 * 60) } };
    given(agreementDecider, [concluded]).when(terminate()).then([terminated]);
    given(agreementDecider, [concluded, terminated]).when(terminate({ occurredAt: at(24 * 61) })).thenThrows('agreement_already_terminated', 409);
    given(agreementDecider, [concluded, terminated]).when(amend({ occurredAt: at(24 * 61), effectiveFrom: at(24 * 62) })).thenThrows('agreement_terminated', 409);
  });

  it('tells the terms in force at an instant: not yet, in force, expired, terminated', () => {
    const terminated: AgreementEvent = { type: 'AgreementTerminated', data: { agreementId: 'taihu-flood', reason: 'ended', occurredAt: at(24 * 60) } };
    const state = fold(agreementDecider, [concluded]);
    expect(agreementTermsAt(fold(agreementDecider, []), T0_MS)).toBeNull();
    expect(agreementTermsAt(state, Date.parse('2024-12-31T23:59:59.999Z'))?.status).toBe('not_yet_in_force');
    expect(agreementTermsAt(state, T0_MS)).toEqual({
      agreementId: 'taihu-flood',
      bodyId: BODY,
      status: 'in_force',
      parties: PARTIES,
      currency: 'CNY',
      overdueGraceSeconds: 3600,
      defaultAfterSeconds: 604800,
      validFrom: '2025-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
    });
    expect(agreementTermsAt(state, Date.parse('2027-01-01T00:00:00.000Z'))?.status).toBe('expired');
    const ended = fold(agreementDecider, [concluded, terminated]);
    expect(agreementTermsAt(ended, Date.parse(at(24 * 60)) - 1)?.status).toBe('in_force');
    expect(agreementTermsAt(ended, Date.parse(at(24 * 60)))?.status).toBe('terminated');
  });
});
