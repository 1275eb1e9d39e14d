import type { ExpectedRevision } from './port.js';

/** Base class of every error the log raises on purpose. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'wrong_expected_revision';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'stream_not_found';
  constructor(readonly stream: string) {
    super(`stream ${stream} does not exist`);
  }
}

export class EventTooLargeError extends EventStoreError {
  readonly code = 'event_too_large';
  constructor(
    readonly eventId: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`event ${eventId} is ${sizeBytes} bytes; at most ${maxBytes} are allowed`);
  }
}

export class TooManyEventsError extends EventStoreError {
  readonly code = 'too_many_events';
  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(`${count} events in one append; at most ${max} are allowed`);
  }
}

export class InvalidAppendError extends EventStoreError {
  readonly code = 'invalid_append';
}

/** The store file is not ours, is corrupt, or was written by a schema this build cannot read. */
export class StoreFileError extends EventStoreError {
  readonly code = 'store_file';
}

export class StoreClosedError extends EventStoreError {
  readonly code = 'store_closed';
  constructor() {
    super('the event store is closed');
  }
}
