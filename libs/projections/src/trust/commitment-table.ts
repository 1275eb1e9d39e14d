/**
 * The commitments the trust model remembers, as columns rather than objects: a million events would otherwise keep a
 * million small objects (and their boxed numbers) alive. A commitment is a row number; its lifecycle facts are rows of
 * a fact table chained per commitment. Objects (terms, facts) are built only while a commitment is being resolved.
 */
import type { CommitmentTerms, LifecycleFact, LifecycleKind } from './evidence.js';
import { COORDINATOR } from './evidence.js';
import { RowCursor, TrustSnapshotError, decodeColumn, expectArray, expectCount, expectFinite, expectRange, expectString } from './snapshot-codec.js';

const KINDS: readonly LifecycleKind[] = ['made', 'fulfilled', 'closed_short', 'defaulted', 'waived', 'reopened', 'finding', 'revoked'];
const KIND_CODE = new Map<LifecycleKind, number>(KINDS.map((k, i) => [k, i]));

const NONE = -1;

/** Numbers per block a digest hashes at once. */
const DIGEST_BLOCK = 1 << 16;

function grown<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(array: T, capacity: number, make: (n: number) => T): T {
  const next = make(capacity);
  next.set(array);
  return next;
}

/** Next capacity: ×1.5 keeps the unused tail of a column to a third at most. */
const nextCapacity = (capacity: number): number => Math.max(16, Math.ceil(capacity * 1.5));

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The low 16 bits as four hex digits. */
const hex16 = (x: number): string => HEX_BYTE[(x >>> 8) & 0xff] + HEX_BYTE[x & 0xff];

/** Commitment ids (and values) per snapshot row: a row of them serializes in a few milliseconds. */
export const COMMITMENT_IDS_PER_ROW = 16_384;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Event ids: the ledger's ids are UUIDs, kept as 16 bytes; any other spelling (imported or test histories) is kept as
 * its string, so every id reads back exactly as it was written.
 */
export class EventIdColumn {
  private words = new Uint32Array(64);
  private readonly other = new Map<number, string>();

  set(row: number, id: string): void {
    if ((row + 1) * 4 > this.words.length) this.words = grown(this.words, nextCapacity(row + 1) * 4, (n) => new Uint32Array(n));
    if (UUID.test(id)) {
      const hex = id.replaceAll('-', '');
      for (let k = 0; k < 4; k++) this.words[row * 4 + k] = Number.parseInt(hex.slice(k * 8, k * 8 + 8), 16);
      this.other.delete(row);
    } else {
      this.other.set(row, id);
    }
  }

  /**
   * Writes the id's four words at out[at…at+3] for a digest; an id kept as a string writes -1s and is returned, for
   * the digest's text part. Returns null for a UUID.
   */
  writeCanonical(row: number, out: Float64Array, at: number): string | null {
    const other = this.other.get(row);
    for (let k = 0; k < 4; k++) out[at + k] = other === undefined ? this.words[row * 4 + k] : -1;
    return other ?? null;
  }

  /**
   * The first `rows` ids for a snapshot: their words lent as a view (a row's words are written once, when the row is
   * appended, and growing moves to a new array), the ids kept as strings copied.
   */
  capture(rows: number): { words: Uint32Array; other: [number, string][] } {
    return { words: this.words.subarray(0, rows * 4), other: [...this.other] };
  }

  static restore(rows: number, words: unknown, other: unknown): EventIdColumn {
    const column = new EventIdColumn();
    column.words = decodeColumn(words, rows * 4, 64, (n) => new Uint32Array(n), 'event id words');
    for (const entry of expectArray(other, 'event ids kept as text')) {
      const [row, id] = expectArray(entry, 'event id kept as text');
      const at = expectCount(row, 'event id row');
      if (at >= rows) throw new TrustSnapshotError(`event id row ${at} is beyond ${rows} facts`);
      column.other.set(at, expectString(id, 'event id'));
    }
    return column;
  }

  get(row: number): string {
    const other = this.other.get(row);
    if (other !== undefined) return other;
    const w = this.words;
    const b = row * 4;
    const [x, y, z, v] = [w[b], w[b + 1], w[b + 2], w[b + 3]];
    return `${hex16(x >>> 16)}${hex16(x)}-${hex16(y >>> 16)}-${hex16(y)}-${hex16(z >>> 16)}-${hex16(z)}${hex16(v >>> 16)}${hex16(v)}`;
  }
}

