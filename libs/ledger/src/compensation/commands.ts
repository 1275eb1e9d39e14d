/**
 * The compensation commands as the CommandBus carries them: what the client chose, without what the handler supplies
 * (the ledger clock's now, the acting city, the facts of other streams and of the read models).
 */
import { Command } from '@nestjs/cqrs';
import type { TransferForm, InKindValuation } from '../../../domain/src/compensation/events.js';
import type { FundCommand } from '../../../domain/src/compensation/fund.js';
import type { IncidentCommand } from '../../../domain/src/compensation/incident.js';
import type { WriteAcknowledgement } from '../acknowledgement.js';
import type { CommandContext } from '../context.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An incident command for `incidentId`; `occurredAt` defaults to the ledger clock's now. */
export type IncidentCommandInput = DistributiveOmit<IncidentCommand, 'context' | 'occurredAt' | 'incidentId'> & { incidentId: string; occurredAt?: string };
/** A command of the fund of `bodyId` (fund id = body id). */
export type FundCommandInput = DistributiveOmit<FundCommand, 'context' | 'occurredAt' | 'bodyId'> & { bodyId: string; occurredAt?: string };

/**
 * What the client chooses for a transfer: its id, the obligation, the amount and form. Payer, payee and currency are
 * the obligation's (or, for a reversal, those of the transfer reversed, swapped).
 */
export interface TransferInput {
  transferId: string;
  obligationId: string;
  amount: string;
  form: TransferForm;
  valuation: InKindValuation | null;
  reverses: string | null;
  occurredAt?: string;
}

export interface SettlementInput {
  bodyId: string;
  currency: string;
  settlementId: string;
  /** The fingerprint of the proposal the finance officer saw: execution is refused if positions moved since. */
  fingerprint: string;
  occurredAt?: string;
}

abstract class CompensationMessage<I> extends Command<WriteAcknowledgement> {
  constructor(
    readonly input: I,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExecuteIncidentCommand extends CompensationMessage<IncidentCommandInput> {}
export class ExecuteFundCommand extends CompensationMessage<FundCommandInput> {}
export class InitiateTransferCommand extends CompensationMessage<TransferInput> {}
export class SettleTransferCommand extends CompensationMessage<{ transferId: string; occurredAt?: string }> {}
export class VoidTransferCommand extends CompensationMessage<{ transferId: string; reason: string; occurredAt?: string }> {}
export class ExecuteSettlementCommand extends CompensationMessage<SettlementInput> {}
