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
export function proposeBodySettlement(balances: BalancesReadModel, bodyId: string, currency: string): SettlementProposal {
  return proposeSettlement(positionsFromObligations(bodyId, currency, balances.settleableObligations(bodyId, currency)));
}

/** The context an ExecuteSettlement command needs, read just before deciding. */
export function settlementContext(balances: BalancesReadModel, proposal: SettlementProposal): ExecuteSettlement['context'] {
  return { obligations: balances.settleableObligations(proposal.bodyId, proposal.currency), asOfRevision: balances.treasuryRevision(proposal.bodyId) };
}
