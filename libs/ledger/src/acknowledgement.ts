import type { Decider, DomainEvent } from '../../domain/src/shared/decider.js';
import type { EventStore } from '../../event-store/src/port.js';
import { metadataFor, type CommandContext } from './context.js';
import { executeCommand, type CommandOutcome } from './execute-command.js';

/**
 * The answer to every write: where the command landed. Revisions and positions are decimal strings (they are
 * bigints); a client passes `position` as `?atLeast=` to read its own write.
 */
export interface WriteAcknowledgement {
  stream: string;
  /** The stream's revision after the command; null when a no-op left the stream absent. */
  revision: string | null;
  /** The global position to wait for; null for a no-op made without an idempotency key. */
  position: string | null;
}

export const acknowledge = (outcome: CommandOutcome<unknown>): WriteAcknowledgement => ({
  stream: outcome.stream,
  revision: outcome.nextExpectedRevision === null ? null : outcome.nextExpectedRevision.toString(),
  position: outcome.position === null ? null : outcome.position.toString(),
});

/** One command through the command path, answered with where it landed: what every command handler returns. */
export interface HandledCommand<C, E extends DomainEvent, S> {
  stream: string;
  decider: Decider<C, E, S>;
  command: C;
  context: CommandContext;
  /** Explicit event ids (e.g. a process manager's deterministic ones). */
  eventIds?: readonly string[];
  /** The command creates its stream (see ExecuteCommandOptions.createsStream). */
  createsStream?: boolean;
}

export async function executeAndAcknowledge<C, E extends DomainEvent, S>(store: EventStore, handled: HandledCommand<C, E, S>): Promise<WriteAcknowledgement> {
  const { stream, decider, command, context, eventIds, createsStream } = handled;
  return acknowledge(await executeCommand({ store, stream, decider, command, metadata: metadataFor(context), eventIds, createsStream }));
}
