/**
 * The snapshot of the commitments read model, written to restore fast: flat records instead of objects (no key is
 * written twice, and parsing allocates one array per chunk rather than several per commitment), the strings
 * commitments share (agreement, body, cities, kind, description, unit, currency) written once in a table, and nothing
 * the restore can derive exactly (the id inside CommitmentMade, the list sort key, each delivery's `counts` and
 * `disputeId`, which follow from the disputes). Instants stay ISO text: parsing 24 characters costs less than
 * rebuilding them from epoch milliseconds.
 *
 * Rows are chunks `[tableBase, newStrings, ...records]`, each record RECORD_WIDTH values: a chunk names the strings
 * first seen in it, and `tableBase` is the table's length before them, so a chunk read out of order is refused rather
 * than misread. The table is grown as the chunks are serialized (in the writer's slices, in order), not in the
 * capture that blocks the event loop; a chunk's conversion is memoised, so serializing it twice cannot grow the table
 * twice. Chunks follow the list order, so the restore's sort of the keys is one pass over keys already in order.
 */
import type { CommitmentPhase, CommitmentState, DeliveryRecord, DisputeRecord } from '../../../domain/src/governance/commitment.js';
import type { CommitmentMade, Obligee, Promise_ } from '../../../domain/src/governance/events.js';
import { record, SnapshotShapeError } from '../governance/snapshot-rows.js';

/** What the model keeps per commitment, and what a snapshot gives back. Replaced, never changed, on each event. */
export interface CommitmentRow {
  readonly state: CommitmentState;
  /** Its place in the list order (see `commitmentSortKey`). */
  readonly sortKey: string;
  readonly revision: bigint;
  readonly position: bigint;
}

/** Commitments per snapshot row: few enough that one row is a short synchronous slice to write or parse. */
export const COMMITMENTS_PER_SNAPSHOT_ROW = 1000;

const PHASES: readonly CommitmentPhase[] = ['open', 'fulfilled', 'closed_short', 'defaulted', 'waived'];
const OBLIGEE_KINDS: readonly Obligee['kind'][] = ['city', 'body', 'fund'];
const OUTCOMES: readonly DisputeRecord['outcome'][] = ['pending', 'upheld', 'rejected'];
const MADE_KEYS = [
  'commitmentId',
  'agreementId',
  'bodyId',
  'obligor',
  'obligee',
  'kind',
  'description',
  'promise',
  'value',
  'dueAt',
  'incidentId',
  'allowOverDelivery',
  'overdueGraceSeconds',
  'defaultAfterSeconds',
  'occurredAt',
] as const;
/** CommitmentMade's fields in a record: its keys less commitmentId (the row's id), obligee, promise and value spread. */
const MADE_FIELDS = 18;
const MADE_NULLS: readonly null[] = Array.from({ length: MADE_FIELDS }, () => null);
/** id, revision, position, the CommitmentMade marker and fields, phase, delivered, deliveries, disputes, fulfilment (3), overdue mark, last instant. */
export const RECORD_WIDTH = 3 + 1 + MADE_FIELDS + 4 + 3 + 2;

type Made = CommitmentMade['data'];

/** Interns strings in first-seen order; `fresh` collects the ones the current chunk introduces. */
class StringTable {
  private readonly index = new Map<string, number>();
  private fresh: string[] = [];

  get size(): number {
    return this.index.size;
  }

  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(value, i);
      this.fresh.push(value);
    }
    return i;
  }

  takeFresh(): string[] {
    const taken = this.fresh;
    this.fresh = [];
    return taken;
  }
}

const bigOut = (value: bigint): number | string => (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString());

const isText = (v: unknown): v is string => typeof v === 'string';

function exactKeys(value: object, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(value, k));
}

