import { agreementDecider } from '../../../domain/src/governance/agreement.js';
import { bodyDecider } from '../../../domain/src/governance/body.js';
import { cityDecider } from '../../../domain/src/governance/city.js';
import { commitmentDecider } from '../../../domain/src/governance/commitment.js';
import { findingDecider } from '../../../domain/src/governance/finding.js';
import { ID_PATTERN } from '../../../domain/src/governance/common.js';
import { fundDecider } from '../../../domain/src/compensation/fund.js';
import { incidentDecider } from '../../../domain/src/compensation/incident.js';
import { treasuryDecider } from '../../../domain/src/compensation/treasury.js';
import type { Decider, DomainEvent } from '../../../domain/src/shared/decider.js';
import { toMinor } from '../../../domain/src/shared/money.js';
import { FakeClock } from '../../../event-store/src/clock.js';
import { createMemoryEventStore } from '../../../event-store/src/memory/index.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { CommitmentsReadModel } from '../../../projections/src/commitments/commitments.read-model.js';
import { CFBT_1, TrustReadModel } from '../../../projections/src/trust/index.js';
import { CLUSTERS, generateLedger, largePlan, type GenerationReport } from './index.js';

async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let after: bigint | 'start' = 'start';
  for (let page = 0; page < 1000; page++) {
    const p = await store.readAll({ after, maxCount: 4096 });
    out.push(...p.events);
    if (p.isEnd || p.nextAfter === null) break;
    after = p.nextAfter;
  }
  return out;
}

async function generate(seed: number, events: number): Promise<{ store: EventStore; report: GenerationReport; clock: FakeClock }> {
  const clock = new FakeClock();
  const store = createMemoryEventStore({ clock });
  const report = await generateLedger(store, { seed, events, cities: 120, bodies: 8, clock });
  return { store, report, clock };
}

interface Folder {
  init(): unknown;
  step(state: unknown, event: DomainEvent): unknown;
}

function folderOf<C, E extends DomainEvent, S>(d: Decider<C, E, S>): Folder {
  // A stream holds only its decider's events, and the state passed back is the one this folder produced.
  return { init: () => d.initialState(), step: (state, event) => d.evolve(state as S, event as E) };
}

/** The decider that owns a stream, by its category. */
function deciderOf(stream: string): Folder {
  const category = stream.slice(0, stream.indexOf('-'));
  const id = stream.slice(category.length + 1);
  switch (category) {
    case 'city':
      return folderOf(cityDecider);
    case 'body':
      return folderOf(bodyDecider);
    case 'agreement':
      return folderOf(agreementDecider);
    case 'commitment':
      return folderOf(commitmentDecider);
    case 'finding':
      return folderOf(findingDecider);
    case 'incident':
      return folderOf(incidentDecider);
    case 'fund':
      return folderOf(fundDecider);
    case 'treasury':
      return folderOf(treasuryDecider(id));
    default:
      throw new Error(`no decider owns ${stream}`);
  }
}

/** Generating and replaying a few thousand events is quick alone, slow on a loaded two-core machine. */
const slow = (name: string, fn: () => Promise<void>): void => it(name, fn, 120_000);

