import type { RecordedEvent } from '../../event-store/src/port.js';

/**
 * A read model fed by the ordered log. The projection runner (libs/ledger) calls `apply` once per event, in global
 * order, exactly once; the same code builds the live state, rebuilds it from zero, and answers "as of" questions by
 * replaying into a fresh instance.
 *
 * `apply` must be deterministic (no clock, no randomness, no I/O). State is mutated in place for speed; the read model
 * owns it. A violated invariant (e.g. money not conserved) throws ProjectionInvariantError: the runner stops loudly.
 */
export interface ReadModel {
  readonly name: string;
  /** Bump when the state's shape or meaning changes: snapshots of another version are discarded and rebuilt. */
  readonly version: number;
  apply(event: RecordedEvent): void;
  /** Canonical, JSON-compatible state (sorted where order is not meaningful): for state digests and snapshots. */
  canonicalState(): unknown;
}

/** A projection found the history inconsistent with an invariant. Never caught and ignored: it stops the runner. */
export class ProjectionInvariantError extends Error {
  constructor(
    readonly readModel: string,
    readonly position: bigint,
    message: string,
  ) {
    super(`read model ${readModel} at position ${position}: ${message}`);
    this.name = 'ProjectionInvariantError';
  }
}
