/**
 * Work a restore deferred (decoding the rest of a snapshot in the background) ends with the runner, and a part that
 * does not decode stops the runner rather than leave a model that refuses every question while health says running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryEventStore } from '../../libs/event-store/src/memory/index.js';
import type { EventMetadata, EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/index.js';
import { CitiesReadModel } from '../../libs/projections/src/governance/index.js';
import { DeferredSnapshotError, type BackgroundWork, type ReadModel } from '../../libs/projections/src/read-model.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { DirectorySnapshotStore, type SnapshotStore } from '../../libs/ledger/src/snapshots/snapshot-store.js';

const metadata: EventMetadata = { actor: 'admin-1', role: 'admin', correlationId: 'c', schemaVersion: 1 };
const group = (...rows: unknown[]): Buffer => Buffer.from(JSON.stringify(rows));
const cityRow = (id: string, name: string, position: string): unknown[] => [id, { city: { cityId: id, name, level: 'prefecture', region: 'Jiangsu' }, lastOccurredAtMs: 0 }, '0', position];
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** Background work as the runner hands it, recording what it was told. */
function backgroundWork(): { work: BackgroundWork; controller: AbortController; failures: Error[] } {
  const controller = new AbortController();
  const failures: Error[] = [];
  return { work: { signal: controller.signal, fail: (error) => failures.push(error) }, controller, failures };
}

async function until(done: () => boolean): Promise<void> {
  for (let t = 0; t < 2_000 && !done(); t++) await turn();
}

describe('background decoding of a restored snapshot', () => {
  it('reports a group of city rows that does not decode, and the cities refuse to answer', async () => {
    const cities = new CitiesReadModel();
    cities.restore([group(cityRow('city-suzhou', 'Suzhou', '3')), Buffer.from('[["city-wuxi"')]);
    const { work, failures } = backgroundWork();
    cities.caughtUp(work);
    await until(() => failures.length > 0);
    expect(failures.map((f) => f.message)).toEqual([expect.stringContaining('group 1 is not JSON')]);
    expect(() => cities.get('city-suzhou')).toThrow('group 1 is not JSON');
    // What the runner takes for a snapshot to remove, not for a bug.
    expect(failures[0]).toBeInstanceOf(DeferredSnapshotError);
    expect(() => cities.get('city-suzhou')).toThrow(DeferredSnapshotError);
  });

  it('reports a chunk of commitments that does not decode, and the commitment refuses to answer', async () => {
    const commitments = new CommitmentsReadModel();
    commitments.restore([[0, [], ['2026-03-01T00:00:00.000Z|c-1'], []], Buffer.from('[0,')]);
    const { work, failures } = backgroundWork();
    commitments.caughtUp(work);
    await until(() => failures.length > 0);
    expect(failures.map((f) => f.message)).toEqual([expect.stringContaining('chunk 0 is not JSON')]);
    expect(() => commitments.get('c-1', 0)).toThrow('chunk 0 is not JSON');
    expect(failures[0]).toBeInstanceOf(DeferredSnapshotError);
    expect(() => commitments.get('c-1', 0)).toThrow(DeferredSnapshotError);
  });

  it('decodes nothing in the background once the runner stopped, and a question still decodes what it needs', async () => {
    const cities = new CitiesReadModel();
    cities.restore([group(cityRow('city-suzhou', 'Suzhou', '3')), group(cityRow('city-wuxi', 'Wuxi', '5'))]);
    const { work, controller, failures } = backgroundWork();
    controller.abort();
    cities.caughtUp(work);
    for (let t = 0; t < 20; t++) await turn();
    expect(cities.undecoded()).toBe(2);
    expect(cities.get('city-wuxi')).toMatchObject({ cityId: 'city-wuxi', name: 'Wuxi', position: '5' });
    expect(cities.undecoded()).toBe(0);
    expect(failures).toEqual([]);
  });

  it('decodes no commitment in the background once the runner stopped', async () => {
    const commitments = new CommitmentsReadModel();
    commitments.restore([[0, [], ['2026-03-01T00:00:00.000Z|c-1'], []], Buffer.from('[0,')]);
    const { work, controller, failures } = backgroundWork();
    controller.abort();
    commitments.caughtUp(work);
    for (let t = 0; t < 20; t++) await turn();
    expect(commitments.undecoded()).toBe(1);
    expect(failures).toEqual([]);
  });
});

