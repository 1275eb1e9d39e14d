import { EventStoreError } from '../errors.js';

/** A digest file that is not one this build writes: wrong format tag, missing or malformed fields. */
export class InvalidDigestError extends EventStoreError {
  readonly code = 'invalid_digest';
}

/** A digest, proof or export asked for positions or tree sizes the log does not (yet) hold. */
export class AuditRangeError extends EventStoreError {
  readonly code = 'audit_range';
}

/**
 * The log no longer agrees with what the audit cache saw: an event at a position it already holds has another
 * hash, or positions skip. Either the store was rewritten or it is not gapless; both are integrity incidents.
 */
export class AuditHistoryError extends EventStoreError {
  readonly code = 'audit_history';
}
