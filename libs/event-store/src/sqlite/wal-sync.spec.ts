import { jest } from '@jest/globals';
import type { EventStore } from '../port.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { fileHandlePrototype, tempLogPath, transfers } from './test-support.js';

/**
 * Holds every WAL sync of the store back until `release()` (a slow disk), by wrapping FileHandle.prototype.sync;
 * `started()` resolves once one is being held. The hold is also released by `releaseHeld` in afterEach, so that a
 * failed expectation does not leave close() waiting for it.
 */
let releaseHeld: () => void = () => undefined;
async function holdSyncs(path: string): Promise<{ release: () => void; started: () => Promise<void>; count: () => number }> {
  const prototype = await fileHandlePrototype(path);
  const original = prototype.sync;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
    releaseHeld = resolve;
  });
  const sync = jest.spyOn(prototype, 'sync').mockImplementation(async function (this: unknown) {
    await held;
    return original.call(this);
  });
  const started = async (): Promise<void> => {
    for (let i = 0; i < 200 && sync.mock.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sync).toHaveBeenCalled();
  };
  return { release, started, count: () => sync.mock.calls.length };
}

describe('durable group commit with the WAL synced off the event loop (FULL)', () => {
  let file: ReturnType<typeof tempLogPath>;
  let store: EventStore;
  beforeEach(() => {
    file = tempLogPath();
    store = openSqliteEventStore({ path: file.path, groupCommit: true });
  });
  afterEach(async () => {
    releaseHeld();
    jest.restoreAllMocks();
    await store.close();
    file.remove();
  });

  it('acknowledges nothing, and shows readers of the log nothing, until the WAL sync after the commit has returned', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    const { release, started } = await holdSyncs(file.path);
    let acknowledged = false;
    const append = store.appendToStream('fund-b', transfers(2), 'no_stream').then((result) => {
      acknowledged = true;
      return result;
    });
    // Committed meanwhile: the command path sees it (expected revisions), the readers of the whole log do not.
    await started();
    expect(acknowledged).toBe(false);
    expect(await store.streamRevision('fund-b')).toBe(1n);
    expect(await store.headPosition()).toBe(0n);
    expect((await store.readAll({ maxCount: 100 })).events.map((e) => e.stream)).toEqual(['fund-a']);
    release();
    expect(await append).toEqual({ nextExpectedRevision: 1n, position: 2n });
    expect(await store.headPosition()).toBe(2n);
    expect((await store.readAll({ maxCount: 100 })).events).toHaveLength(3);
  });

  it('acknowledges a repeat of an append only once the original is on disk too', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    const { release, started } = await holdSyncs(file.path);
    const batch = transfers(2);
    const acknowledged: string[] = [];
    const first = store.appendToStream('fund-b', batch, 'no_stream').then(() => acknowledged.push('first'));
    await started();
    // The retry finds the events already in the stream (a repeat, nothing written) while the first sync is held.
    const retry = store.appendToStream('fund-b', batch, 'no_stream').then(() => acknowledged.push('retry'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acknowledged).toEqual([]);
    release();
    await Promise.all([first, retry]);
    expect(acknowledged.sort()).toEqual(['first', 'retry']);
    expect(await store.headPosition()).toBe(2n);
  });

  it('tells a reader of a stream when an event it saw there is on disk', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    await expect(store.waitUntilDurable?.(0n)).resolves.toBeUndefined();
    const { release, started } = await holdSyncs(file.path);
    const append = store.appendToStream('fund-b', transfers(1), 'no_stream');
    await started();
    const [seen] = await store.readStream('fund-b', { direction: 'forwards', fromRevision: 0n, maxCount: 1 });
    let durable = false;
    const waiting = (store.waitUntilDurable?.(seen.position) ?? Promise.resolve()).then(() => {
      durable = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(durable).toBe(false);
    // What was already on disk is answered at once.
    await expect(store.waitUntilDurable?.(0n)).resolves.toBeUndefined();
    release();
    await Promise.all([append, waiting]);
    expect(durable).toBe(true);
  });

  it('tells a command whose stream showed it a commit that the readers of the whole log do not see yet when they will', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    await expect(store.waitUntilCommittedDurable?.()).resolves.toBeUndefined();
    const { release, started } = await holdSyncs(file.path);
    const append = store.appendToStream('fund-b', transfers(1), 'no_stream');
    await started();
    expect(await store.streamRevision('fund-b')).toBe(0n);
    let visible: bigint | null | undefined;
    const waiting = (store.waitUntilCommittedDurable?.() ?? Promise.resolve()).then(async () => {
      visible = await store.headPosition();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(visible).toBeUndefined();
    release();
    await Promise.all([append, waiting]);
    // When it resolves, the commit is part of the head a projection runner is asked to reach.
    expect(visible).toBe(1n);
  });

  it('lets groups that commit while a sync runs share the next one, instead of queueing one sync each', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    const { release, started, count } = await holdSyncs(file.path);
    const first = store.appendToStream('fund-b', transfers(1), 'no_stream');
    await started();
    // Three more groups, each committed in a turn of its own while the first sync is held.
    const later: Promise<unknown>[] = [];
    for (const stream of ['fund-c', 'fund-d', 'fund-e']) {
      later.push(store.appendToStream(stream, transfers(1), 'no_stream'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await store.streamRevision('fund-e')).toBe(0n);
    expect(count()).toBe(1);
    release();
    await Promise.all([first, ...later]);
    expect(count()).toBe(2);
    expect(await store.headPosition()).toBe(4n);
  });

  it('refuses to acknowledge when the disk refuses the sync, and every append after it (fail-stop)', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    const prototype = await fileHandlePrototype(file.path);
    jest.spyOn(prototype, 'sync').mockRejectedValue(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(store.appendToStream('fund-b', transfers(1), 'no_stream')).rejects.toMatchObject({ code: 'store_file', message: expect.stringContaining('could not be made durable') });
    jest.restoreAllMocks();
    await expect(store.appendToStream('fund-c', transfers(1), 'no_stream')).rejects.toMatchObject({ code: 'store_file' });
  });

  it('keeps what it acknowledged across a reopen, with the chain intact', async () => {
    const streams = Array.from({ length: 50 }, (_, i) => `fund-${i}`);
    await Promise.all(streams.map((s) => store.appendToStream(s, transfers(3), 'no_stream')));
    await store.close();
    store = openSqliteEventStore({ path: file.path, groupCommit: true });
    expect(await store.headPosition()).toBe(149n);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 150 });
  });
});
