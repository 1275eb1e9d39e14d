import type { EventStore, IntegrityReport } from '../port.js';

/** A head an auditor remembered: the last position they saw and its hash. */
export interface HeadAnchor {
  position: bigint;
  hash: string;
}

/**
 * Checks the chain and that the log still holds the remembered head. The chain alone cannot notice a truncated
 * tail (what is left is still a valid chain), so the anchor is what proves nothing was cut.
 */
export async function verifyAgainstHead(store: EventStore, anchor: HeadAnchor): Promise<IntegrityReport> {
  const chain = await store.verify();
  if (!chain.ok) return chain;
  const page = await store.readAll({ after: anchor.position === 0n ? 'start' : anchor.position - 1n, maxCount: 1 });
  const atAnchor = page.events[0];
  if (atAnchor === undefined || atAnchor.position !== anchor.position) {
    const head = await store.headPosition();
    const firstMissing = head === null ? 0n : head + 1n;
    return {
      ok: false,
      checked: chain.checked,
      firstBadPosition: firstMissing,
      reason: `the log ends at ${head === null ? 'nothing' : `position ${head}`}, before the remembered head ${anchor.position}`,
      headHash: chain.headHash,
    };
  }
  if (atAnchor.hash !== anchor.hash) {
    return {
      ok: false,
      checked: chain.checked,
      firstBadPosition: anchor.position,
      reason: `the event at the remembered head ${anchor.position} has a different hash`,
      headHash: chain.headHash,
    };
  }
  return chain;
}
