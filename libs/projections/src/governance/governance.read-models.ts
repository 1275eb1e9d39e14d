/**
 * Read models of cities, coordination bodies, agreements (with their terms history) and accountability findings.
 * Each folds its streams with the domain's own `evolve`, so the read side shows exactly what the deciders decide on.
 */
import { agreementDecider, agreementTermsAt, type AgreementState, type AgreementStatusAt, type TermsVersion } from '../../../domain/src/governance/agreement.js';
import { bodyDecider, type BodyState, type Office } from '../../../domain/src/governance/body.js';
import { cityDecider, type CityState } from '../../../domain/src/governance/city.js';
import type { AdministrativeLevel, AgreementEvent, AgreementTerms, BodyEvent, CityEvent, FindingEvent, FindingRecorded } from '../../../domain/src/governance/events.js';
import { findingDecider, type FindingState } from '../../../domain/src/governance/finding.js';
import type { Decider, DomainEvent } from '../../../domain/src/shared/decider.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { captureAtOnce, type BackgroundWork, type ReadModel } from '../read-model.js';
import { decimal, DeferredGroups, DeferredRestore, lazyGroups, record, rowsOf, SnapshotShapeError, text } from './snapshot-rows.js';
import { SortedKeys } from './sorted-keys.js';

/** Rows a capture in slices copies between two of its steps. */
const CAPTURE_ROWS_PER_STEP = 4_096;

interface Row<S> {
  state: S;
  revision: bigint;
  position: bigint;
}

/** Where a view stands in the log: pass `position` as ?atLeast= elsewhere, compare `revision` across reads. */
export interface Versioned {
  revision: string;
  position: string;
}

/**
 * Snapshot rows per group kept as bytes by a restore. Few enough that a group's JSON text (a finding's row is about
 * 450 bytes) stays under V8's 128 KiB regular object size: a larger one is born in old space and stays there, as
 * garbage, until the next full collection after the snapshot round. The reader takes groups of any size.
 */
const ROWS_PER_GROUP = 250;

/** One aggregate type's streams, folded per stream, listed in id order. */
abstract class AggregateReadModel<E extends DomainEvent, S> implements ReadModel {
  abstract readonly name: string;
  /** 2: snapshot rows in groups kept as bytes until needed. */
  readonly version = 2;
  private readonly rows = new Map<string, Row<S>>();
  private readonly order = new SortedKeys();
  /** The groups of a restored snapshot not decoded yet (none once every one is, or when nothing was restored). */
  private readonly deferred = new DeferredGroups();

  constructor(
    private readonly prefix: string,
    private readonly eventTypes: ReadonlySet<string>,
    private readonly decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>,
  ) {}

  apply(event: RecordedEvent): void {
    if (!event.stream.startsWith(this.prefix) || !this.eventTypes.has(event.type)) return;
    this.deferred.ready();
    const id = event.stream.slice(this.prefix.length);
    let row = this.rows.get(id);
    if (row === undefined) {
      row = { state: this.decider.initialState(), revision: event.revision, position: event.position };
      this.rows.set(id, row);
      this.order.insert(id);
    }
    // Events of this category's streams are this aggregate's events.
    row.state = this.decider.evolve(row.state, { type: event.type, data: event.data } as E);
    row.revision = event.revision;
    row.position = event.position;
  }

  canonicalState(): unknown {
    this.deferred.ready();
    return [...this.order.after(null)].map((id) => ({ id, revision: this.rows.get(id)?.revision.toString(), state: this.rows.get(id)?.state }));
  }

  /**
   * Rows `[id, state, revision, position]` in id order, in groups of JSON text that a restore keeps as bytes. States
   * are replaced, never mutated, by evolve: shared safely. The capture copies the rows' fields into flat arrays (a row
   * itself changes in place); each row's tuple is made when the writer reaches its group.
   */
  snapshot(): unknown {
    return captureAtOnce(this.snapshotInSlices());
  }

  /** `snapshot()` in steps of CAPTURE_ROWS_PER_STEP rows (ReadModel.snapshotInSlices): the findings are tens of thousands. */
  *snapshotInSlices(): Generator<void, unknown, void> {
    this.deferred.ready();
    const ids = yield* this.order.allInSteps(CAPTURE_ROWS_PER_STEP);
    const states: S[] = [];
    const revisions: bigint[] = [];
    const positions: bigint[] = [];
    for (let r = 0; r < ids.length; r++) {
      const row = this.rows.get(ids[r] as string) as Row<S>;
      states.push(row.state);
      revisions.push(row.revision);
      positions.push(row.position);
      if ((r + 1) % CAPTURE_ROWS_PER_STEP === 0) yield;
    }
    return lazyGroups(ids.length, ROWS_PER_GROUP, (r) => [ids[r], states[r], (revisions[r] as bigint).toString(), (positions[r] as bigint).toString()]);
  }