/** True when CommitmentMade's data has exactly the shape a record encodes; anything else is written as recorded. */
function encodable(id: string, c: Made): boolean {
  // Keys as a set: their order is not part of the state (digests and comparisons sort them).
  if (!exactKeys(c, MADE_KEYS)) return false;
  const { obligee, promise, value } = c;
  const promiseOk =
    (promise.kind === 'quantity' && exactKeys(promise, ['kind', 'quantity', 'unit']) && isText(promise.quantity) && isText(promise.unit)) ||
    (promise.kind === 'money' && exactKeys(promise, ['kind', 'amount', 'currency']) && isText(promise.amount) && isText(promise.currency));
  return (
    c.commitmentId === id &&
    promiseOk &&
    [c.commitmentId, c.agreementId, c.bodyId, c.obligor, c.kind, c.description, c.dueAt, c.occurredAt].every(isText) &&
    exactKeys(obligee, ['kind', 'id']) &&
    OBLIGEE_KINDS.includes(obligee.kind) &&
    isText(obligee.id) &&
    exactKeys(value, ['amount', 'currency']) &&
    isText(value.amount) &&
    isText(value.currency) &&
    (c.incidentId === null || isText(c.incidentId)) &&
    typeof c.allowOverDelivery === 'boolean' &&
    Number.isSafeInteger(c.overdueGraceSeconds) &&
    Number.isSafeInteger(c.defaultAfterSeconds)
  );
}

/**
 * One commitment as RECORD_WIDTH values: id, revision, position; CommitmentMade (0 then its fields, or the data as
 * recorded then nulls when it has a shape this does not encode); phase, delivered; deliveries and disputes as flat
 * lists (0 when empty); the fulfilment's three fields (nulls when none); the overdue mark and the last instant.
 */
function commitmentOut(id: string, row: CommitmentRow, s: StringTable, out: unknown[]): void {
  const { state } = row;
  const c = state.commitment;
  if (c === null || state.phase === null) throw new Error(`commitment ${id}: a row exists only after CommitmentMade`);
  out.push(id, bigOut(row.revision), bigOut(row.position));
  if (encodable(id, c)) {
    const p = c.promise;
    out.push(
      0,
      s.of(c.agreementId),
      s.of(c.bodyId),
      s.of(c.obligor),
      OBLIGEE_KINDS.indexOf(c.obligee.kind),
      s.of(c.obligee.id),
      s.of(c.kind),
      s.of(c.description),
      p.kind === 'quantity' ? 0 : 1,
      p.kind === 'quantity' ? p.quantity : p.amount,
      s.of(p.kind === 'quantity' ? p.unit : p.currency),
      c.value.amount,
      s.of(c.value.currency),
      c.dueAt,
      c.incidentId === null ? null : s.of(c.incidentId),
      c.allowOverDelivery ? 1 : 0,
      c.overdueGraceSeconds,
      c.defaultAfterSeconds,
      c.occurredAt,
    );
  } else {
    out.push(c, ...MADE_NULLS);
  }
  const deliveries = state.deliveries.length === 0 ? 0 : state.deliveries.flatMap((d) => [d.deliveryId, d.quantity, d.evidenceRef, d.occurredAt]);
  const disputes = state.disputes.length === 0 ? 0 : state.disputes.flatMap((d) => [d.disputeId, d.deliveryId, OUTCOMES.indexOf(d.outcome)]);
  const f = state.fulfilment;
  out.push(PHASES.indexOf(state.phase), state.delivered, deliveries, disputes);
  if (f === null) out.push(null, null, null);
  else out.push(f.completingDeliveryId, f.onTime ? 1 : 0, f.fulfilledAt);
  out.push(state.overdueMarked ? 1 : 0, state.lastOccurredAtMs);
}

/**
 * Snapshot rows for the commitments under `keys` (list order), each found with `rowOf`. The capture (between two
 * events) only copies the keys and a map of row references: rows are replaced on every event, never changed in place,
 * so the ones captured stay as they were. The chunks find and encode their rows when serialized, in the writer's
 * slices.
 */
export function commitmentsSnapshot(keys: readonly string[], rowOf: (key: string) => [string, CommitmentRow] | undefined): { toJSON(): unknown[] }[] {
  const strings = new StringTable();
  const rows: { toJSON(): unknown[] }[] = [];
  for (let start = 0; start < keys.length; start += COMMITMENTS_PER_SNAPSHOT_ROW) {
    const end = Math.min(keys.length, start + COMMITMENTS_PER_SNAPSHOT_ROW);
    let converted: unknown[] | null = null;
    rows.push({
      toJSON: () => {
        if (converted === null) {
          const base = strings.size;
          const records: unknown[] = [];
          for (let i = start; i < end; i++) {
            const entry = rowOf(keys[i]);
            if (entry !== undefined) commitmentOut(entry[0], entry[1], strings, records);
          }
          converted = [base, strings.takeFresh(), ...records];
        }
        return converted;
      },
    });
  }
  return rows;
}

