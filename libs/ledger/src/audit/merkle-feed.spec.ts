import { createHash } from 'node:crypto';
import { hashLeafOfHex, LEAF_BLOCK_LEAVES } from '../../../event-store/src/audit/merkle.js';
import { MerkleCache, type LeafOrder } from '../../../event-store/src/audit/service.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { encodeSnapshot, openSnapshot } from '../snapshots/index.js';
import { MERKLE_READ_MODEL, MerkleFeed } from './merkle-feed.read-model.js';

const eventHashOf = (n: number): string => createHash('sha256').update(`event ${n}`).digest('hex');

/** The n-th event of a log: gapless positions, or (EventStoreDB) commit offsets with gaps. */
const eventAt = (n: number, order: LeafOrder): RecordedEvent => ({
  id: `e${n}`,
  type: 'ThingMade',
  stream: `thing-${n % 3}`,
  revision: BigInt(Math.floor(n / 3)),
  position: order === 'position' ? BigInt(n) : BigInt(n * 97 + (n % 5)),
  recordedAt: '2025-01-01T00:00:00.000Z',
  data: {},
  metadata: { actor: 'a', role: 'admin', correlationId: `c${n}`, schemaVersion: 1 },
  hash: eventHashOf(n),
});

const feedOf = (events: number, order: LeafOrder = 'position'): MerkleFeed => {
  const feed = new MerkleFeed(new MerkleCache(order));
  for (let n = 0; n < events; n += 1) feed.apply(eventAt(n, order));
  return feed;
};

/** The rows as the snapshot file gives them back: written by the real writer, read by the real reader. */
async function throughFile(state: unknown): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  const fields = {
    readModel: MERKLE_READ_MODEL,
    version: feedOf(0).version,
    parameterSetVersion: null,
    position: '0',
    store: { kind: 'memory' as const, eventHash: '0'.repeat(64) },
    takenAt: '2026-01-01T00:00:00.000Z',
  };
  await encodeSnapshot(fields, state, (chunk) => {
    chunks.push(Buffer.from(chunk));
    return Promise.resolve();
  });
  return (await openSnapshot(MERKLE_READ_MODEL, Buffer.concat(chunks)).state()) as unknown[];
}

/**
 * Everything a reader can ask of the tree: roots at every size, inclusion and consistency proofs, with the leaves
 * of its complete blocks at hand as the audit service reads them back from the log.
 */
function answers(feed: MerkleFeed, cache: MerkleCache, order: LeafOrder = 'position'): unknown {
  const size = cache.size;
  const hex = (nodes: Buffer[]): string[] => nodes.map((node) => node.toString('hex'));
  const sizes = [1, 2, 3, Math.floor(size / 2), size - 1, size].filter((s) => s >= 1 && s <= size);
  const blocks = new Map(
    Array.from({ length: cache.log.completeBlocks }, (_, b) => [
      b,
      Buffer.concat(Array.from({ length: LEAF_BLOCK_LEAVES }, (__, i) => hashLeafOfHex(eventAt(b * LEAF_BLOCK_LEAVES + i, order).hash))),
    ]),
  );
  return {
    state: feed.canonicalState(),
    roots: sizes.map((s) => cache.log.root(s, blocks).toString('hex')),
    inclusion: sizes.flatMap((s) => [0, Math.floor(s / 3), s - 1].map((i) => hex(cache.log.inclusionProof(i, s, blocks)))),
    consistency: sizes.flatMap((s2) => sizes.filter((s1) => s1 <= s2).map((s1) => hex(cache.log.consistencyProof(s1, s2, blocks)))),
    positions: [0, size - 1].map((ordinal) => String(cache.positionOf(ordinal))),
  };
}

