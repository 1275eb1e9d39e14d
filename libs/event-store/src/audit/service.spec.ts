import { FakeClock } from '../clock.js';
import { createMemoryEventStore } from '../memory/index.js';
import { collect, eventId, ledgerHistory } from './audit.fixture.js';
import { AuditHistoryError, AuditRangeError } from './errors.js';
import { exportNdjson } from './export.js';
import type { EventStore, ReadAllOptions, ReadAllPage, RecordedEvent } from '../port.js';
import { LEAF_BLOCK_LEAVES, MerkleFrontier, MerkleLog } from './merkle.js';
import { decodeMerkleSnapshot, merkleSnapshotRows } from './merkle-snapshot.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from './proof-verify.js';
import {
  checkConsistencyProof,
  checkInclusionProof,
  consistencyProof,
  digestAt,
  inclusionProof,
  MerkleCache,
  merkleCacheFor,
} from './service.js';

const fromScratchRoot = (hashes: readonly string[]): string => {
  const frontier = new MerkleFrontier();
  for (const h of hashes) frontier.appendLeafHex(h);
  return frontier.root().toString('hex');
};

async function eventHashes(store: Awaited<ReturnType<typeof ledgerHistory>>): Promise<string[]> {
  const lines = await collect(exportNdjson(store));
  return lines.map((l) => (JSON.parse(l) as { hash: string }).hash);
}

describe('digests', () => {
  it('the digest at each position is the Merkle root over the event hashes up to it', async () => {
    const store = await ledgerHistory({ events: 21 });
    const hashes = await eventHashes(store);
    for (const position of [0, 1, 6, 7, 8, 20]) {
      const digest = await digestAt(store, BigInt(position));
      expect(digest).toMatchObject({
        treeSize: String(position + 1),
        root: fromScratchRoot(hashes.slice(0, position + 1)),
        headPosition: String(position),
        headHash: hashes[position],
      });
    }
    await store.close();
  });

  it('the digest of the whole log follows the log as it grows', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00Z'));
    const store = await ledgerHistory({ events: 5 });
    expect(await digestAt(store, undefined, { clock })).toMatchObject({ treeSize: '5', createdAt: '2026-05-01T00:00:00.000Z' });
    await store.appendToStream(
      'commitment-lyon',
      [{ id: eventId(99), type: 'commitment.Pledged', data: {}, metadata: { actor: 'a', role: 'r', correlationId: 'c', schemaVersion: 1 } }],
      'any',
    );
    const grown = await digestAt(store);
    expect(grown.treeSize).toBe('6');
    expect(grown.root).toBe(fromScratchRoot(await eventHashes(store)));
    await store.close();
  });

  it('the empty log has the empty-tree digest', async () => {
    const store = createMemoryEventStore();
    expect(await digestAt(store)).toMatchObject({
      treeSize: '0',
      root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      headPosition: null,
      headHash: null,
    });
    await store.close();
  });

  it('positions the log does not hold are refused', async () => {
    const store = await ledgerHistory({ events: 3 });
    await expect(digestAt(store, 3n)).rejects.toThrow(AuditRangeError);
    await expect(digestAt(store, -1n)).rejects.toThrow(AuditRangeError);
    await store.close();
  });
});

describe('inclusion proofs', () => {
  it('prove every event is in the current digest and in every later-sized tree', async () => {
    const store = await ledgerHistory({ events: 19 });
    const digest = await digestAt(store);
    for (let position = 0n; position < 19n; position += 1n) {
      const p = await inclusionProof(store, position);
      expect(p.leafHash).toBe(hashLeaf(Buffer.from(p.eventHash, 'hex')).toString('hex'));
      expect(p.root).toBe(digest.root);
      expect(verifyInclusion(p.leafHash, position, 19n, p.proof, digest.root)).toBe(true);
    }
    const inOlderTree = await inclusionProof(store, 4n, 11n);
    expect(verifyInclusion(inOlderTree.leafHash, 4n, 11n, inOlderTree.proof, (await digestAt(store, 10n)).root)).toBe(true);
    await store.close();
  });

  it('refuse a position outside the tree', async () => {
    const store = await ledgerHistory({ events: 4 });
    await expect(inclusionProof(store, 4n)).rejects.toThrow(AuditRangeError);
    await expect(inclusionProof(store, 2n, 2n)).rejects.toThrow(AuditRangeError);
    await expect(inclusionProof(store, 0n, 5n)).rejects.toThrow(AuditRangeError);
    await store.close();
  });
});

