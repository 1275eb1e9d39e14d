import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../event-store/src/clock.js';
import { createMemoryEventStore } from '../../event-store/src/memory/index.js';
import type { EventMetadata, EventStore, RecordedEvent } from '../../event-store/src/port.js';
import { ProjectionInvariantError, type ReadModel } from '../../projections/src/read-model.js';
import { buildReadModels, ProjectionRunner, ProjectionUnavailableError, type ProjectionRunnerOptions } from './projection-runner.js';
import { DirectorySnapshotStore } from './snapshots/snapshot-store.js';

const metadata: EventMetadata = { actor: 'admin-1', role: 'admin', correlationId: 'c', schemaVersion: 1 };

/** Remembers every position it was given, to check order and exactly-once delivery. */
class PositionLog implements ReadModel {
  readonly version = 1;
  readonly positions: bigint[] = [];
  constructor(readonly name: string) {}
  apply(event: RecordedEvent): void {
    this.positions.push(event.position);
  }
  canonicalState(): unknown {
    return this.positions.map(String);
  }
}

/** Refuses a balance below zero, as a money read model would. */
class NonNegativeBalance implements ReadModel {
  readonly name = 'balance';
  readonly version = 1;
  balance = 0;
  apply(event: RecordedEvent): void {
    const { delta } = event.data as { delta: number };
    if (this.balance + delta < 0) throw new ProjectionInvariantError(this.name, event.position, 'balance would go below zero');
    this.balance += delta;
  }
  canonicalState(): unknown {
    return { balance: this.balance };
  }
}

async function appendDeltas(store: EventStore, stream: string, deltas: readonly number[]): Promise<bigint> {
  let last = -1n;
  for (const delta of deltas) {
    const result = await store.appendToStream(stream, [{ id: crypto.randomUUID(), type: 'balance.moved', data: { delta }, metadata }], 'any');
    last = result.position;
  }
  return last;
}

const sequence = (n: number, from = 0): bigint[] => Array.from({ length: n }, (_, i) => BigInt(from + i));

