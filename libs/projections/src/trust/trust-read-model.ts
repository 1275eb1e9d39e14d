import { createHash } from 'node:crypto';
import type {
  BodyEstablished,
  CityRegistered,
  CommitmentClosedShort,
  CommitmentDefaulted,
  CommitmentFulfilled,
  CommitmentMade,
  CommitmentReopened,
  CommitmentWaived,
  FindingKind,
  FindingRecorded,
  FindingRevoked,
  MemberAdmitted,
  MemberRemoved,
} from '../../../domain/src/governance/events.js';
import { FINDING_KINDS } from '../../../domain/src/governance/events.js';
import { instant, parseInstant, type Instant } from '../../../domain/src/shared/time.js';
import { systemClock, type Clock } from '../../../event-store/src/clock.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { captureAtOnce, ProjectionInvariantError, SnapshotBytes, type ReadModel } from '../read-model.js';
import {
  DAY_MS,
  TRUST_BASES,
  inCanonicalOrder,
  resolveCommitment,
  resolveFinding,
  valueWeight,
  type Anomaly,
  type CommitmentOutcome,
  type CommitmentResolution,
  type CommitmentTerms,
  type FindingFacts,
  type FindingResolution,
  type LifecycleFact,
  type LifecycleKind,
  type TrustBasis,
} from './evidence.js';
import { bandOf, expectedTrust, type TrustOpinion } from './opinion.js';
import { CFBT_1, type TrustParameterSet } from './parameters.js';
import { CityInterner, CommitmentTable, FactTable, NO_CITY, RowList } from './commitment-table.js';
import { RowCursor, TrustSnapshotError, decodeColumn, expectArray, expectCount, expectFinite, expectString } from './snapshot-codec.js';
import { COMMITMENT_COEFFICIENTS, Coef, DeltaBatch, FINDING_COEFFICIENTS, TimeIndex, newCoefVector, type CoefVector, type TimeIndexLayout } from './time-index.js';

/**
 * Most lifecycle events one commitment or finding may have. Far beyond any real history (made, a terminal, a few
 * reopenings); it bounds the work of re-resolving a commitment.
 */
export const MAX_LIFECYCLE_EVENTS = 2_048;

/**
 * Most contributions one explained answer lists. Beyond it the oldest (most decayed) rows are left out and counted in
 * `omittedContributions`; r and s always cover all the evidence.
 */
export const MAX_CONTRIBUTIONS = 10_000;

/** Most anomalies one `anomalies()` answer lists (earliest first). */
export const MAX_ANOMALIES = 1_000;

/** Largest body a matrix, ranking or alliance is computed for (a matrix grows with the square). */
export const MAX_TRUST_BODY_MEMBERS = 256;

/**
 * The reference epoch is moved before 2^(Δt/H) leaves a comfortable part of the float range (2^±600 of ~2^±1023), so
 * factored decay sums do not overflow as the ledger grows old; evidence stays exact over ~1,000 half-lives either side.
 */
const MAX_GROWTH_EXPONENT = 600;

export interface TrustQueryOptions {
  /** Default: now, from the model's clock. */
  asOf?: Instant | number;
  /** Default: `recorded`. */
  basis?: TrustBasis;
  /** List the contributions and anomalies behind each answer. */
  explain?: boolean;
}

export interface CityTrustOptions extends TrustQueryOptions {
  /** Leave findings out: what the city's commitments alone say, to show what the findings cost. */
  withoutFindings?: boolean;
}

export interface CommitmentContribution {
  source: 'commitment';
  eventId: string;
  /** Instant on the answer's basis from which the row counts. */
  at: Instant;
  commitmentId: string;
  obligor: string;
  obligee: string;
  /** CommitmentMade.value.amount, a decimal string. */
  value: string;
  weight: number;
  outcome: CommitmentOutcome;
  latenessRatio: number | null;
  /** f·L; null for provisional evidence, which is scored from the lateness ratio alone. */
  quality: number | null;
  decay: number;
  r: number;
  s: number;
}

export interface FindingContribution {
  source: 'finding';
  eventId: string;
  at: Instant;
  findingId: string;
  finding: FindingKind;
  severity: number;
  counterparty: string | null;
  decay: number;
  r: number;
  s: number;
}

export type TrustContribution = CommitmentContribution | FindingContribution;

export interface TrustAnomaly {
  eventId: string;
  /** Commitment or finding id. */
  subject: string;
  at: Instant;
  reason: string;
}

export type TrustSubject = { kind: 'city'; city: string } | { kind: 'pair'; truster: string; trustee: string };

export interface TrustAnswer extends TrustOpinion {
  subject: TrustSubject;
  asOf: Instant;
  basis: TrustBasis;
  contributions?: TrustContribution[];
  /** Oldest rows left out when there are more than MAX_CONTRIBUTIONS. */
  omittedContributions?: number;
  anomalies?: TrustAnomaly[];
}

export interface BodyMatrix {
  bodyId: string | null;
  members: string[];
  asOf: Instant;
  basis: TrustBasis;
  parameterSet: string;
  /** Every ordered pair (truster ≠ trustee), truster-major in member order. */
  pairs: TrustAnswer[];
}

export interface RankedCity extends TrustAnswer {
  rank: number;
  city: string;
}

export interface TrustAlliance {
  bodyId: string | null;
  asOf: Instant;
  basis: TrustBasis;
  parameterSet: string;
  /** Members in the trusted band, best first. */
  members: string[];
}

/** A body by id (membership as of the instant), or an explicit list of cities. */
export type TrustGroup = string | { members: readonly string[] };

/** The model's canonical state (for state digests): small parts in full, the bulk as counted digests. */
export interface TrustCanonicalState {
  parameterSet: string;
  cities: string[];
  bodies: { id: string; recorded: MembershipState[]; occurred: MembershipState[] }[];
  commitments: { count: number; sha256: string };
  findings: { count: number; sha256: string };
}

export interface MembershipState {
  op: 'establish' | 'admit' | 'remove';
  cities: string[];
  seq: number;
  at: Instant;
}

/** Findings are few (a handful per city and year): plain objects are fine for them. */
interface FindingRecord {
  id: string;
  /** Names this record's rows in the indices; negative, so it never meets a commitment's row number. */
  owner: number;
  finding: FindingFacts | null;
  facts: LifecycleFact[];
}

interface MembershipEntry {
  key: number;
  seq: number;
  op: 'establish' | 'admit' | 'remove';
  cities: string[];
}

/**
 * Evidence on one time line, commitments and findings apart: a commitment row carries four coefficients, a finding row
 * one, and findings (a few per city) get an index only when there is one.
 */
class Evidence {
  constructor(
    readonly commitments = new TimeIndex(4, COMMITMENT_COEFFICIENTS),
    private findingIndex: TimeIndex | null = null,
  ) {}