describe('consistency proofs', () => {
  it('prove every earlier digest is a prefix of the current one', async () => {
    const store = await ledgerHistory({ events: 17 });
    const now = await digestAt(store);
    for (let size1 = 0n; size1 <= 17n; size1 += 1n) {
      const earlier = size1 === 0n ? null : await digestAt(store, size1 - 1n);
      const p = await consistencyProof(store, size1);
      if (earlier !== null) expect(p.root1).toBe(earlier.root);
      expect(verifyConsistency(size1, 17n, p.proof, p.root1, now.root)).toBe(true);
    }
    await store.close();
  });

  it('refuse sizes out of order or beyond the log', async () => {
    const store = await ledgerHistory({ events: 4 });
    await expect(consistencyProof(store, 3n, 2n)).rejects.toThrow(AuditRangeError);
    await expect(consistencyProof(store, 1n, 5n)).rejects.toThrow(AuditRangeError);
    await store.close();
  });
});

describe('checking served proofs against digests an auditor holds', () => {
  it('accepts honest proofs and refuses ones for another event, size or digest', async () => {
    const store = await ledgerHistory({ events: 14 });
    const older = await digestAt(store, 8n);
    const newer = await digestAt(store);
    const p = await inclusionProof(store, 5n);
    expect(checkInclusionProof(p, newer)).toBe(true);
    expect(checkInclusionProof(p, older)).toBe(false);
    expect(checkInclusionProof({ ...p, eventHash: 'f'.repeat(64) }, newer)).toBe(false);
    expect(checkInclusionProof({ ...p, position: '6' }, newer)).toBe(false);
    expect(checkInclusionProof({ ...p, position: '-5' }, newer)).toBe(false);

    const c = await consistencyProof(store, 9n);
    expect(checkConsistencyProof(c, older, newer)).toBe(true);
    expect(checkConsistencyProof(c, newer, older)).toBe(false);
    expect(checkConsistencyProof(c, { ...older, root: newer.root }, newer)).toBe(false);
    await store.close();
  });
});

describe('Merkle cache', () => {
  it('is kept per store and caught up, not rebuilt, between calls', async () => {
    const store = await ledgerHistory({ events: 9 });
    await digestAt(store);
    const cache = merkleCacheFor(store);
    expect(cache.size).toBe(9);
    expect(merkleCacheFor(store)).toBe(cache);
    await store.close();
  });

  it('can be fed live from a subscription and agrees with a tree built from the export', async () => {
    const store = await ledgerHistory({ events: 12 });
    const cache = new MerkleCache();
    const subscription = store.subscribeToAll();
    let seen = 0;
    for await (const event of subscription) {
      cache.apply(event);
      seen += 1;
      if (seen === 12) break;
    }
    const rebuilt = new MerkleLog();
    for (const h of await eventHashes(store)) rebuilt.appendLeaf(Buffer.from(h, 'hex'));
    expect(cache.log.root().equals(rebuilt.root())).toBe(true);
    await store.close();
  });

  it('accepts an event it already holds but flags a changed hash or a gap as a history incident', async () => {
    const store = await ledgerHistory({ events: 3 });
    const cache = new MerkleCache();
    await cache.catchUp(store, 2n);
    const page = await store.readAll();
    expect(() => cache.apply(page.events[1])).not.toThrow();
    expect(() => cache.apply({ position: 1n, hash: 'f'.repeat(64) })).toThrow(AuditHistoryError);
    expect(() => cache.apply({ position: 5n, hash: 'f'.repeat(64) })).toThrow(AuditHistoryError);
    expect(cache.size).toBe(3);
    await store.close();
  });
});