describe('the ledger generator', () => {
  slow('writes the same events, ids and instants for the same seed, and other ones for another seed', async () => {
    const a = await generate(11, 4000);
    const b = await generate(11, 4000);
    const c = await generate(12, 4000);
    const [va, vb, vc] = await Promise.all([a.store.verify(), b.store.verify(), c.store.verify()]);
    expect(va.ok && vb.ok && vc.ok).toBe(true);
    expect(va.headHash).toBe(vb.headHash);
    expect(va.headHash).toBe(a.report.headHash);
    expect(vc.headHash).not.toBe(va.headHash);
    const [ea, eb] = await Promise.all([allEvents(a.store), allEvents(b.store)]);
    expect(ea.map((e) => `${e.id} ${e.recordedAt} ${e.stream}`)).toEqual(eb.map((e) => `${e.id} ${e.recordedAt} ${e.stream}`));
    expect(a.report).toEqual(b.report);
  });

  slow('writes at least the events asked for, spread over the three years before the anchor', async () => {
    const { report } = await generate(3, 6000);
    expect(report.events).toBeGreaterThanOrEqual(6000);
    expect(report.events).toBeLessThan(6000 + 64);
    expect(Date.parse(report.from)).toBe(Date.parse('2026-07-01T00:00:00Z') - 3 * 365 * 86_400_000);
    expect(Date.parse(report.to)).toBeGreaterThan(Date.parse('2025-07-01T00:00:00Z'));
    expect(Date.parse(report.to)).toBeLessThanOrEqual(Date.parse('2026-07-01T00:00:00Z'));
  });

  slow('writes only events their deciders accept: every stream folds back, revisions run without gaps, recording follows business time', async () => {
    const { store, report } = await generate(5, 8000);
    const events = await allEvents(store);
    expect(events).toHaveLength(report.events);
    const states = new Map<string, { state: unknown; next: bigint }>();
    let lastRecorded = 0;
    for (const e of events) {
      const decider = deciderOf(e.stream);
      const entry = states.get(e.stream) ?? { state: decider.init(), next: 0n };
      expect(e.revision).toBe(entry.next);
      entry.state = decider.step(entry.state, { type: e.type, data: e.data });
      entry.next += 1n;
      states.set(e.stream, entry);
      const occurredAt = Date.parse((e.data as { occurredAt: string }).occurredAt);
      const recordedAt = Date.parse(e.recordedAt);
      expect(recordedAt).toBeGreaterThanOrEqual(occurredAt);
      expect(recordedAt).toBeGreaterThanOrEqual(lastRecorded);
      lastRecorded = recordedAt;
    }
    // The only refusals are payouts the fund could not afford: the ledger refuses those, and so nothing was written.
    expect(Object.keys(report.refused).filter((code) => code !== 'fund_insufficient')).toEqual([]);
  });

  slow('covers every kind of fact: deliveries on time and late, short closes, defaults of both kinds, waivers, disputes, findings, incidents, fund money, transfers and settlements', async () => {
    const { report } = await generate(8, 12_000);
    const types = [
      'CityRegistered', 'BodyEstablished', 'MemberAdmitted', 'AgreementConcluded', 'AgreementAmended', 'AgreementTerminated',
      'CommitmentMade', 'DeliveryRecorded', 'CommitmentFulfilled', 'CommitmentClosedShort', 'CommitmentOverdue', 'CommitmentDefaulted',
      'CommitmentWaived', 'DeliveryDisputed', 'DisputeResolved', 'CommitmentReopened', 'FindingRecorded', 'FindingRevoked',
      'IncidentOpened', 'AffectedCityAdded', 'ResponseCostClaimed', 'ClaimVerified', 'ClaimRejected', 'AvertedLossAssessed', 'IncidentAssessed',
      'FundEstablished', 'MemberContributionReceived', 'ThirdPartyIncentiveReceived', 'TransferInitiated', 'TransferSettled', 'TransferVoided', 'SettlementExecuted',
    ];
    expect(types.filter((type) => (report.byType[type] ?? 0) === 0)).toEqual([]);
  });

  slow('keeps money conserved: net positions sum to zero, every fund balance is its money in less its money out', async () => {
    const { store } = await generate(9, 10_000);
    const balances = new BalancesReadModel();
    const commitments = new CommitmentsReadModel();
    const trust = new TrustReadModel(CFBT_1, new FakeClock(Date.parse('2026-07-01T00:00:00Z')));
    for (const e of await allEvents(store)) {
      balances.apply(e);
      commitments.apply(e);
      trust.apply(e);
    }
    const net = Object.values(balances.netPositions('CNY')).reduce((s, v) => s + toMinor(v, 'CNY'), 0n);
    expect(net).toBe(0n);
    const plan = largePlan(120, 8);
    for (const body of plan.bodies) {
      const fund = balances.fundBalance(body.id);
      expect(fund).not.toBeNull();
      if (fund === null) continue;
      expect(toMinor(fund.balance, 'CNY')).toBe(toMinor(fund.moneyIn, 'CNY') - toMinor(fund.moneyOut, 'CNY'));
      expect(toMinor(fund.available, 'CNY')).toBeGreaterThanOrEqual(0n);
    }
    const cities = plan.cities.map((c) => trust.cityTrust(c.id).trust);
    expect(Math.max(...cities) - Math.min(...cities)).toBeGreaterThan(0.05);
  });

  it('names 40 clusters with unique, well-formed city ids, and spreads 700 cities over them', () => {
    expect(CLUSTERS).toHaveLength(40);
    const plan = largePlan(700, 40);
    const ids = plan.cities.map((c) => c.id);
    expect(new Set(ids).size).toBe(700);
    for (const id of [...ids, ...plan.bodies.map((b) => b.id)]) expect(id).toMatch(ID_PATTERN);
    const sizes = plan.bodies.map((b) => b.members.length);
    expect(plan.bodies).toHaveLength(40);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(30);
  });

  slow('refuses to write into a store that already holds events', async () => {
    const { store } = await generate(1, 1000);
    await expect(generateLedger(store, { events: 10, cities: 10, bodies: 2 })).rejects.toThrow(/empty store/);
  });
});
