/** Shared fixtures of the compensation specs: the default rules of COMPENSATION.md and a small agreement. */
import type { CompensationRules } from '../governance/events.js';
import type { IncidentAgreementContext } from './incident.js';

export const DEFAULT_RULES: CompensationRules = {
  currency: 'CNY',
  thetaBase: '0.50',
  thetaCap: '1.00',
  thetaIncrements: { late_report: '0.10', non_cooperation: '0.15', concealment: '0.20', false_report: '0.25' },
  nonCooperationHaircut: '0.20',
  fundCover: '0.50',
  benefitShareRate: '0.05',
  benefitMatchRate: '1.0',
};

export const AGREEMENT: IncidentAgreementContext = {
  agreementId: 'delta-floods',
  bodyId: 'delta',
  parties: ['origin-city', 'river-city', 'hill-city', 'coast-city', 'second-origin'],
  riskCategories: ['natural_disaster', 'public_health'],
  compensationRules: DEFAULT_RULES,
  terminated: false,
};

export const T0 = '2026-03-01T08:00:00.000Z';
export const T1 = '2026-03-02T08:00:00.000Z';
export const T2 = '2026-03-03T08:00:00.000Z';