describe('the Merkle feed snapshot', () => {
  it.each<LeafOrder>(['position', 'ordinal'])('restores a tree whose roots and proofs are those of a tree built from the log (%s leaves)', async (order) => {
    const live = feedOf(1_000, order);
    const rows = await throughFile(live.snapshot());
    const cache = new MerkleCache(order);
    const restored = new MerkleFeed(cache);
    restored.restore(rows);
    const rebuiltCache = new MerkleCache(order);
    const rebuilt = new MerkleFeed(rebuiltCache);
    for (let n = 0; n < 1_000; n += 1) rebuilt.apply(eventAt(n, order));
    expect(answers(restored, cache, order)).toEqual(answers(rebuilt, rebuiltCache, order));

    for (let n = 1_000; n < 1_300; n += 1) {
      restored.apply(eventAt(n, order));
      rebuilt.apply(eventAt(n, order));
    }
    expect(answers(restored, cache, order)).toEqual(answers(rebuilt, rebuiltCache, order));
    expect(cache.ordinalOf(eventAt(1_299, order).position)).toBe(1_299);
  });

  it('restores the empty tree', async () => {
    const restored = new MerkleFeed(new MerkleCache());
    restored.restore(await throughFile(feedOf(0).snapshot()));
    expect(restored.canonicalState()).toEqual(feedOf(0).canonicalState());
    restored.apply(eventAt(0, 'position'));
    expect(restored.canonicalState()).toEqual(feedOf(1).canonicalState());
  });

  it('captures the leaves applied so far, unchanged by the events applied while the rows are written', async () => {
    const live = feedOf(63);
    const captured = live.snapshot();
    // The leaf buffer grows past 64 leaves: the capture keeps the bytes it saw, the live tree moves on.
    for (let n = 63; n < 5_000; n += 1) live.apply(eventAt(n, 'position'));
    const restored = new MerkleFeed(new MerkleCache());
    restored.restore(await throughFile(captured));
    expect(restored.canonicalState()).toEqual(feedOf(63).canonicalState());
  });

  it('goes on after a restore exactly where a gapless log goes on, and refuses a gap', async () => {
    const restored = new MerkleFeed(new MerkleCache());
    restored.restore(await throughFile(feedOf(10).snapshot()));
    expect(() => restored.apply(eventAt(11, 'position'))).toThrow(/gap/);
  });

  describe('refuses a snapshot it does not recognise and stays fresh', () => {
    const good = (): Promise<unknown[]> => throughFile(feedOf(100).snapshot());
    const header = (rows: unknown[]): Record<string, unknown> => rows[0] as Record<string, unknown>;
    const flipLastByte = (row: unknown): Buffer => {
      const bytes = Buffer.from(row as Buffer);
      bytes[bytes.length - 1] ^= 0x01;
      return bytes;
    };
    /** The rows with row `at` replaced (100 leaves: a header, the 36 leaves after the first block, its root). */
    const replaced = (rows: unknown[], at: number, row: unknown): unknown[] => rows.map((r, i) => (i === at ? row : r));
    const cases: [string, (rows: unknown[]) => unknown][] = [
      ['not an array', () => ({ treeSize: '100' })],
      ['no rows', () => []],
      ['another format', (rows) => [{ ...header(rows), format: 'merkle-levels/1' }, ...rows.slice(1)]],
      ['the format that kept every level', (rows) => [{ ...header(rows), format: 'merkle-levels/2' }, ...rows.slice(1)]],
      ['another leaf order', (rows) => [{ ...header(rows), leafOrder: 'ordinal' }, ...rows.slice(1)]],
      ['an extra header field', (rows) => [{ ...header(rows), extra: 1 }, ...rows.slice(1)]],
      ['a tree size that is not a decimal', (rows) => [{ ...header(rows), treeSize: '1e2' }, ...rows.slice(1)]],
      ['a larger tree size than the leaves', (rows) => [{ ...header(rows), treeSize: '101' }, ...rows.slice(1)]],
      ['the last block cut short', (rows) => replaced(rows, 1, (rows[1] as Buffer).subarray(0, 35 * 32))],
      ['a level cut short', (rows) => replaced(rows, 2, (rows[2] as Buffer).subarray(0, 31))],
      ['a level as text', (rows) => replaced(rows, 1, (rows[1] as Buffer).toString('base64'))],
      ['a level missing', (rows) => rows.slice(0, -1)],
      ['an extra row', (rows) => [...rows, rows[1]]],
      ['a subtree hash changed', (rows) => replaced(rows, rows.length - 1, flipLastByte(rows[rows.length - 1]))],
      ['a root changed', (rows) => [{ ...header(rows), root: 'ab'.repeat(32) }, ...rows.slice(1)]],
      ['a row that is a number', (rows) => replaced(rows, 2, 42)],
    ];
    it.each(cases)('%s', async (_, corrupt) => {
      const rows = corrupt(await good());
      const cache = new MerkleCache();
      const feed = new MerkleFeed(cache);
      expect(() => feed.restore(rows)).toThrow();
      expect(cache.size).toBe(0);
      expect(feed.canonicalState()).toEqual(feedOf(0).canonicalState());
      for (let n = 0; n < 5; n += 1) feed.apply(eventAt(n, 'position'));
      expect(feed.canonicalState()).toEqual(feedOf(5).canonicalState());
    });

    it('positions that do not increase (ordinal leaves)', async () => {
      const rows = await throughFile(feedOf(10, 'ordinal').snapshot());
      const positions = Buffer.from(rows[rows.length - 1] as Buffer);
      positions.copy(positions, 8 * 5, 8 * 4, 8 * 5);
      const cache = new MerkleCache('ordinal');
      const feed = new MerkleFeed(cache);
      expect(() => feed.restore([...rows.slice(0, -1), positions])).toThrow(/position/);
      expect(cache.size).toBe(0);
      expect(cache.lastPosition()).toBeNull();
    });

    it('any snapshot once the model has applied events', async () => {
      const rows = await good();
      const feed = feedOf(3);
      expect(() => feed.restore(rows)).toThrow(/fresh/);
      expect(feed.canonicalState()).toEqual(feedOf(3).canonicalState());
    });
  });
});