/** Numbers one fact writes into a digest: kind, both instants, stream order, fraction, the event id's four words. */
export const FACT_WORDS = 9;

/** Lifecycle facts, one row each, chained per owner in arrival order. */
export class FactTable {
  private capacity = 64;
  private n = 0;
  private kind = new Uint8Array(this.capacity);
  private recordedMs = new Float64Array(this.capacity);
  private businessMs = new Float64Array(this.capacity);
  private seq = new Float64Array(this.capacity);
  private fraction = new Float64Array(this.capacity);
  private next = new Int32Array(this.capacity);
  /** `next` is viewed by a snapshot being written: copied before its next change to a row the snapshot holds. */
  private nextLent = false;
  private eventIds = new EventIdColumn();

  get size(): number {
    return this.n;
  }

  /** Appends a fact after `tail` (NONE to start a chain) and returns its row. */
  push(fact: LifecycleFact, tail: number): number {
    if (this.n === this.capacity) this.grow();
    const row = this.n++;
    const code = KIND_CODE.get(fact.kind);
    if (code === undefined) throw new RangeError(`unknown lifecycle kind ${fact.kind}`);
    this.kind[row] = code;
    this.recordedMs[row] = fact.recordedMs;
    this.businessMs[row] = fact.businessMs;
    this.seq[row] = fact.seq;
    this.fraction[row] = fact.fraction;
    this.next[row] = NONE;
    this.eventIds.set(row, fact.eventId);
    if (tail !== NONE) {
      if (this.nextLent) {
        this.next = this.next.slice();
        this.nextLent = false;
      }
      this.next[tail] = row;
    }
    return row;
  }

  /** The chain from `head`, at most `limit` facts, as objects (built for one resolution, not kept). */
  chain(head: number, limit: number): LifecycleFact[] {
    const facts: LifecycleFact[] = [];
    for (let row = head; row !== NONE && facts.length < limit; row = this.next[row]) {
      facts.push({
        kind: KINDS[this.kind[row]],
        recordedMs: this.recordedMs[row],
        businessMs: this.businessMs[row],
        seq: this.seq[row],
        eventId: this.eventIds.get(row),
        fraction: this.fraction[row],
      });
    }
    return facts;
  }

  /**
   * Writes the chain for a digest, facts in recorded order (instant, then stream order), FACT_WORDS numbers each, at
   * out[at…]; ids kept as strings go to `text`. One stream's facts nearly always arrive in that order already, so the
   * sort is skipped unless they did not. Returns the offset after the last fact.
   */
  writeCanonical(head: number, limit: number, out: Float64Array, at: number, text: string[]): number {
    const rows: number[] = [];
    for (let row = head; row !== NONE && rows.length < limit; row = this.next[row]) rows.push(row);
    let ordered = true;
    for (let i = 1; i < rows.length && ordered; i++) ordered = this.before(rows[i - 1], rows[i]);
    if (!ordered) rows.sort((x, y) => this.recordedMs[x] - this.recordedMs[y] || this.seq[x] - this.seq[y]);
    let o = at;
    for (const row of rows) {
      out[o] = this.kind[row];
      out[o + 1] = this.recordedMs[row];
      out[o + 2] = this.businessMs[row];
      out[o + 3] = this.seq[row];
      out[o + 4] = this.fraction[row];
      const other = this.eventIds.writeCanonical(row, out, o + 5);
      if (other !== null) text.push(other);
      o += FACT_WORDS;
    }
    return o;
  }

  /**
   * The table as snapshot rows: `['facts', n, ids kept as text]`, then each column as a binary row. Nothing is copied:
   * rows below `n` are never written again except `next` (a chain's tail gains a successor), which is copied before
   * that write while a snapshot holds it, so the snapshot keeps the table as it was at the capture.
   */
  snapshotRows(): unknown[] {
    const n = this.n;
    this.nextLent = true;
    const ids = this.eventIds.capture(n);
    const columns = [this.kind, this.recordedMs, this.businessMs, this.seq, this.fraction, this.next].map((c) => c.subarray(0, n));
    return [['facts', n, ids.other], ...columns, ids.words];
  }

