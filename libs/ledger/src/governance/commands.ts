/**
 * The governance commands as the CommandBus carries them: one message per aggregate, holding the decider's command
 * without what the handler supplies (the ledger clock's now, the acting party, and the facts of other streams).
 */
import { Command } from '@nestjs/cqrs';
import type { AgreementCommand } from '../../../domain/src/governance/agreement.js';
import type { BodyCommand } from '../../../domain/src/governance/body.js';
import type { CityCommand } from '../../../domain/src/governance/city.js';
import type { CommitmentCommand } from '../../../domain/src/governance/commitment.js';
import type { FindingCommand } from '../../../domain/src/governance/finding.js';
import type { WriteAcknowledgement } from '../acknowledgement.js';
import type { CommandContext } from '../context.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Filled by the handler: the clock, the acting party, and cross-stream facts. `occurredAt` defaults to now. */
type Supplied = 'nowMs' | 'by' | 'occurredAt' | 'registeredCityIds' | 'cityRegistered' | 'body' | 'agreement' | 'obligeeFund';
type Input<C> = DistributiveOmit<C, Supplied> extends infer I ? (I extends unknown ? I & { occurredAt?: string } : never) : never;

export type CityCommandInput = Input<CityCommand>;
export type BodyCommandInput = Input<BodyCommand>;
export type AgreementCommandInput = Input<AgreementCommand>;
export type CommitmentCommandInput = Input<CommitmentCommand>;
export type FindingCommandInput = Input<FindingCommand>;

abstract class GovernanceMessage<I> extends Command<WriteAcknowledgement> {
  constructor(
    readonly input: I,
    readonly context: CommandContext,
    /** Explicit ids for the appended events (the deadline manager derives them so replicas cannot double-record). */
    readonly eventIds?: readonly string[],
  ) {
    super();
  }
}

export class ExecuteCityCommand extends GovernanceMessage<CityCommandInput> {}
export class ExecuteBodyCommand extends GovernanceMessage<BodyCommandInput> {}
export class ExecuteAgreementCommand extends GovernanceMessage<AgreementCommandInput> {}
export class ExecuteCommitmentCommand extends GovernanceMessage<CommitmentCommandInput> {}
export class ExecuteFindingCommand extends GovernanceMessage<FindingCommandInput> {}
