/**
 * A restart of a SQLite ledger restores the audit.merkle read model from its snapshot (no replay of the log for it),
 * and the digests and proofs it serves then are those of a tree built from the log, before and after more events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consistencyProof, digestAt, inclusionProof, MerkleCache } from '../../libs/event-store/src/audit/index.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { EventStore, ProposedEvent } from '../../libs/event-store/src/port.js';
import { openSqliteEventStore } from '../../libs/event-store/src/sqlite/index.js';
import { MerkleFeedReadModel } from '../../libs/ledger/src/audit/merkle-feed.read-model.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { DirectorySnapshotStore } from '../../libs/ledger/src/snapshots/index.js';

const event = (n: number): ProposedEvent => ({
  id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  type: 'commitment.Pledged',
  data: { amount: `${n}.00`, currency: 'EUR' },
  metadata: { actor: 'user:lyon-treasurer', role: 'treasurer', correlationId: `corr-${n}`, schemaVersion: 1 },
});

async function append(store: EventStore, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n += 10) {
    await store.appendToStream(`commitment-${n}`, Array.from({ length: Math.min(10, to - n) }, (_, i) => event(n + i)), 'no_stream');
  }
}

/** Everything the audit API answers over the whole log, computed from the runner's tree. */
async function answers(store: EventStore): Promise<unknown> {
  const digest = await digestAt(store);
  const size = BigInt(digest.treeSize);
  return {
    digest: { treeSize: digest.treeSize, root: digest.root, headHash: digest.headHash },
    inclusion: await Promise.all([0n, size / 3n, size - 1n].map((p) => inclusionProof(store, p))),
    consistency: await Promise.all([1n, size / 2n, size - 1n].map((s) => consistencyProof(store, s))),
  };
}

/** The root of a tree built from the log alone, page by page. */
async function rebuiltRoot(store: EventStore): Promise<string> {
  const cache = new MerkleCache();
  await cache.catchUp(store, (await store.headPosition()) ?? -1n);
  return cache.log.root().toString('hex');
}

async function startCaughtUp(store: EventStore, snapshots: string): Promise<{ runner: ProjectionRunner; warnings: string[] }> {
  const warnings: string[] = [];
  const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(snapshots), onWarning: (m) => warnings.push(m) });
  runner.register(new MerkleFeedReadModel(store));
  runner.start();
  const head = await store.headPosition();
  if (head !== null && !(await runner.waitFor(head, 60_000))) throw new Error('the Merkle feed did not catch up within 60 s');
  return { runner, warnings };
}

describe('the Merkle read model across a restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-merkle-restore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restores from its snapshot and serves the digests and proofs of a tree built from the log, also after more events', async () => {
    const path = join(dir, 'ledger.sqlite');
    const snapshots = join(dir, 'snapshots');
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const first = openSqliteEventStore({ path, clock, synchronous: 'NORMAL' });
    await append(first, 0, 1_000);
    const started = await startCaughtUp(first, snapshots);
    const before = await answers(first);
    await started.runner.stop();
    await first.close();

    const second = openSqliteEventStore({ path, clock, synchronous: 'NORMAL' });
    try {
      const restarted = await startCaughtUp(second, snapshots);
      expect(restarted.warnings).toEqual([]);
      expect(restarted.runner.status().snapshots?.restored).toEqual(['audit.merkle']);
      expect(await answers(second)).toEqual(before);

      await append(second, 1_000, 1_337);
      expect(await restarted.runner.waitFor(1_336n, 60_000)).toBe(true);
      const after = (await answers(second)) as { digest: { treeSize: string; root: string } };
      expect(after.digest.treeSize).toBe('1337');
      expect(after.digest.root).toBe(await rebuiltRoot(second));
      await restarted.runner.stop();
    } finally {
      await second.close();
    }
  }, 120_000);
});
