import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { MerkleLog } from './merkle.js';
import { decodeMerkleSnapshot, merkleSnapshotRows } from './merkle-snapshot.js';
import { hashLeaf } from './proof-verify.js';
import { MerkleCache } from './service.js';

const leafHash = (seed: number, i: number): Buffer => hashLeaf(createHash('sha256').update(`${seed}/${i}`).digest());

const logOf = (size: number, seed: number): MerkleLog => {
  const log = new MerkleLog();
  for (let i = 0; i < size; i += 1) log.appendLeafHash(leafHash(seed, i));
  return log;
};

describe('Merkle log restored from the levels it keeps', () => {
  it('answers as the log it was taken from, at every size of whole blocks or in its last block, and goes on alike', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 1_000 }), (size, seed) => {
        const appended = logOf(size, seed);
        const rebuilt = MerkleLog.fromLeafHashes(Buffer.concat(Array.from({ length: size }, (_, i) => leafHash(seed, i))));
        const restored = MerkleLog.fromLevels(appended.levelsUpTo(size), appended.blockLeavesUpTo(size));
        expect(restored.levelsUpTo(size)).toEqual(rebuilt.levelsUpTo(size));
        expect(restored.blockLeavesUpTo(size)).toEqual(rebuilt.blockLeavesUpTo(size));
        expect([restored.size, rebuilt.size]).toEqual([size, size]);
        expect(restored.root().equals(appended.root())).toBe(true);
        const lastBlock = Math.floor(size / 64) * 64;
        for (const s of [lastBlock, Math.ceil((lastBlock + size) / 2), size]) {
          if (s < 1) continue;
          expect(restored.root(s).equals(appended.root(s))).toBe(true);
          // A leaf of a complete block needs its block read back; the leaves after the last whole block are held.
          if (s > lastBlock) expect(restored.inclusionProof(s - 1, s)).toEqual(appended.inclusionProof(s - 1, s));
          expect(restored.consistencyProof(lastBlock, s)).toEqual(appended.consistencyProof(lastBlock, s));
        }
        // Appending after the restore keeps both logs equal, across the end of a block.
        for (let i = size; i < size + 65; i += 1) {
          restored.appendLeafHash(leafHash(seed, i));
          appended.appendLeafHash(leafHash(seed, i));
        }
        expect(restored.root().equals(appended.root())).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses bytes that are not whole leaf hashes, a whole block as its last, and levels of the wrong number or size', () => {
    expect(() => MerkleLog.fromLeafHashes(Buffer.alloc(33))).toThrow(RangeError);
    const log = logOf(64 * 5 + 3, 1);
    const levels = log.levelsUpTo(log.size);
    const last = log.blockLeavesUpTo(log.size);
    expect(levels.map((level) => level.length / 32)).toEqual([5, 2, 1]);
    expect(last.length).toBe(3 * 32);
    expect(MerkleLog.fromLevels([], last).size).toBe(3);
    expect(() => MerkleLog.fromLevels(levels, Buffer.alloc(33))).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels(levels, Buffer.alloc(64 * 32))).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels(levels.slice(0, 2), last)).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels([levels[0], levels[1].subarray(0, 32), levels[2]], last)).toThrow(RangeError);
    expect(() => MerkleLog.fromLevels([...levels, levels[2]], last)).toThrow(RangeError);
  });
});

describe('Merkle snapshot rows', () => {
  it('are a header, the last block\'s leaves, one row per kept level and one of positions, and decode to the same tree', () => {
    const cache = new MerkleCache('ordinal');
    for (let i = 0; i < 200; i += 1) cache.apply({ position: BigInt(i * 10 + 3), hash: createHash('sha256').update(`e${i}`).digest('hex') });
    const rows = merkleSnapshotRows(cache.capture(200), cache.log.root().toString('hex'));
    // 8 leaves past 3 blocks; levels of 3 block roots and 1 subtree of 128 leaves; 200 positions.
    expect(rows.slice(1).map((row) => (row as Uint8Array).length)).toEqual([8 * 32, 3 * 32, 32, 200 * 8]);
    const { tree, positions } = decodeMerkleSnapshot(rows, 'ordinal');
    expect(tree.root().equals(cache.log.root())).toBe(true);
    expect(Array.from(positions ?? [], String)).toEqual(Array.from({ length: 200 }, (_, i) => String(i * 10 + 3)));
  });

  it('refuse a row that is not bytes, or not of its size, and a snapshot of an older format', () => {
    const cache = new MerkleCache();
    for (let i = 0; i < 130; i += 1) cache.apply({ position: BigInt(i), hash: createHash('sha256').update(`e${i}`).digest('hex') });
    const rows = merkleSnapshotRows(cache.capture(130), cache.log.root().toString('hex'));
    expect(decodeMerkleSnapshot(rows, 'position').tree.root().equals(cache.log.root())).toBe(true);
    expect(() => decodeMerkleSnapshot([rows[0], (rows[1] as Buffer).subarray(0, 32), rows[2], rows[3]], 'position')).toThrow(/bytes/);
    expect(() => decodeMerkleSnapshot([rows[0], rows[1], Buffer.from(rows[2] as Uint8Array).toString('base64'), rows[3]], 'position')).toThrow(/binary/);
    // merkle-levels/2 kept every level, leaf hashes first: 1 + 8 rows for 130 leaves, never read as this shape.
    const older = [{ ...(rows[0] as object), format: 'merkle-levels/2' }, ...Array.from({ length: 8 }, () => Buffer.alloc(32))];
    expect(() => decodeMerkleSnapshot(older, 'position')).toThrow(/format merkle-levels\/2/);
  });
});
