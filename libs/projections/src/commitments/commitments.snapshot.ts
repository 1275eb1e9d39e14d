/**
 * The snapshot of the commitments read model, written to restore fast: flat records instead of objects (no key is
 * written twice), the strings commitments share (agreement, body, cities, kind, description, unit, currency) written
 * once in a table, and nothing the restore can derive exactly (the id inside CommitmentMade, each delivery's `counts`
 * and `disputeId`, which follow from the disputes). Instants stay ISO text.
 *
 * Commitments go in chunks of COMMITMENTS_PER_SNAPSHOT_ROW, in list order, each as two rows:
 *
 *   index    JSON `[tableBase, newStrings, sortKeys, deadlines]`: the strings first seen in the chunk (`tableBase` is
 *            the table's length before them, so a chunk read out of order is refused rather than misread), the
 *            chunk's list keys in order (each ends with the commitment's id), and `[i, ms, …]` for the commitments
 *            with a next deadline (their place in the chunk, the instant)
 *   records  binary: the chunk's records (RECORD_WIDTH values each) as ASCII JSON text
 *
 * A restore reads only the index rows: the list order, the ids and the deadline agenda are what the runner and the
 * deadline process need at once. Each chunk's records stay bytes until a commitment in it is first asked for (or
 * until the model decodes the rest in the background, a slice at a time), so a restart does not build 180,000
 * commitments' objects before it serves. The table is grown as chunks are serialized (in the writer's slices, in
 * order), not in the capture; a chunk's index is memoised, so serializing it twice cannot grow the table twice, while
 * its records' text is held only until written (encoded again if asked again), so a round's garbage dies young.
 */
import type { CommitmentPhase, CommitmentState, DeliveryRecord, DisputeRecord } from '../../../domain/src/governance/commitment.js';
import type { CommitmentMade, Obligee, Promise_ } from '../../../domain/src/governance/events.js';
import { DeferredSnapshotBytes } from '../read-model.js';
import { asciiJsonText, copiedTogether, parseJsonBytes, record, releaseNow, SnapshotShapeError } from '../governance/snapshot-rows.js';

/** What the model keeps per commitment, and what a snapshot gives back. Replaced, never changed, on each event. */
export interface CommitmentRow {
  readonly state: CommitmentState;
  /** Its place in the list order (see `commitmentSortKey`). */
  readonly sortKey: string;
  /** Numbers, not bigints (safe integers: the model refuses larger ones). */
  readonly revision: number;
  readonly position: number;
}

/**
 * Commitments per chunk: few enough that one chunk is a short synchronous slice to write or decode, and that its
 * records (about 90 KB of text, 9,250 values) stay below V8's large-object size (128 KiB): larger ones are allocated
 * old and stay in the heap until the next full collection, which a snapshot round of 180,000 commitments let grow by
 * some 150 MB.
 */
export const COMMITMENTS_PER_SNAPSHOT_ROW = 250;

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
  out.push(id, row.revision, row.position);
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
 * Snapshot rows for the commitments under `keys` (list order), each found with `rowOf` as it was at the capture;
 * `deadlineOf` gives a row's next deadline (null: none). The chunks find and encode their rows when serialized, in the
 * writer's slices (the index row first, which converts the chunk); `track` wraps each chunk's encoding (the model's
 * capture counts them, see snapshot-capture.ts).
 */
export function commitmentsSnapshot(
  keys: readonly string[],
  rowOf: (key: string) => [string, CommitmentRow] | undefined,
  deadlineOf: (row: CommitmentRow) => number | null,
  track: (encode: () => string) => () => string = (encode) => encode,
): unknown[] {
  const strings = new StringTable();
  const rows: unknown[] = [];
  for (let start = 0; start < keys.length; start += COMMITMENTS_PER_SNAPSHOT_ROW) {
    const end = Math.min(keys.length, start + COMMITMENTS_PER_SNAPSHOT_ROW);
    // The index is kept (its strings are the table's; a second serialization must not grow the table again); the
    // records' text only until the writer takes it, so each chunk's text dies young instead of living through the write.
    let index: unknown[] | null = null;
    let records: string | null = null;
    const encode = track((): string => {
      const values: unknown[] = [];
      const sortKeys: string[] = [];
      const deadlines: number[] = [];
      for (let i = start; i < end; i++) {
        const entry = rowOf(keys[i]);
        if (entry === undefined) continue;
        const next = deadlineOf(entry[1]);
        if (next !== null) deadlines.push(sortKeys.length, next);
        sortKeys.push(keys[i]);
        commitmentOut(entry[0], entry[1], strings, values);
      }
      // Encoding again (a second serialization) finds every string in the table already: nothing fresh to record.
      const fresh = strings.takeFresh();
      index ??= [strings.size - fresh.length, fresh, sortKeys, deadlines];
      return asciiJsonText(values);
    });
    const indexRow = (): unknown[] => {
      if (index === null) records = encode();
      return index ?? [];
    };
    const recordsRow = (): string => {
      if (index === null) indexRow();
      const taken = records ?? encode();
      records = null;
      return taken;
    };
    rows.push({ toJSON: indexRow }, new DeferredSnapshotBytes(recordsRow));
  }
  return rows;
}

