import fc from 'fast-check';
import { hashChildrenHex, hashLeafHex, hashLeafOfHex, LEAF_BLOCK_LEAVES, MerkleFrontier, MerkleLog, type LeafBlocks } from './merkle.js';
import { createHash } from 'node:crypto';
import { eventHash, eventHashInput } from '../integrity.js';
import { EMPTY_TREE_ROOT, hashChildren, hashLeaf } from './proof-verify.js';

const eventHashHex = (seed: number, i: number): string => hashLeaf(Buffer.from(`event ${seed} ${i}`)).toString('hex');
const leafHashes = (count: number, seed: number): Buffer[] => Array.from({ length: count }, (_, i) => hashLeaf(Buffer.from(`leaf ${seed} ${i}`)));

/**
 * The reference: a tree that keeps every leaf and computes every node from them as RFC 6962 §2.1 defines it, the
 * answers the log gave when it kept every level.
 */
class EveryLevelTree {
  constructor(private readonly leaves: readonly Buffer[]) {}

  root(size: number): Buffer {
    return size === 0 ? EMPTY_TREE_ROOT : this.mth(0, size);
  }

  inclusionProof(index: number, size: number): Buffer[] {
    const out: Buffer[] = [];
    const path = (m: number, start: number, end: number): void => {
      if (end - start <= 1) return;
      const k = split(end - start);
      if (m < k) {
        path(m, start, start + k);
        out.push(this.mth(start + k, end));
      } else {
        path(m - k, start + k, end);
        out.push(this.mth(start, start + k));
      }
    };
    path(index, 0, size);
    return out;
  }

  consistencyProof(size1: number, size2: number): Buffer[] {
    const out: Buffer[] = [];
    const subproof = (m: number, start: number, end: number, whole: boolean): void => {
      if (m === end - start) {
        if (!whole) out.push(this.mth(start, end));
        return;
      }
      const k = split(end - start);
      if (m <= k) {
        subproof(m, start, start + k, whole);
        out.push(this.mth(start + k, end));
      } else {
        subproof(m - k, start + k, end, false);
        out.push(this.mth(start, start + k));
      }
    };
    if (size1 > 0 && size1 < size2) subproof(size1, 0, size2, true);
    return out;
  }

  private mth(start: number, end: number): Buffer {
    if (end - start === 1) return this.leaves[start];
    const k = split(end - start);
    return hashChildren(this.mth(start, start + k), this.mth(start + k, end));
  }
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The leaves of the blocks named, as the audit service reads them back from the log. */
const blocksOf = (leaves: readonly Buffer[], named: readonly number[]): LeafBlocks =>
  new Map(named.map((b) => [b, Buffer.concat(leaves.slice(b * LEAF_BLOCK_LEAVES, (b + 1) * LEAF_BLOCK_LEAVES))]));

const logOf = (leaves: readonly Buffer[]): MerkleLog => {
  const log = new MerkleLog();
  for (const leaf of leaves) log.appendLeafHash(leaf);
  return log;
};

/** A log of up to 6 blocks and more, a size in it, a leaf below that size and a smaller size. */
const request = fc
  .record({ leaves: fc.integer({ min: 1, max: 6 * LEAF_BLOCK_LEAVES + 40 }), seed: fc.nat() })
  .chain(({ leaves, seed }) => fc.record({ leaves: fc.constant(leaves), seed: fc.constant(seed), size: fc.integer({ min: 1, max: leaves }) }))
  .chain((r) => fc.record({ leaves: fc.constant(r.leaves), seed: fc.constant(r.seed), size: fc.constant(r.size), index: fc.nat(r.size - 1), size1: fc.nat(r.size) }));

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

  it('a root at a past size does not change as the log grows, its block read back once the block is complete', () => {
    const leaves = leafHashes(300, 1);
    const log = logOf(leaves.slice(0, 37));
    const at20 = log.root(20);
    for (const leaf of leaves.slice(37)) log.appendLeafHash(leaf);
    expect(log.blocksForRoot(20)).toEqual([0]);
    expect(log.root(20, blocksOf(leaves, [0])).equals(at20)).toBe(true);
  });

