/**
 * A deterministic generator of realistic ledgers: cities in coordination bodies (China's urban clusters), their
 * agreements, commitments of every kind with their fates, incidents with claims and assessments, findings, fund money
 * and transfers. It is a discrete-event simulation over business time: every action is a command decided by the
 * REAL pure decider of its stream, with the context its command handler would build (agreement terms in force,
 * body members, balances for the treasury), appended with the expected revision. The same options give the same
 * events, ids and instants included.
 */
import { DEFAULT_COMPENSATION_RULES, agreementDecider, agreementTermsAt, type AgreementCommand, type AgreementTermsInput } from '../../../domain/src/governance/agreement.js';
import { bodyDecider, type BodyCommand } from '../../../domain/src/governance/body.js';
import { cityDecider, type CityCommand } from '../../../domain/src/governance/city.js';
import { commitmentDecider, deadlinesDue, type CommitmentCommand } from '../../../domain/src/governance/commitment.js';
import {
  FINDING_KINDS,
  RISK_CATEGORIES,
  streams,
  type CommitmentKind,
  type FindingKind,
  type IncidentRole,
  type Obligee,
  type Promise_,
  type RiskCategory,
} from '../../../domain/src/governance/events.js';
import { findingDecider, type FindingCommand } from '../../../domain/src/governance/finding.js';
import { compensationStreams, type IncidentScenario, type Obligation, type Party, type TransferForm } from '../../../domain/src/compensation/events.js';
import { fundDecider, type FundCommand } from '../../../domain/src/compensation/fund.js';
import { incidentDecider, type IncidentAgreementContext, type IncidentCommand } from '../../../domain/src/compensation/incident.js';
import { treasuryDecider, type TreasuryCommand, type TreasuryState } from '../../../domain/src/compensation/treasury.js';
import type { IncidentFinding } from '../../../domain/src/compensation/assessment.js';
import type { Decider } from '../../../domain/src/shared/decider.js';
import { DomainError } from '../../../domain/src/shared/errors.js';
import { fromMinor, toMinor } from '../../../domain/src/shared/money.js';
import { DAY_MS, instant, parseInstant } from '../../../domain/src/shared/time.js';
import type { TreasuryEvent } from '../../../domain/src/compensation/events.js';
import type { FakeClock } from '../../../event-store/src/clock.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { proposeBodySettlement, settlementContext } from '../../../projections/src/settlement/settlement.queries.js';
import { citiesOf, type Place } from './places.js';
import { Prng, subSeed } from './random.js';
import { issuers, LedgerWriter, type Issuer } from './writer.js';

const HOUR_MS = 3_600_000;
const CURRENCY = 'CNY';
/** Hard bound on simulated actions: a run ends long before it on any sane option set. */
const MAX_ACTIONS = 50_000_000;
export const MAX_GENERATED_EVENTS = 20_000_000;

/** A coordination body to generate: its id, name and member cities (all of which are registered first). */
export interface BodyPlan {
  id: string;
  name: string;
  members: readonly string[];
}

export interface GenerateOptions {
  /** Default 42. */
  seed?: number;
  /** Events to write (the run stops at the first command that reaches it). Default 1,000,000. */
  events?: number;
  /** Cities and bodies of a large run (ignored when `plan` is given). Default 700 in 40. */
  cities?: number;
  bodies?: number;
  /** Explicit cities and bodies (the demo's). */
  plan?: { cities: readonly Place[]; bodies: readonly BodyPlan[] };
  /** The last instant of business time. Default 2026-07-01T00:00:00Z. */
  anchor?: string;
  /** Business time spans this many years before the anchor. Default 3. */
  years?: number;
  /** The store's clock (see WriterOptions.clock). */
  clock?: FakeClock | null;
  /** Called every `progressEvery` events. */
  onProgress?: (appended: number, atIso: string) => void;
  progressEvery?: number;
}

export interface GenerationReport {
  seed: number;
  events: number;
  commands: number;
  cities: number;
  bodies: number;
  from: string;
  /** Business instant of the last action run. */
  to: string;
  byType: Record<string, number>;
  /** Commands the deciders refused (by code): the run records nothing for them, as the ledger would not. */
  refused: Record<string, number>;
  /** Chain hash of the last event (when the generator set the store's clock), else null. */
  headHash: string | null;
  headPosition: string | null;
}

export const DEFAULT_ANCHOR = '2026-07-01T00:00:00.000Z';

interface AgreementModel {
  id: string;
  parties: string[];
  categories: RiskCategory[];
  terminatedAtMs: number | null;
}

interface BodyModel {
  id: string;
  name: string;
  members: string[];
  pending: string[];
  agreements: AgreementModel[];
  openIncidents: string[];
  counter: number;
}

interface IncidentModel {
  id: string;
  body: BodyModel;
  findings: (IncidentFinding & { revoked: boolean })[];
}

interface Action {
  at: number;
  seq: number;
  run: (at: number) => Promise<void>;
}

/** A binary min-heap of actions by (instant, insertion order): ties run in the order they were scheduled. */
class Agenda {
  private readonly heap: Action[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(at: number, run: (at: number) => Promise<void>): void {
    const a: Action = { at: Math.floor(at), seq: this.seq++, run };
    const h = this.heap;
    h.push(a);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Action, h[p] as Action)) break;
      [h[i], h[p]] = [h[p] as Action, h[i] as Action];
      i = p;
    }
  }

  pop(): Action | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l] as Action, h[m] as Action)) m = l;
      if (r < h.length && before(h[r] as Action, h[m] as Action)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Action, h[i] as Action];
      i = m;
    }
    return top;
  }
}

const before = (a: Action, b: Action): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const KIND_WEIGHTS: Readonly<Record<CommitmentKind, number>> = {
  information_report: 20,
  supplies: 15,
  personnel: 10,
  equipment: 10,
  funding: 10,
  response: 12,
  drill: 10,
  training: 7,
  platform: 6,
};