/** Reads what `commitmentsSnapshot` wrote; throws SnapshotShapeError on anything else. */
class Reader {
  /** The commitment being read, named in a refusal (messages are built only then: a restore reads millions of fields). */
  private subject = '';
  /** Entries of the table the chunk being decoded may name: those before its own end. */
  private limit = 0;
  constructor(
    private readonly model: string,
    private readonly table: string[],
  ) {}

  within(limit: number): void {
    this.limit = limit;
  }

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
    this.limit = this.table.length;
  }

  text(v: unknown, what: string): string {
    return typeof v === 'string' ? v : this.fail(`${this.about(what)} is not text`);
  }

  shared(v: unknown, what: string): string {
    const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < this.limit ? this.table[v] : undefined;
    return s ?? this.fail(`${this.about(what)} is not an entry of the string table`);
  }

  code<T>(v: unknown, codes: readonly T[], what: string): T {
    const c = typeof v === 'number' && Number.isInteger(v) ? codes[v] : undefined;
    return c ?? this.fail(`${this.about(what)} is not a known code`);
  }

  count(v: unknown, what: string): number {
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : this.fail(`${this.about(what)} is not an integer`);
  }

  /** A revision or position: a non-negative safe integer (a row keeps no larger one). */
  index(v: unknown, what: string): number {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
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
    return [id, { state, sortKey: sortKeyOf(commitment), revision: this.index(r[at + 1], 'revision'), position: this.index(r[at + 2], 'position') }];
  }
}

/** One chunk whose records are still bytes: its ids in list order and the end of the string table it may name. */
interface PendingChunk {
  readonly ids: readonly string[];
  readonly sortKeys: readonly string[];
  readonly tableEnd: number;
  records: Buffer | null;
}

/** What a restore reads at once: the list order, the ids and the agenda; the records wait in `PendingCommitments`. */
export interface CommitmentsIndex {
  /** Every list key, ascending as written. */
  sortKeys: string[];
  deadlines: Map<string, number>;
  pending: PendingCommitments;
}

/**
 * The commitments of a restored snapshot not decoded yet, chunk by chunk: the model decodes a chunk when one of its
 * commitments is first asked for, and the rest in the background. The bytes were checked against the snapshot's
 * SHA-256 before the restore, so a chunk that does not decode is a writer's mistake, reported as a SnapshotShapeError
 * by the decode (the model then refuses to answer from it rather than answer without it).
 */
export class PendingCommitments {
  private readonly reader: Reader;
  private left: number;
  /** Lowest chunk that may still be pending: the background decodes in order from here. */
  private cursor = 0;

  /**
   * `chunkOf` gives each id's chunk; it is the restore's own map, emptied as chunks are decoded. `whole` is the one
   * copy the chunks' records view, freed as soon as the last chunk is decoded.
   */
  constructor(
    private readonly model: string,
    table: string[],
    private readonly chunks: PendingChunk[],
    private readonly chunkOf: Map<string, number>,
    private whole: Buffer | null,
  ) {
    this.reader = new Reader(model, table);
    this.left = chunks.length;
  }

  get done(): boolean {
    return this.left === 0;
  }

  /** Chunks not decoded yet. */
  get count(): number {
    return this.left;
  }

  /** Bytes of the snapshot kept for the chunks not decoded yet (one copy for all of them; 0 once freed). */
  get retainedBytes(): number {
    return this.whole?.byteLength ?? 0;
  }

  /**
   * A chunk did not decode: the model refuses to answer from now on, so no other chunk will be decoded either. Their
   * bytes are freed now rather than kept for as long as the model lives.
   */
  release(): void {
    for (const chunk of this.chunks) chunk.records = null;
    this.chunkOf.clear();
    if (this.whole !== null) {
      releaseNow(this.whole);
      this.whole = null;
    }
  }

  /** The chunk holding a commitment not decoded yet; undefined when it is decoded or not in the snapshot. */
  chunkHolding(id: string): number | undefined {
    return this.chunkOf.get(id);
  }

