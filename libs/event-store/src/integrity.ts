import { createHash } from 'node:crypto';

/** The hash that precedes the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, arrays in order.
 * Deterministic for the JSON values events carry (amounts are strings, never floats with many forms).
 * canonicalJson(JSON.parse(canonicalJson(v))) === canonicalJson(v), so an export can be re-hashed offline.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new TypeError('bigint is not a JSON value: encode it as a string');
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in event');
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** The fields an event hash covers, with data and metadata already in canonical JSON. */
export interface HashedFields {
  id: string;
  type: string;
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: string;
  dataJson: string;
  metadataJson: string;
}

/**
 * SHA-256 over the previous hash and the event's canonical bytes, fields separated by a newline
 * (no field may contain a raw newline: ids, types and streams are validated; JSON escapes newlines).
 */
export function eventHash(previousHash: string, f: HashedFields): string {
  return createHash('sha256').update(eventHashInput(previousHash, f)).digest('hex');
}

/**
 * The exact text eventHash hashes. Exported so a bulk verifier can hash it with a one-shot SHA-256
 * (node:crypto `hash`), several times cheaper per event than createHash, without a second copy of the layout.
 */
export function eventHashInput(previousHash: string, f: HashedFields): string {
  return `${previousHash}\n${f.id}\n${f.type}\n${f.stream}\n${f.revision}\n${f.position}\n${f.recordedAt}\n${f.dataJson}\n${f.metadataJson}`;
}
