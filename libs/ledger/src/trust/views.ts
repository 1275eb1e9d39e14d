/**
 * Trust answers as the API serves them: the read model's answers with the interval as { lower, upper } and the display
 * score as `score`. Every answer names the parameter set that produced it.
 */
import type { TrustBand } from '../../../projections/src/trust/opinion.js';
import type { TrustBasis } from '../../../projections/src/trust/evidence.js';
import type { TrustAnomaly, TrustAnswer, TrustContribution, TrustSubject } from '../../../projections/src/trust/trust-read-model.js';
import type { SeriesStep } from './series.js';

export interface TrustAnswerView {
  subject: TrustSubject;
  asOf: string;
  basis: TrustBasis;
  r: number;
  s: number;
  belief: number;
  disbelief: number;
  uncertainty: number;
  baseRate: number;
  trust: number;
  confidence: number;
  interval: { lower: number; upper: number };
  band: TrustBand;
  /** 100·trust, for display. */
  score: number;
  parameterSet: string;
  contributions?: TrustContribution[];
  omittedContributions?: number;
  anomalies?: TrustAnomaly[];
}

export interface TrustSeriesPoint {
  asOf: string;
  trust: number;
  confidence: number;
  band: TrustBand;
  score: number;
}

export interface TrustSeriesView {
  cityId: string;
  basis: TrustBasis;
  step: SeriesStep;
  from: string;
  to: string;
  parameterSet: string;
  points: TrustSeriesPoint[];
}

export interface MatrixCellView extends TrustAnswerView {
  truster: string;
  trustee: string;
}

export interface BodyMatrixView {
  bodyId: string;
  asOf: string;
  basis: TrustBasis;
  parameterSet: string;
  members: string[];
  /** Every ordered pair of members (truster ≠ trustee), truster-major in member order. */
  cells: MatrixCellView[];
}

export interface RankedCityView extends TrustAnswerView {
  rank: number;
  cityId: string;
}

export interface BodyRankingView {
  bodyId: string;
  asOf: string;
  basis: TrustBasis;
  parameterSet: string;
  /** Members by trust, best first (ties by city id). */
  items: RankedCityView[];
}

export interface TrustAllianceView {
  bodyId: string;
  asOf: string;
  basis: TrustBasis;
  parameterSet: string;
  /** Members in the trusted band, best first. */
  members: string[];
}

export function answerView(answer: TrustAnswer): TrustAnswerView {
  const view: TrustAnswerView = {
    subject: answer.subject,
    asOf: answer.asOf,
    basis: answer.basis,
    r: answer.r,
    s: answer.s,
    belief: answer.belief,
    disbelief: answer.disbelief,
    uncertainty: answer.uncertainty,
    baseRate: answer.baseRate,
    trust: answer.trust,
    confidence: answer.confidence,
    interval: { lower: answer.interval[0], upper: answer.interval[1] },
    band: answer.band,
    score: answer.score0To100,
    parameterSet: answer.parameterSet,
  };
  if (answer.contributions !== undefined) view.contributions = answer.contributions;
  if (answer.omittedContributions !== undefined) view.omittedContributions = answer.omittedContributions;
  if (answer.anomalies !== undefined) view.anomalies = answer.anomalies;
  return view;
}