  static restore(rows: RowCursor): FactTable {
    const head = rows.tagged('facts');
    if (head.length !== 3) throw new TrustSnapshotError('the facts row is malformed');
    const n = expectCount(head[1], 'fact count');
    const table = new FactTable();
    const capacity = Math.max(64, n);
    table.kind = decodeColumn(rows.next('fact kinds'), n, capacity, (k) => new Uint8Array(k), 'fact kinds');
    for (let i = 0; i < n; i++) if (table.kind[i] >= KINDS.length) throw new TrustSnapshotError(`fact ${i} has an unknown kind`);
    table.recordedMs = decodeColumn(rows.next('fact recorded instants'), n, capacity, (k) => new Float64Array(k), 'fact recorded instants');
    table.businessMs = decodeColumn(rows.next('fact business instants'), n, capacity, (k) => new Float64Array(k), 'fact business instants');
    table.seq = decodeColumn(rows.next('fact stream orders'), n, capacity, (k) => new Float64Array(k), 'fact stream orders');
    table.fraction = decodeColumn(rows.next('fact fractions'), n, capacity, (k) => new Float64Array(k), 'fact fractions');
    table.next = decodeColumn(rows.next('fact chains'), n, capacity, (k) => new Int32Array(k), 'fact chains');
    expectRange(table.next, n, NONE, n, 'fact chain');
    for (let i = 0; i < n; i++) if (table.next[i] !== NONE && table.next[i] <= i) throw new TrustSnapshotError(`fact ${i} chains backwards`);
    table.eventIds = EventIdColumn.restore(n, rows.next('event id words'), head[2]);
    table.capacity = capacity;
    table.n = n;
    return table;
  }

  private before(x: number, y: number): boolean {
    return this.recordedMs[x] < this.recordedMs[y] || (this.recordedMs[x] === this.recordedMs[y] && this.seq[x] <= this.seq[y]);
  }

  private grow(): void {
    const c = nextCapacity(this.capacity);
    this.kind = grown(this.kind, c, (n) => new Uint8Array(n));
    this.recordedMs = grown(this.recordedMs, c, (n) => new Float64Array(n));
    this.businessMs = grown(this.businessMs, c, (n) => new Float64Array(n));
    this.seq = grown(this.seq, c, (n) => new Float64Array(n));
    this.fraction = grown(this.fraction, c, (n) => new Float64Array(n));
    this.next = grown(this.next, c, (n) => new Int32Array(n));
    // The grown copy is the table's own; a snapshot keeps viewing the old one.
    this.nextLent = false;
    this.capacity = c;
  }
}

/** A growable list of row numbers (commitments per obligor). */
export class RowList {
  private rows = new Int32Array(4);
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(row: number): void {
    if (this.n === this.rows.length) this.rows = grown(this.rows, nextCapacity(this.n), (n) => new Int32Array(n));
    this.rows[this.n++] = row;
  }

  at(i: number): number {
    return this.rows[i];
  }

  /** The rows for a snapshot, lent as a view: a list only appends, and growing moves to a new array. */
  capture(): Int32Array {
    return this.rows.subarray(0, this.n);
  }

  static restore(bytes: unknown, size: number, limit: number): RowList {
    const list = new RowList();
    list.rows = decodeColumn(bytes, size, 4, (n) => new Int32Array(n), 'rows of an obligor');
    expectRange(list.rows, size, 0, limit, 'row of an obligor');
    list.n = size;
    return list;
  }
}

/** Cities as small integers: an id is stored once, however many commitments name it. */
export class CityInterner {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];

  intern(id: string): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    return this.ids.length - 1;
  }

  /** The city's number, or undefined when the model never saw it. */
  find(id: string): number | undefined {
    return this.index.get(id);
  }

  id(index: number): string {
    return this.ids[index];
  }

  all(): readonly string[] {
    return this.ids;
  }

  static restore(ids: unknown): CityInterner {
    const interner = new CityInterner();
    for (const id of expectArray(ids, 'cities')) {
      const city = expectString(id, 'city');
      if (interner.index.has(city)) throw new TrustSnapshotError(`city ${city} is listed twice`);
      interner.intern(city);
    }
    return interner;
  }
}

