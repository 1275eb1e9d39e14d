/**
 * Export lines in the exporter's exact layout, checked without parsing their JSON: the verifier's fast path.
 *
 * A line is "self-consistent" when it is in the layout exportLine writes and SHA-256 over its own bytes (with its
 * own prevHash) is its recorded hash. That alone proves nothing about the log; the verifier still checks the link
 * to the previous event, the position, and (the fast path is only used under a digest) the Merkle root, which
 * binds every recorded hash to the store's. line-bytes.ts does the same over bytes, for whole blocks of lines.
 */
import { hash } from 'node:crypto';

// The layout exportLine writes, for names without quotes or backslashes (every name the stores accept in practice).
const CANONICAL_HEAD =
  /^\{"position":"(0|[1-9][0-9]{0,19})","id":"([^"\\]*)","type":"([^"\\]*)","stream":"([^"\\]*)","revision":"(0|[1-9][0-9]{0,19})","recordedAt":"([^"\\]*)","data":/;
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