  /**
   * Both indices for a snapshot: their layouts onto `layouts` (null for findings when they never had an index), their
   * arrays onto `rows` and the byte length of the part of each that is written onto `byteLengths`, lent (each index
   * copies a chunk before its next change to it). Nothing is allocated per index but the chunk sizes of the few
   * indices of several chunks: a capture walks tens of thousands of them.
   */
  captureInto(layouts: (TimeIndexLayout | string | null)[], rows: Float64Array[], byteLengths: number[]): void {
    const findings = this.findingIndex;
    layouts.push(this.commitments.captureInto(rows, byteLengths), findings === null ? null : findings.captureInto(rows, byteLengths));
  }

  /** The indices of a capture: layouts from the evidence row, rows taken in turn from the packed rows. */
  static restore(commitmentLayout: unknown, findingLayout: unknown, take: (length: number) => Float64Array): Evidence {
    const commitments = TimeIndex.restore(COMMITMENT_COEFFICIENTS, commitmentLayout, take);
    const findings = findingLayout === null ? null : TimeIndex.restore(FINDING_COEFFICIENTS, findingLayout, take);
    return new Evidence(commitments, findings);
  }

  get findings(): TimeIndex {
    this.findingIndex ??= new TimeIndex(2, FINDING_COEFFICIENTS);
    return this.findingIndex;
  }

  sumAt(asOfMs: number, out: CoefVector): void {
    out.fill(0);
    this.commitments.sumAt(asOfMs, out);
    this.findingIndex?.sumAt(asOfMs, out);
  }

  *indices(): IterableIterator<TimeIndex> {
    yield this.commitments;
    if (this.findingIndex !== null) yield this.findingIndex;
  }
}

/** A city's evidence as obligor: all of it, and per counterparty city (the pairs). */
interface CityEvidence {
  all: Evidence;
  byCounterparty: Map<string, Evidence>;
}

/** Everything indexed on one basis' time line. */
class BasisIndex {
  readonly city = new Map<string, CityEvidence>();
  readonly membership = new Map<string, MembershipEntry[]>();

  cityEvidence(city: string): CityEvidence {
    let evidence = this.city.get(city);
    if (evidence === undefined) {
      evidence = { all: new Evidence(), byCounterparty: new Map() };
      this.city.set(city, evidence);
    }
    return evidence;
  }

  /** Evidence about `obligor` that names `counterparty`. */
  pairEvidence(obligor: string, counterparty: string): Evidence {
    const byCounterparty = this.cityEvidence(obligor).byCounterparty;
    let evidence = byCounterparty.get(counterparty);
    if (evidence === undefined) {
      evidence = new Evidence();
      byCounterparty.set(counterparty, evidence);
    }
    return evidence;
  }

  *indices(): IterableIterator<TimeIndex> {
    for (const evidence of this.city.values()) {
      yield* evidence.all.indices();
      for (const pair of evidence.byCounterparty.values()) yield* pair.indices();
    }
  }
}

/** Adds deltas to, or withdraws them from, the indices. */
type DeltaMode = 'place' | 'withdraw';

const basisSlot = (basis: TrustBasis): 0 | 1 => (basis === 'recorded' ? 0 : 1);

/**
 * The CFBT trust projection (TRUST_MODEL.md): city, pair and body trust at any instant, on either basis, without
 * replaying the log. Each commitment and finding is resolved into evidence segments on both time lines; their
 * contributions are kept as time-indexed prefix sums per city and per (obligor, counterparty) pair, with decay factored
 * around a reference epoch E (Σ w·q·2^((t − E)/H), scaled by 2^(−(asOf − E)/H) at query time) and the provisional
 * evidence of overdue commitments as piecewise-linear deltas. A current answer is O(1), a past one O(log n).
 */
export class TrustReadModel implements ReadModel {
  readonly name = 'trust';
  /**
   * 2: the canonical state became counted digests of the commitments and findings. 3: snapshot columns and indices
   * as binary rows. 4: time indices in chunks, each with its base sums (a version-3 snapshot's sums are no chunked
   * index's: rebuilt, not restored).
   */
  readonly version = 4;

  private bases: [BasisIndex, BasisIndex] = [new BasisIndex(), new BasisIndex()];
  /** Known cities, interned: each id is one string however many commitments name it. */
  private cities = new CityInterner();
  /** Commitments as columns, their row number naming their rows in the indices. */
  private commitments: CommitmentTable;
  private findings = new Map<string, FindingRecord>();
  /** Commitment rows per obligor city number. */
  private commitmentsByObligor: RowList[] = [];
  private findingsByCity = new Map<string, FindingRecord[]>();
  /** Reference epoch E, ms; fixed by the first instant seen and moved only to keep factored sums in range. */
  private epochMs: number | null = null;
  private nextFindingOwner = -1;
  private readonly scratch = [newCoefVector(), newCoefVector(), newCoefVector()];
  /** The last `evaluate` result: queries allocate nothing for intermediate totals. */
  private evaluatedR = 0;
  private evaluatedS = 0;
  /** Reused while placing deltas: apply allocates nothing per delta. */
  private readonly piece = newCoefVector();
  private readonly rowScratch = newCoefVector();
  private readonly batch = new DeltaBatch();

  constructor(
    readonly parameters: TrustParameterSet = CFBT_1,
    private readonly clock: Clock = systemClock,
  ) {
    this.commitments = new CommitmentTable(new FactTable(), this.cities, parameters.minLeadSeconds * 1000);
  }

  /** A snapshot taken under another parameter set is discarded: every stored delta depends on the parameters. */
  get parameterSetVersion(): string {
    return this.parameters.id;
  }

