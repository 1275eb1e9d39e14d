/**
 * Export lines in the exporter's exact layout, checked without parsing their JSON: the verifier's fast path.
 *
 * A line is "self-consistent" when it is in the layout exportLine writes and SHA-256 over its own bytes (with its
 * own prevHash) is its recorded hash. That alone proves nothing about the log; the verifier still checks the link
 * to the previous event, the position, and (the fast path is only used under a digest) the Merkle root, which
 * binds every recorded hash to the store's. Pure and self-contained so worker threads can run it in batches.
 */
import { hash } from 'node:crypto';
import { hashLeafHex, MerkleFrontier } from './merkle.js';

// The layout exportLine writes, for names without quotes or backslashes (every name the stores accept in practice).
const CANONICAL_HEAD =
  /^\{"position":"(0|[1-9][0-9]{0,19})","id":"([^"\\]*)","type":"([^"\\]*)","stream":"([^"\\]*)","revision":"(0|[1-9][0-9]{0,19})","recordedAt":"([^"\\]*)","data":/;
const POSITION_START = '{"position":"'.length;
const HASH_KEY = ',"hash":"';
const PREV_HASH_KEY = '","prevHash":"';
const TAIL_LENGTH = HASH_KEY.length + 64 + PREV_HASH_KEY.length + 64 + '"}'.length;
const METADATA_KEY = ',"metadata":';

/**
 * The hash `text` records, when the line is in the exporter's layout and hashes, over its own prevHash, to it;
 * null otherwise.
 *
 * The hash input is the exact text integrity.ts's eventHashInput builds (previous hash, id, type, stream, revision,
 * position, recordedAt, data, metadata, newline-separated), assembled here from the line's own substrings: the
 * decimal position and revision are taken as written (the pattern admits only their canonical form, which is what
 * `${bigint}` prints), and one join makes a flat string, which hashes markedly faster than a rope of template parts.
 */
export function selfConsistentLineHash(text: string): string | null {
  const head = CANONICAL_HEAD.exec(text);
  if (head === null || text.length < head[0].length + TAIL_LENGTH) return null;
  // Fixed offsets, no hex check: acceptance needs the recomputed hash (hex) to equal the recorded one.
  const tail = text.length - TAIL_LENGTH;
  if (!text.startsWith(HASH_KEY, tail) || !text.startsWith(PREV_HASH_KEY, tail + HASH_KEY.length + 64) || !text.endsWith('"}')) {
    return null;
  }
  // The first ',"metadata":' may sit inside the data; then the hash will not match and the parser takes the line.
  const cut = text.indexOf(METADATA_KEY, head[0].length);
  if (cut < 0 || cut > tail) return null;
  const recorded = text.slice(tail + HASH_KEY.length, tail + HASH_KEY.length + 64);
  const input = [
    text.slice(text.length - 66, text.length - 2),
    head[2],
    head[3],
    head[4],
    head[5],
    head[1],
    head[6],
    text.slice(head[0].length, cut),
    text.slice(cut + METADATA_KEY.length, tail),
  ].join('\n');
  return hash('sha256', input, 'hex') === recorded ? recorded : null;
}

/** True when `text` is in the exporter's layout and hashes, over its own prevHash, to its own recorded hash. */
export function isSelfConsistentCanonicalLine(text: string): boolean {
  return selfConsistentLineHash(text) !== null;
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

/** A checked batch: per line the leaf hash of a self-consistent canonical line (null for any other), and more. */
export interface BatchVerdict {
  leafHashes: (string | null)[];
  /**
   * The RFC 6962 root over the batch's leaf hashes when every line was vouched for and the batch holds a power of two
   * of them; else null. Where the batch is a complete subtree of the log's tree, the caller appends it in one step.
   */
  subtreeRoot: string | null;
  /**
   * When every line was vouched for, the positions run on by one and each line's prevHash is the hash of the line
   * before: where the batch starts (position, prevHash) and the hash it ends at. The caller then checks the batch
   * against the chain only at its start, the same checks as line by line, done in the checker's thread.
   */
  chain: { firstPosition: string; firstPrevHash: string; lastHash: string } | null;
}

/**
 * Checks batches of lines. For each self-consistent canonical line it answers the line's Merkle leaf hash (hex),
 * so that work leaves the sequential thread too; for any other line, null. `checkBatch`, when present, also
 * answers the batch's subtree root, which takes the inner hashes off the sequential thread as well.
 */
export interface LineChecker {
  check(lines: readonly string[]): Promise<(string | null)[]>;
  checkBatch?(lines: readonly string[]): Promise<BatchVerdict>;
  close(): Promise<void>;
}

export function checkLines(lines: readonly string[]): (string | null)[] {
  return lines.map((text) => {
    const recorded = selfConsistentLineHash(text);
    return recorded === null ? null : hashLeafHex(recorded);
  });
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function chainOf(lines: readonly string[]): BatchVerdict['chain'] {
  const first = canonicalLinks(lines[0]);
  let previous = first.hash;
  for (let i = 1; i < lines.length; i += 1) {
    const line = canonicalLinks(lines[i]);
    if (line.position !== first.position + BigInt(i) || line.prevHash !== previous) return null;
    previous = line.hash;
  }
  return { firstPosition: first.position.toString(), firstPrevHash: first.prevHash, lastHash: previous };
}

export function checkBatch(lines: readonly string[]): BatchVerdict {
  const leafHashes = checkLines(lines);
  if (leafHashes.length === 0 || leafHashes.includes(null)) return { leafHashes, subtreeRoot: null, chain: null };
  const chain = chainOf(lines);
  if (!isPowerOfTwo(leafHashes.length) || leafHashes.length > 2 ** 30) return { leafHashes, subtreeRoot: null, chain };
  const tree = new MerkleFrontier();
  for (const leafHash of leafHashes) if (leafHash !== null) tree.appendLeafHashHex(leafHash);
  return { leafHashes, subtreeRoot: tree.root().toString('hex'), chain };
}

/** The checker that runs in the calling thread (what verifyExport uses unless given worker threads). */
export const inThreadLineChecker: LineChecker = {
  check: (lines) => Promise.resolve(checkLines(lines)),
  checkBatch: (lines) => Promise.resolve(checkBatch(lines)),
  close: () => Promise.resolve(),
};
