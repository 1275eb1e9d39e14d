import { hash } from 'node:crypto';
import { dropOldest } from '../../event-store/src/shared/bounded-map.js';
import { fastCanonicalJson } from '../../event-store/src/shared/canonical.js';
import type { RecordedEvent } from '../../event-store/src/port.js';
import type { ReadModel } from '../../projections/src/read-model.js';
import { IDEMPOTENCY_RECORDED, type IdempotencyRecordedData } from './execute-command.js';
import type { WriteAcknowledgement } from './acknowledgement.js';

/** What the log remembers of the first request made under an idempotency key. */
export interface IdempotencyRecord {
  requestHash: string | null;
  acknowledgement: WriteAcknowledgement;
}

/**
 * Keys remembered; beyond this the oldest are forgotten, an eighth at a time (a client retries within minutes, not after
 * a million writes).
 */
export const MAX_REMEMBERED_KEYS = 1_000_000;

export const IDEMPOTENCY_READ_MODEL = 'ledger.idempotency-keys';

/**
 * SHA-256 over the request as the client sent it and who sent it: a key reused for anything else is refused. The
 * canonical JSON is integrity.ts's (fastCanonicalJson is held equal to it by a property test): hashes recorded in the
 * log must stay what they were.
 */
export function requestHash(request: { method: string; path: string; body: unknown; actor: string }): string {
  const body = request.body === undefined ? null : request.body;
  return hash('sha256', fastCanonicalJson({ method: request.method.toUpperCase(), path: request.path, body, actor: request.actor }), 'hex');
}

const isDecimalOrNull = (value: unknown): value is string | null => value === null || (typeof value === 'string' && /^(0|[1-9]\d{0,30})$/.test(value));

/**
 * Idempotency keys as recorded in the events' metadata. Because it is built from the log, the keys (and the first
 * answer to each) survive restarts without a table of their own.
 */
export class IdempotencyKeysReadModel implements ReadModel {
  readonly name = IDEMPOTENCY_READ_MODEL;
  /**
   * 2: beyond the bound, the oldest eighth is forgotten at once (one at a time in 1). Past a million keys the two keep
   * different sets, so a snapshot of version 1 is rebuilt rather than continued the new way.
   */
  readonly version = 2;
  private readonly records = new Map<string, IdempotencyRecord>();

  constructor(private readonly maxKeys: number = MAX_REMEMBERED_KEYS) {}

  apply(event: RecordedEvent): void {
    const key = event.metadata.idempotencyKey;
    if (key === undefined || key === null) return;
    const known = this.records.get(key);
    // Only the first request's events define the answer; later events under the key belong to the same append.
    if (known !== undefined && known.acknowledgement.stream !== this.streamOf(event)) return;
    this.records.set(key, { requestHash: event.metadata.requestHash ?? null, acknowledgement: this.acknowledgementOf(event) });
    if (known === undefined) dropOldest(this.records, this.maxKeys);
  }

  find(key: string): IdempotencyRecord | undefined {
    return this.records.get(key);
  }

  canonicalState(): unknown {
    return [...this.records.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, record]) => ({ key, requestHash: record.requestHash, ...record.acknowledgement }));
  }

  /**
   * Rows `[key, requestHash, stream, revision, position]` in the order the keys were first seen: that order decides
   * which key is forgotten first, so a restored index forgets exactly as a rebuilt one would.
   */
  snapshot(): unknown {
    return [...this.records.entries()].map(([key, r]) => [key, r.requestHash, r.acknowledgement.stream, r.acknowledgement.revision, r.acknowledgement.position]);
  }

  restore(state: unknown): void {
    if (this.records.size > 0) throw new Error(`${this.name}: snapshot restored into a model that already has keys`);
    if (!Array.isArray(state) || state.length > this.maxKeys) throw new Error(`${this.name}: snapshot is not a list of at most ${this.maxKeys} keys`);
    const restored = new Map<string, IdempotencyRecord>();
    for (const row of state as unknown[]) {
      if (!Array.isArray(row) || row.length !== 5) throw new Error(`${this.name}: snapshot row is not a tuple of 5`);
      const [key, hash, stream, revision, position] = row as unknown[];
      if (typeof key !== 'string' || (hash !== null && typeof hash !== 'string') || typeof stream !== 'string' || !isDecimalOrNull(revision) || !isDecimalOrNull(position)) {
        throw new Error(`${this.name}: snapshot row of key ${String(key)} is malformed`);
      }
      restored.set(key, { requestHash: hash, acknowledgement: { stream, revision, position } });
    }
    for (const [key, record] of restored) this.records.set(key, record);
  }

  private streamOf(event: RecordedEvent): string {
    return event.type === IDEMPOTENCY_RECORDED ? (event.data as IdempotencyRecordedData).stream : event.stream;
  }

  private acknowledgementOf(event: RecordedEvent): WriteAcknowledgement {
    if (event.type === IDEMPOTENCY_RECORDED) {
      const data = event.data as IdempotencyRecordedData;
      return { stream: data.stream, revision: data.revision, position: event.position.toString() };
    }
    return { stream: event.stream, revision: event.revision.toString(), position: event.position.toString() };
  }
}