/** Reads what `commitmentsSnapshot` wrote; throws SnapshotShapeError on anything else. */
class Reader {
  private readonly table: string[] = [];
  /** The commitment being read, named in a refusal (messages are built only then: a restore reads millions of fields). */
  private subject = '';
  constructor(private readonly model: string) {}

  fail(what: string): never {
    throw new SnapshotShapeError(this.model, what);
  }

  private about(what: string): string {
    return this.subject === '' ? what : `${what} of ${this.subject}`;
  }

  grow(base: unknown, fresh: unknown, where: string): void {
    this.subject = '';
    if (base !== this.table.length) this.fail(`${where} continues a string table of ${String(base)}, not of ${this.table.length}`);
    if (!Array.isArray(fresh)) this.fail(`${where} has no list of new strings`);
    for (const s of fresh as unknown[]) this.table.push(this.text(s, `a string of ${where}`));
  }

  text(v: unknown, what: string): string {
    return typeof v === 'string' ? v : this.fail(`${this.about(what)} is not text`);
  }

  shared(v: unknown, what: string): string {
    const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? this.table[v] : undefined;
    return s ?? this.fail(`${this.about(what)} is not an entry of the string table`);
  }

  code<T>(v: unknown, codes: readonly T[], what: string): T {
    const c = typeof v === 'number' && Number.isInteger(v) ? codes[v] : undefined;
    return c ?? this.fail(`${this.about(what)} is not a known code`);
  }

  count(v: unknown, what: string): number {
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : this.fail(`${this.about(what)} is not an integer`);
  }