  apply(event: RecordedEvent): void {
    const recordedMs = parseInstant(event.recordedAt, 'recordedAt');
    const seq = Number(event.revision);
    switch (event.type) {
      case 'CityRegistered':
        this.city((event.data as CityRegistered['data']).cityId);
        return;
      case 'BodyEstablished': {
        const d = event.data as BodyEstablished['data'];
        const members = d.members.map((m) => this.city(m));
        this.membership(d.bodyId, { op: 'establish', cities: members, seq }, recordedMs, d.occurredAt);
        return;
      }
      case 'MemberAdmitted': {
        const d = event.data as MemberAdmitted['data'];
        this.membership(d.bodyId, { op: 'admit', cities: [this.city(d.cityId)], seq }, recordedMs, d.occurredAt);
        return;
      }
      case 'MemberRemoved': {
        const d = event.data as MemberRemoved['data'];
        this.membership(d.bodyId, { op: 'remove', cities: [d.cityId], seq }, recordedMs, d.occurredAt);
        return;
      }
      case 'CommitmentMade':
        return this.onCommitmentMade(event, event.data as CommitmentMade['data'], recordedMs, seq);
      case 'CommitmentFulfilled': {
        const d = event.data as CommitmentFulfilled['data'];
        // Counts at the instant of the delivery that completed it, not when the fulfilment was noticed.
        return this.onCommitmentEvent(event, d.commitmentId, 'fulfilled', parseInstant(d.fulfilledAt, 'fulfilledAt'), 1);
      }
      case 'CommitmentClosedShort': {
        const d = event.data as CommitmentClosedShort['data'];
        const fraction = Math.min(1, Math.max(0, Number(d.fraction)));
        return this.onCommitmentEvent(event, d.commitmentId, 'closed_short', parseInstant(d.occurredAt), fraction);
      }
      case 'CommitmentDefaulted': {
        const d = event.data as CommitmentDefaulted['data'];
        return this.onCommitmentEvent(event, d.commitmentId, 'defaulted', parseInstant(d.occurredAt), 0);
      }
      case 'CommitmentWaived': {
        const d = event.data as CommitmentWaived['data'];
        return this.onCommitmentEvent(event, d.commitmentId, 'waived', parseInstant(d.occurredAt), 0);
      }
      case 'CommitmentReopened': {
        const d = event.data as CommitmentReopened['data'];
        return this.onCommitmentEvent(event, d.commitmentId, 'reopened', parseInstant(d.occurredAt), 0);
      }
      case 'FindingRecorded':
        return this.onFindingRecorded(event, event.data as FindingRecorded['data'], recordedMs, seq);
      case 'FindingRevoked': {
        const d = event.data as FindingRevoked['data'];
        const record = this.findingRecord(d.findingId);
        return this.updateFinding(record, event, { kind: 'revoked', eventId: event.id, recordedMs, businessMs: parseInstant(d.occurredAt), seq, fraction: 0 });
      }
      default:
        // Deliveries, disputes and overdue notices reach trust only through the fulfilment, reopening and rule 4.
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------------- queries

  /** T(j): every commitment j made (to cities and to the coordinator) and every finding against j. */
  cityTrust(city: string, options: CityTrustOptions = {}): TrustAnswer {
    const { asOfMs, basis } = this.resolveOptions(options);
    const sums = this.scratch[0];
    this.sumCity(basis, city, asOfMs, sums);
    this.evaluate(sums, asOfMs, options.withoutFindings === true);
    const answer = this.answer(this.evaluatedR, this.evaluatedS, this.parameters.baseRate, { kind: 'city', city }, instant(asOfMs), basis);
    if (options.explain === true) this.explain(answer, city, null, asOfMs, basis, options.withoutFindings === true);
    return answer;
  }

  /** T(i→j): j's commitments to i and findings against j naming i, on j's standing without that evidence as base rate. */
  pairTrust(truster: string, trustee: string, options: TrustQueryOptions = {}): TrustAnswer {
    const { asOfMs, basis } = this.resolveOptions(options);
    return this.pairAt(truster, trustee, asOfMs, instant(asOfMs), basis, options.explain === true);
  }

  /** Pair trust over every ordered pair of the group's members. */
  bodyMatrix(group: TrustGroup, options: TrustQueryOptions = {}): BodyMatrix {
    const { asOfMs, basis } = this.resolveOptions(options);
    const members = this.groupMembers(group, asOfMs, basis);
    const asOfIso = instant(asOfMs);
    // Each trustee's own sums once, not once per truster: a 30-member matrix reads 30 city indices, not 870.
    const standing = members.map((trustee) => {
      const sums = newCoefVector();
      this.sumCity(basis, trustee, asOfMs, sums);
      return sums;
    });
    const pairs: TrustAnswer[] = [];
    for (const truster of members) {
      members.forEach((trustee, j) => {
        if (truster !== trustee) pairs.push(this.pairAt(truster, trustee, asOfMs, asOfIso, basis, options.explain === true, standing[j]));
      });
    }
    return { bodyId: typeof group === 'string' ? group : null, members, asOf: asOfIso, basis, parameterSet: this.parameters.id, pairs };
  }

  /** The group's members by city trust, best first (ties by city id), each with its band. */
  ranking(group: TrustGroup, options: TrustQueryOptions = {}): RankedCity[] {
    const { asOfMs, basis } = this.resolveOptions(options);
    const at = { ...options, asOf: asOfMs, basis };
    const answers = this.groupMembers(group, asOfMs, basis).map((city) => ({ city, answer: this.cityTrust(city, at) }));
    answers.sort((x, y) => y.answer.trust - x.answer.trust || (x.city < y.city ? -1 : x.city > y.city ? 1 : 0));
    return answers.map(({ city, answer }, i) => ({ ...answer, rank: i + 1, city }));
  }

  /** The trust alliance: the group's members in the trusted band at the instant. */
  alliance(group: TrustGroup, options: Omit<TrustQueryOptions, 'explain'> = {}): TrustAlliance {
    const { asOfMs, basis } = this.resolveOptions(options);
    const members = this.ranking(group, { asOf: asOfMs, basis })
      .filter((c) => c.band === 'trusted')
      .map((c) => c.city);
    return { bodyId: typeof group === 'string' ? group : null, asOf: instant(asOfMs), basis, parameterSet: this.parameters.id, members };
  }

  /** A body's members as of the instant, sorted. */
  membersOf(bodyId: string, options: Omit<TrustQueryOptions, 'explain'> = {}): string[] {
    const { asOfMs, basis } = this.resolveOptions(options);
    return this.membersAt(bodyId, asOfMs, basis);
  }

  /** Cities the model has seen (registered, members, obligors, findings), sorted. */
  knownCities(): string[] {
    return [...this.cities.all()].sort();
  }

  /** Whether the model has seen the city (registered, a member, an obligor or obligee, named by a finding). */
  knowsCity(city: string): boolean {
    return this.cities.find(city) !== undefined;
  }

  /** Whether the body was ever established (on the recorded time line). */
  knowsBody(bodyId: string): boolean {
    return this.bases[0].membership.has(bodyId);
  }

  /** Anomalies of the whole history as of the instant, including events about commitments never made. */
  anomalies(options: Omit<TrustQueryOptions, 'explain'> & { limit?: number } = {}): TrustAnomaly[] {
    const { asOfMs, basis } = this.resolveOptions(options);
    const limit = Math.min(options.limit ?? MAX_ANOMALIES, MAX_ANOMALIES);
    const found: Anomaly[] = [];
    for (let row = 0; row < this.commitments.size; row++) found.push(...this.resolveCommitmentOn(row, basis).anomalies.filter((a) => a.key <= asOfMs));
    for (const record of this.findings.values()) found.push(...this.resolveFindingOn(record, basis).anomalies.filter((a) => a.key <= asOfMs));
    return sortAnomalies(found).slice(0, limit);
  }

  /**
   * Cities and bodies in full; commitments and findings as a count and a SHA-256 over their rows in id order (terms,
   * then facts in canonical order), streamed into the hash so a million events never become one giant JSON value;
   * the commitments' numbers go in as bytes, never as text.
   * Independent of the order in which independent events arrived, like every answer.
   */
  canonicalState(): TrustCanonicalState {
    const line = (facts: readonly LifecycleFact[]): string =>
      inCanonicalOrder(facts, 'recorded')
        .map((e) => `${e.kind},${e.recordedMs},${e.businessMs},${e.seq},${e.eventId},${e.fraction};`)
        .join('');
    const commitments = createHash('sha256');
    this.commitments.digestInto(commitments, MAX_LIFECYCLE_EVENTS);
    const findings = createHash('sha256');
    const byId = [...this.findings.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    for (const f of byId) {
      const facts = f.finding;
      const terms = facts === null ? '-' : `${facts.cityId},${facts.counterparty ?? ''},${facts.kind},${facts.severity}`;
      findings.update(`${f.id}|${terms}|${line(f.facts)}\n`);
    }
    return {
      parameterSet: this.parameters.id,
      cities: this.knownCities(),
      bodies: [...this.bases[0].membership.keys()].sort().map((id) => ({
        id,
        recorded: (this.bases[0].membership.get(id) ?? []).map((m) => ({ op: m.op, cities: m.cities, seq: m.seq, at: instant(m.key) })),
        occurred: (this.bases[1].membership.get(id) ?? []).map((m) => ({ op: m.op, cities: m.cities, seq: m.seq, at: instant(m.key) })),
      })),
      commitments: { count: this.commitments.size, sha256: commitments.digest('hex') },
      findings: { count: byId.length, sha256: findings.digest('hex') },
    };
  }

  // ---------------------------------------------------------------------------------------------------- snapshot

  /**
   * The whole state as rows, exactly as apply left it (the indices' prefix sums are kept, not recomputed, so a
   * restored model answers bit for bit alike): JSON rows for the small parts and binary rows for the columns and
   * indices. The capture copies no column: the tables and indices lend their arrays as views and copy an array only
   * before their own next change to it (copy-on-write), so this costs a walk over the indices, not a copy of the
   * state, and the snapshot still holds the state of this instant while later events are applied. Plain objects
   * (facts, membership entries, finding facts) are never mutated once made; the lists holding them are copied.
   *
   * Rows: `['trust', version, parameter set, epoch, next finding owner]`, `['cities', ids]`, the fact table (a row
   * and 7 columns), the commitment table (a row, `commitments+` rows of further ids when there are more than 16,384, and 9 columns), `['obligors', [[city, size]…]]` and each obligor's
   * rows, `['findings', [[id, owner, finding, facts]…]]` in chunks, each city's findings, the memberships, `['evidence', [[basis, city, counterparty | null,
   * commitment layout, finding layout | null]…]]` (a layout: an index's row count, or each chunk's when it has
   * several) and one binary row of every index's rows in that order (of an index of several chunks, their bases, then
   * each chunk's rows; one row rather than one per index: there are tens of thousands), then `['end', number of rows]`.
   */
  snapshot(): unknown[] {
    return captureAtOnce(this.snapshotInSlices());
  }

  /**
   * `snapshot()` in steps: it yields between its parts and after each city's evidence (the walk over tens of
   * thousands of indices is most of a capture's 30–80 ms at a million events), so the runner can give the event loop a
   * turn while it applies nothing (ReadModel.snapshotInSlices).
   */
  *snapshotInSlices(): Generator<void, unknown[], void> {
    const rows: unknown[] = [['trust', this.version, this.parameters.id, this.epochMs, this.nextFindingOwner], ['cities', [...this.cities.all()]]];
    rows.push(...this.commitments.facts.snapshotRows(), ...this.commitments.snapshotRows());
    const obligors: [number, number][] = [];
    const obligorRows: Int32Array[] = [];
    this.commitmentsByObligor.forEach((list, city) => {
      obligors.push([city, list.size]);
      obligorRows.push(list.capture());
    });
    rows.push(['obligors', obligors], ...obligorRows);
    yield;
    // A record's facts only ever grow and its finding is replaced, never changed: its length and finding now are
    // enough to write it as it is now, later, in chunks of rows (a capture of 30,000 findings allocates nothing per finding).
    const findings: (FindingRecord | FindingFacts | number | null)[] = [];
    for (const record of this.findings.values()) findings.push(record, record.finding, record.facts.length);
    for (let from = 0; from < findings.length; from += FINDINGS_PER_ROW * 3) {
      const until = Math.min(findings.length, from + FINDINGS_PER_ROW * 3);
      rows.push({ toJSON: () => ['findings', findingTuples(findings, from, until)] });
    }
    yield;
    for (const [city, records] of this.findingsByCity) rows.push(['findingsByCity', city, records.map((r) => r.id)]);
    yield;
    this.bases.forEach((basis, slot) => {
      for (const [body, entries] of basis.membership) rows.push(['membership', slot, body, [...entries]]);
    });
    // Flat runs of (basis, city, counterparty, commitment rows, finding rows): the tuples are made by the writer.
    const evidence: (TimeIndexLayout | string | null)[] = [];
    const evidenceRows: Float64Array[] = [];
    const evidenceBytes: number[] = [];
    // forEach rather than for…of for the pairs: no [key, value] pair is made per index. The steps end at each city.
    for (let slot = 0; slot < this.bases.length; slot++) {
      for (const [city, cityEvidence] of (this.bases[slot] as BasisIndex).city) {
        evidence.push(slot, city, null);
        cityEvidence.all.captureInto(evidence, evidenceRows, evidenceBytes);
        cityEvidence.byCounterparty.forEach((pair, counterparty) => {
          evidence.push(slot, city, counterparty);
          pair.captureInto(evidence, evidenceRows, evidenceBytes);
        });
        yield;
      }
    }
    rows.push({ toJSON: () => ['evidence', tuplesOf(evidence, 5)] }, new SnapshotBytes(evidenceRows, evidenceBytes));
    rows.push(['end', rows.length + 1]);
    return rows;
  }

  /** Replaces a fresh model's state with a `snapshot()`; checks everything first and changes nothing when it throws. */
  restore(state: unknown): void {
    if (!this.isFresh()) throw new TrustSnapshotError('restore needs a model that has applied nothing');
    const all = expectArray(state, 'the snapshot');
    const last = all[all.length - 1];
    if (!Array.isArray(last) || last[0] !== 'end' || last[1] !== all.length) throw new TrustSnapshotError('the snapshot is truncated');
    const rows = new RowCursor(all);
    const [, version, parameterSet, epoch, nextOwner] = rows.tagged('trust');
    if (version !== this.version) throw new TrustSnapshotError(`version ${String(version)} is not ${this.version}`);
    if (parameterSet !== this.parameters.id) throw new TrustSnapshotError(`parameter set ${String(parameterSet)} is not ${this.parameters.id}`);
    const epochMs = epoch === null ? null : expectFinite(epoch, 'reference epoch');
    const nextFindingOwner = expectFinite(nextOwner, 'next finding owner');
    if (!Number.isSafeInteger(nextFindingOwner) || nextFindingOwner > -1) throw new TrustSnapshotError('the next finding owner is not a negative integer');
    const cities = CityInterner.restore(rows.tagged('cities')[1]);
    const facts = FactTable.restore(rows);
    const commitments = CommitmentTable.restore(rows, facts, cities, this.parameters.minLeadSeconds * 1000);
    const commitmentsByObligor: RowList[] = [];
    for (const entry of expectArray(rows.tagged('obligors')[1], 'obligors')) {
      const [city, size] = expectArray(entry, 'obligor');
      const number = expectCount(city, 'obligor city');
      if (number >= cities.all().length) throw new TrustSnapshotError(`obligor ${number} is not a known city`);
      commitmentsByObligor[number] = RowList.restore(rows.next('rows of an obligor'), expectCount(size, 'obligor rows'), commitments.size);
    }
    const findings = new Map<string, FindingRecord>();
    const findingsByCity = new Map<string, FindingRecord[]>();
    const bases: [BasisIndex, BasisIndex] = [new BasisIndex(), new BasisIndex()];
    // Each turn takes one row, so this ends with the rows at the latest.
    for (let tag = rows.peekTag(); tag !== 'evidence'; tag = rows.peekTag()) {
      if (typeof tag !== 'string') throw new TrustSnapshotError(`row ${rows.position} is not a tagged row`);
      const r = rows.tagged(tag);
      if (r[0] === 'findings') {
        for (const entry of expectArray(r[1], 'findings')) {
          const record = findingRecordOf(expectArray(entry, 'finding'));
          if (findings.has(record.id)) throw new TrustSnapshotError(`finding ${record.id} is listed twice`);
          findings.set(record.id, record);
        }
      } else if (r[0] === 'findingsByCity') {
        const city = expectString(r[1], 'finding city');
        findingsByCity.set(
          city,
          expectArray(r[2], 'findings of a city').map((id) => {
            const record = findings.get(expectString(id, 'finding id'));
            if (record === undefined) throw new TrustSnapshotError(`finding ${String(id)} of ${city} is unknown`);
            return record;
          }),
        );
      } else if (r[0] === 'membership') {
        const basis = bases[slotOf(r[1])];
        const body = expectString(r[2], 'body id');
        basis.membership.set(body, expectArray(r[3], 'membership').map(membershipEntryOf));
      } else throw new TrustSnapshotError(`row ${rows.position - 1} has an unknown tag ${String(r[0])}`);
    }
    const entries = expectArray(rows.tagged('evidence')[1], 'evidence');
    const bytes = rows.next('evidence rows');
    if (!(bytes instanceof Uint8Array) || bytes.length % Float64Array.BYTES_PER_ELEMENT !== 0) throw new TrustSnapshotError('the evidence rows are not a binary row of numbers');
    // One aligned copy of the file's bytes; each index views its own disjoint parts of it (no allocation per row).
    // An index writes only inside its parts, and its first insertion into a chunk moves that chunk to an array of its
    // own (its part is exactly full), so the parts never overlap.
    const packed = decodeColumn(bytes, bytes.length / Float64Array.BYTES_PER_ELEMENT, 0, (n) => new Float64Array(n), 'evidence rows');
    let taken = 0;
    const take = (length: number): Float64Array => {
      const end = taken + length;
      if (end > packed.length) throw new TrustSnapshotError('the evidence rows are fewer than the indices hold');
      const indexRows = packed.subarray(taken, end);
      taken = end;
      return indexRows;
    };
    for (const entry of entries) {
      const [slot, cityId, counterparty, commitmentLayout, findingLayout] = expectArray(entry, 'evidence entry');
      const basis = bases[slotOf(slot)];
      const city = expectString(cityId, 'evidence city');
      const evidence = Evidence.restore(commitmentLayout, findingLayout, take);
      if (counterparty === null) basis.city.set(city, { all: evidence, byCounterparty: new Map() });
      else {
        const owner = basis.city.get(city);
        if (owner === undefined) throw new TrustSnapshotError(`pair evidence of ${city} comes before its city's`);
        owner.byCounterparty.set(expectString(counterparty, 'counterparty'), evidence);
      }
    }
    if (taken !== packed.length) throw new TrustSnapshotError('the evidence rows are more than the indices hold');
    rows.tagged('end');
    this.cities = cities;
    this.commitments = commitments;
    this.commitmentsByObligor = commitmentsByObligor;
    this.findings = findings;
    this.findingsByCity = findingsByCity;
    this.bases = bases;
    this.epochMs = epochMs;
    this.nextFindingOwner = nextFindingOwner;
  }

  private isFresh(): boolean {
    return (
      this.epochMs === null &&
      this.cities.all().length === 0 &&
      this.commitments.size === 0 &&
      this.findings.size === 0 &&
      this.bases.every((b) => b.city.size === 0 && b.membership.size === 0)
    );
  }

  // ---------------------------------------------------------------------------------------------------- apply

  private onCommitmentMade(event: RecordedEvent, d: CommitmentMade['data'], recordedMs: number, seq: number): void {
    const row = this.commitments.rowOf(d.commitmentId);
    const madeMs = parseInstant(d.occurredAt);
    const fact: LifecycleFact = { kind: 'made', eventId: event.id, recordedMs, businessMs: madeMs, seq, fraction: 0 };
    if (this.commitments.hasTermsAt(row)) return this.updateCommitment(row, event, fact);
    this.emitCommitment(row, 'withdraw');
    // A body or fund as obligee is vertical evidence: it counts for the city, never for a pair.
    const obligor = this.cities.intern(d.obligor);
    const obligeeCity = d.obligee.kind === 'city' ? this.cities.intern(d.obligee.id) : NO_CITY;
    const weight = valueWeight(d.value.amount, this.parameters);
    this.commitments.setTerms(row, { obligor, obligeeCity, value: d.value.amount, weight, dueMs: parseInstant(d.dueAt, 'dueAt'), madeMs });
    let owned = this.commitmentsByObligor[obligor];
    if (owned === undefined) {
      owned = new RowList();
      this.commitmentsByObligor[obligor] = owned;
    }
    owned.push(row);
    this.addCommitmentFact(row, fact, event);
    this.emitCommitment(row, 'place');
  }

  private onCommitmentEvent(event: RecordedEvent, commitmentId: string, kind: LifecycleKind, businessMs: number, fraction: number): void {
    const row = this.commitments.rowOf(commitmentId);
    const fact: LifecycleFact = { kind, eventId: event.id, recordedMs: parseInstant(event.recordedAt, 'recordedAt'), businessMs, seq: Number(event.revision), fraction };
    this.updateCommitment(row, event, fact);
  }

  /** Re-resolves one commitment: withdraws exactly the deltas its old history placed, then places the new ones. */
  private updateCommitment(row: number, event: RecordedEvent, fact: LifecycleFact): void {
    this.emitCommitment(row, 'withdraw');
    this.addCommitmentFact(row, fact, event);
    this.emitCommitment(row, 'place');
  }

  private addCommitmentFact(row: number, fact: LifecycleFact, event: RecordedEvent): void {
    this.checkLifecycleLength(this.commitments.factCount(row), event);
    this.ensureEpoch(fact.businessMs);
    this.commitments.addFact(row, fact);
  }

  private onFindingRecorded(event: RecordedEvent, d: FindingRecorded['data'], recordedMs: number, seq: number): void {
    const record = this.findingRecord(d.findingId);
    const fact: LifecycleFact = { kind: 'finding', eventId: event.id, recordedMs, businessMs: parseInstant(d.occurredAt), seq, fraction: 0 };
    if (record.finding !== null) return this.updateFinding(record, event, fact);
    this.emitFinding(record, 'withdraw');
    const cityId = this.city(d.cityId);
    const counterparty = d.counterpartyCityId === null ? null : this.city(d.counterpartyCityId);
    record.finding = { findingId: record.id, cityId, counterparty, kind: d.kind, severity: d.severity };
    pushTo(this.findingsByCity, cityId, record);
    this.addFact(record.facts, fact, event);
    this.emitFinding(record, 'place');
  }

  private updateFinding(record: FindingRecord, event: RecordedEvent, fact: LifecycleFact): void {
    this.emitFinding(record, 'withdraw');
    this.addFact(record.facts, fact, event);
    this.emitFinding(record, 'place');
  }

  private addFact(facts: LifecycleFact[], fact: LifecycleFact, event: RecordedEvent): void {
    this.checkLifecycleLength(facts.length, event);
    this.ensureEpoch(fact.businessMs);
    facts.push(fact);
  }

  private checkLifecycleLength(length: number, event: RecordedEvent): void {
    if (length >= MAX_LIFECYCLE_EVENTS) {
      throw new ProjectionInvariantError(this.name, event.position, `${event.stream} has more than ${MAX_LIFECYCLE_EVENTS} lifecycle events`);
    }
  }

  private membership(bodyId: string, entry: Omit<MembershipEntry, 'key'>, recordedMs: number, occurredAt: Instant): void {
    const keys = [recordedMs, parseInstant(occurredAt)];
    for (const slot of [0, 1] as const) {
      const list = this.bases[slot].membership.get(bodyId) ?? [];
      const e: MembershipEntry = { ...entry, key: keys[slot] };
      let i = list.length;
      while (i > 0 && (list[i - 1].key > e.key || (list[i - 1].key === e.key && list[i - 1].seq > e.seq))) i--;
      list.splice(i, 0, e);
      this.bases[slot].membership.set(bodyId, list);
    }
  }

  /** Registers a city id and returns its interned string. */
  private city(id: string): string {
    return this.cities.id(this.cities.intern(id));
  }

  private findingRecord(id: string): FindingRecord {
    let record = this.findings.get(id);
    if (record === undefined) {
      record = { id, owner: this.nextFindingOwner--, finding: null, facts: [] };
      this.findings.set(id, record);
    }
    return record;
  }

  private resolveCommitmentOn(row: number, basis: TrustBasis, terms = this.commitments.terms(row)): CommitmentResolution {
    return resolveCommitment(this.commitments.id(row), terms, this.commitments.factsOf(row, MAX_LIFECYCLE_EVENTS), basis, this.parameters);
  }

  private resolveFindingOn(record: FindingRecord, basis: TrustBasis): FindingResolution {
    return resolveFinding(record.id, record.finding, record.facts, basis, this.parameters);
  }

  /**
   * Places (or withdraws) a commitment's deltas on both time lines. The deltas are a pure function of the record's
   * facts, so withdrawing recomputes them from the same facts instead of remembering them: nothing is stored per delta.
   */
  private emitCommitment(row: number, mode: DeltaMode): void {
    const terms = this.commitments.terms(row);
    if (terms === null || this.commitments.factCount(row) === 0) return;
    const p = this.parameters;
    const piece = this.piece;
    const batch = this.batch;
    const facts = this.commitments.factsOf(row, MAX_LIFECYCLE_EVENTS);
    TRUST_BASES.forEach((basis, slot) => {
      const resolution = resolveCommitment(terms.commitmentId, terms, facts, basis, p);
      batch.clear();
      for (const seg of resolution.evidence) {
        piece.fill(0);
        // Withdrawal needs only the instants: values are read back from the index.
        if (mode === 'place' && seg.until > seg.from) {
          const g = this.growth(seg.decayFrom, p.halfLifeCommitmentDays);
          piece[Coef.R] = seg.r0 * g;
          piece[Coef.S] = seg.s0 * g;
        }
        batch.span(seg.from, seg.until, piece);
      }
      for (const span of resolution.open) this.provisional(batch, terms, span.from, span.until);
      const all = this.bases[slot].cityEvidence(terms.obligor).all.commitments;
      const pair = terms.obligeeCity === null ? null : this.bases[slot].pairEvidence(terms.obligor, terms.obligeeCity).commitments;
      this.flush(mode, row, all, pair);
    });
  }

  /**
   * Rule 4 as deltas: an open commitment past D = due + grace carries s = κ·w·min(1, (asOf − D)/ℓ), a ramp from D to
   * D + ℓ and a plateau after, for as long as it stays open. Both pieces are linear in asOf, so they sum like any evidence.
   */
  private provisional(batch: DeltaBatch, terms: CommitmentTerms, from: number, until: number): void {
    const p = this.parameters;
    const dueMs = terms.dueMs + p.graceSeconds * 1000;
    const saturatedMs = dueMs + terms.leadMs;
    const start = Math.max(from, dueMs);
    if (start >= until) return;
    const k = p.breachMultiplier * terms.weight;
    const piece = this.piece;
    if (start < saturatedMs) {
      piece.fill(0);
      piece[Coef.P1] = k / (terms.leadMs / DAY_MS);
      piece[Coef.P0] = -piece[Coef.P1] * this.days(dueMs);
      batch.span(start, Math.min(saturatedMs, until), piece);
    }
    if (saturatedMs < until) {
      piece.fill(0);
      piece[Coef.P0] = k;
      batch.span(Math.max(start, saturatedMs), until, piece);
    }
  }

  private emitFinding(record: FindingRecord, mode: DeltaMode): void {
    const finding = record.finding;
    if (finding === null || record.facts.length === 0) return;
    const piece = this.piece;
    const batch = this.batch;
    TRUST_BASES.forEach((basis, slot) => {
      const seg = this.resolveFindingOn(record, basis).segment;
      if (seg === null) return;
      batch.clear();
      piece.fill(0);
      if (mode === 'place' && seg.until > seg.from) piece[Coef.F] = seg.s0 * this.growth(seg.decayFrom, this.parameters.halfLifeFindingDays);
      batch.span(seg.from, seg.until, piece);
      const all = this.bases[slot].cityEvidence(finding.cityId).all.findings;
      const pair = finding.counterparty === null ? null : this.bases[slot].pairEvidence(finding.cityId, finding.counterparty).findings;
      this.flush(mode, record.owner, all, pair);
    });
  }

  /** Writes (or withdraws) the batch on the city's index and, when it names one, the pair's. */
  private flush(mode: DeltaMode, owner: number, all: TimeIndex, pair: TimeIndex | null): void {
    for (const index of pair === null ? [all] : [all, pair]) {
      if (mode === 'place') this.batch.placeInto(index, owner, this.rowScratch);
      else this.batch.withdrawFrom(index, owner);
    }
  }

  // ---------------------------------------------------------------------------------------------------- epoch

  private ensureEpoch(ms: number): void {
    if (this.epochMs === null) this.epochMs = ms;
  }

  private days(ms: number): number {
    return (ms - (this.epochMs ?? 0)) / DAY_MS;
  }

  /** 2^((t − E)/H), moving E first when t is too far from it. */
  private growth(t: number, halfLifeDays: number): number {
    const exponent = this.days(t) / Math.min(this.parameters.halfLifeCommitmentDays, this.parameters.halfLifeFindingDays);
    if (Math.abs(exponent) > MAX_GROWTH_EXPONENT) {
      // Move E only half-way: t lands at ±300 half-lives, so older evidence keeps room before it underflows.
      const halfWayMs = (MAX_GROWTH_EXPONENT / 2) * Math.min(this.parameters.halfLifeCommitmentDays, this.parameters.halfLifeFindingDays) * DAY_MS;
      this.rebase(t - Math.sign(exponent) * halfWayMs);
    }
    return 2 ** (this.days(t) / halfLifeDays);
  }

  private rebase(newEpochMs: number): void {
    const shiftDays = this.days(newEpochMs);
    const p = this.parameters;
    const commitment = 2 ** (-shiftDays / p.halfLifeCommitmentDays);
    const finding = 2 ** (-shiftDays / p.halfLifeFindingDays);
    const factors = [commitment, commitment, 1, 1, finding];
    for (const basis of this.bases) {
      for (const index of basis.indices()) index.rebase(factors, shiftDays);
    }
    this.epochMs = newEpochMs;
  }

  // ---------------------------------------------------------------------------------------------------- evaluation

  private resolveOptions(options: Omit<TrustQueryOptions, 'explain'>): { asOfMs: number; basis: TrustBasis } {
    const asOfMs = options.asOf === undefined ? this.clock.nowMs() : typeof options.asOf === 'number' ? options.asOf : parseInstant(options.asOf, 'asOf');
    const basis = options.basis ?? 'recorded';
    if (!TRUST_BASES.includes(basis)) throw new RangeError(`unknown trust basis ${String(basis)}`);
    return { asOfMs, basis };
  }

  private sumCity(basis: TrustBasis, city: string, asOfMs: number, out: CoefVector): void {
    const evidence = this.bases[basisSlot(basis)].city.get(city);
    if (evidence === undefined) out.fill(0);
    else evidence.all.sumAt(asOfMs, out);
  }

  private sumPair(basis: TrustBasis, obligor: string, counterparty: string, asOfMs: number, out: CoefVector): void {
    const index = this.bases[basisSlot(basis)].city.get(obligor)?.byCounterparty.get(counterparty);
    if (index === undefined) out.fill(0);
    else index.sumAt(asOfMs, out);
  }

  /** Decays the factored sums to asOf. Tiny negatives left by withdrawn evidence are rounding, not evidence. */
  private evaluate(c: CoefVector, asOfMs: number, withoutFindings: boolean): void {
    const p = this.parameters;
    const x = this.days(asOfMs);
    const commitmentDecay = 2 ** (-x / p.halfLifeCommitmentDays);
    const r = Math.max(0, c[Coef.R] * commitmentDecay);
    const sCommitments = Math.max(0, c[Coef.S] * commitmentDecay);
    const sFindings = withoutFindings ? 0 : Math.max(0, c[Coef.F] * 2 ** (-x / p.halfLifeFindingDays));
    const sProvisional = Math.max(0, c[Coef.P1] * x + c[Coef.P0]);
    this.evaluatedR = r;
    this.evaluatedS = sCommitments + sFindings + sProvisional;
  }

  /** `trusteeSums`: the trustee's city sums at asOf when the caller already has them. */
  private pairAt(truster: string, trustee: string, asOfMs: number, asOfIso: Instant, basis: TrustBasis, explain: boolean, trusteeSums?: CoefVector): TrustAnswer {
    const p = this.parameters;
    const [direct, scratchCity, rest] = this.scratch;
    this.sumPair(basis, trustee, truster, asOfMs, direct);
    const city = trusteeSums ?? scratchCity;
    if (trusteeSums === undefined) this.sumCity(basis, trustee, asOfMs, city);
    for (let k = 0; k < rest.length; k++) rest[k] = city[k] - direct[k];
    // Leave-one-out: the trustee's standing without the truster's own experience, so nothing counts twice.
    this.evaluate(rest, asOfMs, false);
    const baseRate = expectedTrust(this.evaluatedR, this.evaluatedS, p.baseRate, p);
    this.evaluate(direct, asOfMs, false);
    const answer = this.answer(this.evaluatedR, this.evaluatedS, baseRate, { kind: 'pair', truster, trustee }, asOfIso, basis);
    if (explain) this.explain(answer, trustee, truster, asOfMs, basis, false);
    return answer;
  }

  /** The opinion of TRUST_MODEL.md: b = r/(r+s+W), d = s/(r+s+W), u = W/(r+s+W), T = b + a·u. */
  private answer(r: number, s: number, baseRate: number, subject: TrustSubject, asOfIso: Instant, basis: TrustBasis): TrustAnswer {
    const total = r + s + this.parameters.priorWeight;
    const belief = r / total;
    const uncertainty = this.parameters.priorWeight / total;
    const trust = belief + baseRate * uncertainty;
    const confidence = 1 - uncertainty;
    return {
      subject,
      asOf: asOfIso,
      basis,
      r,
      s,
      belief,
      disbelief: s / total,
      uncertainty,
      baseRate,
      trust,
      confidence,
      interval: [belief, belief + uncertainty],
      band: bandOf(trust, confidence),
      score0To100: 100 * trust,
      parameterSet: this.parameters.id,
    };
  }

  private groupMembers(group: TrustGroup, asOfMs: number, basis: TrustBasis): string[] {
    const members = typeof group === 'string' ? this.membersAt(group, asOfMs, basis) : [...new Set(group.members)];
    if (members.length > MAX_TRUST_BODY_MEMBERS) throw new RangeError(`a trust group has at most ${MAX_TRUST_BODY_MEMBERS} members, got ${members.length}`);
    return members;
  }

  private membersAt(bodyId: string, asOfMs: number, basis: TrustBasis): string[] {
    const members = new Set<string>();
    for (const entry of this.bases[basisSlot(basis)].membership.get(bodyId) ?? []) {
      if (entry.key > asOfMs) break;
      if (entry.op === 'establish') {
        members.clear();
        for (const c of entry.cities) members.add(c);
      } else if (entry.op === 'admit') members.add(entry.cities[0]);
      else members.delete(entry.cities[0]);
    }
    return [...members].sort();
  }

  /** The rows behind an answer, evaluated at asOf; O(evidence of the trustee). `counterparty` narrows to a pair. */
  private explain(answer: TrustAnswer, obligor: string, counterparty: string | null, asOfMs: number, basis: TrustBasis, withoutFindings: boolean): void {
    const p = this.parameters;
    const rows: { key: number; row: TrustContribution }[] = [];
    const anomalies: Anomaly[] = [];
    const obligorNumber = this.cities.find(obligor);
    const owned = obligorNumber === undefined ? undefined : this.commitmentsByObligor[obligorNumber];
    // A counterparty the model never saw matches no commitment: -2 is neither a city number nor NO_CITY.
    const counterpartyNumber = counterparty === null ? null : (this.cities.find(counterparty) ?? NO_CITY - 1);
    for (let i = 0; owned !== undefined && i < owned.size; i++) {
      const commitment = owned.at(i);
      if (counterpartyNumber !== null && this.commitments.obligeeCityOf(commitment) !== counterpartyNumber) continue;
      const terms = this.commitments.terms(commitment);
      if (terms === null) continue;
      const resolution = this.resolveCommitmentOn(commitment, basis, terms);
      anomalies.push(...resolution.anomalies.filter((a) => a.key <= asOfMs));
      const common = { source: 'commitment' as const, commitmentId: terms.commitmentId, obligor: terms.obligor, obligee: terms.obligee, value: terms.value, weight: terms.weight };
      for (const seg of resolution.evidence) {
        if (seg.from > asOfMs || seg.until <= asOfMs) continue;
        const decay = 2 ** (-(asOfMs - seg.decayFrom) / DAY_MS / p.halfLifeCommitmentDays);
        const row: CommitmentContribution = {
          ...common,
          eventId: seg.eventId,
          at: instant(seg.from),
          outcome: seg.outcome,
          latenessRatio: seg.latenessRatio,
          quality: seg.quality,
          decay,
          r: seg.r0 * decay,
          s: seg.s0 * decay,
        };
        rows.push({ key: seg.from, row });
      }
      const dueMs = terms.dueMs + p.graceSeconds * 1000;
      for (const span of resolution.open) {
        if (span.from > asOfMs || span.until <= asOfMs || asOfMs <= dueMs) continue;
        const rho = (asOfMs - dueMs) / terms.leadMs;
        const at = Math.max(span.from, dueMs);
        const row: CommitmentContribution = {
          ...common,
          eventId: span.eventId,
          at: instant(at),
          outcome: 'open_overdue_provisional',
          latenessRatio: rho,
          quality: null,
          decay: 1,
          r: 0,
          s: p.breachMultiplier * terms.weight * Math.min(1, rho),
        };
        rows.push({ key: at, row });
      }
    }
    for (const record of this.findingsByCity.get(obligor) ?? []) {
      const facts = record.finding;
      if (facts === null || (counterparty !== null && facts.counterparty !== counterparty)) continue;
      const resolution = this.resolveFindingOn(record, basis);
      anomalies.push(...resolution.anomalies.filter((a) => a.key <= asOfMs));
      const seg = resolution.segment;
      if (withoutFindings || seg === null || seg.from > asOfMs || seg.until <= asOfMs) continue;
      const decay = 2 ** (-(asOfMs - seg.decayFrom) / DAY_MS / p.halfLifeFindingDays);
      const row: FindingContribution = {
        source: 'finding',
        eventId: seg.eventId,
        at: instant(seg.from),
        findingId: record.id,
        finding: facts.kind,
        severity: facts.severity,
        counterparty: facts.counterparty,
        decay,
        r: 0,
        s: seg.s0 * decay,
      };
      rows.push({ key: seg.from, row });
    }
    // Canonical order: instant, then event id.
    rows.sort((x, y) => x.key - y.key || (x.row.eventId < y.row.eventId ? -1 : x.row.eventId > y.row.eventId ? 1 : 0));
    const omitted = Math.max(0, rows.length - MAX_CONTRIBUTIONS);
    answer.contributions = rows.slice(omitted).map((x) => x.row);
    answer.omittedContributions = omitted;
    answer.anomalies = sortAnomalies(anomalies).slice(0, MAX_ANOMALIES);
  }
}

const LIFECYCLE_KINDS: readonly LifecycleKind[] = ['made', 'fulfilled', 'closed_short', 'defaulted', 'waived', 'reopened', 'finding', 'revoked'];
const MEMBERSHIP_OPS: readonly MembershipEntry['op'][] = ['establish', 'admit', 'remove'];

function slotOf(value: unknown): 0 | 1 {
  if (value !== 0 && value !== 1) throw new TrustSnapshotError(`basis slot ${String(value)} is unknown`);
  return value;
}

function fieldsOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TrustSnapshotError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function lifecycleFactOf(value: unknown): LifecycleFact {
  const f = fieldsOf(value, 'lifecycle fact');
  const kind = LIFECYCLE_KINDS.find((k) => k === f.kind);
  if (kind === undefined) throw new TrustSnapshotError(`lifecycle kind ${String(f.kind)} is unknown`);
  return {
    kind,
    recordedMs: expectFinite(f.recordedMs, 'fact recorded instant'),
    businessMs: expectFinite(f.businessMs, 'fact business instant'),
    seq: expectFinite(f.seq, 'fact stream order'),
    eventId: expectString(f.eventId, 'fact event id'),
    fraction: expectFinite(f.fraction, 'fact fraction'),
  };
}

/** A flat run of fields as tuples of `width`. */
function tuplesOf<T>(flat: readonly T[], width: number): T[][] {
  const tuples: T[][] = [];
  for (let at = 0; at < flat.length; at += width) tuples.push(flat.slice(at, at + width));
  return tuples;
}

/** Findings per snapshot row. */
const FINDINGS_PER_ROW = 2_000;

/** `[id, owner, finding, facts]` per finding of a capture's flat run of (record, finding, fact count). */
function findingTuples(flat: readonly (FindingRecord | FindingFacts | number | null)[], from: number, until: number): unknown[][] {
  const tuples: unknown[][] = [];
  for (let at = from; at < until; at += 3) {
    const record = flat[at] as FindingRecord;
    tuples.push([record.id, record.owner, flat[at + 1], record.facts.slice(0, flat[at + 2] as number)]);
  }
  return tuples;
}

function findingRecordOf(row: unknown[]): FindingRecord {
  const id = expectString(row[0], 'finding id');
  const owner = expectFinite(row[1], 'finding owner');
  if (!Number.isSafeInteger(owner) || owner >= 0) throw new TrustSnapshotError(`finding ${id} has a bad owner`);
  let finding: FindingFacts | null = null;
  if (row[2] !== null) {
    const f = fieldsOf(row[2], 'finding facts');
    const kind = FINDING_KINDS.find((k) => k === f.kind);
    if (kind === undefined) throw new TrustSnapshotError(`finding kind ${String(f.kind)} is unknown`);
    finding = {
      findingId: expectString(f.findingId, 'finding id'),
      cityId: expectString(f.cityId, 'finding city'),
      counterparty: f.counterparty === null ? null : expectString(f.counterparty, 'finding counterparty'),
      kind,
      severity: expectFinite(f.severity, 'finding severity'),
    };
  }
  const facts = expectArray(row[3], 'finding facts').map(lifecycleFactOf);
  if (facts.length > MAX_LIFECYCLE_EVENTS) throw new TrustSnapshotError(`finding ${id} has too many facts`);
  return { id, owner, finding, facts };
}

function membershipEntryOf(value: unknown): MembershipEntry {
  const e = fieldsOf(value, 'membership entry');
  const op = MEMBERSHIP_OPS.find((o) => o === e.op);
  if (op === undefined) throw new TrustSnapshotError(`membership op ${String(e.op)} is unknown`);
  const cities = expectArray(e.cities, 'membership cities').map((c) => expectString(c, 'membership city'));
  return { key: expectFinite(e.key, 'membership instant'), seq: expectFinite(e.seq, 'membership order'), op, cities };
}

function sortAnomalies(list: Anomaly[]): TrustAnomaly[] {
  return list
    .sort((x, y) => x.key - y.key || (x.eventId < y.eventId ? -1 : x.eventId > y.eventId ? 1 : 0))
    .map((a) => ({ eventId: a.eventId, subject: a.subject, at: instant(a.key), reason: a.reason }));
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}


