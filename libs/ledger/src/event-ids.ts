import { hash } from 'node:crypto';

/** Namespace of concordat's deterministic event ids (a fixed random UUID; changing it changes every derived id). */
const LEDGER_NAMESPACE = Buffer.from('6f1c2d0e8b7a4c35a1e29d4f0b3c7e81', 'hex');

/**
 * RFC 9562 UUID version 5: SHA-1 of namespace and name, with the version and variant bits set. One-shot hash and
 * hex (every appended event gets one of these ids): the version nibble is the 13th hex digit, the variant's two bits
 * the top of the 17th.
 */
export function uuidV5(name: string, namespace: Buffer = LEDGER_NAMESPACE): string {
  const hex = hash('sha1', Buffer.concat([namespace, Buffer.from(name, 'utf8')]), 'hex');
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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
