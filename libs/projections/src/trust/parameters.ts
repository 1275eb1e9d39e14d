import type { FindingKind } from '../../../domain/src/governance/events.js';

/**
 * A named, versioned parameter set of the commitment-fulfilment Beta trust model (TRUST_MODEL.md). Every trust answer
 * names the set that produced it, so a score can always be reproduced and a later set never re-scores history silently.
 */
export interface TrustParameterSet {
  readonly id: string;
  readonly version: number;
  /** W: weight of the prior (pseudo-observations of the base rate). */
  readonly priorWeight: number;
  /** a: base rate of a city with no history. */
  readonly baseRate: number;
  /** H: half-life of commitment evidence, days. */
  readonly halfLifeCommitmentDays: number;
  /** H_f: half-life of findings, days. */
  readonly halfLifeFindingDays: number;
  /** V_ref: value (currency units) at which a commitment weighs 2. */
  readonly valueRef: number;
  /** κ: breaking a commitment costs κ times what keeping it earns. */
  readonly breachMultiplier: number;
  /** L_floor: least timeliness credit of a late fulfilment. */
  readonly lateFloor: number;
  /**
   * The model's own grace after the due instant, seconds. Deliberately not the agreement's `overdueGraceSeconds`:
   * the agreement's grace governs the overdue process, while trust scores lateness from the due instant so that two
   * agreements with different graces score the same delivery the same way.
   */
  readonly graceSeconds: number;
  /** Least lead (due − made) used for the lateness ratio, seconds. */
  readonly minLeadSeconds: number;
  /** φ: pseudo-counts of negative evidence per finding of severity 1. */
  readonly findingWeights: Readonly<Record<FindingKind, number>>;
}

export const CFBT_1: TrustParameterSet = Object.freeze({
  id: 'cfbt-1',
  version: 1,
  priorWeight: 2,
  baseRate: 0.5,
  halfLifeCommitmentDays: 365,
  halfLifeFindingDays: 730,
  valueRef: 1_000_000,
  breachMultiplier: 2,
  lateFloor: 0.25,
  graceSeconds: 0,
  minLeadSeconds: 86_400,
  findingWeights: Object.freeze({
    late_report: 2,
    non_cooperation: 4,
    concealment: 6,
    false_report: 8,
    // The ledger's other kinds, mapped onto the model's four: a slow response is a late report, a refusal is non-cooperation.
    slow_response: 2,
    refusal_to_join_joint_action: 4,
  }),
});

/** The parameter sets this build knows, by id. */
export const TRUST_PARAMETER_SETS: Readonly<Record<string, TrustParameterSet>> = Object.freeze({ [CFBT_1.id]: CFBT_1 });