/** What a commitment's CommitmentMade said, before the terms are derived (weight and lead come from the parameters). */
export interface CommitmentTermsRow {
  obligor: number;
  /** NONE when vertical. */
  obligeeCity: number;
  value: string;
  weight: number;
  dueMs: number;
  madeMs: number;
}

/** Commitments as rows: terms (once made) and the head and tail of their fact chain. */
export class CommitmentTable {
  private capacity = 64;
  private n = 0;
  private readonly byId = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly values: string[] = [];
  private sortedRows = new Int32Array(0);
  private hasTerms = new Uint8Array(this.capacity);
  private obligor = new Int32Array(this.capacity);
  private obligeeCity = new Int32Array(this.capacity);
  private weight = new Float64Array(this.capacity);
  private dueMs = new Float64Array(this.capacity);
  private madeMs = new Float64Array(this.capacity);
  private head = new Int32Array(this.capacity);
  private tail = new Int32Array(this.capacity);
  private count = new Int32Array(this.capacity);
  /** The columns are viewed by a snapshot being written: copied before the next change to a row it holds. */
  private lent = false;

  constructor(
    readonly facts: FactTable,
    private readonly cities: CityInterner,
    private readonly minLeadMs: number,
  ) {}

  get size(): number {
    return this.n;
  }

  /** The commitment's row, created (without terms) on first mention. */
  rowOf(commitmentId: string): number {
    const known = this.byId.get(commitmentId);
    if (known !== undefined) return known;
    if (this.n === this.capacity) this.grow();
    const row = this.n++;
    this.byId.set(commitmentId, row);
    this.ids.push(commitmentId);
    this.values.push('');
    this.hasTerms[row] = 0;
    this.head[row] = NONE;
    this.tail[row] = NONE;
    this.count[row] = 0;
    return row;
  }

  id(row: number): string {
    return this.ids[row];
  }

  factCount(row: number): number {
    return this.count[row];
  }

  setTerms(row: number, terms: CommitmentTermsRow): void {
    this.own();
    this.hasTerms[row] = 1;
    this.obligor[row] = terms.obligor;
    this.obligeeCity[row] = terms.obligeeCity;
    this.values[row] = terms.value;
    this.weight[row] = terms.weight;
    this.dueMs[row] = terms.dueMs;
    this.madeMs[row] = terms.madeMs;
  }

  hasTermsAt(row: number): boolean {
    return this.hasTerms[row] === 1;
  }

  /** The obligor's city number; meaningful only once the commitment has terms. */
  obligorOf(row: number): number {
    return this.obligor[row];
  }

  /** The obligee city's number, or NONE when vertical; meaningful only once the commitment has terms. */
  obligeeCityOf(row: number): number {
    return this.obligeeCity[row];
  }

  terms(row: number): CommitmentTerms | null {
    if (this.hasTerms[row] === 0) return null;
    const obligeeCity = this.obligeeCity[row] === NONE ? null : this.cities.id(this.obligeeCity[row]);
    const dueMs = this.dueMs[row];
    const madeMs = this.madeMs[row];
    return {
      commitmentId: this.ids[row],
      obligor: this.cities.id(this.obligor[row]),
      obligee: obligeeCity ?? COORDINATOR,
      obligeeCity,
      value: this.values[row],
      weight: this.weight[row],
      dueMs,
      madeMs,
      leadMs: Math.max(dueMs - madeMs, this.minLeadMs),
    };
  }

  addFact(row: number, fact: LifecycleFact): void {
    this.own();
    const added = this.facts.push(fact, this.tail[row]);
    if (this.head[row] === NONE) this.head[row] = added;
    this.tail[row] = added;
    this.count[row] += 1;
  }

  factsOf(row: number, limit: number): LifecycleFact[] {
    return this.facts.chain(this.head[row], limit);
  }

