/**
 * The trust read model restored from its snapshot answers exactly like the model that wrote it, before and after
 * further events; a snapshot it did not write (corrupted, another version, a model already fed) leaves it unchanged.
 */
import type { RecordedEvent } from '../../libs/event-store/src/port.js';
import { encodeSnapshot, openSnapshot } from '../../libs/ledger/src/snapshots/index.js';
import { COORDINATOR, TRUST_BASES, TrustReadModel, type TrustBasis } from '../../libs/projections/src/trust/index.js';
import { GovernanceHistory, UUID_IDS } from '../../libs/projections/src/trust/governance-history.js';
import { captureStepByStep } from '../../libs/projections/src/capture-steps.fixtures.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const CITIES = ['city-a', 'city-b', 'city-c', 'city-d', 'city-e', 'city-f'];
const FINDING_KINDS = ['false_report', 'late_report', 'concealment'] as const;
const VERSION = new TrustReadModel().version;

/** A deterministic history: commitments of every outcome, back-dated recordings, findings and revocations, members. */
function history(idPrefix: string, commitments: number): RecordedEvent[] {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const h = new GovernanceHistory(idPrefix);
  h.bodyEstablished('body', CITIES.slice(0, 4), T0);
  for (let i = 0; i < commitments; i++) {
    const madeMs = T0 + i * (DAY / 2);
    const obligor = CITIES[next(CITIES.length)];
    const obligee = next(5) === 0 ? COORDINATOR : CITIES[next(CITIES.length)];
    const id = `c-${i}`;
    h.commitmentMade({ commitmentId: id, obligor, obligee: obligee === obligor ? COORDINATOR : obligee, value: `${100 + next(10_000)}.50`, madeMs, dueMs: madeMs + (5 + next(40)) * DAY }, next(3) * DAY);
    const at = madeMs + (1 + next(60)) * DAY;
    const lag = next(4) * DAY;
    switch (next(7)) {
      case 0:
        h.fulfilled(id, at, lag);
        break;
      case 1:
        h.closedShort(id, `0.${1 + next(9)}`, at, lag);
        break;
      case 2:
        h.defaulted(id, at, lag);
        break;
      case 3:
        h.waived(id, at, lag);
        break;
      case 4:
        h.fulfilled(id, at, lag);
        h.reopened(id, at + DAY, lag);
        break;
      default:
        // Left open: rule 4's provisional evidence once overdue.
        break;
    }
    if (i % 9 === 4) {
      const findingId = `f-${i}`;
      h.finding({ findingId, cityId: obligor, counterparty: next(2) === 0 ? null : CITIES[next(CITIES.length)], kind: FINDING_KINDS[next(3)], severity: 1 + next(3), atMs: madeMs + DAY }, lag);
      if (next(3) === 0) h.revoked(findingId, madeMs + 20 * DAY, lag);
    }
    if (i % 25 === 10) h.memberAdmitted('body', CITIES[4 + next(2)], madeMs);
    if (i % 40 === 30) h.memberRemoved('body', CITIES[next(4)], madeMs);
  }
  return h.events;
}

/** What a snapshot file gives back: the rows written by the snapshot writer and read back by its reader. */
async function throughFile(state: unknown): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  const fields = { readModel: 'trust', version: VERSION, parameterSetVersion: 'cfbt-1', position: '0', store: { kind: 'memory' as const, eventHash: '0'.repeat(64) }, takenAt: new Date(T0).toISOString() };
  await encodeSnapshot(fields, state, async (chunk) => void chunks.push(Buffer.from(chunk)), { chunkBytes: 4_096 });
  return (await openSnapshot('trust', Buffer.concat(chunks)).state()) as unknown[];
}

function feed(model: TrustReadModel, events: readonly RecordedEvent[]): TrustReadModel {
  for (const event of events) model.apply(event);
  return model;
}

/** Every question the model answers, on both bases, at several instants. */
function everyAnswer(model: TrustReadModel, instants: readonly number[]): unknown[] {
  const answers: unknown[] = [model.canonicalState(), model.knownCities()];
  for (const basis of TRUST_BASES as readonly TrustBasis[]) {
    for (const asOf of instants) {
      const at = { asOf, basis };
      for (const city of CITIES) {
        answers.push(model.cityTrust(city, { ...at, explain: true }), model.cityTrust(city, { ...at, withoutFindings: true }));
        for (const other of CITIES) if (other !== city) answers.push(model.pairTrust(city, other, { ...at, explain: true }));
      }
      answers.push(model.bodyMatrix('body', { ...at, explain: true }), model.bodyMatrix({ members: CITIES }, at));
      answers.push(model.ranking('body', { ...at, explain: true }), model.ranking({ members: CITIES }, at));
      answers.push(model.alliance('body', at), model.alliance({ members: CITIES }, at), model.membersOf('body', at));
      answers.push(model.anomalies(at));
    }
  }
  return answers;
}

