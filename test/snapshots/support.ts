/**
 * A realistic SQLite ledger (the demo generator through the real deciders) and the ledger's read models, for restart
 * tests: digests of a runner's models against a from-zero build of the same log.
 */
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { canonicalJson } from '../../libs/event-store/src/integrity.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { openSqliteEventStore } from '../../libs/event-store/src/sqlite/index.js';
import { generateLedger } from '../../libs/ledger/src/demo/index.js';
import { IdempotencyKeysReadModel } from '../../libs/ledger/src/idempotency.js';
import { buildReadModels, ProjectionRunner, type ProjectionRunnerOptions } from '../../libs/ledger/src/projection-runner.js';
import { DirectorySnapshotStore } from '../../libs/ledger/src/snapshots/index.js';
import { LedgerTrustReadModel } from '../../libs/ledger/src/trust/trust.read-model.js';
import { BalancesReadModel } from '../../libs/projections/src/balances/index.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/index.js';
import { AgreementsReadModel, BodiesReadModel, CitiesReadModel, FindingsReadModel } from '../../libs/projections/src/governance/index.js';
import { IncidentsReadModel } from '../../libs/projections/src/incidents/index.js';
import type { ReadModel } from '../../libs/projections/src/read-model.js';

export const clock = new FakeClock();

/** Every read model the ledger's modules register, fresh, except the audit feeds (tied to the store's own caches). */
export function ledgerReadModels(): ReadModel[] {
  return [
    new IdempotencyKeysReadModel(),
    new CommitmentsReadModel(),
    new CitiesReadModel(),
    new BodiesReadModel(),
    new AgreementsReadModel(),
    new FindingsReadModel(),
    new BalancesReadModel(),
    new IncidentsReadModel(),
    new LedgerTrustReadModel(clock),
  ];
}

export const digestOf = (model: ReadModel): string => createHash('sha256').update(canonicalJson(model.canonicalState())).digest('hex');

export const digests = (models: readonly ReadModel[]): Record<string, string> => Object.fromEntries(models.map((m) => [m.name, digestOf(m)]));

/** The digests of a from-zero build of the whole log: the answer a restart must give. */
export async function rebuiltDigests(store: EventStore, models: readonly ReadModel[] = ledgerReadModels()): Promise<Record<string, string>> {
  return digests((await buildReadModels(store, models)).readModels);
}

/** Writes a generated ledger of `events` events to `path` and closes it. */
export async function generate(path: string, seed: number, events: number): Promise<void> {
  const generationClock = new FakeClock();
  const store = openSqliteEventStore({ path, clock: generationClock, synchronous: 'NORMAL' });
  try {
    await generateLedger(store, { seed, events, cities: 60, bodies: 5, clock: generationClock });
  } finally {
    await store.close();
  }
}

/** A copy of a closed ledger keeping only the events up to `lastPosition`: the same log, cut short. */
export function truncatedCopy(from: string, to: string, lastPosition: number): void {
  copyFileSync(from, to);
  const db = new Database(to);
  try {
    db.prepare('DELETE FROM events WHERE position > ?').run(lastPosition);
  } finally {
    db.close();
  }
}

export interface Started {
  runner: ProjectionRunner;
  models: ReadModel[];
  warnings: string[];
}

/** A runner over every ledger read model with its snapshots in `snapshotDir`, waited until caught up to the head. */
export async function startCaughtUp(store: EventStore, snapshotDir: string, options: ProjectionRunnerOptions = {}, models = ledgerReadModels()): Promise<Started> {
  const warnings: string[] = [];
  const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(snapshotDir), onWarning: (m) => warnings.push(m), ...options });
  for (const model of models) runner.register(model);
  runner.start();
  const head = await store.headPosition();
  if (head !== null && !(await runner.waitFor(head, 60_000))) throw new Error('the read models did not catch up within 60 s');
  return { runner, models, warnings };
}

export const RESTORABLE = ['ledger.idempotency-keys', 'governance.commitments', 'governance.cities', 'governance.bodies', 'governance.agreements', 'governance.findings', 'balances', 'incidents', 'trust'];

/**
 * What the commitments model answers beyond its canonical state: every commitment's view (deliveries, disputes,
 * status, place in the log) and the deadline agenda. A restore must bring these back exactly too. Timelines are not
 * the model's: the query layer reads them from each commitment's stream.
 */
export function commitmentAnswers(model: ReadModel): { views: string; deadlines: string[]; next: number | null } {
  if (!(model instanceof CommitmentsReadModel)) throw new TypeError(`${model.name} is not the commitments read model`);
  const ids = (model.canonicalState() as { id: string }[]).map((row) => row.id);
  return {
    views: canonicalJson(ids.map((id) => model.get(id, Number.MAX_SAFE_INTEGER))),
    deadlines: model.deadlinesReached(Number.MAX_SAFE_INTEGER, 1_000_000),
    next: model.nextDeadlineMs(),
  };
}