  /**
   * Keeps the snapshot's groups as bytes: they are decoded when an event of this aggregate or a question first needs
   * them, or in the background once the runner has caught up (`caughtUp`).
   */
  restore(state: unknown): void {
    if (this.rows.size > 0 || this.deferred.pending) throw new SnapshotShapeError(this.name, 'restored into a model that already has rows');
    const keys: string[] = [];
    const deferred = new DeferredRestore(this.name, state, (rows) => {
      const group = new Map<string, Row<S>>();
      for (const [id, rowState, revision, position] of rowsOf(this.name, rows, 4)) {
        const key = text(this.name, id, 'id');
        if (this.rows.has(key) || group.has(key)) throw new SnapshotShapeError(this.name, `${key} is written twice`);
        // The state is what evolve produced and JSON carried unchanged: the decider's own plain data.
        group.set(key, { state: record(this.name, rowState, `state of ${key}`) as S, revision: decimal(this.name, revision, 'revision'), position: decimal(this.name, position, 'position') });
      }
      for (const [id, row] of group) {
        this.rows.set(id, row);
        keys.push(id);
      }
      // The last group: the list order at once (written in id order, so one pass of comparisons).
      if (deferred.left === 0) this.order.resetAscending(keys);
    });
    this.deferred.hold(deferred);
  }

  /** The runner reached the head: groups no event or question has needed yet are decoded in the background. */
  caughtUp(background?: BackgroundWork): void {
    this.deferred.inBackground(background);
  }

  /** Groups of the restored snapshot not decoded yet. */
  undecoded(): number {
    return this.deferred.left;
  }


  protected row(id: string): Row<S> | undefined {
    this.deferred.ready();
    return this.rows.get(id);
  }

  protected *ids(afterId: string | null): Generator<[string, Row<S>]> {
    this.deferred.ready();
    for (const id of this.order.after(afterId)) {
      const row = this.rows.get(id);
      if (row !== undefined) yield [id, row];
    }
  }

  protected static versioned(row: Row<unknown>): Versioned {
    return { revision: row.revision.toString(), position: row.position.toString() };
  }
}

export interface CityView extends Versioned {
  cityId: string;
  name: string;
  level: AdministrativeLevel;
  region: string;
}

export interface CityFilter {
  region?: string;
  level?: AdministrativeLevel;
}

export class CitiesReadModel extends AggregateReadModel<CityEvent, CityState> {
  readonly name = 'governance.cities';

  constructor() {
    super('city-', new Set(['CityRegistered', 'CityRenamed']), cityDecider);
  }

  get(cityId: string): CityView | null {
    const row = this.row(cityId);
    return row === undefined ? null : CitiesReadModel.view(row);
  }

  *matching(filter: CityFilter, afterId: string | null = null): Generator<CityView> {
    for (const [, row] of this.ids(afterId)) {
      const city = row.state.city;
      if (city === null) continue;
      if (filter.region !== undefined && city.region !== filter.region) continue;
      if (filter.level !== undefined && city.level !== filter.level) continue;
      yield CitiesReadModel.view(row);
    }
  }

  private static view(row: Row<CityState>): CityView {
    const city = row.state.city;
    if (city === null) throw new Error('a city row exists only after CityRegistered');
    return { ...city, ...AggregateReadModel.versioned(row) };
  }
}

export interface BodyView extends Versioned {
  bodyId: string;
  name: string;
  members: string[];
  offices: Office[];
}

export class BodiesReadModel extends AggregateReadModel<BodyEvent, BodyState> {
  readonly name = 'governance.bodies';

  constructor() {
    super('body-', new Set(['BodyEstablished', 'MemberAdmitted', 'MemberRemoved']), bodyDecider);
  }

  get(bodyId: string): BodyView | null {
    const row = this.row(bodyId);
    return row === undefined ? null : BodiesReadModel.view(row);
  }

