import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { deterministicEventId, uuidV5 } from './event-ids.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('deterministic event ids', () => {
  it('gives a retried request the same ids, so the store recognises the repeat', () => {
    expect(deterministicEventId('key-1', 'h1', 'city-lyon', 0)).toBe(deterministicEventId('key-1', 'h1', 'city-lyon', 0));
  });

  it('gives different ids to another request under the same key, another stream, or another index', () => {
    const first = deterministicEventId('key-1', 'h1', 'city-lyon', 0);
    expect(deterministicEventId('key-1', 'h2', 'city-lyon', 0)).not.toBe(first);
    expect(deterministicEventId('key-1', 'h1', 'city-nice', 0)).not.toBe(first);
    expect(deterministicEventId('key-1', 'h1', 'city-lyon', 1)).not.toBe(first);
    expect(deterministicEventId('key-2', 'h1', 'city-lyon', 0)).not.toBe(first);
  });

  it('cannot be forged by moving characters between the key and the request hash', () => {
    expect(deterministicEventId('a\nb', 'c', 's', 0)).not.toBe(deterministicEventId('a', 'b\nc', 's', 0));
  });

  it('is an RFC 9562 version-5 UUID', () => {
    expect(deterministicEventId('k', 'h', 's', 3)).toMatch(UUID_V5);
  });

  it('matches the RFC 9562 version-5 example for the DNS namespace', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('deterministic event ids, computed one-shot', () => {
  /** The streaming definition uuidV5 had before: hash object, digest bytes, bits set on the bytes. */
  function referenceUuidV5(name: string, namespace: Buffer): string {
    const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  it('gives the ids the log already holds: equal to the byte-wise definition for any name and namespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (name, namespace) => {
        expect(uuidV5(name, Buffer.from(namespace))).toBe(referenceUuidV5(name, Buffer.from(namespace)));
      }),
      { numRuns: 2_000 },
    );
  });
});