  it('a proof at a size inside a block read back from the log equals the one of a tree that keeps every level', () => {
    fc.assert(
      fc.property(request, ({ leaves: count, seed, size, index, size1 }) => {
        const leaves = leafHashes(count, seed);
        const log = logOf(leaves);
        const reference = new EveryLevelTree(leaves);
        // Each computation gets only the blocks it names: naming too few would throw.
        const forRoot = log.blocksForRoot(size);
        const forInclusion = log.blocksForInclusion(index, size);
        const forConsistency = log.blocksForConsistency(size1, size);
        expect(log.root(size, blocksOf(leaves, forRoot))).toEqual(reference.root(size));
        expect(log.leafHash(index, blocksOf(leaves, forInclusion))).toEqual(leaves[index]);
        expect(log.inclusionProof(index, size, blocksOf(leaves, forInclusion))).toEqual(reference.inclusionProof(index, size));
        expect(log.root(size1, blocksOf(leaves, forConsistency))).toEqual(reference.root(size1));
        expect(log.consistencyProof(size1, size, blocksOf(leaves, forConsistency))).toEqual(reference.consistencyProof(size1, size));
        // At most one block per size or leaf the request names, and never the block under construction.
        expect(forRoot.length).toBeLessThanOrEqual(1);
        expect(forInclusion.length).toBeLessThanOrEqual(2);
        expect(forConsistency.length).toBeLessThanOrEqual(2);
        for (const block of [...forRoot, ...forInclusion, ...forConsistency]) expect(block).toBeLessThan(log.completeBlocks);
      }),
      { numRuns: 150 },
    );
  });

  it('needs no block for a root or proof at a size of whole blocks, or inside the block under construction', () => {
    const leaves = leafHashes(5 * LEAF_BLOCK_LEAVES + 9, 3);
    const log = logOf(leaves);
    const reference = new EveryLevelTree(leaves);
    for (const size of [LEAF_BLOCK_LEAVES, 4 * LEAF_BLOCK_LEAVES, 5 * LEAF_BLOCK_LEAVES + 1, leaves.length]) {
      expect(log.blocksForRoot(size)).toEqual([]);
      expect(log.root(size)).toEqual(reference.root(size));
    }
    expect(log.blocksForConsistency(2 * LEAF_BLOCK_LEAVES, leaves.length)).toEqual([]);
    expect(log.consistencyProof(2 * LEAF_BLOCK_LEAVES)).toEqual(reference.consistencyProof(2 * LEAF_BLOCK_LEAVES, leaves.length));
    expect(log.inclusionProof(leaves.length - 1)).toEqual(reference.inclusionProof(leaves.length - 1, leaves.length));
  });

  it('refuses to answer inside a complete block without its leaves, and tells a tampered block from the true one', () => {
    const leaves = leafHashes(3 * LEAF_BLOCK_LEAVES, 4);
    const log = logOf(leaves);
    expect(() => log.root(70)).toThrow(/not supplied/);
    expect(() => log.inclusionProof(3, 100)).toThrow(/not supplied/);
    expect(() => log.leafHash(5)).toThrow(/not supplied/);
    const block = Buffer.from(blocksOf(leaves, [1]).get(1) ?? Buffer.alloc(0));
    expect(log.blockMatches(1, block)).toBe(true);
    expect(log.blockMatches(0, block)).toBe(false);
    block[40] ^= 0x01;
    expect(log.blockMatches(1, block)).toBe(false);
    expect(log.blockMatches(1, block.subarray(0, 63 * 32))).toBe(false);
    expect(() => log.blockMatches(3, block)).toThrow(RangeError);
  });

  it('the tree keeps about 1 byte per leaf beyond the current block', () => {
    const leaves = 2 ** 17;
    const log = new MerkleLog();
    const leaf = Buffer.alloc(32);
    for (let i = 0; i < leaves; i += 1) {
      leaf.writeUInt32BE(i);
      log.appendLeafHash(leaf);
    }
    // One 32-byte root per block of 64 leaves, the levels above it as many again, doubling slack: under 2 bytes a leaf.
    expect(log.retainedBytes).toBeLessThan(2 * leaves + LEAF_BLOCK_LEAVES * 32);
    expect(log.retainedBytes).toBeGreaterThan(leaves);
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
