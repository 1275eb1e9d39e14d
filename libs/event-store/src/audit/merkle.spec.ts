import fc from 'fast-check';
import { hashChildrenHex, hashLeafHex, hashLeafOfHex, MerkleFrontier, MerkleLog } from './merkle.js';
import { createHash } from 'node:crypto';
import { eventHash, eventHashInput } from '../integrity.js';
import { hashChildren, hashLeaf } from './proof-verify.js';

const eventHashHex = (seed: number, i: number): string => hashLeaf(Buffer.from(`event ${seed} ${i}`)).toString('hex');

describe('Merkle log and frontier', () => {
  it('the node hashes the verifier and the server\'s tree take from hex are the RFC 6962 ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        const ha = Buffer.from(a).toString('hex');
        const hb = Buffer.from(b).toString('hex');
        expect(hashLeafHex(ha)).toBe(hashLeaf(a).toString('hex'));
        expect(hashLeafOfHex(ha).equals(hashLeaf(a))).toBe(true);
        expect(hashChildrenHex(ha, hb)).toBe(hashChildren(a, b).toString('hex'));
      }),
      { numRuns: 50 },
    );
  });

  it('a frontier fed whole aligned subtrees by their roots has the root of one fed their leaves', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), (heights, seed) => {
        const byLeaf = new MerkleFrontier();
        const bySubtree = new MerkleFrontier();
        const log = new MerkleLog();
        let next = 0;
        for (const height of heights) {
          const size = 2 ** height;
          // Only where RFC 6962 can start a subtree of this height; other heights go leaf by leaf in both.
          const aligned = bySubtree.size % size === 0;
          const leaves = Array.from({ length: size }, (_, i) => hashLeafHex(eventHashHex(seed, next + i)));
          next += size;
          for (const leaf of leaves) {
            byLeaf.appendLeafHashHex(leaf);
            log.appendLeafHash(Buffer.from(leaf, 'hex'));
          }
          if (aligned) {
            const subtree = new MerkleFrontier();
            for (const leaf of leaves) subtree.appendLeafHashHex(leaf);
            bySubtree.appendSubtreeHashHex(height, subtree.root().toString('hex'));
          } else {
            for (const leaf of leaves) bySubtree.appendLeafHashHex(leaf);
          }
        }
        expect(bySubtree.size).toBe(byLeaf.size);
        expect(bySubtree.root().toString('hex')).toBe(byLeaf.root().toString('hex'));
        expect(bySubtree.root().equals(log.root())).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a subtree where RFC 6962 cannot start one', () => {
    const frontier = new MerkleFrontier();
    frontier.appendLeafHashHex(hashLeafHex(eventHashHex(1, 0)));
    expect(() => frontier.appendSubtreeHashHex(1, 'ab'.repeat(32))).toThrow(RangeError);
    expect(() => frontier.appendSubtreeHashHex(0, 'ab')).toThrow(RangeError);
  });

  it('the event-hash input the verifier hashes in one shot is exactly what eventHash hashes', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.bigInt({ min: 0n, max: 1n << 62n }), fc.json(), (id, stream, position, dataJson) => {
        const fields = { id, type: 't', stream, revision: 0n, position, recordedAt: '2026-01-01T00:00:00.000Z', dataJson, metadataJson: '{}' };
        const previous = 'ab'.repeat(32);
        expect(createHash('sha256').update(eventHashInput(previous, fields)).digest('hex')).toBe(eventHash(previous, fields));
      }),
      { numRuns: 50 },
    );
  });

  it('the streaming frontier and the cached log agree on the root at every size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.nat(), (size, seed) => {
        const log = new MerkleLog();
        const frontier = new MerkleFrontier();
        expect(frontier.root().equals(log.root())).toBe(true);
        for (let i = 0; i < size; i += 1) {
          const leaf = eventHashHex(seed, i);
          log.appendLeaf(Buffer.from(leaf, 'hex'));
          frontier.appendLeafHex(leaf);
          expect(frontier.root().equals(log.root())).toBe(true);
        }
        expect(frontier.size).toBe(size);
      }),
      { numRuns: 20 },
    );
  });

  it('a root at a past size does not change as the log grows', () => {
    const log = new MerkleLog();
    for (let i = 0; i < 37; i += 1) log.appendLeaf(Buffer.from(eventHashHex(1, i), 'hex'));
    const at20 = log.root(20);
    for (let i = 37; i < 300; i += 1) log.appendLeaf(Buffer.from(eventHashHex(1, i), 'hex'));
    expect(log.root(20).equals(at20)).toBe(true);
  });

  it('keeps about 64 bytes per leaf', () => {
    const log = new MerkleLog();
    for (let i = 0; i < 4096; i += 1) log.appendLeafHash(hashLeaf(Buffer.of(i & 0xff, i >> 8)));
    expect(log.retainedBytes).toBeLessThanOrEqual(4096 * 64 * 2);
  });

  it('refuses leaves that are not 32-byte hashes and sizes beyond the log', () => {
    const log = new MerkleLog();
    expect(() => log.appendLeafHash(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => new MerkleFrontier().appendLeafHex('zz'.repeat(32))).toThrow(RangeError);
    expect(() => new MerkleFrontier().appendLeafHex('ab'.repeat(31))).toThrow(RangeError);
    log.appendLeaf(Buffer.alloc(32));
    expect(() => log.root(2)).toThrow(RangeError);
    expect(() => log.inclusionProof(1, 1)).toThrow(RangeError);
    expect(() => log.consistencyProof(2, 1)).toThrow(RangeError);
    expect(() => new MerkleLog().inclusionProof(0, 0)).toThrow(RangeError);
  });
});
