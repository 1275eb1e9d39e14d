import fc from 'fast-check';
import { MerkleLog } from './merkle.js';
import {
  EMPTY_TREE_ROOT,
  hashLeaf,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type HashLike,
} from './proof-verify.js';

/*
 * Published RFC 6962 test data: the 8-leaf reference tree of Certificate Transparency's merkle_tree_test,
 * as carried by transparency-dev/merkle (proof/verify_test.go). Leaves are raw bytes; leaf hashes are
 * SHA-256(0x00 || leaf).
 */
const RFC6962_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const RFC6962_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** index is 0-based here (the published table counts leaves from 1). */
const RFC6962_INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const RFC6962_CONSISTENCY = [
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';

const leafHashOf = (i: number): Buffer => hashLeaf(Buffer.from(RFC6962_LEAVES[i], 'hex'));
const rootOf = (size: number): string => RFC6962_ROOTS[size - 1];
const hex = (nodes: readonly Buffer[]): string[] => nodes.map((n) => n.toString('hex'));
const flipBit = (value: string, bit: number): string => {
  const bytes = Buffer.from(value, 'hex');
  bytes[bit >> 3] ^= 1 << (bit & 7);
  return bytes.toString('hex');
};

function referenceLog(): MerkleLog {
  const log = new MerkleLog();
  for (let i = 0; i < RFC6962_LEAVES.length; i += 1) log.appendLeafHash(leafHashOf(i));
  return log;
}

describe('RFC 6962 published test data', () => {
  it('the empty tree hashes to SHA-256 of nothing', () => {
    expect(EMPTY_TREE_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new MerkleLog().root().toString('hex')).toBe(EMPTY_TREE_ROOT.toString('hex'));
  });

  it.each(RFC6962_ROOTS.map((root, i) => [i + 1, root]))('the tree of %i leaves has the published root', (size, root) => {
    expect(referenceLog().root(Number(size)).toString('hex')).toBe(root);
  });

  it.each(RFC6962_INCLUSION)('leaf $index in the tree of $size: published path is produced and verifies', (v) => {
    expect(hex(referenceLog().inclusionProof(v.index, v.size))).toEqual(v.proof);
    expect(rootFromInclusionProof(leafHashOf(v.index), v.index, v.size, v.proof)?.toString('hex')).toBe(rootOf(v.size));
    expect(verifyInclusion(leafHashOf(v.index), v.index, v.size, v.proof, rootOf(v.size))).toBe(true);
  });

  it.each(RFC6962_CONSISTENCY)('tree $size2 extends tree $size1: published proof is produced and verifies', (v) => {
    expect(hex(referenceLog().consistencyProof(v.size1, v.size2))).toEqual(v.proof);
    expect(verifyConsistency(v.size1, v.size2, v.proof, rootOf(v.size1), rootOf(v.size2))).toBe(true);
  });

  it('a single-leaf tree: the root is the leaf hash and the path is empty', () => {
    const leaf = leafHashOf(0);
    expect(verifyInclusion(leaf, 0, 1, [], leaf)).toBe(true);
    expect(verifyInclusion(leaf, 0, 1, [], SOME_HASH)).toBe(false);
    expect(verifyInclusion(SOME_HASH, 0, 1, [], leaf)).toBe(false);
  });
});

describe('forged inclusion proofs are rejected', () => {
  const probes = (v: (typeof RFC6962_INCLUSION)[number]) => {
    const root = rootOf(v.size);
    const leaf = leafHashOf(v.index);
    const cases: [string, () => boolean][] = [
      ['index - 1', () => verifyInclusion(leaf, v.index - 1, v.size, v.proof, root)],
      ['index + 1', () => verifyInclusion(leaf, v.index + 1, v.size, v.proof, root)],
      ['index ^ 2', () => verifyInclusion(leaf, v.index ^ 2, v.size, v.proof, root)],
      ['size * 2', () => verifyInclusion(leaf, v.index, v.size * 2, v.proof, root)],
      ['size / 2', () => verifyInclusion(leaf, v.index, Math.floor(v.size / 2), v.proof, root)],
      ['index = size', () => verifyInclusion(leaf, v.size, v.size, v.proof, root)],
      ['size 0', () => verifyInclusion(leaf, 0, 0, v.proof, root)],
      ['another leaf', () => verifyInclusion(SOME_HASH, v.index, v.size, v.proof, root)],
      ['the empty-tree root', () => verifyInclusion(leaf, v.index, v.size, v.proof, EMPTY_TREE_ROOT)],
      ['another root', () => verifyInclusion(leaf, v.index, v.size, v.proof, SOME_HASH)],
      ['extended with the root', () => verifyInclusion(leaf, v.index, v.size, [...v.proof, root], root)],
      ['preceded by the root', () => verifyInclusion(leaf, v.index, v.size, [root, ...v.proof], root)],
      ['extended with an empty node', () => verifyInclusion(leaf, v.index, v.size, [...v.proof, ''], root)],
      ['truncated', () => verifyInclusion(leaf, v.index, v.size, v.proof.slice(0, -1), root)],
      ['empty', () => verifyInclusion(leaf, v.index, v.size, [], root)],
      ...(v.proof.length > 1
        ? [['reversed', () => verifyInclusion(leaf, v.index, v.size, [...v.proof].reverse(), root)] as [string, () => boolean]]
        : []),
      ['node inserted', () => verifyInclusion(leaf, v.index, v.size, [v.proof[0], SOME_HASH, ...v.proof.slice(1)], root)],
      ['upper-case hex', () => verifyInclusion(leaf, v.index, v.size, v.proof.map((p) => p.toUpperCase()), root)],
      ['short node', () => verifyInclusion(leaf, v.index, v.size, [v.proof[0].slice(2), ...v.proof.slice(1)], root)],
      ['negative index', () => verifyInclusion(leaf, -1, v.size, v.proof, root)],
      ['fractional size', () => verifyInclusion(leaf, v.index, v.size + 0.5, v.proof, root)],
      ...v.proof.map((_, i): [string, () => boolean] => [
        `bit 3 of node ${i} flipped`,
        () => verifyInclusion(leaf, v.index, v.size, v.proof.map((p, j) => (j === i ? flipBit(p, 3) : p)), root),
      ]),
    ];
    return cases;
  };

  it.each(RFC6962_INCLUSION)('leaf $index in the tree of $size: every corruption is rejected', (v) => {
    const accepted = probes(v)
      .filter(([, verify]) => verify())
      .map(([name]) => name);
    expect(accepted).toEqual([]);
  });

  it('two leaves swapped in a proof for a 3-node path are rejected', () => {
    const v = RFC6962_INCLUSION[0];
    const swapped = [v.proof[1], v.proof[0], v.proof[2]];
    expect(verifyInclusion(leafHashOf(0), 0, 8, swapped, rootOf(8))).toBe(false);
  });
});

describe('forged consistency proofs are rejected', () => {
  it.each(RFC6962_CONSISTENCY)('tree $size2 over tree $size1: every corruption is rejected', (v) => {
    const root1 = rootOf(v.size1);
    const root2 = rootOf(v.size2);
    const cases: [string, () => boolean][] = [
      ['size1 - 1', () => verifyConsistency(v.size1 - 1, v.size2, v.proof, root1, root2)],
      ['size1 + 1', () => verifyConsistency(v.size1 + 1, v.size2, v.proof, root1, root2)],
      ['size1 ^ 2', () => verifyConsistency(v.size1 ^ 2, v.size2, v.proof, root1, root2)],
      ['size2 * 2', () => verifyConsistency(v.size1, v.size2 * 2, v.proof, root1, root2)],
      ['size2 / 2', () => verifyConsistency(v.size1, Math.floor(v.size2 / 2), v.proof, root1, root2)],
      ['size1 > size2', () => verifyConsistency(v.size2, v.size1, v.proof, root2, root1)],
      ['swapped roots', () => verifyConsistency(v.size1, v.size2, v.proof, root2, root1)],
      ['another root1', () => verifyConsistency(v.size1, v.size2, v.proof, SOME_HASH, root2)],
      ['another root2', () => verifyConsistency(v.size1, v.size2, v.proof, root1, SOME_HASH)],
      ['empty proof', () => verifyConsistency(v.size1, v.size2, [], root1, root2)],
      ['extended with root1', () => verifyConsistency(v.size1, v.size2, [...v.proof, root1], root1, root2)],
      ['extended with root2', () => verifyConsistency(v.size1, v.size2, [...v.proof, root2], root1, root2)],
      ['preceded by root1', () => verifyConsistency(v.size1, v.size2, [root1, ...v.proof], root1, root2)],
      ['preceded by root2', () => verifyConsistency(v.size1, v.size2, [root2, ...v.proof], root1, root2)],
      ['preceded by its first node', () => verifyConsistency(v.size1, v.size2, [v.proof[0], ...v.proof], root1, root2)],
      ['truncated', () => verifyConsistency(v.size1, v.size2, v.proof.slice(0, -1), root1, root2)],
      ['reversed', () => verifyConsistency(v.size1, v.size2, [...v.proof].reverse(), root1, root2)],
      ['from size 0 with a proof', () => verifyConsistency(0, v.size2, v.proof, EMPTY_TREE_ROOT, root2)],
      ...v.proof.map((_, i): [string, () => boolean] => [
        `bit 4 of node ${i} flipped`,
        () => verifyConsistency(v.size1, v.size2, v.proof.map((p, j) => (j === i ? flipBit(p, 4) : p)), root1, root2),
      ]),
    ];
    const accepted = cases.filter(([, verify]) => verify()).map(([name]) => name);
    expect(accepted).toEqual([]);
  });

  it('the trivial cases need matching roots and no proof', () => {
    const root3 = rootOf(3);
    expect(verifyConsistency(0, 0, [], EMPTY_TREE_ROOT, EMPTY_TREE_ROOT)).toBe(true);
    expect(verifyConsistency(0, 3, [], EMPTY_TREE_ROOT, root3)).toBe(true);
    expect(verifyConsistency(3, 3, [], root3, root3)).toBe(true);

    expect(verifyConsistency(0, 3, [], SOME_HASH, root3)).toBe(false);
    expect(verifyConsistency(0, 0, [], EMPTY_TREE_ROOT, SOME_HASH)).toBe(false);
    expect(verifyConsistency(3, 3, [], root3, rootOf(4))).toBe(false);
    expect(verifyConsistency(3, 3, [EMPTY_TREE_ROOT], root3, root3)).toBe(false);
    expect(verifyConsistency(0, 0, [EMPTY_TREE_ROOT], EMPTY_TREE_ROOT, EMPTY_TREE_ROOT)).toBe(false);
    expect(verifyConsistency(4, 3, [], root3, root3)).toBe(false);
    expect(verifyConsistency(1, 0, [], rootOf(1), EMPTY_TREE_ROOT)).toBe(false);
  });
});

/*
 * The path an RFC 6962 proof takes (which side each node joins on) depends on the sizes only through this shape.
 * Two sizes with the same shape share proof and root, so the size itself is bound by the digest (size, root),
 * not by the proof: a changed size must be rejected exactly when it changes the shape.
 */
const splitAt = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const inclusionShape = (m: number, n: number): string =>
  n <= 1 ? '' : m < splitAt(n) ? `${inclusionShape(m, splitAt(n))}R` : `${inclusionShape(m - splitAt(n), n - splitAt(n))}L`;
const consistencyShape = (m: number, n: number, whole = true): string => {
  if (m === n) return whole ? '' : 'N';
  const k = splitAt(n);
  return m <= k ? `${consistencyShape(m, k, whole)}R` : `${consistencyShape(m - k, n - k, false)}L`;
};
const validInclusion = (m: number, n: number): boolean => m >= 0 && m < n;

describe('random trees', () => {
  const leafHashes = (count: number, seed: number): Buffer[] =>
    Array.from({ length: count }, (_, i) => hashLeaf(Buffer.from(`leaf ${seed} ${i}`)));

  /** The log with the leaves of its complete blocks at hand, as the audit service reads them back from the store. */
  const buildLog = (leaves: readonly Buffer[]): Pick<MerkleLog, 'root' | 'inclusionProof' | 'consistencyProof' | 'leafHash'> => {
    const log = new MerkleLog();
    for (const leaf of leaves) log.appendLeafHash(leaf);
    const blocks = new Map(Array.from({ length: log.completeBlocks }, (_, b) => [b, Buffer.concat(leaves.slice(b * 64, b * 64 + 64))]));
    return {
      root: (n = log.size) => log.root(n, blocks),
      inclusionProof: (index, n = log.size) => log.inclusionProof(index, n, blocks),
      consistencyProof: (m, n = log.size) => log.consistencyProof(m, n, blocks),
      leafHash: (index) => log.leafHash(index, blocks),
    };
  };

  /** The RFC 6962 definition, recursively from scratch: the reference the cached log must agree with. */
  const referenceRoot = (leaves: readonly Buffer[]): Buffer => {
    if (leaves.length === 0) return EMPTY_TREE_ROOT;
    if (leaves.length === 1) return leaves[0];
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return hashLeafPair(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
  };
  const hashLeafPair = (l: Buffer, r: Buffer): Buffer => {
    const log = new MerkleLog();
    log.appendLeafHash(l);
    log.appendLeafHash(r);
    return log.root();
  };

  const treeWithLeaf = fc
    .record({ size: fc.integer({ min: 1, max: 300 }), seed: fc.nat() })
    .chain(({ size, seed }) => fc.record({ size: fc.constant(size), seed: fc.constant(seed), index: fc.nat(size - 1) }));

  it('every root at every size equals the from-scratch RFC 6962 tree hash', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 130 }), fc.nat(), (size, seed) => {
        const leaves = leafHashes(size, seed);
        const log = buildLog(leaves);
        for (let n = 0; n <= size; n += 1) expect(log.root(n).equals(referenceRoot(leaves.slice(0, n)))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('every honest inclusion proof verifies and any single-bit mutation of it is rejected', () => {
    fc.assert(
      fc.property(treeWithLeaf, fc.nat(), fc.nat(), ({ size, seed, index }, pick, bitPick) => {
        const log = buildLog(leafHashes(size, seed));
        const proof = log.inclusionProof(index, size).map((p) => p.toString('hex'));
        const root = log.root(size).toString('hex');
        const leaf = log.leafHash(index).toString('hex');
        expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);

        const bit = bitPick % 256;
        const mutations: [string, HashLike, number, number, HashLike[], HashLike][] = [
          ['root', leaf, index, size, proof, flipBit(root, bit)],
          ['leaf', flipBit(leaf, bit), index, size, proof, root],
          ['index', leaf, index ^ (1 << pick % 10), size, proof, root],
        ];
        const otherSize = size ^ (1 << pick % 10);
        const sameShape = validInclusion(index, otherSize) && inclusionShape(index, otherSize) === inclusionShape(index, size);
        expect(verifyInclusion(leaf, index, otherSize, proof, root)).toBe(sameShape);
        if (proof.length > 0) {
          const at = pick % proof.length;
          mutations.push(['proof', leaf, index, size, proof.map((p, i) => (i === at ? flipBit(p, bit) : p)), root]);
        }
        for (const [what, l, i, s, p, r] of mutations) {
          expect([what, verifyInclusion(l, i, s, p, r)]).toEqual([what, false]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every honest consistency proof verifies and any single-bit mutation of it is rejected', () => {
    const sizes = fc
      .record({ size2: fc.integer({ min: 2, max: 300 }), seed: fc.nat() })
      .chain(({ size2, seed }) =>
        fc.record({ size2: fc.constant(size2), seed: fc.constant(seed), size1: fc.integer({ min: 1, max: size2 - 1 }) }),
      );
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(), ({ size1, size2, seed }, pick, bitPick) => {
        const log = buildLog(leafHashes(size2, seed));
        const proof = log.consistencyProof(size1, size2).map((p) => p.toString('hex'));
        const root1 = log.root(size1).toString('hex');
        const root2 = log.root(size2).toString('hex');
        expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(true);

        const bit = bitPick % 256;
        const at = pick % proof.length;
        const mutations: [string, number, number, string[], string, string][] = [
          ['root1', size1, size2, proof, flipBit(root1, bit), root2],
          ['root2', size1, size2, proof, root1, flipBit(root2, bit)],
          ['proof', size1, size2, proof.map((p, i) => (i === at ? flipBit(p, bit) : p)), root1, root2],
        ];
        for (const [what, s1, s2, p, r1, r2] of mutations) {
          expect([what, verifyConsistency(s1, s2, p, r1, r2)]).toEqual([what, false]);
        }
        const shape = consistencyShape(size1, size2);
        for (const [s1, s2] of [
          [size1 ^ (1 << pick % 10), size2],
          [size1, size2 ^ (1 << pick % 10)],
        ]) {
          const sameShape = s1 > 0 && s1 < s2 && consistencyShape(s1, s2) === shape;
          if (verifyConsistency(s1, s2, proof, root1, root2)) expect([s1, s2, sameShape]).toEqual([s1, s2, true]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a proof for one tree never verifies a tree whose history differs in one leaf', () => {
    fc.assert(
      fc.property(treeWithLeaf, ({ size, seed, index }) => {
        const honest = leafHashes(size, seed);
        const rewritten = honest.map((leaf, i) => (i === index ? hashLeaf(Buffer.from('rewritten')) : leaf));
        const before = buildLog(honest);
        const after = buildLog([...rewritten, ...leafHashes(3, seed + 1)]);
        const proof = after.consistencyProof(size, size + 3);
        expect(verifyConsistency(size, size + 3, proof, before.root(size), after.root(size + 3))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