/** Restores anything; its deferred work fails as soon as it is started in the background. */
class BrokenWhenDecoded implements ReadModel {
  readonly name = 'broken-when-decoded';
  readonly version = 1;
  signal: AbortSignal | null = null;
  apply(): void {}
  canonicalState(): unknown {
    return null;
  }
  restore(): void {}
  caughtUp(background?: BackgroundWork): void {
    this.signal = background?.signal ?? null;
    setTimeout(() => background?.fail(new Error('group 3 is not JSON')), 0);
  }
}

/** Remembers what it applied; its background work only watches the signal. */
class Watcher implements ReadModel {
  readonly name = 'watcher';
  readonly version = 1;
  signal: AbortSignal | null = null;
  readonly applied: bigint[] = [];
  apply(event: RecordedEvent): void {
    this.applied.push(event.position);
  }
  canonicalState(): unknown {
    return null;
  }
  caughtUp(background?: BackgroundWork): void {
    this.signal = background?.signal ?? null;
  }
}

describe('the projection runner and work deferred by a restore', () => {
  it('fails, naming the model, when a model reports that its restored snapshot did not decode', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('account-a', [{ id: crypto.randomUUID(), type: 'balance.moved', data: { delta: 1 }, metadata }], 'any');
    const broken = new BrokenWhenDecoded();
    const failures: string[] = [];
    const runner = new ProjectionRunner(store, { onFailure: (error) => failures.push(error.message) });
    runner.register(broken);
    runner.start();
    await until(() => runner.status().state !== 'running' || failures.length > 0);
    expect(runner.status()).toMatchObject({ state: 'failed', failure: { readModel: 'broken-when-decoded' } });
    expect(failures).toEqual([expect.stringContaining('its restored snapshot did not decode: group 3 is not JSON')]);
    expect(broken.signal?.aborted).toBe(true);
    await runner.stop();
  });

  it('ends the background work of its models when it stops', async () => {
    const store = createMemoryEventStore();
    const head = (await store.appendToStream('account-a', [{ id: crypto.randomUUID(), type: 'balance.moved', data: { delta: 1 }, metadata }], 'any')).position;
    const watcher = new Watcher();
    const runner = new ProjectionRunner(store);
    runner.register(watcher);
    runner.start();
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);
    expect(watcher.signal?.aborted).toBe(false);
    await runner.stop();
    expect(watcher.signal?.aborted).toBe(true);
  });

  it('leaves no snapshot read in flight when it is stopped during the restore', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('account-a', [{ id: crypto.randomUUID(), type: 'balance.moved', data: { delta: 1 }, metadata }], 'any');
    let inFlight = 0;
    const slow: SnapshotStore = {
      location: 'memory',
      async read(readModel) {
        inFlight++;
        // The stop comes while the first file is read; the second arrives long after the first.
        await new Promise((resolve) => setTimeout(resolve, readModel === 'restorable-1' ? 100 : readModel === 'restorable-2' ? 400 : 0));
        inFlight--;
        return null;
      },
      async replace() {},
      async remove() {},
    };
    const restorable = (name: string): ReadModel => ({ name, version: 1, apply: () => undefined, canonicalState: () => null, restore: () => undefined });
    const runner = new ProjectionRunner(store, { snapshots: slow });
    for (const name of ['restorable-1', 'restorable-2', 'restorable-3']) runner.register(restorable(name));
    runner.start();
    await turn();
    await runner.stop();
    expect(inFlight).toBe(0);
  });
});

/** Writes, under the cities' name and version, a snapshot whose second group is not JSON (a writer's mistake). */
class CitiesWithABrokenGroup implements ReadModel {
  readonly name = 'governance.cities';
  readonly version = new CitiesReadModel().version;
  apply(): void {}
  canonicalState(): unknown {
    return null;
  }
  snapshot(): unknown {
    return [group(cityRow('city-suzhou', 'Suzhou', '1')), Buffer.from('[["city-wuxi"')];
  }
  restore(): void {}
}