/** `store` with every page it reads passed through `edit`: a log rewritten under the tree, or work done mid-read. */
function editingReads(store: EventStore, edit: (page: ReadAllPage) => ReadAllPage): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readAll') return async (...args: Parameters<EventStore['readAll']>) => edit(await target.readAll(...args));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const withHash = (event: RecordedEvent, hash: string): RecordedEvent => ({ ...event, hash });

/** `store` as EventStoreDB shows a log: positions with gaps (7n + 3 for the n-th event), leaves taken by ordinal. */
function withGaps(store: EventStore): EventStore {
  const gapped = (position: bigint): bigint => position * 7n + 3n;
  const original = (position: bigint | 'start' | undefined): bigint | 'start' | undefined =>
    typeof position === 'bigint' ? (position - 3n) / 7n : position;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'kind') return 'esdb';
      if (property === 'headPosition') {
        return async (): Promise<bigint | null> => {
          const head = await target.headPosition();
          return head === null ? null : gapped(head);
        };
      }
      if (property === 'readAll') {
        return async (options: ReadAllOptions = {}): Promise<ReadAllPage> => {
          const page = await target.readAll({ ...options, after: original(options.after) });
          return { ...page, nextAfter: page.nextAfter === null ? null : gapped(page.nextAfter), events: page.events.map((e) => ({ ...e, position: gapped(e.position) })) };
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('a tree that keeps no leaves of its complete blocks', () => {
  const EVENTS = 3 * LEAF_BLOCK_LEAVES + 13;

  it('answers roots and proofs at sizes inside blocks read back from the log as the tree built from scratch does', async () => {
    const store = await ledgerHistory({ events: EVENTS });
    const hashes = await eventHashes(store);
    const rootAt = (size: number): string => fromScratchRoot(hashes.slice(0, size));
    await digestAt(store);
    expect(merkleCacheFor(store).log.completeBlocks).toBe(3);
    for (const size of [1, 63, 64, 65, 100, 128, 150, 191, EVENTS]) {
      expect((await digestAt(store, BigInt(size - 1))).root).toBe(rootAt(size));
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        const p = await inclusionProof(store, BigInt(index), BigInt(size));
        expect(p.leafHash).toBe(hashLeaf(Buffer.from(hashes[index], 'hex')).toString('hex'));
        expect([index, size, p.root]).toEqual([index, size, rootAt(size)]);
        expect(verifyInclusion(p.leafHash, BigInt(index), BigInt(size), p.proof, rootAt(size))).toBe(true);
      }
      for (const size1 of [1, 40, 64, 70, 129, size]) {
        if (size1 > size) continue;
        const c = await consistencyProof(store, BigInt(size1), BigInt(size));
        expect([c.root1, c.root2]).toEqual([rootAt(size1), rootAt(size)]);
        expect(verifyConsistency(BigInt(size1), BigInt(size), c.proof, rootAt(size1), rootAt(size))).toBe(true);
      }
    }
    await store.close();
  });

  it('reads a block back at the positions the tree kept where positions have gaps (EventStoreDB)', async () => {
    const inner = await ledgerHistory({ events: EVENTS });
    const hashes = await eventHashes(inner);
    const store = withGaps(inner);
    const rootAt = (size: number): string => fromScratchRoot(hashes.slice(0, size));
    expect((await digestAt(store)).root).toBe(rootAt(EVENTS));
    expect(merkleCacheFor(store).leafOrder).toBe('ordinal');
    expect((await digestAt(store, 100n * 7n + 3n)).root).toBe(rootAt(101));
    const p = await inclusionProof(store, 70n * 7n + 3n, 130n);
    expect(p.leafIndex).toBe('70');
    expect(verifyInclusion(p.leafHash, 70n, 130n, p.proof, rootAt(130))).toBe(true);
    const c = await consistencyProof(store, 70n, 150n);
    expect(verifyConsistency(70n, 150n, c.proof, rootAt(70), rootAt(150))).toBe(true);
    await inner.close();
  });

  it('refuses a tampered log block: the proof is an integrity incident, never a wrong proof', async () => {
    const inner = await ledgerHistory({ events: EVENTS });
    let tampered = false;
    const store = editingReads(inner, (page) =>
      tampered ? { ...page, events: page.events.map((e) => (e.position === 70n ? withHash(e, 'f'.repeat(64)) : e)) } : page,
    );
    const untouched = async (): Promise<unknown> => [await inclusionProof(store, 3n, 64n), await inclusionProof(store, 150n), await digestAt(store, 140n, { clock: new FakeClock(0) })];
    const honest = await untouched();
    tampered = true;
    await expect(inclusionProof(store, 100n, 150n)).rejects.toThrow(/leaves 64\.\.127 no longer give the block root in the Merkle tree/);
    await expect(digestAt(store, 99n)).rejects.toThrow(AuditHistoryError);
    await expect(consistencyProof(store, 70n)).rejects.toThrow(AuditHistoryError);
    // Blocks the rewrite did not touch still serve the same proofs.
    expect(await untouched()).toEqual(honest);
    await inner.close();
  });

  it('checks events applied again after a catch-up ran ahead, and keeps the root and snapshot at the size applied', async () => {
    const store = await ledgerHistory({ events: EVENTS });
    const hashes = await eventHashes(store);
    const events = (await store.readAll()).events;
    const cache = new MerkleCache();
    for (const event of events.slice(0, 10)) cache.apply(event);
    await cache.catchUp(store, BigInt(EVENTS - 1));
    expect(cache.size).toBe(EVENTS);
    for (const event of events.slice(10)) {
      cache.apply(event);
      const applied = Number(event.position) + 1;
      if (applied % 17 !== 0 && applied % LEAF_BLOCK_LEAVES !== 0) continue;
      expect([applied, cache.rootHeld(applied).toString('hex')]).toEqual([applied, fromScratchRoot(hashes.slice(0, applied))]);
      const { tree } = decodeMerkleSnapshot(merkleSnapshotRows(cache.capture(applied), cache.rootHeld(applied).toString('hex')), 'position');
      expect(tree.size).toBe(applied);
    }
    expect(() => cache.apply(events[5])).toThrow(/out of log order/);
    await store.close();
  });

  it('flags an event applied again with another hash, in the block kept aside at once, in a later block at its end', async () => {
    const store = await ledgerHistory({ events: EVENTS });
    const events = (await store.readAll()).events;
    const behind = async (): Promise<MerkleCache> => {
      const cache = new MerkleCache();
      for (const event of events.slice(0, 10)) cache.apply(event);
      await cache.catchUp(store, BigInt(EVENTS - 1));
      return cache;
    };
    const early = await behind();
    for (const event of events.slice(10, 30)) early.apply(event);
    expect(() => early.apply(withHash(events[30], 'f'.repeat(64)))).toThrow(/another hash/);

    const late = await behind();
    for (const event of events.slice(10, 100)) late.apply(event);
    late.apply(withHash(events[100], 'f'.repeat(64)));
    for (const event of events.slice(101, 127)) late.apply(event);
    expect(() => late.apply(events[127])).toThrow(/leaves 64\.\.127 do not give the block root/);
    await store.close();
  });

  it('checks a catch-up page repeating events applied while it was read against the block root', async () => {
    const inner = await ledgerHistory({ events: EVENTS });
    const events = (await inner.readAll()).events;
    const run = async (meanwhile: readonly RecordedEvent[]): Promise<MerkleCache> => {
      const cache = new MerkleCache();
      let first = true;
      const store = editingReads(inner, (page) => {
        if (first) for (const event of meanwhile) cache.apply(event);
        first = false;
        return page;
      });
      await cache.catchUp(store, BigInt(EVENTS - 1));
      return cache;
    };
    const honest = await run(events.slice(0, 70));
    expect(honest.log.root().toString('hex')).toBe(fromScratchRoot(events.map((e) => e.hash)));
    await expect(run(events.slice(0, 70).map((e, i) => (i === 5 ? withHash(e, 'f'.repeat(64)) : e)))).rejects.toThrow(/leaves 0\.\.63 do not give the block root/);
    await inner.close();
  });
});
