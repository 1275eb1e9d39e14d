import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../event-store/src/clock.js';
import type { EventStore } from '../../event-store/src/port.js';
import type { Decider, DomainEvent } from '../../domain/src/shared/decider.js';
import type { ReadModel } from '../../projections/src/read-model.js';
import { metadataFor, type CommandContext } from './context.js';
import { executeCommand, type CommandOutcome, type ExecuteCommandOptions } from './execute-command.js';
import { buildReadModels, ProjectionRunner, type BuildLimit, type FreshBuild } from './projection-runner.js';
import { EVENT_STORE, LEDGER_CLOCK } from './tokens.js';

export interface LedgerCommand<C, E extends DomainEvent, S> {
  stream: string;
  decider: Decider<C, E, S>;
  command: C;
  /** Who asks and under which request (from @RequestContext() in a controller, or systemContext() in a process). */
  context: CommandContext;
  eventIds?: readonly string[];
  decode?: ExecuteCommandOptions<C, E, S>['decode'];
}

/**
 * What a bounded context's handlers use: the command path bound to the configured store, the ledger clock, and
 * fresh builds of read models for "as of" questions. Thin on purpose; executeCommand is the plumbing.
 */
@Injectable()
export class Ledger {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(LEDGER_CLOCK) readonly clock: Clock,
    readonly projections: ProjectionRunner,
  ) {}

  /** Read the stream, fold, decide, append (retrying a revision conflict a bounded number of times). */
  execute<C, E extends DomainEvent, S>(request: LedgerCommand<C, E, S>): Promise<CommandOutcome<E>> {
    return executeCommand({
      store: this.store,
      stream: request.stream,
      decider: request.decider,
      command: request.command,
      metadata: metadataFor(request.context),
      eventIds: request.eventIds,
      decode: request.decode,
    });
  }

  /** The ledger clock's now, as an ISO-8601 UTC instant (the default `occurredAt` of a command). */
  nowIso(): string {
    return new Date(this.clock.nowMs()).toISOString();
  }

  /** Builds fresh read models from the log up to a position or instant (the live ones are left alone). */
  buildAsOf<T extends readonly ReadModel[]>(readModels: T, limit: BuildLimit): Promise<FreshBuild<T>> {
    return buildReadModels(this.store, readModels, limit);
  }
}
