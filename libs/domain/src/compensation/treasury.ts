/**
 * The treasury of a body (stream `treasury-<bodyId>`): every reduction of an obligation of the body is decided here,
 * one at a time: transfers against its obligations (whoever pays, the fund's payouts and reversals included) and
 * executed settlements. The stream's expected revision is the one lock: a settlement and a transfer against the same
 * obligation, or two payouts of the fund, cannot both pass their checks. Money coming in (incidents, penalties,
 * contributions, incentives, deliveries) is recorded elsewhere; it only ever adds to what may be paid.
 *
 * The state is compact: the book of transfers (for their status, idempotent repeats and reversals), the fingerprints of
 * executed settlements, and the stream revision every decision is checked against.
 */
import { DomainError } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';
import type { TreasuryEvent } from './events.js';
import { emptyMap } from './persistent-map.js';
import { decideSettlement, type SettlementCommand } from './settlement.js';
import { decideTransfer, evolveTransferBook, type TransferBook, type TransferCommand } from './transfers.js';

export type TreasuryCommand = TransferCommand | SettlementCommand;

export interface TreasuryState {
  /** Revision of the last event of the treasury stream; −1 before any. */
  revision: number;
  transfers: TransferBook;
  /** Settlement id → the fingerprint it was executed from. */
  settlements: Readonly<Record<string, string>>;
}

/** The decider of `treasury-<bodyId>`. Bound to its body, so a command about another body's obligation is refused. */
export function treasuryDecider(bodyId: string): Decider<TreasuryCommand, TreasuryEvent, TreasuryState> {
  return {
    initialState: () => ({ revision: -1, transfers: emptyMap(), settlements: {} }),
    evolve(state, event) {
      const revision = state.revision + 1;
      if (event.type === 'SettlementExecuted') return { ...state, revision, settlements: { ...state.settlements, [event.data.settlementId]: event.data.fingerprint } };
      return { ...state, revision, transfers: evolveTransferBook(state.transfers, event) };
    },
    decide(command, state) {
      if (command.type === 'ExecuteSettlement') return decideSettlement(command, state.settlements, state.revision, bodyId);
      // The fund of a body is that body's: it pays, and is repaid by reversals, through this treasury only.
      if (command.type === 'InitiateTransfer' && command.terms.payer.kind === 'fund' && command.terms.payer.id !== bodyId) {
        throw new DomainError('transfer_not_paid_by_fund', `the fund of body ${command.terms.payer.id} pays through its own treasury`, { fundId: command.terms.payer.id, bodyId });
      }
      return decideTransfer(command, state.transfers, state.revision, bodyId);
    },
  };
}
