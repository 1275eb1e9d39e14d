import type { TrustParameterSet } from './parameters.js';

export type TrustBand = 'trusted' | 'watch' | 'low' | 'unrated';

/** A subjective-logic opinion about one trustee, with its evidence totals and the set that produced it. */
export interface TrustOpinion {
  /** Positive evidence (decayed, value-weighted). */
  r: number;
  /** Negative evidence. */
  s: number;
  belief: number;
  disbelief: number;
  uncertainty: number;
  baseRate: number;
  /** Expected trust T = b + a·u. */
  trust: number;
  /** 1 − u. */
  confidence: number;
  /** [b, b + u]: the trust the evidence still allows. */
  interval: readonly [lower: number, upper: number];
  band: TrustBand;
  /** 100·T, for display. */
  score0To100: number;
  parameterSet: string;
}

/** w = 1 + log₂(1 + V / V_ref). */
export function commitmentWeight(value: number, p: TrustParameterSet): number {
  return 1 + Math.log2(1 + Math.max(0, value) / p.valueRef);
}

/** L = 1 when on time, else max(L_floor, 1 − ρ). */
export function timeliness(latenessRatio: number, p: TrustParameterSet): number {
  return latenessRatio === 0 ? 1 : Math.max(p.lateFloor, 1 - latenessRatio);
}

/**
 * Bands: unrated is checked first (too little evidence to say anything), then trusted. A high score that is not yet
 * confident enough for "trusted" stays in "watch": the alliance admits only cities the evidence vouches for.
 */
export function bandOf(trust: number, confidence: number): TrustBand {
  if (confidence < 0.5) return 'unrated';
  if (trust >= 0.75 && confidence >= 0.8) return 'trusted';
  if (trust >= 0.5) return 'watch';
  return 'low';
}

/** T = b + a·u, without building the whole opinion: the leave-one-out base rate of a pair needs only this. */
export function expectedTrust(r: number, s: number, baseRate: number, p: TrustParameterSet): number {
  return (r + baseRate * p.priorWeight) / (r + s + p.priorWeight);
}

export function opinionOf(r: number, s: number, baseRate: number, p: TrustParameterSet): TrustOpinion {
  const total = r + s + p.priorWeight;
  const belief = r / total;
  const disbelief = s / total;
  const uncertainty = p.priorWeight / total;
  const trust = belief + baseRate * uncertainty;
  const confidence = 1 - uncertainty;
  return {
    r,
    s,
    belief,
    disbelief,
    uncertainty,
    baseRate,
    trust,
    confidence,
    interval: [belief, belief + uncertainty],
    band: bandOf(trust, confidence),
    score0To100: 100 * trust,
    parameterSet: p.id,
  };
}