  /**
   * Rows sorted by commitment id (for the canonical state). The order is kept between calls: only the rows added since
   * are sorted and merged in, so repeated digests of a growing ledger cost O(n + k log k), not O(n log n).
   */
  rowsById(): Int32Array {
    if (this.sortedRows.length === this.n) return this.sortedRows;
    const ids = this.ids;
    const byId = (x: number, y: number): number => (ids[x] < ids[y] ? -1 : ids[x] > ids[y] ? 1 : 0);
    const added = Int32Array.from({ length: this.n - this.sortedRows.length }, (_, i) => this.sortedRows.length + i).sort(byId);
    const merged = new Int32Array(this.n);
    const old = this.sortedRows;
    let i = 0;
    let j = 0;
    for (let k = 0; k < merged.length; k++) merged[k] = j >= added.length || (i < old.length && byId(old[i], added[j]) <= 0) ? old[i++] : added[j++];
    this.sortedRows = merged;
    return merged;
  }

  /**
   * Feeds every commitment, in id order, into a digest without turning a number into text: the strings (id, parties,
   * value, ids that are not UUIDs) as text, the numbers (instants, kinds, fractions, UUID words) as the bytes of a
   * Float64Array (the platform's byte order: digests compare states on one machine), in blocks whose bounds depend
   * only on the content, so equal states give equal byte streams.
   */
  digestInto(hash: { update(data: string | Uint8Array): unknown }, limit: number): void {
    const numbers = new Float64Array(Math.max(DIGEST_BLOCK, 3 + limit * FACT_WORDS));
    const text: string[] = [];
    let at = 0;
    const flush = (): void => {
      hash.update(text.join('\n'));
      hash.update(new Uint8Array(numbers.buffer, 0, at * Float64Array.BYTES_PER_ELEMENT));
      text.length = 0;
      at = 0;
    };
    for (const row of this.rowsById()) {
      const facts = Math.min(this.count[row], limit);
      if (at + 3 + facts * FACT_WORDS > numbers.length) flush();
      const obligee = this.obligeeCity[row] === NONE ? COORDINATOR : this.cities.id(this.obligeeCity[row]);
      text.push(this.ids[row], this.hasTerms[row] === 0 ? '-' : `${this.cities.id(this.obligor[row])}|${obligee}|${this.values[row]}`);
      numbers[at] = this.hasTerms[row] === 0 ? Number.NaN : this.dueMs[row];
      numbers[at + 1] = this.hasTerms[row] === 0 ? Number.NaN : this.madeMs[row];
      numbers[at + 2] = facts;
      at = this.facts.writeCanonical(this.head[row], limit, numbers, at + 3, text);
    }
    flush();
  }

  /**
   * The table as snapshot rows: `['commitments', n, ids, values]` with the first COMMITMENT_IDS_PER_ROW ids and
   * values, `['commitments+', ids, values]` with each further run of them (copies: a value is replaced in place), then
   * each column as a binary row, lent rather than copied: the first change to an existing row after this copies the
   * columns (see `own`), so the snapshot keeps the table as it was at the capture. One row of all the ids (about 180,000
   * at a million events) took 78 ms to serialize in one piece, blocking the event loop that long.
   */
  snapshotRows(): unknown[] {
    const n = this.n;
    this.lent = true;
    const columns = [this.hasTerms, this.obligor, this.obligeeCity, this.weight, this.dueMs, this.madeMs, this.head, this.tail, this.count].map((c) => c.subarray(0, n));
    const first = Math.min(n, COMMITMENT_IDS_PER_ROW);
    const rows: unknown[] = [['commitments', n, this.ids.slice(0, first), this.values.slice(0, first)]];
    for (let from = first; from < n; from += COMMITMENT_IDS_PER_ROW) {
      const to = Math.min(n, from + COMMITMENT_IDS_PER_ROW);
      rows.push(['commitments+', this.ids.slice(from, to), this.values.slice(from, to)]);
    }
    return [...rows, ...columns];
  }