describe('the projection runner', () => {
  let runner: ProjectionRunner | undefined;
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  /** A started runner over a balance (and `others`) that the deltas 5, -3, -4, 2 drive below zero at position 2. */
  async function balanceDrivenNegative(
    store: EventStore,
    options: ProjectionRunnerOptions,
    ...others: ReadModel[]
  ): Promise<{ failing: ProjectionRunner; balance: NonNegativeBalance; waiting: Promise<boolean> }> {
    const failing = new ProjectionRunner(store, options);
    runner = failing;
    const balance = new NonNegativeBalance();
    failing.register(balance);
    for (const model of others) failing.register(model);
    failing.start();
    const waiting = failing.waitFor(10n, 10_000);
    // Observed by the caller: without this, the rejection could be reported unhandled before it is awaited.
    waiting.catch(() => undefined);
    await appendDeltas(store, 'account-a', [5, -3, -4, 2]);
    return { failing, balance, waiting };
  }

  it('feeds every read model every event once, in global order, across catch-up and live', async () => {
    const store = createMemoryEventStore();
    await appendDeltas(store, 'account-a', Array.from({ length: 25 }, () => 1));
    const first = new PositionLog('first');
    const second = new PositionLog('second');
    runner = new ProjectionRunner(store);
    runner.register(first);
    runner.register(second);
    runner.start();

    const head = await appendDeltas(store, 'account-b', Array.from({ length: 25 }, () => 1));
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);

    expect(first.positions).toEqual(sequence(50));
    expect(second.positions).toEqual(sequence(50));
    expect(runner.status()).toMatchObject({ state: 'running', checkpoint: 49n, failure: null });
  });

  it('gives the event loop turns while it replays a long log, so the server answers (catching up) meanwhile', async () => {
    const store = createMemoryEventStore();
    const events = Array.from({ length: 500 }, () => ({ id: crypto.randomUUID(), type: 'balance.moved', data: { delta: 1 }, metadata }));
    for (let i = 0; i < 40; i++) await store.appendToStream(`account-${i}`, events.map((e) => ({ ...e, id: crypto.randomUUID() })), 'no_stream');
    const head = (await store.headPosition()) as bigint;
    /** A model slow enough that the 20,000 events take far longer than one slice. */
    class Slow extends PositionLog {
      override apply(event: RecordedEvent): void {
        const until = performance.now() + 0.01;
        while (performance.now() < until);
        super.apply(event);
      }
    }
    const model = new Slow('slow');
    runner = new ProjectionRunner(store);
    runner.register(model);
    runner.start();
    const seenByTimer = await new Promise<bigint | null>((resolve) => setTimeout(() => resolve(runner?.status().checkpoint ?? null), 0));
    expect(seenByTimer).not.toBeNull();
    expect(seenByTimer as bigint).toBeLessThan(head);
    await expect(runner.waitFor(head, 60_000)).resolves.toBe(true);
    expect(model.positions).toEqual(sequence(20_000));
  });

  it('answers a wait for a position not yet reached with false once the wait is over', async () => {
    const store = createMemoryEventStore();
    await appendDeltas(store, 'account-a', [1]);
    runner = new ProjectionRunner(store);
    runner.register(new PositionLog('log'));
    runner.start();
    await expect(runner.waitFor(5n, 20)).resolves.toBe(false);
  });

  it('releases a waiter as soon as the awaited position is applied', async () => {
    const store = createMemoryEventStore();
    runner = new ProjectionRunner(store);
    const log = new PositionLog('log');
    runner.register(log);
    runner.start();
    const waiting = runner.waitFor(2n, 10_000);
    await appendDeltas(store, 'account-a', [1, 1, 1]);
    await expect(waiting).resolves.toBe(true);
    expect(log.positions.slice(0, 3)).toEqual(sequence(3));
  });

  it('stops loudly on a violated invariant: health shows where, later events are not applied, waits fail', async () => {
    const store = createMemoryEventStore();
    const failures: string[] = [];
    const log = new PositionLog('log');
    const { failing, balance, waiting } = await balanceDrivenNegative(store, { onFailure: (error) => failures.push(error.message) }, log);

    await expect(waiting).rejects.toBeInstanceOf(ProjectionUnavailableError);
    expect(failing.status()).toMatchObject({ state: 'failed', checkpoint: 1n, failure: { readModel: 'balance', position: 2n } });
    expect(balance.balance).toBe(2);
    expect(log.positions).toEqual(sequence(2));
    expect(failures).toHaveLength(1);
    await expect(failing.waitFor(3n, 10_000)).rejects.toBeInstanceOf(ProjectionUnavailableError);
  });

  it('stops the same way when the callbacks that report it throw: a failing logger changes nothing', async () => {
    const store = createMemoryEventStore();
    const said: string[] = [];
    const throwing = (message: string): never => {
      said.push(message);
      throw new Error('the log sink is gone');
    };
    const { failing, waiting } = await balanceDrivenNegative(store, { onFailure: (error) => throwing(error.message), onWarning: throwing, onInfo: throwing });

    await expect(waiting).rejects.toBeInstanceOf(ProjectionUnavailableError);
    expect(failing.status()).toMatchObject({ state: 'failed', checkpoint: 1n, failure: { readModel: 'balance', position: 2n } });
    expect(said).toHaveLength(1);
    await expect(failing.waitFor(3n, 10_000)).rejects.toBeInstanceOf(ProjectionUnavailableError);
  });

  it('treats any exception of a read model as a stop, attributed to that model', async () => {
    const store = createMemoryEventStore();
    runner = new ProjectionRunner(store);
    runner.register({
      name: 'broken',
      version: 1,
      apply: () => {
        throw new TypeError('cannot read properties of undefined');
      },
      canonicalState: () => null,
    });
    runner.start();
    await appendDeltas(store, 'account-a', [1]);
    await expect(runner.waitFor(0n, 10_000)).rejects.toBeInstanceOf(ProjectionUnavailableError);
    expect(runner.status().failure).toMatchObject({ readModel: 'broken', position: 0n });
  });

  it('refuses a read model registered after it started, or twice', () => {
    runner = new ProjectionRunner(createMemoryEventStore());
    runner.register(new PositionLog('log'));
    expect(() => runner?.register(new PositionLog('log'))).toThrow(/twice/);
    runner.start();
    expect(() => runner?.register(new PositionLog('late'))).toThrow(/after the projection runner started/);
  });
});