  /** A chunk still pending, lowest first; undefined when every chunk is decoded. */
  nextPending(): number | undefined {
    while (this.cursor < this.chunks.length && this.chunks[this.cursor].records === null) this.cursor++;
    return this.cursor < this.chunks.length ? this.cursor : undefined;
  }

  /** Decodes chunk `c` (once) into its rows, in list order; throws SnapshotShapeError when it is not what was written. */
  decode(c: number, sortKeyOf: (made: Made) => string): [string, CommitmentRow][] {
    const chunk = this.chunks[c];
    const bytes = chunk.records;
    if (bytes === null) return [];
    chunk.records = null;
    this.left--;
    for (const id of chunk.ids) this.chunkOf.delete(id);
    const where = `chunk ${c}`;
    let values: unknown;
    try {
      values = parseJsonBytes(bytes);
    } catch {
      throw new SnapshotShapeError(this.model, `${where} is not JSON`);
    } finally {
      // Parsed (or refused) from a string of its own: after the last chunk, the bytes are not needed any more.
      if (this.left === 0 && this.whole !== null) {
        releaseNow(this.whole);
        this.whole = null;
      }
    }
    if (!Array.isArray(values) || values.length !== chunk.ids.length * RECORD_WIDTH) this.reader.fail(`${where} is not ${chunk.ids.length} records of ${RECORD_WIDTH} values`);
    const r = values as unknown[];
    this.reader.within(chunk.tableEnd);
    const out: [string, CommitmentRow][] = [];
    for (let k = 0; k < chunk.ids.length; k++) {
      const [id, row] = this.reader.commitment(r, k * RECORD_WIDTH, where, sortKeyOf);
      if (id !== chunk.ids[k] || row.sortKey !== chunk.sortKeys[k]) this.reader.fail(`${where} holds ${id} where its index lists ${chunk.sortKeys[k]}`);
      out.push([id, row]);
    }
    return out;
  }
}

/**
 * Reads the index rows of a snapshot (see the top of this file) and keeps the chunks' records in one copy of their
 * bytes (the snapshot file is freed once restored). Throws SnapshotShapeError before returning anything. `idOf` gives
 * the id a list key ends with.
 */
export function restoreCommitmentsIndex(model: string, state: unknown, idOf: (sortKey: string) => string): CommitmentsIndex {
  const table: string[] = [];
  const reader = new Reader(model, table);
  if (!Array.isArray(state) || state.length % 2 !== 0) reader.fail('is not a list of chunks (index and records rows)');
  const rows = state as unknown[];
  const sortKeys: string[] = [];
  const deadlines = new Map<string, number>();
  const chunks: PendingChunk[] = [];
  const chunkOf = new Map<string, number>();
  const records: Buffer[] = [];
  for (let r = 0; r < rows.length; r += 2) {
    const where = `row ${r}`;
    const index = rows[r];
    const recordsRow = rows[r + 1];
    if (!Array.isArray(index) || index.length !== 4) reader.fail(`${where} is not a chunk's index`);
    if (!Buffer.isBuffer(recordsRow)) reader.fail(`row ${r + 1} is not a chunk's records`);
    const [base, fresh, keys, agenda] = index as unknown[];
    reader.grow(base, fresh, where);
    if (!Array.isArray(keys)) reader.fail(`${where} has no list keys`);
    const ids: string[] = [];
    for (const key of keys as unknown[]) {
      const sortKey = reader.text(key, `a list key of ${where}`);
      const id = idOf(sortKey);
      chunkOf.set(id, chunks.length);
      if (chunkOf.size !== sortKeys.length + 1) reader.fail(`commitment ${id} is written twice`);
      ids.push(id);
      sortKeys.push(sortKey);
    }
    if (!Array.isArray(agenda) || agenda.length % 2 !== 0) reader.fail(`${where} has no deadline agenda`);
    const flat = agenda as unknown[];
    for (let d = 0; d < flat.length; d += 2) {
      const k = flat[d];
      const ms = flat[d + 1];
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= ids.length || typeof ms !== 'number' || !Number.isSafeInteger(ms)) reader.fail(`${where} has a malformed deadline`);
      deadlines.set(ids[k as number], ms as number);
    }
    records.push(recordsRow as Buffer);
    chunks.push({ ids, sortKeys: keys as string[], tableEnd: table.length, records: null });
  }
  const { whole, views } = copiedTogether(records);
  chunks.forEach((chunk, c) => {
    chunk.records = views[c];
  });
  return { sortKeys, deadlines, pending: new PendingCommitments(model, table, chunks, chunkOf, whole) };
}
