import { endianness } from 'node:os';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';

export const CORRELATION_INDEX_READ_MODEL = 'audit.correlations';

/** The first row of a snapshot says which layout the rows after it have. */
export const CORRELATION_SNAPSHOT_FORMAT = 'correlation-log/3';

export interface CorrelationIndexLimits {
  maxCorrelations: number;
  maxPositionsPerCorrelation: number;
}

export const CORRELATION_INDEX_LIMITS: CorrelationIndexLimits = {
  /** Correlation ids remembered; the oldest (by first event) is forgotten beyond it. */
  maxCorrelations: 200_000,
  /** Positions remembered per correlation id (one request appends at most one batch, ≤ 10,000 events). */
  maxPositionsPerCorrelation: 10_000,
};

export interface CorrelationLookup {
  /** Positions of the id's events, ascending (at most maxPositionsPerCorrelation). */
  positions: readonly bigint[];
  /**
   * False when the index cannot vouch for the whole list: the id had more events than it keeps, or ids were
   * forgotten before it was (re)indexed and this one may have been among them.
   */
  complete: boolean;
  /** Every event at or after this position is in the index, up to each id's cap (0 while nothing was forgotten). */
  indexedFrom: bigint;
}

/** The first row of a snapshot; the rows after it are the ids (JSON), then the log's owners and positions (binary). */
export interface CorrelationSnapshotHeader {
  format: typeof CORRELATION_SNAPSHOT_FORMAT;
  /** Byte order of the binary rows (the machine's): a snapshot taken on a machine of the other order is rebuilt. */
  byteOrder: 'LE' | 'BE';
  indexedFrom: string;
  /** Sequence number of the first id in the id rows; the log names ids by sequence number. */
  firstSeq: number;
  /** Ids remembered, in first-seen order, over ⌈entries / 10,000⌉ rows. */
  entries: number;
  /** Index (among the entries) of the first id indexed after an id was forgotten; `entries` when there is none. */
  afterForgettingFrom: number;
  /** `[entry index, events beyond its kept positions]` for the ids that reached maxPositionsPerCorrelation. */
  beyondKept: Array<[number, number]>;
  /** Records in the two binary rows (float64 sequence numbers; uint64 positions), ascending by position. */
  records: number;
}

const DECIMAL = /^(0|[1-9]\d{0,19})$/;
const MAX_POSITION = 2n ** 64n - 1n;
/**
 * Ids per snapshot row: few enough that a row's JSON text (an id is about 40 bytes) stays under V8's 128 KiB regular
 * object size and dies young once written, instead of waiting in old space for the next full collection. The restore
 * reads rows of this size: changing it changes the snapshot's version.
 */
const IDS_PER_ROW = 2_500;
/** The log's record indices are int32. */
const MAX_RECORDS = 2 ** 31 - 1;
const INITIAL_RECORDS = 1024;
const INITIAL_SLOTS = 256;
/** Below this many records of forgotten ids the log is not worth compacting. */
const MIN_GARBAGE = 4096;
const BYTE_ORDER: 'LE' | 'BE' = endianness();
/** Which of a position's two uint32 words (in the log's word view) is the low one, in this machine's order. */
const LO = BYTE_ORDER === 'LE' ? 0 : 1;
const HI = 1 - LO;

/** One row of ids, turned into JSON in the snapshot writer's slices rather than in the capture. */
class IdRow {
  constructor(
    private readonly ids: readonly string[],
    private readonly from: number,
    private readonly to: number,
  ) {}

  toJSON(): string[] {
    return this.ids.slice(this.from, this.to);
  }
}

function doubled(column: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(column.length * 2);
  grown.set(column);
  return grown;
}