describe.each([
  ['event ids of the ledger (UUIDs)', UUID_IDS],
  ['event ids kept as text', 'ev'],
])('restoring the trust read model from its snapshot, %s', (_, idPrefix) => {
  const events = history(idPrefix, 240);
  const cut = Math.floor(events.length * 0.6);
  const instants = [T0 + 30 * DAY, T0 + 90 * DAY, T0 + 121 * DAY, T0 + 200 * DAY, T0 + 400 * DAY];

  it('answers every query exactly like the model that wrote the snapshot, before and after further events', async () => {
    const original = feed(new TrustReadModel(), events.slice(0, cut));
    const rows = await throughFile(original.snapshot());
    const restored = new TrustReadModel();
    restored.restore(rows);
    expect(everyAnswer(restored, instants)).toEqual(everyAnswer(original, instants));

    feed(original, events.slice(cut));
    feed(restored, events.slice(cut));
    expect(everyAnswer(restored, instants)).toEqual(everyAnswer(original, instants));
    expect(restored.canonicalState()).toEqual(feed(new TrustReadModel(), events).canonicalState());
  });

  it('writes its columns and indices as binary rows, not as text', () => {
    const rows = feed(new TrustReadModel(), events.slice(0, cut)).snapshot();
    const binary = rows.filter((row) => ArrayBuffer.isView(row));
    expect(binary.length).toBeGreaterThanOrEqual(7 + 9);
    expect(rows.filter((row) => typeof row === 'string')).toEqual([]);
  });

  it('restores a snapshot captured while events kept arriving to exactly the state at its capture, and the live model goes on unharmed', async () => {
    const model = feed(new TrustReadModel(), events.slice(0, cut));
    const captured = model.snapshot();
    // Events applied before the rows are written: new commitments, lifecycle facts on earlier ones, back-dated
    // evidence inserted into the indices, findings, revocations and memberships.
    const second = cut + Math.floor((events.length - cut) / 2);
    feed(model, events.slice(cut, second));
    const capturedLater = model.snapshot();
    feed(model, events.slice(second));

    const atCut = new TrustReadModel();
    atCut.restore(await throughFile(captured));
    expect(everyAnswer(atCut, instants)).toEqual(everyAnswer(feed(new TrustReadModel(), events.slice(0, cut)), instants));
    const atSecond = new TrustReadModel();
    atSecond.restore(await throughFile(capturedLater));
    expect(everyAnswer(atSecond, instants)).toEqual(everyAnswer(feed(new TrustReadModel(), events.slice(0, second)), instants));
    expect(everyAnswer(model, instants)).toEqual(everyAnswer(feed(new TrustReadModel(), events), instants));
  });

  it('captured in slices, with every question answered between two slices, writes the rows of a capture in one go', async () => {
    const model = feed(new TrustReadModel(), events.slice(0, cut));
    const inOneGo = await throughFile(model.snapshot());
    const captured = captureStepByStep(model.snapshotInSlices(), (step) => {
      // What the server does meanwhile: answer queries (the runner applies no event until the capture ends).
      if (step % 4 === 1) everyAnswer(model, instants.slice(0, 1));
    });
    // One step after each of three parts, and one after each city's evidence.
    expect(captured.steps).toBeGreaterThanOrEqual(3 + CITIES.length);
    expect(await throughFile(captured.value)).toEqual(inOneGo);
  });

  it('restores the commitment ids and values from one row, or split over several rows as a large table writes them', async () => {
    const original = feed(new TrustReadModel(), events.slice(0, cut));
    const rows = await throughFile(original.snapshot());
    const at = rows.findIndex((row) => Array.isArray(row) && row[0] === 'commitments');
    const [, n, ids, values] = rows[at] as [string, number, string[], string[]];
    // A table this small fits in one row, as every table did before the rows were split.
    expect(ids).toHaveLength(n);
    expect(rows.some((row) => Array.isArray(row) && row[0] === 'commitments+')).toBe(false);
    const split = (sizes: number[]): unknown[] => {
      const parts: unknown[] = [];
      let from = 0;
      for (const size of sizes) {
        parts.push(parts.length === 0 ? ['commitments', n, ids.slice(from, from + size), values.slice(from, from + size)] : ['commitments+', ids.slice(from, from + size), values.slice(from, from + size)]);
        from += size;
      }
      const all = [...rows.slice(0, at), ...parts, ...rows.slice(at + 1, -1)];
      return [...all, ['end', all.length + 1]];
    };
    const third = Math.floor(n / 3);
    const restored = new TrustReadModel();
    restored.restore(split([third, third, n - 2 * third]));
    expect(everyAnswer(restored, instants)).toEqual(everyAnswer(original, instants));
    feed(restored, events.slice(cut));
    expect(restored.canonicalState()).toEqual(feed(new TrustReadModel(), events).canonicalState());

    for (const [state, reason] of [
      [split([third, 0, n - third]), 'a commitments+ row lists no commitment'],
      [split([third]), 'is not commitments+'],
      [split([third, third, n - 2 * third]).map((row) => (Array.isArray(row) && row[0] === 'commitments+' ? [...row, 'extra'] : row)), 'a commitments+ row is malformed'],
      [split([third, n - third]).map((row) => (Array.isArray(row) && row[0] === 'commitments+' ? [row[0], row[1], (row[2] as string[]).slice(1)] : row)), `commitment ids or values do not number ${n}`],
    ] as [unknown[], string][]) {
      const model = new TrustReadModel();
      expect(() => model.restore(state)).toThrow(reason);
      expect(model.knownCities()).toEqual([]);
    }
  });

  describe('refusing a snapshot it did not write, changing nothing', () => {
    let rows: unknown[] = [];
    beforeAll(async () => {
      rows = await throughFile(feed(new TrustReadModel(), events.slice(0, cut)).snapshot());
    });
    const fresh = new TrustReadModel().canonicalState();

    const refusedThenRebuilt = (state: unknown[], reason: string): void => {
      const model = new TrustReadModel();
      expect(() => model.restore(state)).toThrow(reason);
      expect(model.canonicalState()).toEqual(fresh);
      expect(model.knownCities()).toEqual([]);
      // Still fresh: the runner rebuilds it from the log, and that gives the same answers as a model never restored.
      feed(model, events);
      expect(everyAnswer(model, instants.slice(0, 2))).toEqual(everyAnswer(feed(new TrustReadModel(), events), instants.slice(0, 2)));
    };

    const withRow = (index: number, row: unknown): unknown[] => rows.map((r, i) => (i === index ? row : r));
    const rowIndex = (tag: string): number => rows.findIndex((row) => Array.isArray(row) && row[0] === tag);

    it('refuses a fact column cut short', () => {
      const recordedMs = rowIndex('facts') + 2;
      refusedThenRebuilt(withRow(recordedMs, (rows[recordedMs] as Buffer).subarray(0, -8)), 'fact recorded instants does not hold');
    });

    it('refuses a commitment that names a city it does not list', () => {
      const at = rowIndex('commitments');
      const n = (rows[at] as unknown[])[1] as number;
      refusedThenRebuilt(withRow(at + 2, Buffer.from(new Int32Array(n).fill(999).buffer)), 'names an unknown obligor');
    });

    it('refuses an evidence index whose instants are out of order', () => {
      const at = rowIndex('evidence');
      const size = ((rows[at] as unknown[])[1] as [number, string, string | null, number][])[0][3];
      const packed = rows[at + 1] as Buffer;
      const values = new Float64Array(packed.length / 8);
      new Uint8Array(values.buffer).set(packed);
      values[0] = values[(size - 1) * 6] + DAY;
      refusedThenRebuilt(withRow(at + 1, Buffer.from(values.buffer)), 'out of order');
    });

    it('refuses evidence rows that do not match the indices they list', () => {
      const at = rowIndex('evidence') + 1;
      const packed = rows[at] as Buffer;
      refusedThenRebuilt(withRow(at, packed.subarray(0, packed.length - 48)), 'the evidence rows are fewer than the indices hold');
      refusedThenRebuilt(withRow(at, Buffer.concat([packed, Buffer.alloc(48)])), 'the evidence rows are more than the indices hold');
      refusedThenRebuilt(withRow(at, packed.subarray(0, packed.length - 1)), 'the evidence rows are not a binary row of numbers');
    });

    it('refuses a row of another kind than its place holds', () => {
      refusedThenRebuilt(withRow(1, Buffer.from('cities')), 'row 1 is not cities');
      refusedThenRebuilt(withRow(rowIndex('facts') + 1, ['kinds']), 'fact kinds is not a binary row');
    });

    it('refuses a snapshot missing its last rows', () => {
      refusedThenRebuilt(rows.slice(0, -2), 'truncated');
    });

    it('refuses a snapshot of another version or parameter set', () => {
      refusedThenRebuilt(withRow(0, ['trust', VERSION - 1, ...(rows[0] as unknown[]).slice(2)]), `version ${VERSION - 1} is not ${VERSION}`);
      refusedThenRebuilt(withRow(0, ['trust', VERSION, 'cfbt-0', ...(rows[0] as unknown[]).slice(3)]), 'parameter set cfbt-0');
    });

    it('refuses to restore into a model that has already applied events, keeping its state', () => {
      const model = feed(new TrustReadModel(), events.slice(0, 10));
      const before = everyAnswer(model, instants.slice(0, 2));
      expect(() => model.restore(rows)).toThrow('restore needs a model that has applied nothing');
      expect(everyAnswer(model, instants.slice(0, 2))).toEqual(before);
    });
  });
});
