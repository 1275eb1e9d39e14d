/**
 * Settlement proposals read from the balances read model. The proposal and the execution context come from the same
 * list of settleable obligations, so the fingerprint the decider recomputes matches exactly when nothing moved.
 */
import {
  positionsFromObligations,
  proposeSettlement,
  type ExecuteSettlement,
  type SettlementProposal,
} from '../../../domain/src/compensation/settlement.js';
import type { BalancesReadModel } from '../balances/balances.read-model.js';

/** The proposal that nets every unencumbered obligation of the body in this currency. */
/** A body's proposal, with what executing it would replace. */
export interface BodySettlementProposal extends SettlementProposal {
  /** Open (unencumbered) obligations the proposal nets; executing replaces them by `transfers`. */
  obligationsReplaced: number;
  /**
   * True when executing needs fewer transfers than the obligations it replaces. False right after a settlement (its
   * net obligations are already the fewest) or when nothing is open: then the open obligations are paid as they stand.
   */
  worthExecuting: boolean;
}

export function proposeBodySettlement(balances: BalancesReadModel, bodyId: string, currency: string): BodySettlementProposal {
  const obligations = balances.settleableObligations(bodyId, currency);
  const proposal = proposeSettlement(positionsFromObligations(bodyId, currency, obligations));
  // The same rule the settlement decider applies (nothing_to_settle), so the page never offers a refused execution.
  return { ...proposal, obligationsReplaced: obligations.length, worthExecuting: proposal.transfers.length < obligations.length };
}

/** The context an ExecuteSettlement command needs, read just before deciding. */
export function settlementContext(balances: BalancesReadModel, proposal: SettlementProposal): ExecuteSettlement['context'] {
  return { obligations: balances.settleableObligations(proposal.bodyId, proposal.currency), asOfRevision: balances.treasuryRevision(proposal.bodyId) };
}