/** Thrown by `restore` for a snapshot it does not recognise; the model is still fresh and is rebuilt from the log. */
export class CorrelationSnapshotRejected extends Error {
  constructor(reason: string) {
    super(`${CORRELATION_INDEX_READ_MODEL}: snapshot rejected: ${reason}`);
    this.name = 'CorrelationSnapshotRejected';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
const isCount = (value: unknown, max: number): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;

/**
 * The bytes of a binary row (a Buffer read from the file, or the typed array a capture lent), copied 8-byte aligned
 * into `capacity` records, so that the first events after a restore do not move the whole log at once.
 */
function alignedCopy(row: unknown, records: number, capacity: number, what: string): ArrayBuffer {
  if (!ArrayBuffer.isView(row)) throw new CorrelationSnapshotRejected(`the ${what} row is not binary`);
  if (row.byteLength !== records * 8) throw new CorrelationSnapshotRejected(`the ${what} row has ${row.byteLength} bytes, not ${records * 8}`);
  const copy = new ArrayBuffer(capacity * 8);
  new Uint8Array(copy).set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
  return copy;
}

function readHeader(row: unknown, limits: CorrelationIndexLimits): CorrelationSnapshotHeader {
  if (!isRecord(row)) throw new CorrelationSnapshotRejected('the first row is not a header');
  const keys = Object.keys(row).sort().join(',');
  if (keys !== 'afterForgettingFrom,beyondKept,byteOrder,entries,firstSeq,format,indexedFrom,records') throw new CorrelationSnapshotRejected(`the header has the fields ${keys}`);
  if (row.format !== CORRELATION_SNAPSHOT_FORMAT) throw new CorrelationSnapshotRejected(`format ${JSON.stringify(row.format)}`);
  if (row.byteOrder !== BYTE_ORDER) throw new CorrelationSnapshotRejected(`byte order ${JSON.stringify(row.byteOrder)}, this machine's is ${BYTE_ORDER}`);
  const { indexedFrom, firstSeq, entries, afterForgettingFrom, beyondKept, records } = row;
  if (typeof indexedFrom !== 'string' || !DECIMAL.test(indexedFrom) || BigInt(indexedFrom) > MAX_POSITION) throw new CorrelationSnapshotRejected('indexedFrom is not a position');
  if (!isCount(firstSeq, Number.MAX_SAFE_INTEGER)) throw new CorrelationSnapshotRejected('firstSeq is not a sequence number');
  if (!isCount(entries, limits.maxCorrelations)) throw new CorrelationSnapshotRejected(`entries is not a count of at most ${limits.maxCorrelations} ids`);
  if (!isCount(afterForgettingFrom, entries)) throw new CorrelationSnapshotRejected('afterForgettingFrom is not an entry index');
  // An id is marked when an id was forgotten before it was first seen, and forgetting moves indexedFrom up from 0.
  if (afterForgettingFrom < entries && indexedFrom === '0') throw new CorrelationSnapshotRejected('ids are marked as indexed after forgetting, but nothing was forgotten');
  if (!isCount(records, MAX_RECORDS)) throw new CorrelationSnapshotRejected('records is not a count');
  if (!Array.isArray(beyondKept) || beyondKept.length > entries) throw new CorrelationSnapshotRejected('beyondKept is not a list of at most one pair per entry');
  const beyond: Array<[number, number]> = [];
  for (const pair of beyondKept as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new CorrelationSnapshotRejected('beyondKept holds something other than pairs');
    const [index, extra] = pair as unknown[];
    const previous = beyond.at(-1)?.[0] ?? -1;
    if (!isCount(index, entries - 1) || index <= previous) throw new CorrelationSnapshotRejected('beyondKept names entries out of order or out of range');
    if (!isCount(extra, Number.MAX_SAFE_INTEGER - limits.maxPositionsPerCorrelation) || extra === 0) throw new CorrelationSnapshotRejected(`beyondKept counts ${String(extra)} events for entry ${index}`);
    beyond.push([index, extra]);
  }
  return { format: CORRELATION_SNAPSHOT_FORMAT, byteOrder: BYTE_ORDER, indexedFrom, firstSeq, entries, afterForgettingFrom, beyondKept: beyond, records };
}

/**
 * Which global positions carry each correlation id (metadata.correlationId): the index behind
 * GET /audit/correlations/:id/events. Bounded: at most maxCorrelations ids, forgotten oldest first, and the lookup
 * says from which position on the index is complete.
 *
 * Kept as an append-only log rather than a list per id, so that a snapshot is a few views taken in O(1): each id has
 * a sequence number (first-seen order, which is also the order ids are forgotten in), and every kept position is one
 * record (owner's sequence number, position) at the end of the log, linked to the owner's previous record by an index
 * that only the lookups use. Records of forgotten ids stay in the log until they are half of it, then the log is
 * compacted into new arrays; growing moves to new arrays too, so the bytes a capture lent are never rewritten.
 */
export class CorrelationIndexReadModel implements ReadModel {
  readonly name = CORRELATION_INDEX_READ_MODEL;
  /** 3: id rows of 2,500 (were 10,000). */
  readonly version = 3;
  private seqOf = new Map<string, number>();
  /**
   * Ids by sequence number − base. Only appended to: dropping the forgotten ids at its start makes a new array, so a
   * capture may keep this one and read it later. (A queue rather than the Map's own first key: V8 leaves a hole per
   * deleted Map entry until it rehashes, so taking the first key of a Map whose oldest entries keep being deleted
   * walks those holes every time.)
   */
  private ids: string[] = [];
  /** Sequence number of ids[0] and of slot 0 of the per-id columns. */
  private base = 0;
  /** Sequence number of the oldest id remembered. */
  private head = 0;
  /** Sequence number the next new id gets. */
  private tail = 0;
  /** Per id (slot = sequence number − base): positions kept, and its first and last record (-1: none). */
  private kept = new Int32Array(INITIAL_SLOTS);
  private first = new Int32Array(INITIAL_SLOTS);
  private last = new Int32Array(INITIAL_SLOTS);
  /** Events beyond maxPositionsPerCorrelation, by sequence number (only ids that reached the cap). */
  private beyondKept = new Map<number, number>();
  /** Ids from this sequence number on were first seen after an id was forgotten (indexedFrom only grows). */
  private afterForgettingFrom = Number.POSITIVE_INFINITY;
  private indexedFrom = 0n;
  /** The log: owner's sequence number and position per record, and the owner's next record (-1: none). */
  private logSeq = new Float64Array(INITIAL_RECORDS);
  private logPos = new BigUint64Array(INITIAL_RECORDS);
  private logNext = new Int32Array(INITIAL_RECORDS);
  private records = 0;
  /** Records of forgotten ids still in the log. */
  private garbage = 0;

  constructor(private readonly limits: CorrelationIndexLimits = CORRELATION_INDEX_LIMITS) {
    if (!Number.isSafeInteger(limits.maxCorrelations) || limits.maxCorrelations < 1) throw new RangeError('maxCorrelations must be a positive integer');
    if (!Number.isSafeInteger(limits.maxPositionsPerCorrelation) || limits.maxPositionsPerCorrelation < 1 || limits.maxPositionsPerCorrelation > MAX_RECORDS) {
      throw new RangeError(`maxPositionsPerCorrelation must be an integer from 1 to ${MAX_RECORDS}`);
    }
  }

  apply(event: RecordedEvent): void {
    const id = event.metadata.correlationId;
    if (typeof id !== 'string' || id === '') return;
    let seq = this.seqOf.get(id);
    if (seq === undefined) {
      seq = this.addId(id);
      if (this.tail - this.head > this.limits.maxCorrelations) this.forgetOldest();
    }
    const slot = seq - this.base;
    if (this.kept[slot] < this.limits.maxPositionsPerCorrelation) this.record(seq, slot, event.position);
    else this.beyondKept.set(seq, (this.beyondKept.get(seq) ?? 0) + 1);
  }

  lookup(correlationId: string): CorrelationLookup {
    const seq = this.seqOf.get(correlationId);
    if (seq === undefined) return { positions: [], complete: this.indexedFrom === 0n, indexedFrom: this.indexedFrom };
    const positions = this.positionsOf(seq);
    return { positions, complete: !this.beyondKept.has(seq) && seq < this.afterForgettingFrom, indexedFrom: this.indexedFrom };
  }

  canonicalState(): unknown {
    const correlations: Array<{ id: string; count: number; afterForgetting: boolean; positions: string[] }> = [];
    for (let seq = this.head; seq < this.tail; seq++) {
      const positions = this.positionsOf(seq);
      const count = positions.length + (this.beyondKept.get(seq) ?? 0);
      correlations.push({ id: this.ids[seq - this.base], count, afterForgetting: seq >= this.afterForgettingFrom, positions: positions.map(String) });
    }
    correlations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { indexedFrom: this.indexedFrom.toString(), correlations };
  }

  /**
   * Rows: a header (CorrelationSnapshotHeader), the ids in first-seen order in rows of 10,000 (made in the writer's
   * slices), then the log's sequence numbers and positions from the oldest remembered id's first record on, as views
   * of the log (nothing copied: the log is never rewritten in place).
   */
  snapshot(): unknown {
    const entries = this.tail - this.head;
    const from = this.head - this.base;
    const start = this.firstLiveRecord();
    const beyondKept: Array<[number, number]> = [];
    for (const [seq, extra] of this.beyondKept) beyondKept.push([seq - this.head, extra]);
    beyondKept.sort((a, b) => a[0] - b[0]);
    const header: CorrelationSnapshotHeader = {
      format: CORRELATION_SNAPSHOT_FORMAT,
      byteOrder: BYTE_ORDER,
      indexedFrom: this.indexedFrom.toString(),
      firstSeq: this.head,
      entries,
      afterForgettingFrom: Math.min(entries, Math.max(0, this.afterForgettingFrom - this.head)),
      beyondKept,
      records: this.records - start,
    };
    const rows: unknown[] = [header];
    for (let at = 0; at < entries; at += IDS_PER_ROW) rows.push(new IdRow(this.ids, from + at, from + Math.min(entries, at + IDS_PER_ROW)));
    rows.push(this.logSeq.subarray(start, this.records), this.logPos.subarray(start, this.records));
    return rows;
  }

  /**
   * Checks everything before it keeps anything: header, ids (non-empty, unique), and the log (known owners, first
   * records in first-seen order, positions ascending, at most maxPositionsPerCorrelation per id, beyondKept only for
   * ids at the cap). Records of ids forgotten before the capture are dropped. Throws CorrelationSnapshotRejected.
   */
  restore(state: unknown): void {
    if (this.tail !== 0) throw new Error(`${this.name}: snapshot restored into an index that already has entries`);
    if (!Array.isArray(state) || state.length === 0) throw new CorrelationSnapshotRejected('the snapshot is not a list of rows');
    const rows = state as unknown[];
    const header = readHeader(rows[0], this.limits);
    const { entries, records, firstSeq } = header;
    const idRows = Math.ceil(entries / IDS_PER_ROW);
    if (rows.length !== 1 + idRows + 2) throw new CorrelationSnapshotRejected(`${rows.length} rows where ${1 + idRows + 2} were due`);

    const ids: string[] = [];
    const seqOf = new Map<string, number>();
    for (let r = 0; r < idRows; r++) {
      const row = rows[1 + r];
      const expected = Math.min(IDS_PER_ROW, entries - r * IDS_PER_ROW);
      if (!Array.isArray(row) || row.length !== expected) throw new CorrelationSnapshotRejected(`id row ${r} does not hold ${expected} ids`);
      for (const id of row as unknown[]) {
        if (typeof id !== 'string' || id === '') throw new CorrelationSnapshotRejected(`id row ${r} holds something other than an id`);
        ids.push(id);
        seqOf.set(id, seqOf.size);
        if (seqOf.size !== ids.length) throw new CorrelationSnapshotRejected(`the id ${JSON.stringify(id)} appears twice`);
      }
    }

    const capacity = Math.min(MAX_RECORDS, Math.max(INITIAL_RECORDS, records + (records >> 2)));
    const seqs = new Float64Array(alignedCopy(rows[1 + idRows], records, capacity, 'sequence'));
    const positions = new BigUint64Array(alignedCopy(rows[2 + idRows], records, capacity, 'position'));
    const words = new Uint32Array(positions.buffer);
    const cap = this.limits.maxPositionsPerCorrelation;
    const slots = Math.max(INITIAL_SLOTS, entries + 1);
    const kept = new Int32Array(slots);
    const first = new Int32Array(slots).fill(-1);
    const last = new Int32Array(slots).fill(-1);
    const next = new Int32Array(capacity);
    let firstSeen = 0;
    let previousHi = -1;
    let previousLo = -1;
    let live = 0;
    // Renumbered from 0 and compacted in place (live ≤ r): only remembered ids' records are kept.
    for (let r = 0; r < records; r++) {
      const hi = words[2 * r + HI];
      const lo = words[2 * r + LO];
      if (hi < previousHi || (hi === previousHi && lo <= previousLo)) throw new CorrelationSnapshotRejected(`record ${r} is not after the one before it`);
      previousHi = hi;
      previousLo = lo;
      const seq = seqs[r] - firstSeq;
      if (!Number.isInteger(seq) || seqs[r] < 0 || seq >= entries) throw new CorrelationSnapshotRejected(`record ${r} belongs to no id`);
      if (seq < 0) continue;
      if (kept[seq] === 0) {
        if (seq !== firstSeen) throw new CorrelationSnapshotRejected(`record ${r} is the first of entry ${seq}, before entry ${firstSeen} was seen`);
        firstSeen += 1;
      }
      if (kept[seq] === cap) throw new CorrelationSnapshotRejected(`entry ${seq} has more than ${cap} positions`);
      kept[seq] += 1;
      seqs[live] = seq;
      words[2 * live + HI] = hi;
      words[2 * live + LO] = lo;
      next[live] = -1;
      if (last[seq] === -1) first[seq] = live;
      else next[last[seq]] = live;
      last[seq] = live;
      live += 1;
    }
    if (firstSeen !== entries) throw new CorrelationSnapshotRejected(`entry ${firstSeen} has no position`);
    const beyondKept = new Map<number, number>();
    for (const [index, extra] of header.beyondKept) {
      if (kept[index] !== cap) throw new CorrelationSnapshotRejected(`entry ${index} counts events beyond ${cap} positions but keeps ${kept[index]}`);
      beyondKept.set(index, extra);
    }

    this.seqOf = seqOf;
    this.beyondKept = beyondKept;
    this.ids = ids;
    this.base = 0;
    this.head = 0;
    this.tail = entries;
    this.kept = kept;
    this.first = first;
    this.last = last;
    this.afterForgettingFrom = header.afterForgettingFrom < entries ? header.afterForgettingFrom : Number.POSITIVE_INFINITY;
    this.indexedFrom = BigInt(header.indexedFrom);
    this.logSeq = seqs;
    this.logPos = positions;
    this.logNext = next;
    this.records = live;
    this.garbage = 0;
  }

  private positionsOf(seq: number): bigint[] {
    const positions: bigint[] = [];
    // At most maxPositionsPerCorrelation records are linked per id.
    for (let r = this.first[seq - this.base]; r !== -1; r = this.logNext[r]) positions.push(this.logPos[r]);
    return positions;
  }

  /**
   * Ids are first seen in sequence order, so no remembered id has a record before the oldest one's first. (The
   * oldest has none only when it is an id just added, whose first position is about to be recorded: then it is the
   * only one remembered.)
   */
  private firstLiveRecord(): number {
    if (this.tail === this.head) return this.records;
    const first = this.first[this.head - this.base];
    return first === -1 ? this.records : first;
  }

  /** A new id at the end of the queue; its columns are reset, the slot arrays shifted or grown when full. */
  private addId(id: string): number {
    if (this.tail - this.base === this.kept.length) {
      const dropped = this.head - this.base;
      if (dropped * 2 >= this.kept.length) {
        this.ids = this.ids.slice(dropped);
        this.kept.copyWithin(0, dropped);
        this.first.copyWithin(0, dropped);
        this.last.copyWithin(0, dropped);
        this.base = this.head;
      } else {
        this.kept = doubled(this.kept);
        this.first = doubled(this.first);
        this.last = doubled(this.last);
      }
    }
    const seq = this.tail++;
    const slot = seq - this.base;
    this.ids[slot] = id;
    this.kept[slot] = 0;
    this.first[slot] = -1;
    this.last[slot] = -1;
    this.seqOf.set(id, seq);
    if (this.afterForgettingFrom === Number.POSITIVE_INFINITY && this.indexedFrom > 0n) this.afterForgettingFrom = seq;
    return seq;
  }

  private record(seq: number, slot: number, position: bigint): void {
    if (position < 0n || position > MAX_POSITION) throw new RangeError(`${this.name}: position ${position} does not fit 64 bits`);
    if (this.records === this.logSeq.length) {
      if (this.records === MAX_RECORDS && this.garbage === 0) throw new RangeError(`${this.name}: the log holds ${MAX_RECORDS} records`);
      this.moveLog(Math.min(MAX_RECORDS, this.records * 2));
    }
    const r = this.records++;
    this.logSeq[r] = seq;
    this.logPos[r] = position;
    this.logNext[r] = -1;
    if (this.last[slot] === -1) this.first[slot] = r;
    else this.logNext[this.last[slot]] = r;
    this.last[slot] = r;
    this.kept[slot] += 1;
  }

  /** Forgets the id first seen longest ago. */
  private forgetOldest(): void {
    const seq = this.head++;
    const slot = seq - this.base;
    this.seqOf.delete(this.ids[slot]);
    this.beyondKept.delete(seq);
    this.garbage += this.kept[slot];
    const last = this.last[slot];
    // Every event after the forgotten id's last kept one is still indexed.
    if (last !== -1) {
      const after = this.logPos[last] + 1n;
      if (after > this.indexedFrom) this.indexedFrom = after;
    }
    if (this.garbage >= MIN_GARBAGE && this.garbage * 2 >= this.records) this.moveLog(Math.max(INITIAL_RECORDS, 2 * (this.records - this.garbage)));
  }

  /**
   * Copies the remembered ids' records into new arrays of `capacity` (never in place: a capture may still be reading
   * the old ones) and relinks them.
   */
  private moveLog(capacity: number): void {
    const seqs = new Float64Array(capacity);
    const positions = new BigUint64Array(capacity);
    const next = new Int32Array(capacity);
    const entries = this.tail - this.head;
    if (this.garbage === 0) {
      seqs.set(this.logSeq.subarray(0, this.records));
      positions.set(this.logPos.subarray(0, this.records));
      next.set(this.logNext.subarray(0, this.records));
    } else {
      const from = this.head - this.base;
      const start = this.firstLiveRecord();
      this.first.fill(-1, from, from + entries);
      this.last.fill(-1, from, from + entries);
      const words = new Uint32Array(this.logPos.buffer, this.logPos.byteOffset, this.logPos.length * 2);
      const into = new Uint32Array(positions.buffer);
      let live = 0;
      for (let r = start; r < this.records; r++) {
        const seq = this.logSeq[r];
        if (seq < this.head) continue;
        const slot = seq - this.base;
        seqs[live] = seq;
        into[2 * live] = words[2 * r];
        into[2 * live + 1] = words[2 * r + 1];
        next[live] = -1;
        if (this.last[slot] === -1) this.first[slot] = live;
        else next[this.last[slot]] = live;
        this.last[slot] = live;
        live += 1;
      }
      this.records = live;
      this.garbage = 0;
    }
    this.logSeq = seqs;
    this.logPos = positions;
    this.logNext = next;
  }
}
