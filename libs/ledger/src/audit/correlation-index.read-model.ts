import type { RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';

export const CORRELATION_INDEX_READ_MODEL = 'audit.correlations';

const isDecimal = (value: unknown): value is string => typeof value === 'string' && /^(0|[1-9]\d{0,30})$/.test(value);

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

interface Entry {
  positions: bigint[];
  /** Events seen under the id, including those beyond maxPositionsPerCorrelation. */
  count: number;
  /** Created after an id was forgotten: this id may be one that was, so its earlier events may be missing. */
  afterForgetting: boolean;
}

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

/**
 * Which global positions carry each correlation id (metadata.correlationId): the index behind
 * GET /audit/correlations/:id/events. Bounded: at most maxCorrelations ids, forgotten oldest first, and the lookup
 * says from which position on the index is complete.
 */
export class CorrelationIndexReadModel implements ReadModel {
  readonly name = CORRELATION_INDEX_READ_MODEL;
  readonly version = 1;
  private readonly entries = new Map<string, Entry>();
  /**
   * Ids in first-seen order, the order they are forgotten in. A queue rather than the Map's own first key: V8 leaves a
   * hole per deleted Map entry until it rehashes, so taking the first key of a Map whose oldest entries keep being
   * deleted walks those holes every time (most of a 1M-event replay went there).
   */
  private order: string[] = [];
  private orderHead = 0;
  private indexedFrom = 0n;

  constructor(private readonly limits: CorrelationIndexLimits = CORRELATION_INDEX_LIMITS) {}

  apply(event: RecordedEvent): void {
    const id = event.metadata.correlationId;
    if (typeof id !== 'string' || id === '') return;
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { positions: [], count: 0, afterForgetting: this.indexedFrom > 0n };
      this.entries.set(id, entry);
      this.order.push(id);
      if (this.entries.size > this.limits.maxCorrelations) this.forgetOldest();
    }
    entry.count += 1;
    if (entry.positions.length < this.limits.maxPositionsPerCorrelation) entry.positions.push(event.position);
  }

  lookup(correlationId: string): CorrelationLookup {
    const entry = this.entries.get(correlationId);
    if (entry === undefined) return { positions: [], complete: this.indexedFrom === 0n, indexedFrom: this.indexedFrom };
    return { positions: entry.positions, complete: entry.count === entry.positions.length && !entry.afterForgetting, indexedFrom: this.indexedFrom };
  }

  canonicalState(): unknown {
    return {
      indexedFrom: this.indexedFrom.toString(),
      correlations: [...this.entries.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, e]) => ({ id, count: e.count, afterForgetting: e.afterForgetting, positions: e.positions.map(String) })),
    };
  }

  /**
   * Rows: first `[indexedFrom]`, then `[id, count, afterForgetting, positions]` per id in first-seen order, which is
   * the order ids are forgotten in. The positions array grows in place, so it is copied (as decimal text).
   */
  snapshot(): unknown {
    const rows: unknown[] = [[this.indexedFrom.toString()]];
    for (const [id, e] of this.entries) rows.push([id, e.count, e.afterForgetting, e.positions.map(String)]);
    return rows;
  }

  restore(state: unknown): void {
    if (this.entries.size > 0) throw new Error(`${this.name}: snapshot restored into an index that already has entries`);
    if (!Array.isArray(state) || state.length < 1 || state.length > this.limits.maxCorrelations + 1) throw new Error(`${this.name}: snapshot is not a list of at most ${this.limits.maxCorrelations} ids`);
    const rows = state as unknown[];
    const head = rows[0];
    if (!Array.isArray(head) || head.length !== 1 || !isDecimal(head[0])) throw new Error(`${this.name}: snapshot does not start with indexedFrom`);
    const restored = new Map<string, Entry>();
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== 4) throw new Error(`${this.name}: snapshot row ${i} is not a tuple of 4`);
      const [id, count, afterForgetting, positions] = row as unknown[];
      if (typeof id !== 'string' || id === '' || !Number.isSafeInteger(count) || typeof afterForgetting !== 'boolean' || !Array.isArray(positions)) {
        throw new Error(`${this.name}: snapshot row ${i} is malformed`);
      }
      if (positions.length > this.limits.maxPositionsPerCorrelation || !positions.every(isDecimal)) throw new Error(`${this.name}: positions of ${id} are malformed`);
      restored.set(id, { positions: (positions as string[]).map((p) => BigInt(p)), count: count as number, afterForgetting });
    }
    for (const [id, entry] of restored) this.entries.set(id, entry);
    this.order = [...restored.keys()];
    this.orderHead = 0;
    this.indexedFrom = BigInt(head[0] as string);
  }

  /** Forgets the id first seen longest ago. */
  private forgetOldest(): void {
    if (this.orderHead >= this.order.length) return;
    const id = this.order[this.orderHead++];
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    const last = entry.positions.at(-1);
    // Every event after the forgotten id's last one is still indexed.
    if (last !== undefined && last + 1n > this.indexedFrom) this.indexedFrom = last + 1n;
  }
}
