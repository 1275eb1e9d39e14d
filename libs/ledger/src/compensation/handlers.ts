/**
 * Command handlers of compensation: each fills the decider's context from the streams it needs (agreement, body,
 * fund, incident) and from the read models (balances, incidents) brought up to the head of the log, checks that the
 * actor acts for the party concerned, and runs the one command path. Every reduction of an obligation of a body runs
 * on that body's treasury stream, so its expected revision decides any race (see compensation/treasury.ts).
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { compensationStreams as streams, type Party, type TransferTerms } from '../../../domain/src/compensation/events.js';
import { fundDecider, type FundCommand } from '../../../domain/src/compensation/fund.js';
import { incidentDecider, type IncidentAgreementContext, type IncidentCommand } from '../../../domain/src/compensation/incident.js';
import { treasuryDecider, type TreasuryCommand } from '../../../domain/src/compensation/treasury.js';
import { agreementTermsAt, termsVersionAt } from '../../../domain/src/governance/agreement.js';
import { requireId } from '../../../domain/src/governance/common.js';
import { DomainError, notFound } from '../../../domain/src/shared/errors.js';
import { instant, parseInstant } from '../../../domain/src/shared/time.js';
import type { Clock } from '../../../event-store/src/clock.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { proposeBodySettlement, settlementContext } from '../../../projections/src/settlement/settlement.queries.js';
import { executeAndAcknowledge, type WriteAcknowledgement } from '../acknowledgement.js';
import type { Actor, CommandContext, Role } from '../context.js';
import { agreementOf, bodyOf, firstEvent, fundOf } from '../governance/context-reads.js';
import { assertActsFor, partiesTarget } from '../scope.js';
import { LEDGER_CLOCK } from '../tokens.js';
import {
  ExecuteFundCommand,
  ExecuteIncidentCommand,
  ExecuteSettlementCommand,
  InitiateTransferCommand,
  SettleTransferCommand,
  VoidTransferCommand,
  type IncidentCommandInput,
} from './commands.js';
import { CompensationViews } from './views.js';

/** Compensation commands are checked against the actor's scope only: an unscoped role (admin) acts for no body's money. */
const SCOPED_ONLY: readonly Role[] = [];

async function bodyMembers(store: EventStore, bodyId: string): Promise<string[] | null> {
  return (await bodyOf(store, bodyId))?.members ?? null;
}

/** The agreement as in force at `occurredAt`: its parties, covered risks and compensation rules. */
async function agreementContext(store: EventStore, agreementId: string, occurredAt: string): Promise<IncidentAgreementContext | null> {
  const state = await agreementOf(store, agreementId);
  const atMs = parseInstant(occurredAt, 'occurredAt');
  const status = agreementTermsAt(state, atMs);
  const a = state.agreement;
  if (a === null || status === null) return null;
  const { terms } = termsVersionAt(a, atMs);
  return {
    agreementId: a.agreementId,
    bodyId: a.bodyId,
    parties: [...a.parties],
    riskCategories: [...terms.riskCategories],
    compensationRules: terms.compensationRules,
    terminated: status.status === 'terminated',
  };
}

/** The incident's opening, read from its stream (its agreement and body never change). */
async function incidentOpening(store: EventStore, incidentId: string): Promise<{ agreementId: string; bodyId: string } | null> {
  const first = await firstEvent(store, streams.incident(incidentId));
  if (first === null || first.type !== 'IncidentOpened') return null;
  const data = first.data as { agreementId: string; bodyId: string };
  return { agreementId: data.agreementId, bodyId: data.bodyId };
}

const occurredAtOf = (clock: Clock, occurredAt: string | undefined): string => occurredAt ?? instant(clock.nowMs());