describe('building fresh read models (as of, replay)', () => {
  it('stops at a global position, inclusive', async () => {
    const store = createMemoryEventStore({ limits: { maxReadCount: 4 } });
    await appendDeltas(store, 'account-a', Array.from({ length: 20 }, () => 1));
    const built = await buildReadModels(store, [new PositionLog('log'), new NonNegativeBalance()] as const, { untilPosition: 12n });

    expect(built.position).toBe(12n);
    expect(built.eventsApplied).toBe(13);
    expect(built.readModels[0].positions).toEqual(sequence(13));
    expect(built.readModels[1].balance).toBe(13);
  });

  it('stops at a recordedAt instant, inclusive', async () => {
    const clock = new FakeClock(Date.parse('2025-03-01T00:00:00Z'));
    const store = createMemoryEventStore({ clock });
    await appendDeltas(store, 'account-a', [1, 1]);
    clock.set('2025-03-02T00:00:00Z');
    await appendDeltas(store, 'account-a', [1]);
    clock.set('2025-03-03T00:00:00Z');
    await appendDeltas(store, 'account-a', [1]);

    const built = await buildReadModels(store, [new NonNegativeBalance()] as const, { untilRecordedAt: '2025-03-02T00:00:00Z' });
    expect(built.readModels[0].balance).toBe(3);
    expect(built.position).toBe(2n);
  });

  it('builds the whole log by default, and nothing from an empty one', async () => {
    const empty = await buildReadModels(createMemoryEventStore(), [new PositionLog('log')] as const);
    expect(empty).toMatchObject({ position: null, eventsApplied: 0 });
    const store = createMemoryEventStore({ limits: { maxReadCount: 3 } });
    await appendDeltas(store, 'account-a', Array.from({ length: 10 }, () => 1));
    const built = await buildReadModels(store, [new PositionLog('log')] as const);
    expect(built.readModels[0].positions).toEqual(sequence(10));
  });
});

/** A payload and a header under a seal that matches: a file as an earlier format wrote it. */
function sealedFile(payload: string, header: Record<string, unknown>): Buffer {
  const line = JSON.stringify(header);
  return Buffer.from(`${payload}${line}\n${createHash('sha256').update(line).digest('hex')}\n`);
}

/** A balance that can be snapshotted; counts the events it applied itself, which a restore does not bring back. */
class RestorableBalance implements ReadModel {
  readonly name: string = 'restorable-balance';
  balance = 0;
  applied = 0;
  /** The balance each time the runner said it caught up. */
  readonly caughtUpWith: number[] = [];
  constructor(
    readonly version = 1,
    readonly parameterSetVersion?: string,
  ) {}
  apply(event: RecordedEvent): void {
    this.balance += (event.data as { delta: number }).delta;
    this.applied++;
  }
  canonicalState(): unknown {
    return { balance: this.balance };
  }
  restore(state: unknown): void {
    const balance = (state as { balance?: unknown }).balance;
    if (typeof balance !== 'number') throw new TypeError('no balance');
    this.balance = balance;
  }
  caughtUp(): void {
    this.caughtUpWith.push(this.balance);
  }
}

/** A restorable balance whose capture runs in slices of about 3 ms each, recording the balance each step saw. */
class SlicedBalance extends RestorableBalance {
  override readonly name = 'sliced-balance';
  readonly seen: number[] = [];
  /** Called at the first step of each capture. */
  onCapture: (() => void) | null = null;
  *snapshotInSlices(): Generator<void, unknown, void> {
    for (let step = 0; step < 6; step++) {
      if (step === 0) this.onCapture?.();
      this.seen.push(this.balance);
      for (const until = performance.now() + 3; performance.now() < until; );
      yield;
    }
    return { balance: this.balance };
  }
}