  /** Reads `snapshotRows`: the ids and values in one row (as written before they were split) or in several. */
  static restore(rows: RowCursor, facts: FactTable, cities: CityInterner, minLeadMs: number): CommitmentTable {
    const head = rows.tagged('commitments');
    if (head.length !== 4) throw new TrustSnapshotError('the commitments row is malformed');
    const n = expectCount(head[1], 'commitment count');
    const table = new CommitmentTable(facts, cities, minLeadMs);
    const take = (ids: unknown[], values: unknown[]): void => {
      if (values.length !== ids.length || table.ids.length + ids.length > n) throw new TrustSnapshotError(`commitment ids or values do not number ${n}`);
      ids.forEach((id, i) => {
        const text = expectString(id, 'commitment id');
        if (table.byId.has(text)) throw new TrustSnapshotError(`commitment ${text} is listed twice`);
        table.byId.set(text, table.ids.length);
        table.ids.push(text);
        table.values.push(expectString(values[i], 'commitment value'));
      });
    };
    take(expectArray(head[2], 'commitment ids'), expectArray(head[3], 'commitment values'));
    // Each turn takes one row and at least one id (or throws), so this ends by n rows at the latest.
    while (table.ids.length < n) {
      const more = rows.tagged('commitments+');
      if (more.length !== 3) throw new TrustSnapshotError('a commitments+ row is malformed');
      const ids = expectArray(more[1], 'commitment ids');
      if (ids.length === 0) throw new TrustSnapshotError('a commitments+ row lists no commitment');
      take(ids, expectArray(more[2], 'commitment values'));
    }
    const capacity = Math.max(64, n);
    const ints = (what: string): Int32Array<ArrayBuffer> => decodeColumn(rows.next(what), n, capacity, (k) => new Int32Array(k), what);
    const floats = (what: string): Float64Array<ArrayBuffer> => decodeColumn(rows.next(what), n, capacity, (k) => new Float64Array(k), what);
    table.hasTerms = decodeColumn(rows.next('commitment terms flags'), n, capacity, (k) => new Uint8Array(k), 'commitment terms flags');
    table.obligor = ints('commitment obligors');
    table.obligeeCity = ints('commitment obligees');
    table.weight = floats('commitment weights');
    table.dueMs = floats('commitment due instants');
    table.madeMs = floats('commitment made instants');
    table.head = ints('commitment fact heads');
    table.tail = ints('commitment fact tails');
    table.count = ints('commitment fact counts');
    const cityCount = cities.all().length;
    for (let i = 0; i < n; i++) {
      if (table.hasTerms[i] > 1) throw new TrustSnapshotError(`commitment ${i} has a bad terms flag`);
      if (table.hasTerms[i] === 1) {
        if (table.obligor[i] < 0 || table.obligor[i] >= cityCount) throw new TrustSnapshotError(`commitment ${i} names an unknown obligor`);
        if (table.obligeeCity[i] < NONE || table.obligeeCity[i] >= cityCount) throw new TrustSnapshotError(`commitment ${i} names an unknown obligee`);
        expectFinite(table.dueMs[i], 'commitment due instant');
        expectFinite(table.madeMs[i], 'commitment made instant');
      }
    }
    expectRange(table.head, n, NONE, facts.size, 'commitment fact head');
    expectRange(table.tail, n, NONE, facts.size, 'commitment fact tail');
    expectRange(table.count, n, 0, 2 ** 31 - 1, 'commitment fact count');
    table.capacity = capacity;
    table.n = n;
    return table;
  }

  /** Copies the columns a snapshot still views, before a row it holds changes. */
  private own(): void {
    if (!this.lent) return;
    this.hasTerms = this.hasTerms.slice();
    this.obligor = this.obligor.slice();
    this.obligeeCity = this.obligeeCity.slice();
    this.weight = this.weight.slice();
    this.dueMs = this.dueMs.slice();
    this.madeMs = this.madeMs.slice();
    this.head = this.head.slice();
    this.tail = this.tail.slice();
    this.count = this.count.slice();
    this.lent = false;
  }

  private grow(): void {
    const c = nextCapacity(this.capacity);
    this.hasTerms = grown(this.hasTerms, c, (n) => new Uint8Array(n));
    this.obligor = grown(this.obligor, c, (n) => new Int32Array(n));
    this.obligeeCity = grown(this.obligeeCity, c, (n) => new Int32Array(n));
    this.weight = grown(this.weight, c, (n) => new Float64Array(n));
    this.dueMs = grown(this.dueMs, c, (n) => new Float64Array(n));
    this.madeMs = grown(this.madeMs, c, (n) => new Float64Array(n));
    this.head = grown(this.head, c, (n) => new Int32Array(n));
    this.tail = grown(this.tail, c, (n) => new Int32Array(n));
    this.count = grown(this.count, c, (n) => new Int32Array(n));
    this.lent = false;
    this.capacity = c;
  }
}

export const NO_CITY = NONE;