@CommandHandler(ExecuteIncidentCommand)
export class IncidentCommandHandler implements ICommandHandler<ExecuteIncidentCommand> {
  constructor(
    private readonly views: CompensationViews,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, context }: ExecuteIncidentCommand): Promise<WriteAcknowledgement> {
    const incidentId = requireId(input.incidentId, 'incidentId');
    const command = await this.commandFor(input, incidentId, occurredAtOf(this.clock, input.occurredAt), context.actor);
    return executeAndAcknowledge(this.views.store, { stream: streams.incident(incidentId), decider: incidentDecider, command, context, createsStream: input.type === 'OpenIncident' });
  }

  /** The decider's command with the context it needs, once the actor is known to act for the incident's body. */
  private async commandFor(input: IncidentCommandInput, incidentId: string, occurredAt: string, actor: Actor): Promise<IncidentCommand> {
    const store = this.views.store;
    if (input.type === 'OpenIncident') {
      const agreement = await agreementContext(store, input.agreementId, occurredAt);
      if (agreement !== null) assertActsFor(actor, { bodies: [agreement.bodyId] }, SCOPED_ONLY);
      return { ...input, incidentId, occurredAt, context: { agreement } };
    }
    if (input.type === 'ClaimResponseCost') {
      // A claim is the claiming city's own act, not the body's: the decider holds the actor to the claimed city.
      const scope = actor.scope;
      return { ...input, occurredAt, context: { actorCityId: scope !== null && scope.kind === 'city' ? scope.id : '' } };
    }
    const opening = await incidentOpening(store, incidentId);
    if (opening !== null) assertActsFor(actor, { bodies: [opening.bodyId] }, SCOPED_ONLY);
    switch (input.type) {
      case 'AddAffectedCity': {
        const agreement = opening === null ? null : await agreementContext(store, opening.agreementId, occurredAt);
        return { ...input, occurredAt, context: { agreementParties: agreement?.parties ?? [] } };
      }
      case 'CloseIncident': {
        // The findings tied to the incident come from the incidents read model, caught up to the head of the log.
        await this.views.caughtUp();
        const fundId = opening === null ? null : ((await fundOf(store, opening.bodyId))?.fundId ?? null);
        return { ...input, occurredAt, context: { fundId, findings: this.views.incidents.standingFindings(incidentId) } };
      }
      default:
        return { ...input, occurredAt };
    }
  }
}

@CommandHandler(ExecuteFundCommand)
export class FundCommandHandler implements ICommandHandler<ExecuteFundCommand> {
  constructor(
    private readonly views: CompensationViews,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, context }: ExecuteFundCommand): Promise<WriteAcknowledgement> {
    const store = this.views.store;
    const bodyId = requireId(input.bodyId, 'bodyId');
    assertActsFor(context.actor, { bodies: [bodyId], funds: [bodyId] }, SCOPED_ONLY);
    const occurredAt = occurredAtOf(this.clock, input.occurredAt);
    let command: FundCommand;
    switch (input.type) {
      case 'EstablishFund':
        command = { ...input, bodyId, occurredAt, context: { bodyExists: (await bodyMembers(store, bodyId)) !== null } };
        break;
      case 'ReceiveMemberContribution':
        command = { ...input, occurredAt, context: { bodyMembers: (await bodyMembers(store, bodyId)) ?? [] } };
        break;
      case 'ReceiveThirdPartyIncentive':
        command = { ...input, occurredAt };
        break;
    }
    return executeAndAcknowledge(store, { stream: streams.fund(bodyId), decider: fundDecider, command, context });
  }
}

@CommandHandler(InitiateTransferCommand)
export class InitiateTransferHandler implements ICommandHandler<InitiateTransferCommand> {
  constructor(
    private readonly views: CompensationViews,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}

  execute({ input, context }: InitiateTransferCommand): Promise<WriteAcknowledgement> {
    const occurredAt = occurredAtOf(this.clock, input.occurredAt);
    return this.views.fresh(async () => {
      const balances = this.views.balances;
      const obligation = balances.obligationContext(input.obligationId);
      let route: { payer: Party; payee: Party; currency: string; bodyId: string };
      if (input.reverses === null) {
        if (obligation === null) throw notFound('obligation', input.obligationId);
        route = { payer: obligation.payer, payee: obligation.payee, currency: obligation.currency, bodyId: obligation.bodyId };
      } else {
        const reversed = balances.transferStatus(input.reverses);
        if (reversed === null) throw notFound('transfer', input.reverses);
        // A reversal runs back: the payee of the original pays, through the same treasury.
        route = { payer: reversed.payee, payee: reversed.payer, currency: reversed.terms.currency, bodyId: reversed.bodyId };
      }
      assertActsFor(context.actor, partiesTarget([route.payer]), SCOPED_ONLY);
      // A transfer id is unique in the whole ledger; the treasury decider sees only its own body's book.
      const existing = balances.transferStatus(input.transferId);
      if (existing !== null && existing.bodyId !== route.bodyId) {
        throw new DomainError('transfer_id_reused', `transfer ${input.transferId} already exists with a different obligationId`, { transferId: input.transferId, field: 'obligationId' }, 409);
      }
      const terms: TransferTerms = {
        transferId: input.transferId,
        obligationId: input.obligationId,
        payer: route.payer,
        payee: route.payee,
        amount: input.amount,
        currency: route.currency,
        form: input.form,
        valuation: input.valuation,
        reverses: input.reverses,
      };
      const command: TreasuryCommand = { type: 'InitiateTransfer', terms, occurredAt, context: { obligation, payerView: balances.payerView(route.bodyId, route.payer) } };
      return executeAndAcknowledge(this.views.store, { stream: streams.treasury(requireId(route.bodyId, 'bodyId')), decider: treasuryDecider(route.bodyId), command, context });
    });
  }
}