describe('the projection runner with snapshots', () => {
  let dir: string;
  const runners: ProjectionRunner[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-runner-snapshots-'));
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function started(store: EventStore, models: readonly ReadModel[], options: ProjectionRunnerOptions = {}): { runner: ProjectionRunner; warnings: string[] } {
    const warnings: string[] = [];
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(dir), onWarning: (m) => warnings.push(m), ...options });
    for (const model of models) runner.register(model);
    runner.start();
    runners.push(runner);
    return { runner, warnings };
  }

  async function runThenStop(store: EventStore, models: readonly ReadModel[]): Promise<void> {
    const { runner } = started(store, models);
    const head = await store.headPosition();
    if (head !== null) await runner.waitFor(head, 10_000);
    await runner.stop();
  }

  it('restores a model from the snapshot written at a clean stop and applies only the events after it', async () => {
    const store = createMemoryEventStore();
    await appendDeltas(store, 'account-a', [5, 7, -2]);
    await runThenStop(store, [new RestorableBalance()]);
    const head = await appendDeltas(store, 'account-a', [10, 1]);

    const balance = new RestorableBalance();
    const log = new PositionLog('log');
    const { runner, warnings } = started(store, [balance, log]);
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);

    expect(balance).toMatchObject({ balance: 21, applied: 2 });
    expect(log.positions).toEqual(sequence(5));
    expect(warnings).toEqual([]);
    expect(runner.status().checkpoints).toEqual([
      { name: 'restorable-balance', checkpoint: 4n, restoredFrom: 2n },
      { name: 'log', checkpoint: 4n, restoredFrom: null },
    ]);
    expect(runner.status().snapshots).toMatchObject({ restored: ['restorable-balance'], rebuilt: ['log'] });
  });

  it('is caught up at once when every model restores at the head', async () => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [3, 4]);
    await runThenStop(store, [new RestorableBalance()]);
    const balance = new RestorableBalance();
    const { runner } = started(store, [balance]);
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);
    expect(balance).toMatchObject({ balance: 7, applied: 0 });
    expect(runner.status().checkpoint).toBe(head);
  });

  it('tells each model once that it caught up with the head it started with, after the restore and the replay past it', async () => {
    const store = createMemoryEventStore();
    await appendDeltas(store, 'account-a', [3, 4]);
    await runThenStop(store, [new RestorableBalance()]);
    const head = await appendDeltas(store, 'account-a', [10, 20]);
    const balance = new RestorableBalance();
    const { runner } = started(store, [balance]);
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);
    expect(balance.caughtUpWith).toEqual([37]);
    await appendDeltas(store, 'account-a', [1]);
    await expect(runner.waitFor(head + 1n, 10_000)).resolves.toBe(true);
    expect(balance.caughtUpWith).toEqual([37]);

    await runner.stop();
    const atHead = new RestorableBalance();
    const restarted = started(store, [atHead]);
    await expect(restarted.runner.waitFor(head + 1n, 10_000)).resolves.toBe(true);
    expect(atHead).toMatchObject({ applied: 0, caughtUpWith: [38] });
  });

  it.each([
    ['another version', () => new RestorableBalance(2), 'it is of version 1, the read model is of version 2'],
    ['another parameter set', () => new RestorableBalance(1, 'params-2'), 'it was computed under parameter set null, the read model uses params-2'],
  ])('rebuilds a model whose snapshot is of %s, with a warning', async (_case, fresh, reason) => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [3, 4]);
    await runThenStop(store, [new RestorableBalance()]);
    const balance = fresh();
    const { runner, warnings } = started(store, [balance]);
    await expect(runner.waitFor(head, 10_000)).resolves.toBe(true);
    expect(balance).toMatchObject({ balance: 7, applied: 2 });
    expect(warnings).toEqual([expect.stringContaining(reason)]);
  });

  it('rebuilds a model whose snapshot comes from another log or lies beyond the head', async () => {
    const original = createMemoryEventStore();
    await appendDeltas(original, 'account-a', [3, 4, 5]);
    await runThenStop(original, [new RestorableBalance()]);

    const other = createMemoryEventStore();
    const head = await appendDeltas(other, 'account-a', [1, 1, 1, 1]);
    const fromOtherLog = started(other, [new RestorableBalance()]);
    await fromOtherLog.runner.waitFor(head, 10_000);
    expect(fromOtherLog.runner.readModel<RestorableBalance>('restorable-balance')).toMatchObject({ balance: 4, applied: 4 });
    expect(fromOtherLog.warnings).toEqual([expect.stringContaining('the log holds another event at position 2')]);

    const shorter = createMemoryEventStore();
    const shortHead = await appendDeltas(shorter, 'account-a', [9]);
    await runThenStop(original, [new RestorableBalance()]);
    const beyond = started(shorter, [new RestorableBalance()]);
    await beyond.runner.waitFor(shortHead, 10_000);
    expect(beyond.runner.readModel<RestorableBalance>('restorable-balance')).toMatchObject({ balance: 9, applied: 1 });
    expect(beyond.warnings).toEqual([expect.stringContaining('beyond the head of the log')]);
  });

  it('rebuilds a model whose snapshot file was damaged, or whose restore refuses it', async () => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [3, 4]);
    await runThenStop(store, [new RestorableBalance()]);
    const file = join(dir, 'restorable-balance.snapshot');
    const bytes = readFileSync(file);
    bytes[2] ^= 0x20;
    writeFileSync(file, bytes);
    const damaged = started(store, [new RestorableBalance()]);
    await damaged.runner.waitFor(head, 10_000);
    expect(damaged.runner.readModel('restorable-balance')).toMatchObject({ balance: 7, applied: 2 });
    expect(damaged.warnings).toEqual([expect.stringContaining('the payload does not match its SHA-256')]);
  });

  it.each([
    ['cut short', (bytes: Buffer): Buffer => bytes.subarray(0, bytes.length - 7), 'the file is truncated (no final newline)'],
    ['with a damaged header', (bytes: Buffer): Buffer => Buffer.from(bytes.toString('latin1').replace('"position":"1"', '"position":"0"'), 'latin1'), 'the header does not match its seal'],
    ['empty', (): Buffer => Buffer.alloc(0), 'the file is empty'],
    ['of the first format', (): Buffer => sealedFile('{"balance":7}\n', { format: 'concordat.read-model-snapshot/1', readModel: 'restorable-balance' }), 'unknown format "concordat.read-model-snapshot/1"'],
    ['of another read model', (bytes: Buffer): Buffer => bytes, 'it is a snapshot of restorable-balance'],
  ])('rebuilds a model whose snapshot file is %s, with a warning naming the reason', async (_case, damage, reason) => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [3, 4]);
    await runThenStop(store, [new RestorableBalance()]);
    const bytes = readFileSync(join(dir, 'restorable-balance.snapshot'));
    const target = reason.startsWith('it is a snapshot of') ? 'other-balance' : 'restorable-balance';
    writeFileSync(join(dir, `${target}.snapshot`), damage(bytes));
    const model = new RestorableBalance();
    const named = target === 'other-balance' ? Object.assign(model, { name: 'other-balance' }) : model;
    const { runner, warnings } = started(store, [named]);
    await runner.waitFor(head, 10_000);
    expect(named).toMatchObject({ balance: 7, applied: 2 });
    expect(warnings).toEqual([expect.stringContaining(reason)]);
    expect(runner.status().snapshots).toMatchObject({ restored: [], rebuilt: [target] });
  });

  it('restores several models, each from its own file read ahead of its turn, and rebuilds only the one whose file is damaged', async () => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [3, 4, 5]);
    const names = ['first', 'second', 'third', 'fourth'];
    const named = (name: string): RestorableBalance => Object.assign(new RestorableBalance(), { name });
    await runThenStop(store, names.map(named));
    const damaged = join(dir, 'third.snapshot');
    const bytes = readFileSync(damaged);
    bytes[3] ^= 0x01;
    writeFileSync(damaged, bytes);
    const models = names.map(named);
    const { runner, warnings } = started(store, models);
    await runner.waitFor(head, 10_000);
    expect(models.map((m) => [m.balance, m.applied])).toEqual([
      [12, 0],
      [12, 0],
      [12, 3],
      [12, 0],
    ]);
    expect(warnings).toEqual([expect.stringContaining('snapshot of third rejected: the payload does not match its SHA-256')]);
    expect(runner.status().snapshots).toMatchObject({ restored: ['first', 'second', 'fourth'], rebuilt: ['third'] });
  });

  it('takes periodic snapshots every N events while live, and the next start resumes from the latest', async () => {
    const store = createMemoryEventStore();
    const { runner } = started(store, [new RestorableBalance()], { snapshotPolicy: { everyEvents: 3 } });
    const head = await appendDeltas(store, 'account-a', [1, 1, 1, 1]);
    await runner.waitFor(head, 10_000);
    await runner.snapshotsSettled();
    expect(runner.status().snapshots?.lastRound).toMatchObject({ position: 2n, readModels: ['restorable-balance'] });
  });

  it('takes no periodic round while replaying up to the head it started with, and one as soon as it gets there', async () => {
    const store = createMemoryEventStore();
    const head = await appendDeltas(store, 'account-a', [1, 1, 1, 1, 1, 1, 1]);
    const { runner } = started(store, [new RestorableBalance()], { snapshotPolicy: { everyEvents: 2 } });
    await runner.waitFor(head, 10_000);
    await runner.snapshotsSettled();
    expect(runner.status().snapshots?.lastRound).toMatchObject({ position: head, readModels: ['restorable-balance'] });
  });

  it('captures a model in slices: the event loop gets turns, no event is applied until the capture ends, and the snapshot holds that instant', async () => {
    const store = createMemoryEventStore();
    const before = await appendDeltas(store, 'account-a', [5, 7]);
    const model = new SlicedBalance();
    const { runner } = started(store, [model]);
    await runner.waitFor(before, 10_000);
    let turns = 0;
    let appended: Promise<bigint> | null = null;
    model.onCapture = () => {
      model.onCapture = null;
      // An event arrives while the capture runs, and the event loop keeps turning.
      appended = appendDeltas(store, 'account-a', [100]);
      const count = (): void => {
        turns++;
        if (turns < 1_000) setImmediate(count);
      };
      setImmediate(count);
    };
    await runner.snapshotNow();
    expect(model.seen).toEqual([12, 12, 12, 12, 12, 12]);
    expect(turns).toBeGreaterThan(0);
    const round = runner.status().snapshots?.lastRound;
    expect(round?.maxCaptureMs).toBeLessThan(round?.captureMs ?? 0);
    const after = await (appended as unknown as Promise<bigint>);
    await expect(runner.waitFor(after, 10_000)).resolves.toBe(true);
    expect(model.balance).toBe(112);

    // The snapshot is the state at the capture's position: another runner restores it and applies the later event.
    const restarted = new SlicedBalance();
    const again = started(store, [restarted]).runner;
    await expect(again.waitFor(after, 10_000)).resolves.toBe(true);
    expect(restarted).toMatchObject({ balance: 112, applied: 1 });
    expect(again.status().checkpoints).toEqual([{ name: 'sliced-balance', checkpoint: after, restoredFrom: before }]);
  });

  it('writes nothing at stop after a failure, so a wrong state is never kept', async () => {
    const store = createMemoryEventStore();
    await appendDeltas(store, 'account-a', [1]);
    const failing = new NonNegativeBalance();
    const { runner } = started(store, [failing, new RestorableBalance()]);
    const head = await appendDeltas(store, 'account-a', [-5]);
    await expect(runner.waitFor(head, 10_000)).rejects.toThrow(ProjectionUnavailableError);
    await runner.stop();
    await expect(new DirectorySnapshotStore(dir).read('restorable-balance')).resolves.toBeNull();
  });
});