  big(v: unknown, what: string): bigint {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^(0|[1-9]\d{0,30})$/.test(v)) return BigInt(v);
    return this.fail(`${this.about(what)} is not a non-negative integer`);
  }

  /** CommitmentMade from the record's values at `at` (the marker) onwards. */
  made(id: string, r: readonly unknown[], at: number): Made {
    const marker = r[at];
    if (marker !== 0) {
      // Written as recorded (a shape the record does not encode): evolve's data, unchanged.
      return record(this.model, marker, this.about('commitment')) as unknown as Made;
    }
    const promiseKind = r[at + 8];
    const amount = this.text(r[at + 9], 'promise');
    const p: Promise_ =
      promiseKind === 0
        ? { kind: 'quantity', quantity: amount, unit: this.shared(r[at + 10], 'unit') }
        : promiseKind === 1
          ? { kind: 'money', amount, currency: this.shared(r[at + 10], 'currency') }
          : this.fail(`${this.about('promise kind')} is not a known code`);
    const allowOver = r[at + 15];
    if (allowOver !== 0 && allowOver !== 1) this.fail(`${this.about('allowOverDelivery')} is not 0 or 1`);
    const incidentId = r[at + 14];
    return {
      commitmentId: id,
      agreementId: this.shared(r[at + 1], 'agreement'),
      bodyId: this.shared(r[at + 2], 'body'),
      obligor: this.shared(r[at + 3], 'obligor'),
      obligee: { kind: this.code(r[at + 4], OBLIGEE_KINDS, 'obligee kind'), id: this.shared(r[at + 5], 'obligee') },
      kind: this.shared(r[at + 6], 'kind') as Made['kind'],
      description: this.shared(r[at + 7], 'description'),
      promise: p,
      value: { amount: this.text(r[at + 11], 'value'), currency: this.shared(r[at + 12], 'value currency') },
      dueAt: this.text(r[at + 13], 'dueAt'),
      incidentId: incidentId === null ? null : this.shared(incidentId, 'incident'),
      allowOverDelivery: allowOver === 1,
      overdueGraceSeconds: this.count(r[at + 16], 'grace'),
      defaultAfterSeconds: this.count(r[at + 17], 'default period'),
      occurredAt: this.text(r[at + 18], 'occurredAt'),
    };
  }

  /** A flat list of `width`-value entries; 0 for none. */
  flat(v: unknown, width: number, what: string): readonly unknown[] {
    if (v === 0) return [];
    if (!Array.isArray(v) || v.length === 0 || v.length % width !== 0) this.fail(`${this.about(what)} is not a list of ${width}-value entries`);
    return v as unknown[];
  }

  /** The commitment whose record starts at `at` in the chunk `r`. */
  commitment(r: readonly unknown[], at: number, where: string, sortKeyOf: (made: Made) => string): [string, CommitmentRow] {
    this.subject = '';
    const id = this.text(r[at], where);
    this.subject = id;
    const commitment = this.made(id, r, at + 3);
    const i = at + 4 + MADE_FIELDS;
    const phase = this.code(r[i], PHASES, 'phase');
    const delivered = this.text(r[i + 1], 'delivered');
    const deliveries = this.flat(r[i + 2], 4, 'deliveries');
    const disputes = this.flat(r[i + 3], 3, 'disputes');
    const [completing, onTime, fulfilledAt, overdueMarked, last] = [r[i + 4], r[i + 5], r[i + 6], r[i + 7], r[i + 8]];
    const disputeRecords: DisputeRecord[] = [];
    for (let d = 0; d < disputes.length; d += 3) {
      disputeRecords.push({ disputeId: this.text(disputes[d], 'a dispute'), deliveryId: this.text(disputes[d + 1], 'a dispute'), outcome: this.code(disputes[d + 2], OUTCOMES, 'a dispute outcome') });
    }
    const deliveryRecords: DeliveryRecord[] = [];
    for (let d = 0; d < deliveries.length; d += 4) {
      deliveryRecords.push({
        deliveryId: this.text(deliveries[d], 'a delivery'),
        quantity: this.text(deliveries[d + 1], 'a delivery quantity'),
        evidenceRef: this.text(deliveries[d + 2], 'a delivery evidence'),
        occurredAt: this.text(deliveries[d + 3], 'a delivery instant'),
        counts: true,
        disputeId: null,
      });
    }
    // As evolve sets them: each dispute marks its delivery, an upheld one strikes it.
    for (const dispute of disputeRecords) {
      for (const delivery of deliveryRecords) {
        if (delivery.deliveryId !== dispute.deliveryId) continue;
        delivery.disputeId = dispute.disputeId;
        if (dispute.outcome === 'upheld') delivery.counts = false;
      }
    }
    let fulfilment: CommitmentState['fulfilment'] = null;
    if (completing !== null) {
      if (onTime !== 0 && onTime !== 1) this.fail(`${this.about('fulfilment')} is not on time or late`);
      fulfilment = { completingDeliveryId: this.text(completing, 'fulfilment'), onTime: onTime === 1, fulfilledAt: this.text(fulfilledAt, 'fulfilment') };
    } else if (onTime !== null || fulfilledAt !== null) {
      this.fail(`${this.about('fulfilment')} is neither whole nor absent`);
    }
    if (overdueMarked !== 0 && overdueMarked !== 1) this.fail(`${this.about('overdue mark')} is not 0 or 1`);
    const state: CommitmentState = {
      commitment,
      phase,
      delivered,
      deliveries: deliveryRecords,
      disputes: disputeRecords,
      fulfilment,
      overdueMarked: overdueMarked === 1,
      lastOccurredAtMs: last === null ? null : this.count(last, 'last instant'),
    };
    return [id, { state, sortKey: sortKeyOf(commitment), revision: this.big(r[at + 1], 'revision'), position: this.big(r[at + 2], 'position') }];
  }
}

/**
 * Decodes snapshot rows into a fresh map of rows, in the order they were written (the list order, so sorting the
 * keys again is a single pass); nothing is shared with `state`'s arrays. Throws before returning anything.
 */
export function restoreCommitments(model: string, state: unknown, sortKeyOf: (made: Made) => string): Map<string, CommitmentRow> {
  const reader = new Reader(model);
  if (!Array.isArray(state)) reader.fail('is not a list of rows');
  const rows = new Map<string, CommitmentRow>();
  (state as unknown[]).forEach((chunk, r) => {
    if (!Array.isArray(chunk) || chunk.length < 2) reader.fail(`row ${r} is not a chunk of commitments`);
    const values = chunk as unknown[];
    const where = `row ${r}`;
    if ((values.length - 2) % RECORD_WIDTH !== 0) reader.fail(`${where} is not whole records of ${RECORD_WIDTH} values`);
    reader.grow(values[0], values[1], where);
    for (let at = 2; at < values.length; at += RECORD_WIDTH) {
      const [id, row] = reader.commitment(values, at, where, sortKeyOf);
      if (rows.has(id)) reader.fail(`commitment ${id} is written twice`);
      rows.set(id, row);
    }
  });
  return rows;
}
