/**
 * Appends what the real deciders decide, without Nest or HTTP: for each command it folds the stream's state (kept in
 * memory, so a stream is never re-read), decides, appends the events with the expected revision and deterministic
 * ids, evolves the state and feeds the recorded events to in-process read models (the balances the treasury's
 * contexts come from). A refusal throws the decider's DomainError and writes nothing.
 */
import type { Actor as PartyActor } from '../../../domain/src/governance/common.js';
import { DEADLINE_PROCESS } from '../../../domain/src/governance/commitment.js';
import type { Decider, DomainEvent } from '../../../domain/src/shared/decider.js';
import { instant } from '../../../domain/src/shared/time.js';
import type { FakeClock } from '../../../event-store/src/clock.js';
import { canonicalJson, eventHash, GENESIS_HASH } from '../../../event-store/src/integrity.js';
import type { EventMetadata, EventStore, ProposedEvent, RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { metadataFor, type Actor } from '../context.js';
import { Prng } from './random.js';

/** Who issues a command, as the events' metadata records it. */
export interface Issuer {
  actor: Actor;
}

/** An issuer of governance commands: also who the deciders see acting (`by`). */
export interface GovernanceIssuer extends Issuer {
  party: PartyActor;
}

export const issuers = {
  admin: (): GovernanceIssuer => ({ party: { kind: 'admin', id: 'admin-demo' }, actor: { id: 'admin-demo', role: 'admin', scope: null } }),
  body: (bodyId: string): GovernanceIssuer => ({ party: { kind: 'body', id: bodyId }, actor: { id: `coordinator-${bodyId}`, role: 'coordinator', scope: { kind: 'body', id: bodyId } } }),
  city: (cityId: string): GovernanceIssuer => ({ party: { kind: 'city', id: cityId }, actor: { id: `officer-${cityId}`, role: 'city-officer', scope: { kind: 'city', id: cityId } } }),
  /** A finance officer of a city or of a body's fund (compensation deciders take no party; the metadata names the scope). */
  finance: (kind: 'city' | 'fund', id: string): Issuer => ({ actor: { id: `finance-${kind}-${id}`, role: 'finance-officer', scope: { kind, id } } }),
  deadlines: (): GovernanceIssuer => ({ party: DEADLINE_PROCESS, actor: { id: 'system:deadlines', role: 'system', scope: null } }),
} as const;

interface StreamEntry {
  state: unknown;
  revision: bigint | null;
}

export interface WriterOptions {
  seed: number;
  /**
   * The store's clock, when the caller made the store with it: set to each append's recording instant, so that
   * recordedAt (and with it every hash) is deterministic. Without it the store's own clock stamps the events.
   */
  clock: FakeClock | null;
  /** Fed every recorded event, in order (in process, not through a subscription). */
  readModels: readonly ReadModel[];
  /** Minimum step of the recording instant between two appends. */
  recordStepMs?: number;
}

/** Most events one decision may produce before the writer refuses it (deciders produce one or two). */
const MAX_EVENTS_PER_DECISION = 64;

export class LedgerWriter {
  private readonly streams = new Map<string, StreamEntry>();
  private readonly ids: Prng;
  private readonly clock: FakeClock | null;
  private readonly readModels: readonly ReadModel[];
  private readonly recordStepMs: number;
  private recordedMs = Number.NEGATIVE_INFINITY;
  private nextPosition = 0n;
  private headHash: string = GENESIS_HASH;
  /** Events appended by this writer. */
  appended = 0;
  /** Commands decided (including those that produced nothing). */
  commands = 0;
  readonly byType = new Map<string, number>();

  private constructor(
    private readonly store: EventStore,
    options: WriterOptions,
  ) {
    this.ids = new Prng(options.seed);
    this.clock = options.clock;
    this.readModels = options.readModels;
    this.recordStepMs = options.recordStepMs ?? 1000;
  }

  /** A writer for an empty store: generated streams must not collide with history it does not know. */
  static async open(store: EventStore, options: WriterOptions): Promise<LedgerWriter> {
    const head = await store.headPosition();
    if (head !== null) throw new Error(`the store already holds ${head + 1n} events; generated ledgers are written into an empty store only`);
    return new LedgerWriter(store, options);
  }

  /** The ledger clock's now for a command that happened at `occurredAtMs`: a little later, never earlier than the last. */
  nowFor(occurredAtMs: number): number {
    return Math.max(occurredAtMs + this.recordStepMs, this.recordedMs + this.recordStepMs);
  }

  /** The decider state of `stream` as this writer has it (initial when it wrote nothing there). */
  stateOf<S>(stream: string, decider: Decider<unknown, DomainEvent, S>): S {
    const entry = this.streams.get(stream);
    // The entry of a stream is only ever written by `execute` with this same stream's decider.
    return entry === undefined ? decider.initialState() : (entry.state as S);
  }

  /** Drops a stream's state once nothing more will be decided on it (bounds memory on large runs). */
  forget(stream: string): void {
    this.streams.delete(stream);
  }

  /**
   * Decides `build(nowMs)` against the stream's state and appends the result. Returns the events (none: a no-op).
   * Throws the decider's DomainError on a refusal; nothing is written then.
   */
  async execute<C, E extends DomainEvent, S>(stream: string, decider: Decider<C, E, S>, issuer: Issuer, occurredAtMs: number, build: (nowMs: number) => C): Promise<E[]> {
    const entry = this.streams.get(stream);
    // See stateOf: the entry was written with this stream's decider.
    const state = entry === undefined ? decider.initialState() : (entry.state as S);
    const nowMs = this.nowFor(occurredAtMs);
    this.commands++;
    const events = decider.decide(build(nowMs), state);
    if (events.length === 0) return events;
    if (events.length > MAX_EVENTS_PER_DECISION) throw new RangeError(`a decision on ${stream} produced ${events.length} events`);
    const metadata = metadataFor({ actor: issuer.actor, correlationId: this.ids.uuid() });
    const proposed: ProposedEvent[] = events.map((e) => ({ id: this.ids.uuid(), type: e.type, data: e.data, metadata }));
    const expected = entry === undefined || entry.revision === null ? 'no_stream' : entry.revision;
    this.clock?.set(nowMs);
    const result = await this.store.appendToStream(stream, proposed, expected);
    this.recordedMs = nowMs;
    let next = state;
    for (const e of events) next = decider.evolve(next, e);
    this.streams.set(stream, { state: next, revision: result.nextExpectedRevision });
    const firstPosition = result.position - BigInt(events.length - 1);
    if (firstPosition !== this.nextPosition) throw new Error(`the store placed ${stream} at ${firstPosition}, the writer expected ${this.nextPosition}: another writer is appending`);
    const recorded = this.clock === null ? await this.readBack(firstPosition, events.length) : this.record(proposed, stream, result.nextExpectedRevision, firstPosition, instant(nowMs), metadata);
    for (const r of recorded) {
      for (const model of this.readModels) model.apply(r);
      this.byType.set(r.type, (this.byType.get(r.type) ?? 0) + 1);
    }
    this.nextPosition = result.position + 1n;
    this.appended += events.length;
    return events;
  }

  /** The hash of the last event written, as the chain computes it (known only when this writer sets the clock). */
  chainHead(): string | null {
    return this.clock === null || this.appended === 0 ? null : this.headHash;
  }

  private record(proposed: readonly ProposedEvent[], stream: string, lastRevision: bigint, firstPosition: bigint, recordedAt: string, metadata: EventMetadata): RecordedEvent[] {
    const firstRevision = lastRevision - BigInt(proposed.length - 1);
    const metadataJson = canonicalJson(metadata);
    return proposed.map((p, i) => {
      const revision = firstRevision + BigInt(i);
      const position = firstPosition + BigInt(i);
      const hash = eventHash(this.headHash, { id: p.id, type: p.type, stream, revision, position, recordedAt, dataJson: canonicalJson(p.data), metadataJson });
      this.headHash = hash;
      return { id: p.id, type: p.type, stream, revision, position, recordedAt, data: p.data, metadata, hash };
    });
  }

  private async readBack(firstPosition: bigint, count: number): Promise<RecordedEvent[]> {
    const page = await this.store.readAll({ after: firstPosition === 0n ? 'start' : firstPosition - 1n, maxCount: count });
    if (page.events.length !== count) throw new Error(`read back ${page.events.length} of ${count} events at ${firstPosition}`);
    const last = page.events[page.events.length - 1];
    if (last !== undefined) this.headHash = last.hash;
    return page.events;
  }
}
