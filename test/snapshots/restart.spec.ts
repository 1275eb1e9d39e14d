/**
 * Restarting a ledger from read-model snapshots gives exactly the answers of a rebuild from the log, and a snapshot
 * that cannot be trusted (damaged, another version, another or a shorter log) is rebuilt, never used.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { openSqliteEventStore } from '../../libs/event-store/src/sqlite/index.js';
import { buildReadModels } from '../../libs/ledger/src/projection-runner.js';
import { DirectorySnapshotStore, openSnapshot } from '../../libs/ledger/src/snapshots/index.js';
import { CitiesReadModel } from '../../libs/projections/src/governance/index.js';
import type { ReadModel } from '../../libs/projections/src/read-model.js';
import { clock, commitmentAnswers, digestOf, digests, generate, ledgerReadModels, rebuiltDigests, RESTORABLE, startCaughtUp, truncatedCopy, type Started } from './support.js';

const EVENTS = 3_000;
const CUT = 1_999;

let dir: string;
let full: string;
let prefix: string;
const open: EventStore[] = [];
const running: Started[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concordat-snapshot-restart-'));
  full = join(dir, 'full.sqlite');
  prefix = join(dir, 'prefix.sqlite');
  await generate(full, 11, EVENTS);
  truncatedCopy(full, prefix, CUT);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  for (const s of running.splice(0)) await s.runner.stop();
  for (const store of open.splice(0)) await store.close();
});

/** A private copy of a ledger file (runners write nothing to it, but each test gets its own file). */
function storeOn(path: string): EventStore {
  const copy = join(dir, `${open.length}-${Date.now()}-${Math.random().toString(36).slice(2)}.sqlite`);
  cpSync(path, copy);
  const store = openSqliteEventStore({ path: copy, clock });
  open.push(store);
  return store;
}

function freshSnapshotDir(): string {
  return mkdtempSync(join(dir, 'snapshots-'));
}

async function runAndStop(store: EventStore, snapshotDir: string): Promise<void> {
  const started = await startCaughtUp(store, snapshotDir);
  await started.runner.stop();
}

async function restart(store: EventStore, snapshotDir: string, models = ledgerReadModels()): Promise<Started> {
  const started = await startCaughtUp(store, snapshotDir, {}, models);
  running.push(started);
  return started;
}

