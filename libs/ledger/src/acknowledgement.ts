import type { CommandOutcome } from './execute-command.js';

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