  /** Bodies, optionally only those `member` belongs to. */
  *matching(filter: { member?: string }, afterId: string | null = null): Generator<BodyView> {
    for (const [, row] of this.ids(afterId)) {
      const body = row.state.body;
      if (body === null) continue;
      if (filter.member !== undefined && !body.members.includes(filter.member)) continue;
      yield BodiesReadModel.view(row);
    }
  }

  private static view(row: Row<BodyState>): BodyView {
    const body = row.state.body;
    if (body === null) throw new Error('a body row exists only after BodyEstablished');
    return { bodyId: body.bodyId, name: body.name, members: [...body.members], offices: body.offices.map((o) => ({ ...o })), ...AggregateReadModel.versioned(row) };
  }
}

export interface AgreementView extends Versioned {
  agreementId: string;
  bodyId: string;
  title: string;
  parties: string[];
  /** As of the ledger clock when asked. */
  status: AgreementStatusAt;
  /** The terms in force at that instant (the concluded terms before they take effect). */
  currentTerms: AgreementTerms;
  /** Every version of the terms, oldest first: each governs from its effectiveFrom on. */
  termsHistory: TermsVersion[];
  terminatedAt: string | null;
}

export interface AgreementFilter {
  bodyId?: string;
  party?: string;
}

export class AgreementsReadModel extends AggregateReadModel<AgreementEvent, AgreementState> {
  readonly name = 'governance.agreements';

  constructor() {
    super('agreement-', new Set(['AgreementConcluded', 'AgreementAmended', 'AgreementTerminated']), agreementDecider);
  }

  get(agreementId: string, nowMs: number): AgreementView | null {
    const row = this.row(agreementId);
    return row === undefined ? null : AgreementsReadModel.view(row, nowMs);
  }

  *matching(filter: AgreementFilter, nowMs: number, afterId: string | null = null): Generator<AgreementView> {
    for (const [, row] of this.ids(afterId)) {
      const a = row.state.agreement;
      if (a === null) continue;
      if (filter.bodyId !== undefined && a.bodyId !== filter.bodyId) continue;
      if (filter.party !== undefined && !a.parties.includes(filter.party)) continue;
      yield AgreementsReadModel.view(row, nowMs);
    }
  }

  private static view(row: Row<AgreementState>, nowMs: number): AgreementView {
    const a = row.state.agreement;
    const context = agreementTermsAt(row.state, nowMs);
    if (a === null || context === null) throw new Error('an agreement row exists only after AgreementConcluded');
    let current = a.versions[0];
    for (const v of a.versions) if (Date.parse(v.effectiveFrom) <= nowMs) current = v;
    return {
      agreementId: a.agreementId,
      bodyId: a.bodyId,
      title: a.title,
      parties: [...a.parties],
      status: context.status,
      currentTerms: current.terms,
      termsHistory: a.versions,
      terminatedAt: a.terminatedAt,
      ...AggregateReadModel.versioned(row),
    };
  }
}

export interface FindingView extends Versioned {
  finding: FindingRecorded['data'];
  revoked: FindingState['revoked'];
}

export interface FindingFilter {
  cityId?: string;
  bodyId?: string;
  kind?: FindingRecorded['data']['kind'];
  revoked?: boolean;
}

export class FindingsReadModel extends AggregateReadModel<FindingEvent, FindingState> {
  readonly name = 'governance.findings';

  constructor() {
    super('finding-', new Set(['FindingRecorded', 'FindingRevoked']), findingDecider);
  }

  get(findingId: string): FindingView | null {
    const row = this.row(findingId);
    return row === undefined ? null : FindingsReadModel.view(row);
  }

  *matching(filter: FindingFilter, afterId: string | null = null): Generator<FindingView> {
    for (const [, row] of this.ids(afterId)) {
      const f = row.state.finding;
      if (f === null) continue;
      if (filter.cityId !== undefined && f.cityId !== filter.cityId) continue;
      if (filter.bodyId !== undefined && f.bodyId !== filter.bodyId) continue;
      if (filter.kind !== undefined && f.kind !== filter.kind) continue;
      if (filter.revoked !== undefined && (row.state.revoked !== null) !== filter.revoked) continue;
      yield FindingsReadModel.view(row);
    }
  }

  private static view(row: Row<FindingState>): FindingView {
    const finding = row.state.finding;
    if (finding === null) throw new Error('a finding row exists only after FindingRecorded');
    return { finding, revoked: row.state.revoked, ...AggregateReadModel.versioned(row) };
  }
}
