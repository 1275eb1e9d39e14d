import { eventHash, GENESIS_HASH, type HashedFields } from '../integrity.js';
import type { IntegrityReport } from '../port.js';

/** An event as an embedded adapter stores it: JSON kept as the canonical text that was hashed. */
export interface StoredEvent extends HashedFields {
  hash: string;
}

/**
 * Recomputes a global hash chain over `events` (ascending positions), starting at `from` with `previousHash`
 * (the stored hash of the event before `from`, or genesis). Stops at the first break: a hash that does not
 * match the bytes, or a position that is not the next one (a deleted or reordered row).
 */
export function verifyChain(events: Iterable<StoredEvent>, from: bigint, previousHash: string): IntegrityReport {
  let expectedPosition = from;
  let previous = previousHash;
  let checked = 0;
  const fail = (position: bigint, reason: string): IntegrityReport => ({
    ok: false,
    checked,
    firstBadPosition: position,
    reason,
    headHash: checked === 0 && from === 0n ? null : previous,
  });
  for (const event of events) {
    if (event.position !== expectedPosition) {
      return fail(expectedPosition, `expected position ${expectedPosition}, found ${event.position}`);
    }
    if (eventHash(previous, event) !== event.hash) {
      return fail(event.position, `the hash of position ${event.position} does not match its contents and the previous hash`);
    }
    previous = event.hash;
    expectedPosition += 1n;
    checked += 1;
  }
  return { ok: true, checked, firstBadPosition: null, reason: null, headHash: checked === 0 && from === 0n ? null : previous };
}

export { GENESIS_HASH };
