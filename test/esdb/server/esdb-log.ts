import { decideAppend, type ExistingEvent } from '../../../libs/event-store/src/shared/append.js';
import type { ExpectedRevision } from '../../../libs/event-store/src/port.js';

/** One record of the test server's transaction log, as EventStoreDB stores it. */
export interface LogRecord {
  id: string;
  stream: string;
  revision: bigint;
  /** Byte offset of the record in the log: increasing, with gaps, as in EventStoreDB's chunks. */
  position: bigint;
  type: string;
  contentType: string;
  /** Ticks of 100 ns since the Unix epoch, the unit of EventStoreDB's `created` property. */
  createdTicks: bigint;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export interface ProposedRecord {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export type AppendOutcome =
  | { kind: 'written'; revision: bigint; position: bigint }
  | { kind: 'conflict'; expected: ExpectedRevision; current: bigint | null };

/** Fixed per-record overhead, so positions grow like a real log's byte offsets rather than by one. */
const RECORD_HEADER_BYTES = 93n;
/** EventStoreDB's log does not start at zero (the first chunk opens with epoch records). */
const FIRST_POSITION = 1_024n;
const TICKS_PER_MS = 10_000n;

interface StreamState {
  records: LogRecord[];
  byId: Map<string, LogRecord>;
}

/**
 * The test server's in-memory log with EventStoreDB's semantics: optimistic concurrency on the stream revision,
 * idempotent repeats of the same event ids, and a single `$all` order whose positions are byte offsets (gapped).
 * It outlives server restarts, like the data directory of a real node.
 */
export class EsdbLog {
  private readonly all: LogRecord[] = [];
  private readonly streams = new Map<string, StreamState>();
  private nextPosition = FIRST_POSITION;
  private readonly listeners = new Set<() => void>();

  append(stream: string, expected: ExpectedRevision, proposed: readonly ProposedRecord[]): AppendOutcome {
    const state = this.streams.get(stream);
    const current = state ? BigInt(state.records.length - 1) : null;
    const existing = proposed.map((p): ExistingEvent | undefined => state?.byId.get(p.id.toLowerCase()));
    let decision: ReturnType<typeof decideAppend>;
    try {
      decision = decideAppend(stream, expected, current, existing);
    } catch {
      return { kind: 'conflict', expected, current };
    }
    if (decision.kind === 'already_written') {
      return { kind: 'written', revision: decision.revision, position: decision.position };
    }
    const target = state ?? { records: [], byId: new Map<string, LogRecord>() };
    this.streams.set(stream, target);
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MS;
    let last: LogRecord | undefined;
    for (const p of proposed) {
      const record: LogRecord = {
        id: p.id.toLowerCase(),
        stream,
        revision: BigInt(target.records.length),
        position: this.nextPosition,
        type: p.type,
        contentType: p.contentType,
        createdTicks,
        data: p.data,
        customMetadata: p.customMetadata,
      };
      this.nextPosition += RECORD_HEADER_BYTES + BigInt(p.data.length + p.customMetadata.length + p.type.length);
      target.records.push(record);
      target.byId.set(record.id, record);
      this.all.push(record);
      last = record;
    }
    for (const listener of this.listeners) listener();
    if (last === undefined) throw new Error('an append carries at least one event');
    return { kind: 'written', revision: last.revision, position: last.position };
  }

  streamRecords(stream: string): readonly LogRecord[] | undefined {
    return this.streams.get(stream)?.records;
  }

  /** Index of the first record at or after `position` in the `$all` order. */
  indexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.all[mid] as LogRecord).position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  recordAt(index: number): LogRecord | undefined {
    return this.all[index];
  }

  get size(): number {
    return this.all.length;
  }

  /** Called after every write; returns the function that stops listening. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
