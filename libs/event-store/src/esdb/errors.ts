import { EventStoreError } from '../errors.js';

/** EventStoreDB did not answer within the adapter's deadline; the operation may or may not have taken effect. */
export class StoreDeadlineExceededError extends EventStoreError {
  readonly code = 'store_deadline_exceeded';
  constructor(
    readonly operation: string,
    readonly deadlineMs: number,
  ) {
    super(`EventStoreDB did not answer ${operation} within ${deadlineMs} ms`);
  }
}

/** EventStoreDB could not be reached (the node is down, restarting, or not the leader any more). */
export class StoreUnavailableError extends EventStoreError {
  readonly code = 'store_unavailable';
  constructor(
    readonly operation: string,
    cause: string,
  ) {
    super(`EventStoreDB is unavailable for ${operation}: ${cause}`);
  }
}

/** A recorded event lacks concordat's envelope (hash, chain link, recordedAt) or carries a malformed one. */
export class EnvelopeError extends EventStoreError {
  readonly code = 'invalid_envelope';
  constructor(
    readonly stream: string,
    readonly revision: bigint,
    reason: string,
  ) {
    super(`event ${stream}@${revision}: ${reason}`);
  }
}
