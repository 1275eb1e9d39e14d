import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { MerkleLog } from './merkle.js';
import { decodeMerkleSnapshot, merkleSnapshotRows } from './merkle-snapshot.js';
import { hashLeaf } from './proof-verify.js';
import { MerkleCache } from './service.js';

const leafHash = (seed: number, i: number): Buffer => hashLeaf(createHash('sha256').update(`${seed}/${i}`).digest());

describe('Merkle log rebuilt from its leaves or restored from its levels', () => {
  it('has the inner nodes of a log the same leaves were appended to, at every size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 1_000 }), (size, seed) => {
        const appended = new MerkleLog();
        for (let i = 0; i < size; i += 1) appended.appendLeafHash(leafHash(seed, i));
        const rebuilt = MerkleLog.fromLeafHashes(appended.leafHashesUpTo(size));
        const restored = MerkleLog.fromLevels(appended.levelsUpTo(size));
        expect(restored.levelsUpTo(size)).toEqual(rebuilt.levelsUpTo(size));
        expect(rebuilt.size).toBe(size);
        expect(rebuilt.root().equals(appended.root())).toBe(true);
        for (const s of [1, Math.ceil(size / 3), size - 1]) {
          if (s < 1 || s > size) continue;
          expect(rebuilt.root(s).equals(appended.root(s))).toBe(true);
          expect(rebuilt.inclusionProof(s - 1, s)).toEqual(appended.inclusionProof(s - 1, s));
          expect(rebuilt.consistencyProof(1, s)).toEqual(appended.consistencyProof(1, s));
        }
        // Appending after the rebuild keeps both logs equal.
        rebuilt.appendLeafHash(leafHash(seed, size));
        appended.appendLeafHash(leafHash(seed, size));
        expect(rebuilt.root().equals(appended.root())).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses bytes that are not whole leaf hashes, and levels of the wrong number or size', () => {
    expect(() => MerkleLog.fromLeafHashes(Buffer.alloc(33))).toThrow(RangeError);
    const log = MerkleLog.fromLeafHashes(Buffer.concat(Array.from({ length: 5 }, (_, i) => leafHash(1, i))));
    const levels = log.levelsUpTo(5);
    expect(levels.map((level) => level.length / 32)).toEqual([5, 2, 1]);
    expect(() => MerkleLog.fromLevels([])).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels(levels.slice(0, 2))).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels([levels[0], levels[1].subarray(0, 32), levels[2]])).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels([...levels, levels[2]])).toThrow(RangeError);
  });
});

describe('Merkle snapshot rows', () => {
  it('are a header, one row per level and one of positions, and decode to the same tree', () => {
    const cache = new MerkleCache('ordinal');
    for (let i = 0; i < 23; i += 1) cache.apply({ position: BigInt(i * 10 + 3), hash: createHash('sha256').update(`e${i}`).digest('hex') });
    const rows = merkleSnapshotRows(cache.capture(23), cache.log.root().toString('hex'));
    // Levels of 23, 11, 5, 2 and 1 hashes.
    expect(rows.slice(1).map((row) => (row as Uint8Array).length)).toEqual([23 * 32, 11 * 32, 5 * 32, 2 * 32, 32, 23 * 8]);
    const { tree, positions } = decodeMerkleSnapshot(rows, 'ordinal');
    expect(tree.root().equals(cache.log.root())).toBe(true);
    expect(Array.from(positions ?? [], String)).toEqual(Array.from({ length: 23 }, (_, i) => String(i * 10 + 3)));
  });

  it('refuse a level that is not bytes, or not of its size', () => {
    const cache = new MerkleCache();
    for (let i = 0; i < 5; i += 1) cache.apply({ position: BigInt(i), hash: createHash('sha256').update(`e${i}`).digest('hex') });
    const rows = merkleSnapshotRows(cache.capture(5), cache.log.root().toString('hex'));
    expect(decodeMerkleSnapshot(rows, 'position').tree.root().equals(cache.log.root())).toBe(true);
    expect(() => decodeMerkleSnapshot([rows[0], cache.log.leafHashesUpTo(4), rows[2], rows[3]], 'position')).toThrow(/bytes/);
    expect(() => decodeMerkleSnapshot([rows[0], Buffer.from(rows[1] as Uint8Array).toString('base64'), rows[2], rows[3]], 'position')).toThrow(/binary/);
  });
});
