import { createHash } from 'node:crypto';

/** Namespace of concordat's deterministic event ids (a fixed random UUID; changing it changes every derived id). */
const LEDGER_NAMESPACE = Buffer.from('6f1c2d0e8b7a4c35a1e29d4f0b3c7e81', 'hex');

/** RFC 9562 UUID version 5: SHA-1 of namespace and name, with the version and variant bits set. */
export function uuidV5(name: string, namespace: Buffer = LEDGER_NAMESPACE): string {
  const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the `index`-th event a request appends to `stream`. The same key and request give the same ids, so a
 * retried request is recognised by the store; a different request under the same key gives different ids, so it can
 * never be mistaken for the first one.
 */
export function deterministicEventId(key: string, requestHash: string, stream: string, index: number): string {
  // Newline separators: none of the parts may forge another's boundary (hashes are hex, streams have no newline).
  return uuidV5(`${key.length}:${key}\n${requestHash}\n${stream}\n${index}`);
}
