/**
 * Export lines in the exporter's exact layout, checked without parsing their JSON: the verifier's fast path.
 *
 * A line is "self-consistent" when it is in the layout exportLine writes and SHA-256 over its own bytes (with its
 * own prevHash) is its recorded hash. That alone proves nothing about the log; the verifier still checks the link
 * to the previous event, the position, and (the fast path is only used under a digest) the Merkle root, which
 * binds every recorded hash to the store's. Pure and self-contained so worker threads can run it in batches.
 */
import { hash } from 'node:crypto';
import { eventHashInput } from '../integrity.js';
import { hashLeafHex } from './merkle.js';

// The layout exportLine writes, for names without quotes or backslashes (every name the stores accept in practice).
const CANONICAL_HEAD =
  /^\{"position":"(0|[1-9][0-9]{0,19})","id":"([^"\\]*)","type":"([^"\\]*)","stream":"([^"\\]*)","revision":"(0|[1-9][0-9]{0,19})","recordedAt":"([^"\\]*)","data":/;
const POSITION_START = '{"position":"'.length;
const HASH_KEY = ',"hash":"';
const PREV_HASH_KEY = '","prevHash":"';
const TAIL_LENGTH = HASH_KEY.length + 64 + PREV_HASH_KEY.length + 64 + '"}'.length;
const METADATA_KEY = ',"metadata":';

/** True when `text` is in the exporter's layout and hashes, over its own prevHash, to its own recorded hash. */
export function isSelfConsistentCanonicalLine(text: string): boolean {
  const head = CANONICAL_HEAD.exec(text);
  if (head === null || text.length < head[0].length + TAIL_LENGTH) return false;
  // Fixed offsets, no hex check: acceptance needs the recomputed hash (hex) to equal the recorded one.
  const tail = text.length - TAIL_LENGTH;
  if (!text.startsWith(HASH_KEY, tail) || !text.startsWith(PREV_HASH_KEY, tail + HASH_KEY.length + 64) || !text.endsWith('"}')) {
    return false;
  }
  const middle = text.slice(head[0].length, tail);
  // The first ',"metadata":' may sit inside the data; then the hash will not match and the parser takes the line.
  const cut = middle.indexOf(METADATA_KEY);
  if (cut < 0) return false;
  const recorded = text.slice(tail + HASH_KEY.length, tail + HASH_KEY.length + 64);
  const input = eventHashInput(text.slice(text.length - 66, text.length - 2), {
    position: BigInt(head[1]),
    id: head[2],
    type: head[3],
    stream: head[4],
    revision: BigInt(head[5]),
    recordedAt: head[6],
    dataJson: middle.slice(0, cut),
    metadataJson: middle.slice(cut + METADATA_KEY.length),
  });
  return hash('sha256', input, 'hex') === recorded;
}

/** Position, hash and prevHash of a line isSelfConsistentCanonicalLine accepted (read at fixed offsets). */
export function canonicalLinks(text: string): { position: bigint; hash: string; prevHash: string } {
  const tail = text.length - TAIL_LENGTH;
  return {
    position: BigInt(text.slice(POSITION_START, text.indexOf('"', POSITION_START))),
    hash: text.slice(tail + HASH_KEY.length, tail + HASH_KEY.length + 64),
    prevHash: text.slice(text.length - 66, text.length - 2),
  };
}

/**
 * Checks batches of lines. For each self-consistent canonical line it answers the line's Merkle leaf hash (hex),
 * so that work leaves the sequential thread too; for any other line, null.
 */
export interface LineChecker {
  check(lines: readonly string[]): Promise<(string | null)[]>;
  close(): Promise<void>;
}

export function checkLines(lines: readonly string[]): (string | null)[] {
  return lines.map((text) => (isSelfConsistentCanonicalLine(text) ? hashLeafHex(canonicalLinks(text).hash) : null));
}

/** The checker that runs in the calling thread (what verifyExport uses unless given worker threads). */
export const inThreadLineChecker: LineChecker = {
  check: (lines) => Promise.resolve(checkLines(lines)),
  close: () => Promise.resolve(),
};