describe('restarting the ledger from read-model snapshots', () => {
  it('answers exactly as a rebuild from the log; models that cannot restore are rebuilt beside those that do', async () => {
    const store = storeOn(full);
    const snapshots = freshSnapshotDir();
    await runAndStop(store, snapshots);
    expect(readdirSync(snapshots).sort()).toEqual(RESTORABLE.map((n) => `${encodeURIComponent(n).replace(/\./g, '%2E')}.snapshot`).sort());

    const restarted = await restart(store, snapshots);

    const rebuilt = ledgerReadModels();
    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store, rebuilt));
    const answers = commitmentAnswers(restarted.models[1]);
    expect(answers).toEqual(commitmentAnswers(rebuilt[1]));
    expect(answers.views).toContain('"deliveryId"');
    expect(restarted.warnings).toEqual([]);
    const status = restarted.runner.status();
    expect(status.snapshots?.restored.sort()).toEqual([...RESTORABLE].sort());
    expect(status.snapshots?.rebuilt).toEqual([]);
    expect(status.checkpoints.filter((c) => c.restoredFrom !== null).map((c) => c.restoredFrom)).toEqual(RESTORABLE.map(() => BigInt(EVENTS - 1)));
  });

  it('restores a snapshot of the shorter log and applies the events written after it', async () => {
    const snapshots = freshSnapshotDir();
    await runAndStop(storeOn(prefix), snapshots);

    const store = storeOn(full);
    const restarted = await restart(store, snapshots);

    expect(restarted.runner.status().checkpoints.find((c) => c.name === 'governance.commitments')).toEqual({
      name: 'governance.commitments',
      checkpoint: BigInt(EVENTS - 1),
      restoredFrom: BigInt(CUT),
    });
    const rebuilt = ledgerReadModels();
    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store, rebuilt));
    expect(commitmentAnswers(restarted.models[1])).toEqual(commitmentAnswers(rebuilt[1]));
    expect(restarted.warnings).toEqual([]);
  });

  it('rebuilds every model whose snapshot lies beyond the head of a truncated log', async () => {
    const snapshots = freshSnapshotDir();
    await runAndStop(storeOn(full), snapshots);

    const store = storeOn(prefix);
    const restarted = await restart(store, snapshots);

    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store));
    expect(restarted.runner.status().snapshots?.restored).toEqual([]);
    expect(restarted.warnings).toHaveLength(RESTORABLE.length);
    expect(restarted.warnings).toEqual(RESTORABLE.map(() => expect.stringContaining(`its position ${EVENTS - 1} is beyond the head of the log (${CUT})`)));
  });

  it('rebuilds every model whose snapshot comes from another ledger', async () => {
    const other = join(dir, 'other.sqlite');
    await generate(other, 12, EVENTS);
    const snapshots = freshSnapshotDir();
    await runAndStop(storeOn(other), snapshots);

    const store = storeOn(full);
    const restarted = await restart(store, snapshots);

    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store));
    expect(restarted.warnings).toEqual(RESTORABLE.map(() => expect.stringContaining('it was taken from another or a rewritten log')));
  }, 120_000);

  it('rebuilds a model whose snapshot is damaged (one flipped byte, garbage) and restores the others', async () => {
    const store = storeOn(full);
    const snapshots = freshSnapshotDir();
    await runAndStop(store, snapshots);
    const commitments = join(snapshots, 'governance%2Ecommitments.snapshot');
    const bytes = readFileSync(commitments);
    bytes[Math.floor(bytes.length / 3)] ^= 0x04;
    writeFileSync(commitments, bytes);
    writeFileSync(join(snapshots, 'governance%2Ecities.snapshot'), 'not a snapshot at all\n');

    const restarted = await restart(store, snapshots);

    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store));
    expect(restarted.warnings.sort()).toEqual([
      expect.stringContaining('snapshot of governance.cities rejected: the file has no header'),
      expect.stringContaining('snapshot of governance.commitments rejected: the payload does not match its SHA-256'),
    ]);
    expect(restarted.runner.status().snapshots?.rebuilt).toEqual(expect.arrayContaining(['governance.commitments', 'governance.cities']));
  });

  it('rebuilds a model whose version changed since its snapshot', async () => {
    const cities = new CitiesReadModel();
    // The same model as a later build would ship it: its state's meaning changed, so its version went up.
    const citiesV2: ReadModel = {
      name: cities.name,
      version: cities.version + 1,
      apply: (event) => cities.apply(event),
      canonicalState: () => cities.canonicalState(),
      snapshot: () => cities.snapshot(),
      restore: (state) => cities.restore(state),
    };
    const store = storeOn(full);
    const snapshots = freshSnapshotDir();
    await runAndStop(store, snapshots);
    const models = ledgerReadModels().map((m) => (m.name === 'governance.cities' ? citiesV2 : m));

    const restarted = await restart(store, snapshots, models);

    expect(digests(restarted.models)).toEqual(await rebuiltDigests(store));
    expect(restarted.warnings).toEqual([expect.stringContaining(`it is of version ${cities.version}, the read model is of version ${cities.version + 1}`)]);
  });

  it('snapshots the state at one position while events keep arriving, and a restart from it is exact', async () => {
    const store = storeOn(prefix);
    const source = storeOn(full);
    const snapshots = freshSnapshotDir();
    const live = await restart(store, snapshots);
    const tail = (await source.readAll({ after: BigInt(CUT), maxCount: 2_000 })).events;

    const round = live.runner.snapshotNow();
    for (const e of tail) {
      await store.appendToStream(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], e.revision === 0n ? 'no_stream' : e.revision - 1n);
    }
    await round;
    const head = await store.headPosition();
    expect(head).toBe(BigInt(EVENTS - 1));
    await live.runner.waitFor(head ?? 0n, 60_000);

    // The snapshot holds the state at its own position, whatever was applied while it was being written.
    const bytes = await new DirectorySnapshotStore(snapshots).read('governance.commitments');
    if (bytes === null) throw new Error('no snapshot of the commitments was written');
    const sealed = openSnapshot('governance.commitments', bytes);
    const position = BigInt(sealed.header.position);
    const restoredAlone = ledgerReadModels()[1];
    restoredAlone.restore?.(await sealed.state());
    const builtToThere = (await buildReadModels(store, [ledgerReadModels()[1]], { untilPosition: position })).readModels[0];
    expect(digestOf(restoredAlone)).toBe(digestOf(builtToThere));

    const expected = await rebuiltDigests(store);
    expect(digests(live.models)).toEqual(expected);
    await live.runner.stop();
    running.splice(running.indexOf(live), 1);
    const restarted = await restart(store, snapshots);
    expect(digests(restarted.models)).toEqual(expected);
    expect(restarted.warnings).toEqual([]);
  });
});