/** Restores anything, then fails on the first event it is given, as a model whose deferred part does not decode. */
/** Restored, it fails on its next event: with what a deferred part that does not decode raises, or with a plain bug. */
class FailsOnItsNextEvent implements ReadModel {
  readonly name = 'fails-on-its-next-event';
  readonly version = 1;
  restored = false;
  constructor(private readonly failure: 'deferred part' | 'bug' = 'deferred part') {}
  apply(): void {
    if (!this.restored) return;
    if (this.failure === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'x')");
    throw new DeferredSnapshotError(this.name, new Error('group 0 is not JSON'));
  }
  canonicalState(): unknown {
    return null;
  }
  snapshot(): unknown {
    return [];
  }
  restore(): void {
    this.restored = true;
  }
}

describe('a snapshot whose deferred part does not decode', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-deferred-decoding-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (store: EventStore): Promise<bigint> =>
    (await store.appendToStream('account-a', [{ id: crypto.randomUUID(), type: 'balance.moved', data: { delta: 1 }, metadata }], 'any')).position;

  async function writtenBy(store: EventStore, model: ReadModel): Promise<void> {
    const head = await append(store);
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir) });
    runner.register(model);
    runner.start();
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);
    await runner.stop();
    await expect(new DirectorySnapshotStore(dir).read(model.name)).resolves.not.toBeNull();
  }

  it('is removed when the cities fail to decode it in the background, so the next start rebuilds them', async () => {
    const store = createMemoryEventStore();
    await writtenBy(store, new CitiesWithABrokenGroup());
    const warnings: string[] = [];
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir), onWarning: (m) => warnings.push(m) });
    runner.register(new CitiesReadModel());
    runner.start();
    await until(() => runner.status().state !== 'running');
    await runner.stop();
    expect(runner.status()).toMatchObject({ state: 'failed', failure: { readModel: 'governance.cities' } });
    expect(warnings).toContainEqual(expect.stringMatching(/governance\.cities: snapshot removed after .*group 1 is not JSON/));
    await expect(new DirectorySnapshotStore(dir).read('governance.cities')).resolves.toBeNull();
  });

  it('is removed when a restored model fails on an event, so the next start rebuilds it', async () => {
    const store = createMemoryEventStore();
    await writtenBy(store, new FailsOnItsNextEvent());
    await append(store);
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir) });
    runner.register(new FailsOnItsNextEvent());
    runner.start();
    await until(() => runner.status().state !== 'running');
    await runner.stop();
    expect(runner.status()).toMatchObject({ state: 'failed', failure: { readModel: 'fails-on-its-next-event' } });
    await expect(new DirectorySnapshotStore(dir).read('fails-on-its-next-event')).resolves.toBeNull();

    const rebuilt = new FailsOnItsNextEvent();
    const next = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir) });
    next.register(rebuilt);
    next.start();
    const head = await store.headPosition();
    await expect(next.waitFor(head ?? 0n, 10_000)).resolves.toBe(true);
    await next.stop();
    expect(rebuilt.restored).toBe(false);
    expect(next.status().state).toBe('stopped');
  });
  it('is kept when a restored model fails on an event with a bug: a rebuild would meet the same bug', async () => {
    const store = createMemoryEventStore();
    await writtenBy(store, new FailsOnItsNextEvent('bug'));
    await append(store);
    const warnings: string[] = [];
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir), onWarning: (m) => warnings.push(m) });
    runner.register(new FailsOnItsNextEvent('bug'));
    runner.start();
    await until(() => runner.status().state !== 'running');
    await runner.stop();
    expect(runner.status()).toMatchObject({ state: 'failed', failure: { readModel: 'fails-on-its-next-event' } });
    expect(warnings.filter((w) => w.includes('snapshot removed'))).toEqual([]);
    await expect(new DirectorySnapshotStore(dir).read('fails-on-its-next-event')).resolves.not.toBeNull();
  });
});