const KIND_TERMS: Readonly<Record<CommitmentKind, { label: string; unit: string; max: number }>> = {
  information_report: { label: '险情信息通报 hazard information reports', unit: 'reports', max: 12 },
  supplies: { label: '防汛物资 flood-control supplies', unit: 'tonnes', max: 400 },
  personnel: { label: '救援队伍 rescue teams', unit: 'teams', max: 12 },
  equipment: { label: '应急装备 emergency equipment', unit: 'units', max: 40 },
  funding: { label: '专项资金 special funding', unit: 'CNY', max: 0 },
  response: { label: '联合响应 joint response', unit: 'responses', max: 3 },
  drill: { label: '联合演练 joint drills', unit: 'drills', max: 4 },
  training: { label: '专业人才培训 specialist training', unit: 'sessions', max: 10 },
  platform: { label: '应急平台搭建 emergency platform modules', unit: 'modules', max: 5 },
};

type Fate = 'on_time' | 'late' | 'close_short' | 'declared' | 'deadline' | 'waived' | 'disputed';
const FATES: Readonly<Record<Fate, number>> = { on_time: 58, late: 12, close_short: 7, declared: 5, deadline: 6, waived: 5, disputed: 7 };

const DUTIES = [
  '24小时内通报险情 report hazards within 24 hours',
  '共享监测数据 share monitoring data',
  '储备防汛物资 keep flood-control supplies in reserve',
  '派遣救援队伍 send rescue teams on request',
  '参加联合演练 take part in joint drills',
  '承担应急平台建设 build and run the joint emergency platform',
  '培训专业人才 train specialists for member cities',
  '按协议缴纳专项基金 pay into the special fund as agreed',
] as const;

const INCENTIVE_SOURCES = ['应急管理部 Ministry of Emergency Management', '财政部 Ministry of Finance', '省人民政府 Provincial People’s Government', '国家防总 State Flood Control Headquarters'] as const;
const SEVERITIES = [0.5, 1, 1.5, 2, 2.5, 3] as const;
const IN_KIND: readonly TransferForm[] = ['training', 'platform', 'personnel', 'equipment'];

/**
 * Fraction of the event budget per process, and the events each arrival brings on average (measured on runs); the
 * remaining sixth is transfers, which follow from obligations.
 */
const SHARES = { commitment: { share: 0.68, events: 3.8 }, incident: { share: 0.085, events: 10.5 }, finding: { share: 0.03, events: 1.1 }, money: { share: 0.035, events: 1 } } as const;
/** Arrival rates run a little fast, so that the budget (not the anchor) ends a run. */
const OVERSHOOT = 1.04;

