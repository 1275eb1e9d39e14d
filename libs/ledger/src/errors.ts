import { DomainError } from '../../domain/src/shared/errors.js';

/** The same Idempotency-Key was used before with a different request. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(readonly key: string) {
    super('idempotency_key_reused', `Idempotency-Key "${key}" was already used with a different request`, { idempotencyKey: key }, 422);
  }
}

/** Every attempt of a command met a concurrent writer: the stream is too contended to decide on now. */
export class CommandConflictError extends DomainError {
  constructor(stream: string, attempts: number) {
    super('concurrent_modification', `stream ${stream} kept changing during ${attempts} attempts; retry the request`, { stream, attempts }, 409);
  }
}

/** A stream longer than the command path will fold: a modelling error (streams should be short-lived aggregates). */
export class StreamTooLongError extends Error {
  constructor(
    readonly stream: string,
    readonly maxEvents: number,
  ) {
    super(`stream ${stream} has more than ${maxEvents} events; the command path refuses to fold it`);
    this.name = 'StreamTooLongError';
  }
}