abstract class FinishTransferHandler {
  constructor(
    protected readonly views: CompensationViews,
    protected readonly clock: Clock,
  ) {}

  protected async finish(transferId: string, context: CommandContext, command: TreasuryCommand): Promise<WriteAcknowledgement> {
    await this.views.caughtUp();
    const transfer = this.views.balances.transferStatus(transferId);
    if (transfer === null) throw notFound('transfer', transferId);
    assertActsFor(context.actor, partiesTarget([transfer.payer, transfer.payee]), SCOPED_ONLY);
    return executeAndAcknowledge(this.views.store, { stream: streams.treasury(transfer.bodyId), decider: treasuryDecider(transfer.bodyId), command, context });
  }
}

@CommandHandler(SettleTransferCommand)
export class SettleTransferHandler extends FinishTransferHandler implements ICommandHandler<SettleTransferCommand> {
  constructor(views: CompensationViews, @Inject(LEDGER_CLOCK) clock: Clock) {
    super(views, clock);
  }

  execute({ input, context }: SettleTransferCommand): Promise<WriteAcknowledgement> {
    return this.finish(input.transferId, context, { type: 'SettleTransfer', transferId: input.transferId, occurredAt: occurredAtOf(this.clock, input.occurredAt) });
  }
}

@CommandHandler(VoidTransferCommand)
export class VoidTransferHandler extends FinishTransferHandler implements ICommandHandler<VoidTransferCommand> {
  constructor(views: CompensationViews, @Inject(LEDGER_CLOCK) clock: Clock) {
    super(views, clock);
  }

  execute({ input, context }: VoidTransferCommand): Promise<WriteAcknowledgement> {
    return this.finish(input.transferId, context, { type: 'VoidTransfer', transferId: input.transferId, reason: input.reason, occurredAt: occurredAtOf(this.clock, input.occurredAt) });
  }
}

@CommandHandler(ExecuteSettlementCommand)
export class ExecuteSettlementHandler implements ICommandHandler<ExecuteSettlementCommand> {
  constructor(
    private readonly views: CompensationViews,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, context }: ExecuteSettlementCommand): Promise<WriteAcknowledgement> {
    const bodyId = requireId(input.bodyId, 'bodyId');
    const members = (await bodyMembers(this.views.store, bodyId)) ?? [];
    assertActsFor(context.actor, { funds: [bodyId], cities: members }, SCOPED_ONLY);
    const occurredAt = occurredAtOf(this.clock, input.occurredAt);
    return this.views.fresh(() => {
      const balances = this.views.balances;
      // The proposal is recomputed (it is deterministic); the client's fingerprint says which positions it approved.
      const current = proposeBodySettlement(balances, bodyId, input.currency);
      const proposal = { ...current, fingerprint: input.fingerprint };
      const command: TreasuryCommand = { type: 'ExecuteSettlement', settlementId: input.settlementId, proposal, occurredAt, context: settlementContext(balances, proposal) };
      return executeAndAcknowledge(this.views.store, { stream: streams.treasury(bodyId), decider: treasuryDecider(bodyId), command, context });
    });
  }
}

export const COMPENSATION_COMMAND_HANDLERS = [
  IncidentCommandHandler,
  FundCommandHandler,
  InitiateTransferHandler,
  SettleTransferHandler,
  VoidTransferHandler,
  ExecuteSettlementHandler,
] as const;