/** Writes a generated ledger into an empty store; resolves with what it wrote. */
export async function generateLedger(store: EventStore, options: GenerateOptions = {}): Promise<GenerationReport> {
  const seed = options.seed ?? 42;
  const target = options.events ?? 1_000_000;
  if (!Number.isSafeInteger(target) || target < 1 || target > MAX_GENERATED_EVENTS) throw new RangeError(`events must be an integer between 1 and ${MAX_GENERATED_EVENTS}`);
  const anchorMs = parseInstant(options.anchor ?? DEFAULT_ANCHOR, 'anchor');
  const years = options.years ?? 3;
  if (!(years > 0 && years <= 30)) throw new RangeError('years must lie in (0, 30]');
  const startMs = anchorMs - Math.round(years * 365 * DAY_MS);
  const plan = options.plan ?? largePlan(options.cities ?? 700, options.bodies ?? 40);
  const balances = new BalancesReadModel();
  const writer = await LedgerWriter.open(store, { seed: subSeed(seed, 'ids'), clock: options.clock ?? null, readModels: [balances] });
  const rng = new Prng(subSeed(seed, 'business'));
  const agenda = new Agenda();
  const refused = new Map<string, number>();
  const names = new Map(plan.cities.map((c) => [c.id, c.name]));
  const treasuries = new Map<string, Decider<TreasuryCommand, TreasuryEvent, TreasuryState>>();
  const treasuryOf = (bodyId: string): Decider<TreasuryCommand, TreasuryEvent, TreasuryState> => {
    let d = treasuries.get(bodyId);
    if (d === undefined) treasuries.set(bodyId, (d = treasuryDecider(bodyId)));
    return d;
  };
  const counters = { commitment: 0, incident: 0, claim: 0, finding: 0, money: 0, transfer: 0 };
  const iso = instant;
  const amount = (minYuan: number, maxYuan: number): bigint => BigInt(rng.int(minYuan, maxYuan)) * 100n + BigInt(rng.int(0, 99));
  const cny = (minor: bigint): string => fromMinor(minor, CURRENCY);

  /** Runs one command; a refusal is counted and skipped (the ledger would have answered 4xx and written nothing). */
  async function attempt<C, E extends { type: string; data: unknown }, S>(stream: string, decider: Decider<C, E, S>, issuer: Issuer, at: number, build: (nowMs: number) => C): Promise<E[] | null> {
    try {
      return await writer.execute(stream, decider, issuer, at, build);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.set(error.code, (refused.get(error.code) ?? 0) + 1);
      return null;
    }
  }

  // ---- setup: cities, bodies, funds, agreements -------------------------------------------------------------------
  let t = startMs;
  const admin = issuers.admin();
  for (const city of plan.cities) {
    t += rng.int(1, 30) * 60_000;
    await attempt(streams.city(city.id), cityDecider, admin, t, (nowMs): CityCommand => ({
      type: 'RegisterCity', cityId: city.id, name: city.name, level: city.level, region: regionOf(plan.bodies, city.id), occurredAt: iso(t), nowMs, by: admin.party,
    }));
  }
  const bodies: BodyModel[] = [];
  for (const b of plan.bodies) {
    t += rng.int(1, 12) * HOUR_MS;
    // Larger bodies admit their last member later: membership changes are part of the history too.
    const founding = b.members.length >= 5 ? b.members.slice(0, -1) : [...b.members];
    const pending = b.members.length >= 5 ? b.members.slice(-1) : [];
    const offices = rng.sample(RISK_CATEGORIES, rng.int(3, 5)).map((riskCategory) => ({ riskCategory, name: `${officeName(riskCategory)}` }));
    await attempt(streams.body(b.id), bodyDecider, admin, t, (nowMs): BodyCommand => ({
      type: 'EstablishBody', bodyId: b.id, name: b.name, members: founding, offices, registeredCityIds: [...b.members], occurredAt: iso(t), nowMs, by: admin.party,
    }));
    bodies.push({ id: b.id, name: b.name, members: founding, pending, agreements: [], openIncidents: [], counter: 0 });
  }
  for (const body of bodies) {
    t += rng.int(1, 6) * HOUR_MS;
    await attempt(compensationStreams.fund(body.id), fundDecider, issuers.finance('fund', body.id), t, (): FundCommand => ({
      type: 'EstablishFund', bodyId: body.id, currency: CURRENCY, occurredAt: iso(t), context: { bodyExists: true },
    }));
  }
  for (const body of bodies) {
    const count = body.members.length >= 6 ? rng.int(2, 4) : 1;
    for (let a = 0; a < count; a++) {
      t += rng.int(1, 24) * HOUR_MS;
      const parties = a === 0 ? [...body.members] : rng.sample(body.members, rng.int(2, Math.min(10, body.members.length)));
      const categories: RiskCategory[] = a === 0 ? ['natural_disaster', ...rng.sample(RISK_CATEGORIES.slice(1), rng.int(1, 3))] : rng.sample(RISK_CATEGORIES, rng.int(1, 2));
      const id = `${body.id}-${a === 0 ? 'framework' : `pact-${a}`}`;
      const coordinator = issuers.body(body.id);
      const concluded = await attempt(streams.agreement(id), agreementDecider, coordinator, t, (nowMs): AgreementCommand => ({
        type: 'ConcludeAgreement',
        agreementId: id,
        bodyId: body.id,
        title: a === 0 ? `${body.name} 跨域风险协同治理框架协议 framework agreement on cross-jurisdiction risk` : `${body.name} ${officeName(categories[0] ?? 'natural_disaster')} pact ${a}`,
        parties,
        terms: termsFor(rng, parties, categories, iso(startMs + DAY_MS), a === 0 ? undefined : { fundCover: '0.60', benefitShareRate: '0.08' }),
        body: { bodyId: body.id, members: [...body.members] },
        occurredAt: iso(t),
        nowMs,
        by: coordinator.party,
      }));
      if (concluded !== null) body.agreements.push({ id, parties, categories, terminatedAtMs: null });
    }
  }
  const businessFrom = startMs + 2 * DAY_MS;
  const span = anchorMs - businessFrom;

  // ---- arrival processes -----------------------------------------------------------------------------------------
  const budget = Math.max(0, target - writer.appended);
  const mean = (share: number, perArrival: number): number => span / Math.max(1, (budget * share * OVERSHOOT) / perArrival);
  const totalMembers = bodies.reduce((s, b) => s + b.members.length + b.pending.length, 0);
  const pickBody = (): BodyModel => {
    let r = rng.next() * totalMembers;
    for (const b of bodies) {
      r -= b.members.length + b.pending.length;
      if (r < 0) return b;
    }
    return bodies[bodies.length - 1] as BodyModel;
  };
  const gap = (meanMs: number): number => -Math.log(1 - rng.next()) * meanMs;
  function every(meanMs: number, act: (at: number) => Promise<void>): void {
    const next = async (at: number): Promise<void> => {
      agenda.add(at + gap(meanMs), next);
      await act(at);
    };
    agenda.add(businessFrom + gap(meanMs), next);
  }
  if (bodies.length > 0) {
    every(mean(SHARES.commitment.share, SHARES.commitment.events), (at) => makeCommitment(pickBody(), at));
    every(mean(SHARES.incident.share, SHARES.incident.events), (at) => openIncident(pickBody(), at));
    every(mean(SHARES.finding.share, SHARES.finding.events), (at) => recordFinding(pickBody(), at, null, null));
    every(mean(SHARES.money.share, SHARES.money.events), (at) => moneyIn(pickBody(), at));
  }
  for (const body of bodies) {
    for (const city of body.pending) agenda.add(businessFrom + span * (0.2 + 0.2 * rng.next()), (at) => admit(body, city, at));
    const framework = body.agreements[0];
    if (framework !== undefined) agenda.add(businessFrom + span * (0.45 + 0.1 * rng.next()), (at) => amend(body, framework, at));
    for (const pact of body.agreements.slice(1)) {
      if (rng.chance(0.25)) agenda.add(businessFrom + span * (0.6 + 0.3 * rng.next()), (at) => terminate(body, pact, at));
    }
    for (let year = 1; businessFrom + year * 365 * DAY_MS < anchorMs; year++) {
      agenda.add(businessFrom + year * 365 * DAY_MS - rng.int(1, 20) * DAY_MS, (at) => settle(body, at, year));
    }
  }

  // ---- governance ------------------------------------------------------------------------------------------------
  async function admit(body: BodyModel, cityId: string, at: number): Promise<void> {
    const events = await attempt(streams.body(body.id), bodyDecider, admin, at, (nowMs): BodyCommand => ({ type: 'AdmitMember', bodyId: body.id, cityId, cityRegistered: true, occurredAt: iso(at), nowMs, by: admin.party }));
    if (events !== null) {
      body.members.push(cityId);
      body.pending = body.pending.filter((c) => c !== cityId);
    }
  }

  async function amend(body: BodyModel, agreement: AgreementModel, at: number): Promise<void> {
    const coordinator = issuers.body(body.id);
    await attempt(streams.agreement(agreement.id), agreementDecider, coordinator, at, (nowMs): AgreementCommand => ({
      type: 'AmendAgreement',
      agreementId: agreement.id,
      effectiveFrom: iso(at),
      terms: termsFor(rng, agreement.parties, agreement.categories, iso(startMs + DAY_MS), { fundCover: '0.60', thetaBase: '0.55' }),
      reason: '年度评估后提高基金分担比例 the annual evaluation raised the fund’s share of response costs',
      occurredAt: iso(at),
      nowMs,
      by: coordinator.party,
    }));
  }

  async function terminate(body: BodyModel, agreement: AgreementModel, at: number): Promise<void> {
    const coordinator = issuers.body(body.id);
    const done = await attempt(streams.agreement(agreement.id), agreementDecider, coordinator, at, (nowMs): AgreementCommand => ({
      type: 'TerminateAgreement', agreementId: agreement.id, reason: '并入框架协议 merged into the framework agreement', occurredAt: iso(at), nowMs, by: coordinator.party,
    }));
    if (done !== null) agreement.terminatedAtMs = at;
  }

  async function makeCommitment(body: BodyModel, at: number): Promise<void> {
    const inForce = body.agreements.filter((a) => a.terminatedAtMs === null);
    if (inForce.length === 0) return;
    const agreement = rng.pick(inForce);
    const kind = rng.weighted(KIND_WEIGHTS);
    const obligor = rng.pick(agreement.parties);
    const others = agreement.parties.filter((p) => p !== obligor);
    const obligee: Obligee =
      kind === 'funding' ? (rng.chance(0.7) ? { kind: 'fund', id: body.id } : { kind: 'body', id: body.id }) : rng.chance(0.7) && others.length > 0 ? { kind: 'city', id: rng.pick(others) } : { kind: 'body', id: body.id };
    const terms = KIND_TERMS[kind];
    const promise: Promise_ = kind === 'funding' ? { kind: 'money', amount: cny(amount(50_000, 3_000_000)), currency: CURRENCY } : { kind: 'quantity', quantity: String(rng.int(1, terms.max)), unit: terms.unit };
    const value = promise.kind === 'money' ? promise.amount : cny(amount(10_000, 2_000_000));
    const dueMs = at + rng.int(7, 120) * DAY_MS;
    const open = body.openIncidents;
    const incidentId = open.length > 0 && (kind === 'response' || kind === 'supplies' || kind === 'personnel') && rng.chance(0.3) ? rng.pick(open) : null;
    const id = `${body.id}-c${++body.counter}`;
    counters.commitment++;
    const coordinator = issuers.body(body.id);
    const stream = streams.commitment(id);
    const agreementState = writer.stateOf(streams.agreement(agreement.id), agreementDecider);
    const made = await attempt(stream, commitmentDecider, coordinator, at, (nowMs): CommitmentCommand => ({
      type: 'MakeCommitment',
      commitmentId: id,
      agreementId: agreement.id,
      obligor,
      obligee,
      kind,
      description: `${terms.label} — ${names.get(obligor) ?? obligor} → ${obligee.kind === 'city' ? (names.get(obligee.id) ?? obligee.id) : `${obligee.kind} ${obligee.id}`}`,
      promise,
      value: { amount: value, currency: CURRENCY },
      dueAt: iso(dueMs),
      incidentId,
      agreement: agreementTermsAt(agreementState, at),
      obligeeFund: obligee.kind === 'fund' ? { fundId: body.id, bodyId: body.id } : null,
      occurredAt: iso(at),
      nowMs,
      by: coordinator.party,
    }));
    if (made === null) return;
    const grace = agreementTermsAt(agreementState, at)?.overdueGraceSeconds ?? 0;
    const defaultAfter = agreementTermsAt(agreementState, at)?.defaultAfterSeconds ?? 0;
    scheduleFate(body, id, obligor, obligee, promise, at, dueMs, dueMs + grace * 1000, dueMs + defaultAfter * 1000);
  }

  function scheduleFate(body: BodyModel, id: string, obligor: string, obligee: Obligee, promise: Promise_, madeAt: number, dueMs: number, overdueMs: number, defaultMs: number): void {
    const stream = streams.commitment(id);
    const coordinator = issuers.body(body.id);
    const deliverer = rng.chance(0.7) ? issuers.city(obligor) : coordinator;
    const obligeeSide = obligee.kind === 'city' ? issuers.city(obligee.id) : coordinator;
    let deliveries = 0;
    const deliver = (at: number, quantity: string, last: boolean): void =>
      agenda.add(at, async (when) => {
        const n = ++deliveries;
        await attempt(stream, commitmentDecider, deliverer, when, (nowMs): CommitmentCommand => ({
          type: 'RecordDelivery', commitmentId: id, deliveryId: `d${n}`, quantity, evidenceRef: `回执 receipt ${id}/d${n}`, occurredAt: iso(when), nowMs, by: deliverer.party,
        }));
        if (last) writer.forget(stream);
      });
    const deadlines = (at: number, last: boolean): void =>
      agenda.add(at, async (when) => {
        const state = writer.stateOf(stream, commitmentDecider);
        const process = issuers.deadlines();
        for (const due of deadlinesDue(state, when)) {
          await attempt(stream, commitmentDecider, process, parseInstant(due.occurredAt), (nowMs): CommitmentCommand => ({ ...due, nowMs }));
        }
        if (last) writer.forget(stream);
      });
    const coordinatorAct = (at: number, build: (when: number, nowMs: number) => CommitmentCommand, last: boolean): void =>
      agenda.add(at, async (when) => {
        await attempt(stream, commitmentDecider, coordinator, when, (nowMs) => build(when, nowMs));
        if (last) writer.forget(stream);
      });
    const parts = splitPromise(rng, promise, rng.int(1, 3));
    const window = Math.max(HOUR_MS, dueMs - madeAt);
    const fate = rng.weighted(FATES);
    switch (fate) {
      case 'on_time':
        parts.forEach((q, i) => deliver(madeAt + (window * (i + 1)) / (parts.length + 1), q, i === parts.length - 1));
        return;
      case 'late':
        parts.slice(0, -1).forEach((q, i) => deliver(madeAt + (window * (i + 1)) / (parts.length + 1), q, false));
        deadlines(overdueMs, false);
        deliver(overdueMs + HOUR_MS + rng.next() * (defaultMs - overdueMs) * 0.8, parts[parts.length - 1] ?? '1', true);
        return;
      case 'close_short':
      case 'declared': {
        const partial = partialOf(rng, promise);
        if (fate === 'close_short' || rng.chance(0.4)) deliver(madeAt + window / 2, partial, false);
        deadlines(overdueMs, false);
        const closeAt = overdueMs + rng.int(1, 10) * DAY_MS;
        if (fate === 'close_short') {
          coordinatorAct(closeAt, (when, nowMs) => ({ type: 'CloseShort', commitmentId: id, reason: '接受部分履行 the body accepts the partial delivery as final', occurredAt: iso(when), nowMs, by: coordinator.party }), true);
        } else {
          coordinatorAct(closeAt, (when, nowMs) => ({ type: 'DeclareDefault', commitmentId: id, note: '经催告仍未履行 not delivered after a formal reminder', occurredAt: iso(when), nowMs, by: coordinator.party }), true);
        }
        return;
      }
      case 'deadline':
        deadlines(overdueMs, false);
        deadlines(defaultMs, true);
        return;
      case 'waived': {
        const waiver = obligee.kind === 'city' && rng.chance(0.5) ? obligeeSide : coordinator;
        agenda.add(madeAt + window / 2, async (when) => {
          await attempt(stream, commitmentDecider, waiver, when, (nowMs): CommitmentCommand => ({
            type: 'WaiveCommitment', commitmentId: id, reason: '险情解除，不再需要 the hazard passed; no longer needed', occurredAt: iso(when), nowMs, by: waiver.party,
          }));
          writer.forget(stream);
        });
        return;
      }
      case 'disputed': {
        const whole = promise.kind === 'money' ? promise.amount : promise.quantity;
        deliver(madeAt + window / 2, whole, false);
        const disputeAt = madeAt + window / 2 + rng.int(1, 5) * DAY_MS;
        agenda.add(disputeAt, async (when) => {
          await attempt(stream, commitmentDecider, obligeeSide, when, (nowMs): CommitmentCommand => ({
            type: 'DisputeDelivery', commitmentId: id, deliveryId: 'd1', disputeId: 'x1', reason: '到货数量与回执不符 quantity received differs from the receipt', occurredAt: iso(when), nowMs, by: obligeeSide.party,
          }));
        });
        const upheld = rng.chance(0.4);
        const resolveAt = disputeAt + rng.int(3, 10) * DAY_MS;
        coordinatorAct(
          resolveAt,
          (when, nowMs) => ({ type: 'ResolveDispute', commitmentId: id, disputeId: 'x1', outcome: upheld ? 'upheld' : 'rejected', note: upheld ? '核查属实 verified on inspection' : '回执有效 the receipt stands', occurredAt: iso(when), nowMs, by: coordinator.party }),
          !upheld,
        );
        if (upheld) deliver(resolveAt + rng.int(2, 10) * DAY_MS, whole, true);
        return;
      }
    }
  }

  // ---- findings --------------------------------------------------------------------------------------------------
  async function recordFinding(body: BodyModel, at: number, incident: IncidentModel | null, subject: { cityId: string; kind: FindingKind } | null): Promise<void> {
    if (body.members.length < 2) return;
    const cityId = subject?.cityId ?? rng.pick(body.members);
    const kind = subject?.kind ?? rng.pick(FINDING_KINDS);
    const others = body.members.filter((m) => m !== cityId);
    const counterpartyCityId = rng.chance(0.4) && others.length > 0 ? rng.pick(others) : null;
    const penalty = rng.chance(0.3) ? { amount: cny(amount(10_000, 500_000)), currency: CURRENCY } : null;
    const severity = rng.pick(SEVERITIES);
    const findingId = `${body.id}-f${++counters.finding}`;
    const coordinator = issuers.body(body.id);
    const recorded = await attempt(streams.finding(findingId), findingDecider, coordinator, at, (nowMs): FindingCommand => ({
      type: 'RecordFinding',
      findingId,
      bodyId: body.id,
      cityId,
      counterpartyCityId,
      kind,
      severity,
      incidentId: incident?.id ?? null,
      penalty,
      description: `${findingLabel(kind)} — ${names.get(cityId) ?? cityId}`,
      body: { bodyId: body.id, members: [...body.members] },
      occurredAt: iso(at),
      nowMs,
      by: coordinator.party,
    }));
    if (recorded === null) return;
    const entry = { findingId, cityId, kind, revoked: false };
    incident?.findings.push(entry);
    if (rng.chance(0.08)) {
      agenda.add(at + rng.int(10, 60) * DAY_MS, async (when) => {
        const revoked = await attempt(streams.finding(findingId), findingDecider, coordinator, when, (nowMs): FindingCommand => ({
          type: 'RevokeFinding', findingId, reason: '申诉成立 upheld on appeal', occurredAt: iso(when), nowMs, by: coordinator.party,
        }));
        if (revoked !== null) entry.revoked = true;
        writer.forget(streams.finding(findingId));
      });
    } else {
      writer.forget(streams.finding(findingId));
    }
    if (penalty !== null && rng.chance(0.7)) {
      agenda.add(at + rng.int(10, 90) * DAY_MS, (when) => payObligation(`penalty-${findingId}`, when));
    }
  }

  // ---- incidents -------------------------------------------------------------------------------------------------
  async function openIncident(body: BodyModel, at: number): Promise<void> {
    const candidates = body.agreements.filter((a) => a.terminatedAtMs === null && a.parties.length >= 3);
    if (candidates.length === 0) return;
    const agreement = rng.pick(candidates);
    const scenario = rng.weighted<IncidentScenario>({ spreads_from_one_city: 50, hazard_and_exposure_apart: 30, spans_several_cities: 20 });
    const originCount = scenario === 'spans_several_cities' ? Math.min(rng.int(2, 3), agreement.parties.length - 1) : 1;
    if (scenario === 'spans_several_cities' && originCount < 2) return;
    const shuffled = rng.sample(agreement.parties, agreement.parties.length);
    const origins = shuffled.slice(0, originCount);
    const affected = shuffled.slice(originCount, originCount + rng.int(1, Math.min(4, shuffled.length - originCount)));
    const incidentId = `${body.id}-i${++counters.incident}`;
    const stream = compensationStreams.incident(incidentId);
    const coordinator = issuers.body(body.id);
    const context = incidentAgreement(writer.stateOf(streams.agreement(agreement.id), agreementDecider), at);
    const riskCategory = rng.pick(agreement.categories);
    const opened = await attempt(stream, incidentDecider, coordinator, at, (): IncidentCommand => ({
      type: 'OpenIncident',
      incidentId,
      agreementId: agreement.id,
      riskCategory,
      scenario,
      originCities: origins,
      affectedCities: affected,
      description: `${officeName(riskCategory)}: ${origins.map((o) => names.get(o) ?? o).join('、')} → ${affected.map((a) => names.get(a) ?? a).join('、')}`,
      occurredAt: iso(at),
      context: { agreement: context },
    }));
    if (opened === null) return;
    const incident: IncidentModel = { id: incidentId, body, findings: [] };
    body.openIncidents.push(incidentId);
    const claimants = [...affected];
    const spare = shuffled.slice(originCount + affected.length);
    if (spare.length > 0 && rng.chance(0.25)) {
      const added = rng.pick(spare);
      claimants.push(added);
      agenda.add(at + rng.int(1, 3) * DAY_MS, async (when) => {
        await attempt(stream, incidentDecider, coordinator, when, (): IncidentCommand => ({ type: 'AddAffectedCity', cityId: added, occurredAt: iso(when), context: { agreementParties: [...agreement.parties] } }));
      });
    }
    for (const cityId of claimants) {
      const claims = rng.int(1, 2);
      for (let k = 0; k < claims; k++) {
        const claimId = `cl${++counters.claim}`;
        const claimed = amount(50_000, 3_000_000);
        const claimAt = at + rng.int(4, 25) * DAY_MS;
        const officer = issuers.city(cityId);
        agenda.add(claimAt, async (when) => {
          const ok = await attempt(stream, incidentDecider, officer, when, (): IncidentCommand => ({
            type: 'ClaimResponseCost', claimId, cityId, amount: cny(claimed), evidenceRef: `支出凭证 vouchers ${incidentId}/${claimId}`, occurredAt: iso(when), context: { actorCityId: cityId },
          }));
          if (ok === null) return;
          const reject = rng.chance(0.12);
          const verified = (claimed * BigInt(rng.int(60, 100))) / 100n;
          agenda.add(when + rng.int(3, 8) * DAY_MS, async (w) => {
            await attempt(stream, incidentDecider, coordinator, w, (): IncidentCommand =>
              reject
                ? { type: 'RejectClaim', claimId, reason: '凭证不足 the vouchers do not support the claim', occurredAt: iso(w) }
                : { type: 'VerifyClaim', claimId, verifiedAmount: cny(verified), note: '第三方核验 verified by the third-party evaluator', occurredAt: iso(w) },
            );
          });
        });
      }
    }
    if (rng.chance(0.75)) {
      agenda.add(at + rng.int(20, 34) * DAY_MS, async (when) => {
        await attempt(stream, incidentDecider, coordinator, when, (): IncidentCommand => ({
          type: 'RecordAvertedLoss', assessor: '第三方评估机构 independent evaluator', avertedLoss: cny(amount(1_000_000, 80_000_000)), reportRef: `评估报告 report ${incidentId}`, occurredAt: iso(when),
        }));
      });
    }
    if (rng.chance(0.3)) {
      const onOrigin = rng.chance(0.7);
      const subject = onOrigin ? { cityId: rng.pick(origins), kind: rng.pick<FindingKind>(['late_report', 'concealment', 'false_report', 'slow_response']) } : { cityId: rng.pick(affected), kind: rng.pick<FindingKind>(['non_cooperation', 'refusal_to_join_joint_action']) };
      agenda.add(at + rng.int(5, 30) * DAY_MS, (when) => recordFinding(body, when, incident, subject));
    }
    agenda.add(at + rng.int(40, 70) * DAY_MS, async (when) => {
      const standing = incident.findings.filter((f) => !f.revoked).map(({ findingId, cityId, kind }) => ({ findingId, cityId, kind }));
      const closed = await attempt(stream, incidentDecider, coordinator, when, (): IncidentCommand => ({ type: 'CloseIncident', occurredAt: iso(when), context: { fundId: body.id, findings: standing } }));
      body.openIncidents = body.openIncidents.filter((i) => i !== incidentId);
      writer.forget(stream);
      const assessed = closed?.find((e) => e.type === 'IncidentAssessed');
      if (assessed?.type === 'IncidentAssessed') scheduleObligations(assessed.data.obligations, when);
    });
  }

  function scheduleObligations(obligations: readonly Obligation[], at: number): void {
    for (const o of obligations) {
      if (rng.chance(0.8)) agenda.add(at + rng.int(5, 60) * DAY_MS, (when) => payObligation(o.obligationId, when));
    }
  }

  // ---- money -----------------------------------------------------------------------------------------------------
  async function moneyIn(body: BodyModel, at: number): Promise<void> {
    const n = ++counters.money;
    const issuer = issuers.finance('fund', body.id);
    if (rng.chance(0.15)) {
      await attempt(compensationStreams.fund(body.id), fundDecider, issuer, at, (): FundCommand => ({
        type: 'ReceiveThirdPartyIncentive', incentiveId: `tp${n}`, source: rng.pick(INCENTIVE_SOURCES), amount: cny(amount(1_000_000, 20_000_000)), reference: `拨款文件 grant notice ${n}`, occurredAt: iso(at),
      }));
      return;
    }
    const cityId = rng.pick(body.members);
    await attempt(compensationStreams.fund(body.id), fundDecider, issuer, at, (): FundCommand => ({
      type: 'ReceiveMemberContribution', contributionId: `mc${n}`, cityId, amount: cny(amount(200_000, 5_000_000)), reference: `缴款单 remittance ${n}`, occurredAt: iso(at), context: { bodyMembers: [...body.members] },
    }));
  }

  async function payObligation(obligationId: string, at: number): Promise<void> {
    const obligation = balances.obligationContext(obligationId);
    if (obligation === null) return;
    const open = toMinor(obligation.unencumbered, obligation.currency);
    if (open <= 0n) return;
    const partial = rng.chance(0.2) && open > 1n;
    const paid = partial ? open / 2n : open;
    const form: TransferForm = obligation.payer.kind === 'city' && rng.chance(0.12) ? rng.pick(IN_KIND) : 'money';
    const transferId = `t${++counters.transfer}`;
    const payer = obligation.payer;
    const bodyId = obligation.bodyId;
    const initiated = await attempt(compensationStreams.treasury(bodyId), treasuryOf(bodyId), issuers.finance(payer.kind, payer.id), at, (): TreasuryCommand => ({
      type: 'InitiateTransfer',
      terms: {
        transferId,
        obligationId,
        payer,
        payee: obligation.payee,
        amount: cny(paid),
        currency: obligation.currency,
        form,
        valuation: form === 'money' ? null : { description: `${form} 折价 agreed valuation of ${form}`, valuationRef: `估值单 valuation ${transferId}` },
        reverses: null,
      },
      occurredAt: iso(at),
      context: { obligation, payerView: balances.payerView(bodyId, payer) },
    }));
    if (initiated === null) return;
    const voided = rng.chance(0.1);
    agenda.add(at + rng.int(1, 7) * DAY_MS, async (when) => {
      const finished = await attempt(compensationStreams.treasury(bodyId), treasuryOf(bodyId), issuers.finance(payer.kind, payer.id), when, (): TreasuryCommand =>
        voided ? { type: 'VoidTransfer', transferId, reason: '收款账户有误 wrong beneficiary account', occurredAt: iso(when) } : { type: 'SettleTransfer', transferId, occurredAt: iso(when) },
      );
      if (finished === null) return;
      if (voided || partial) agenda.add(when + rng.int(5, 30) * DAY_MS, (w) => payObligation(obligationId, w));
      else if (rng.chance(0.03)) agenda.add(when + rng.int(5, 30) * DAY_MS, (w) => reverse(bodyId, transferId, obligationId, obligation.payee, payer, paid, w));
    });
  }

  async function reverse(bodyId: string, reversedId: string, obligationId: string, payer: Party, payee: Party, moved: bigint, at: number): Promise<void> {
    const back = moved / BigInt(rng.int(2, 10));
    if (back <= 0n) return;
    const transferId = `t${++counters.transfer}`;
    const issuer = issuers.finance(payer.kind, payer.id);
    const done = await attempt(compensationStreams.treasury(bodyId), treasuryOf(bodyId), issuer, at, (): TreasuryCommand => ({
      type: 'InitiateTransfer',
      terms: { transferId, obligationId, payer, payee, amount: cny(back), currency: CURRENCY, form: 'money', valuation: null, reverses: reversedId },
      occurredAt: iso(at),
      context: { obligation: balances.obligationContext(obligationId), payerView: balances.payerView(bodyId, payer) },
    }));
    if (done === null) return;
    agenda.add(at + rng.int(1, 5) * DAY_MS, async (when) => {
      await attempt(compensationStreams.treasury(bodyId), treasuryOf(bodyId), issuer, when, (): TreasuryCommand => ({ type: 'SettleTransfer', transferId, occurredAt: iso(when) }));
    });
  }

  async function settle(body: BodyModel, at: number, year: number): Promise<void> {
    const proposal = proposeBodySettlement(balances, body.id, CURRENCY);
    if (!proposal.worthExecuting) return;
    const executed = await attempt(compensationStreams.treasury(body.id), treasuryOf(body.id), issuers.finance('fund', body.id), at, (): TreasuryCommand => ({
      type: 'ExecuteSettlement', settlementId: `${body.id}-s${year}`, proposal, occurredAt: iso(at), context: settlementContext(balances, proposal),
    }));
    const event = executed?.find((e) => e.type === 'SettlementExecuted');
    if (event?.type === 'SettlementExecuted') scheduleObligations(event.data.obligations, at);
  }

  // ---- run -------------------------------------------------------------------------------------------------------
  const progressEvery = options.progressEvery ?? 100_000;
  let nextProgress = progressEvery;
  let lastAt = t;
  for (let n = 0; n < MAX_ACTIONS && writer.appended < target; n++) {
    const action = agenda.pop();
    if (action === undefined || action.at > anchorMs) break;
    lastAt = action.at;
    await action.run(action.at);
    if (options.onProgress !== undefined && writer.appended >= nextProgress) {
      nextProgress += progressEvery;
      options.onProgress(writer.appended, iso(action.at));
    }
  }
  const head = await store.headPosition();
  return {
    seed,
    events: writer.appended,
    commands: writer.commands,
    cities: plan.cities.length,
    bodies: bodies.length,
    from: iso(startMs),
    to: iso(lastAt),
    byType: Object.fromEntries([...writer.byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    refused: Object.fromEntries([...refused.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    headHash: writer.chainHead(),
    headPosition: head === null ? null : head.toString(),
  };
}

/** The plan of a large run: `cities` cities over the first `bodies` clusters. */
export function largePlan(cities: number, bodies: number): { cities: Place[]; bodies: BodyPlan[] } {
  if (!Number.isSafeInteger(cities) || cities < 2 || cities > 10_000) throw new RangeError('cities must be an integer between 2 and 10000');
  if (!Number.isSafeInteger(bodies) || bodies < 1 || bodies > 40) throw new RangeError('bodies must be an integer between 1 and 40');
  const spread = citiesOf(cities, Math.min(bodies, Math.floor(cities / 2)));
  return {
    cities: spread.flatMap((s) => s.cities),
    bodies: spread.map((s) => ({ id: s.cluster.id, name: `${s.cluster.zh}跨域风险协调委员会 ${s.cluster.en} Risk Coordination Committee`, members: s.cities.map((c) => c.id) })),
  };
}

function regionOf(bodies: readonly BodyPlan[], cityId: string): string {
  return bodies.find((b) => b.members.includes(cityId))?.name ?? 'unaffiliated';
}

function officeName(category: RiskCategory): string {
  const names: Record<RiskCategory, string> = {
    natural_disaster: '自然灾害办公室 Natural Disaster Office',
    public_health: '公共卫生办公室 Public Health Office',
    accident: '事故灾难办公室 Accident and Disaster Office',
    social_security: '社会安全办公室 Social Security Office',
    technology_cyber: '新兴技术与网络安全办公室 Emerging Technology and Cyber Office',
  };
  return names[category];
}

function findingLabel(kind: FindingKind): string {
  const labels: Record<FindingKind, string> = {
    late_report: '迟报 late information report',
    concealment: '瞒报 concealment',
    false_report: '谎报 false report',
    refusal_to_join_joint_action: '拒不参加联合行动 refusal to join joint action',
    slow_response: '响应迟缓 slow response',
    non_cooperation: '处置不配合 non-cooperation in handling',
  };
  return labels[kind];
}

function termsFor(rng: Prng, parties: readonly string[], categories: RiskCategory[], validFrom: string, overrides?: Partial<Record<'fundCover' | 'benefitShareRate' | 'thetaBase', string>>): AgreementTermsInput {
  const roles: IncidentRole[] = ['either', 'either', 'origin_leads', 'affected_assists'];
  return {
    riskCategories: categories,
    responsibilities: parties.map((cityId) => ({ cityId, duties: rng.sample(DUTIES, rng.int(2, 3)), incidentRole: rng.pick(roles) })),
    compensationRules: { ...(overrides ?? {}), currency: DEFAULT_COMPENSATION_RULES.currency },
    overdueGraceSeconds: 3 * 86_400,
    defaultAfterSeconds: 30 * 86_400,
    validFrom,
    validUntil: null,
  };
}

/** The agreement as the incident handler reads it: terms in force at `atMs`. */
function incidentAgreement(state: ReturnType<typeof agreementDecider.initialState>, atMs: number): IncidentAgreementContext | null {
  const status = agreementTermsAt(state, atMs);
  const a = state.agreement;
  if (a === null || status === null) return null;
  let version = a.versions[0];
  for (const v of a.versions) if (Date.parse(v.effectiveFrom) <= atMs) version = v;
  if (version === undefined) return null;
  return { agreementId: a.agreementId, bodyId: a.bodyId, parties: [...a.parties], riskCategories: [...version.terms.riskCategories], compensationRules: version.terms.compensationRules, terminated: status.status === 'terminated' };
}

/** Splits a promise into up to `parts` positive deliveries that sum to it exactly. */
function splitPromise(rng: Prng, promise: Promise_, parts: number): string[] {
  if (promise.kind === 'money') {
    const total = toMinor(promise.amount, promise.currency);
    const n = total >= BigInt(parts) ? parts : 1;
    const out: string[] = [];
    let left = total;
    for (let i = 0; i < n - 1; i++) {
      const share = (left * BigInt(rng.int(20, 60))) / 100n;
      const q = share > 0n ? share : 1n;
      out.push(fromMinor(q, promise.currency));
      left -= q;
    }
    out.push(fromMinor(left, promise.currency));
    return out;
  }
  const total = Number(promise.quantity);
  const n = Number.isInteger(total) && total >= parts ? parts : 1;
  if (n === 1) return [promise.quantity];
  const out: number[] = [];
  let left = total;
  for (let i = 0; i < n - 1; i++) {
    const q = Math.max(1, Math.min(left - (n - 1 - i), Math.floor(left * (0.2 + 0.4 * rng.next()))));
    out.push(q);
    left -= q;
  }
  out.push(left);
  return out.map(String);
}

/** Between 30 % and 90 % of the promise, never all of it. */
function partialOf(rng: Prng, promise: Promise_): string {
  const f = rng.int(30, 90);
  if (promise.kind === 'money') {
    const total = toMinor(promise.amount, promise.currency);
    const q = (total * BigInt(f)) / 100n;
    return fromMinor(q > 0n ? q : 1n, promise.currency);
  }
  const total = Number(promise.quantity);
  const q = Math.floor((total * f) / 100);
  return q >= 1 && q < total ? String(q) : String(total / 2);
}
