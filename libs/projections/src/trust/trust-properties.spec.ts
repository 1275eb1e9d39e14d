import fc from 'fast-check';
import type {
  CommitmentClosedShort,
  CommitmentFulfilled,
  CommitmentMade,
  FindingKind,
  FindingRecorded,
} from '../../../domain/src/governance/events.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { COORDINATOR, TRUST_BASES, type TrustBasis } from './evidence.js';
import { GovernanceHistory } from './governance-history.js';
import { CFBT_1 } from './parameters.js';
import { TrustReadModel, type TrustAnswer } from './trust-read-model.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const CITIES = ['a', 'b', 'c', 'd'] as const;
const P = CFBT_1;

type Outcome = 'fulfilled' | 'closed_short' | 'defaulted' | 'waived' | 'open' | 'fulfilled_then_reopened' | 'fulfilled_then_defaulted';

interface CommitmentPlan {
  obligor: number;
  obligee: number;
  madeDay: number;
  leadDays: number;
  value: string;
  outcome: Outcome;
  resolveOffsetDays: number;
  fraction: string;
  lagDays: number;
}

interface FindingPlan {
  city: number;
  counterparty: number;
  kind: FindingKind;
  severity: number;
  day: number;
  revokeAfterDays: number | null;
  lagDays: number;
}

const commitmentPlan: fc.Arbitrary<CommitmentPlan> = fc.record({
  obligor: fc.integer({ min: 0, max: 3 }),
  obligee: fc.integer({ min: 0, max: 4 }),
  madeDay: fc.integer({ min: 0, max: 600 }),
  leadDays: fc.integer({ min: 0, max: 40 }),
  value: fc.constantFrom('0', '250000.00', '1000000.00', '3000000.00'),
  outcome: fc.constantFrom<Outcome>('fulfilled', 'closed_short', 'defaulted', 'waived', 'open', 'fulfilled_then_reopened', 'fulfilled_then_defaulted'),
  resolveOffsetDays: fc.integer({ min: -20, max: 60 }),
  fraction: fc.constantFrom('0.1', '0.5', '0.9'),
  lagDays: fc.integer({ min: 0, max: 5 }),
});

const findingPlan: fc.Arbitrary<FindingPlan> = fc.record({
  city: fc.integer({ min: 0, max: 3 }),
  counterparty: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom<FindingKind>('late_report', 'concealment', 'false_report', 'refusal_to_join_joint_action', 'slow_response', 'non_cooperation'),
  severity: fc.constantFrom(0.5, 1, 2, 3),
  day: fc.integer({ min: 0, max: 700 }),
  revokeAfterDays: fc.option(fc.integer({ min: 0, max: 200 })),
  lagDays: fc.integer({ min: 0, max: 5 }),
});

const historyPlan = fc.record({
  commitments: fc.array(commitmentPlan, { minLength: 1, maxLength: 14 }),
  findings: fc.array(findingPlan, { maxLength: 4 }),
});
type HistoryPlan = { commitments: CommitmentPlan[]; findings: FindingPlan[] };

/** City index 4 stands for the coordinator (a commitment to the body) or, for findings, no counterparty. */
function buildHistory(plan: HistoryPlan, idPrefix = 'ev'): GovernanceHistory {
  const h = new GovernanceHistory(idPrefix);
  plan.commitments.forEach((c, i) => {
    const obligor = CITIES[c.obligor];
    const obligee = c.obligee === 4 || c.obligee === c.obligor ? COORDINATOR : CITIES[c.obligee];
    const id = `c${i}`;
    const madeMs = T0 + c.madeDay * DAY;
    const dueMs = madeMs + c.leadDays * DAY;
    const lag = c.lagDays * DAY;
    const resolveMs = Math.max(madeMs, dueMs + c.resolveOffsetDays * DAY);
    h.commitmentMade({ commitmentId: id, obligor, obligee, value: c.value, madeMs, dueMs }, lag);
    switch (c.outcome) {
      case 'fulfilled':
        h.fulfilled(id, resolveMs, lag);
        break;
      case 'closed_short':
        h.closedShort(id, c.fraction, resolveMs, lag);
        break;
      case 'defaulted':
        h.defaulted(id, resolveMs, lag);
        break;
      case 'waived':
        h.waived(id, resolveMs, lag);
        break;
      case 'open':
        break;
      case 'fulfilled_then_reopened':
        h.fulfilled(id, resolveMs, lag);
        h.reopened(id, resolveMs + 3 * DAY, lag);
        break;
      case 'fulfilled_then_defaulted':
        h.fulfilled(id, resolveMs, lag);
        h.defaulted(id, resolveMs + DAY, lag);
        break;
    }
  });
  plan.findings.forEach((f, i) => {
    const id = `f${i}`;
    const counterparty = f.counterparty === 4 || f.counterparty === f.city ? null : CITIES[f.counterparty];
    const atMs = T0 + f.day * DAY;
    h.finding({ findingId: id, cityId: CITIES[f.city], counterparty, kind: f.kind, severity: f.severity, atMs }, f.lagDays * DAY);
    if (f.revokeAfterDays !== null) h.revoked(id, atMs + f.revokeAfterDays * DAY, f.lagDays * DAY);
  });
  return h;
}

function feed(events: readonly RecordedEvent[]): TrustReadModel {
  const model = new TrustReadModel();
  for (const e of events) model.apply(e);
  return model;
}

/** The instant an event has on a basis. */
function instantOn(e: RecordedEvent, basis: TrustBasis): number {
  if (basis === 'recorded') return Date.parse(e.recordedAt);
  if (e.type === 'CommitmentFulfilled') return Date.parse((e.data as CommitmentFulfilled['data']).fulfilledAt);
  return Date.parse((e.data as { occurredAt: string }).occurredAt);
}

/** Independent events (different streams) in another interleaving; each stream keeps its own order. */
function interleave(events: readonly RecordedEvent[], priorities: readonly number[]): RecordedEvent[] {
  const order = events.map((e, i) => ({ e, p: priorities[i % priorities.length] + i * 1e-9 })).sort((x, y) => x.p - y.p);
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of events) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
  const taken = new Map<string, number>();
  return order.map(({ e }, position) => {
    const k = taken.get(e.stream) ?? 0;
    taken.set(e.stream, k + 1);
    return { ...(byStream.get(e.stream) ?? [])[k], position: BigInt(position) };
  });
}

/**
 * A reference written straight from TRUST_MODEL.md: filter the history at the instant, walk it in canonical order,
 * sum the formulas. No indexes, no factoring: what the incremental read model must agree with.
 */
function referenceCityAndPairs(events: readonly RecordedEvent[], asOf: number, basis: TrustBasis): Map<string, { r: number; s: number }> {
  const kept = events
    .filter((e) => instantOn(e, basis) <= asOf)
    .sort((x, y) => instantOn(x, basis) - instantOn(y, basis) || (x.stream === y.stream ? Number(x.revision - y.revision) : 0));
  type Open = { made: CommitmentMade['data']; state: 'open' | 'fulfilled' | 'closed'; fulfilment: string | null };
  const commitments = new Map<string, Open>();
  const evidence = new Map<string, { subject: string; counterparty: string | null; r: number; s: number }>();
  const findings = new Map<string, boolean>();
  for (const e of kept) {
    const d = e.data as { commitmentId: string; findingId: string };
    const c = commitments.get(d.commitmentId);
    const terminal = (q: number | null, tMs: number): void => {
      if (c === undefined || c.state !== 'open') return;
      const made = c.made;
      const w = 1 + Math.log2(1 + Number(made.value.amount) / P.valueRef);
      const age = (asOf - tMs) / DAY;
      const decay = 2 ** (-age / P.halfLifeCommitmentDays);
      const counterparty = made.obligee.kind === 'city' ? made.obligee.id : null;
      const quality = q ?? 0;
      evidence.set(e.id, { subject: made.obligor, counterparty, r: w * quality * decay, s: P.breachMultiplier * w * (1 - quality) * decay });
      c.state = e.type === 'CommitmentFulfilled' ? 'fulfilled' : 'closed';
      c.fulfilment = e.type === 'CommitmentFulfilled' ? e.id : null;
    };
    const quality = (fraction: number, tMs: number): number => {
      const made = (c as Open).made;
      const lead = Math.max(Date.parse(made.dueAt) - Date.parse(made.occurredAt), DAY);
      const rho = Math.max(0, tMs - Date.parse(made.dueAt)) / lead;
      return fraction * (rho === 0 ? 1 : Math.max(P.lateFloor, 1 - rho));
    };
    switch (e.type) {
      case 'CommitmentMade':
        if (c === undefined) commitments.set(d.commitmentId, { made: e.data as CommitmentMade['data'], state: 'open', fulfilment: null });
        break;
      case 'CommitmentFulfilled': {
        const t = Date.parse((e.data as CommitmentFulfilled['data']).fulfilledAt);
        if (c !== undefined) terminal(quality(1, t), t);
        break;
      }
      case 'CommitmentClosedShort': {
        const data = e.data as CommitmentClosedShort['data'];
        const t = Date.parse(data.occurredAt);
        if (c !== undefined) terminal(quality(Number(data.fraction), t), t);
        break;
      }
      case 'CommitmentDefaulted':
        terminal(null, Date.parse((e.data as { occurredAt: string }).occurredAt));
        break;
      case 'CommitmentWaived':
        if (c !== undefined && c.state === 'open') c.state = 'closed';
        break;
      case 'CommitmentReopened':
        if (c !== undefined && c.state === 'fulfilled' && c.fulfilment !== null) {
          evidence.delete(c.fulfilment);
          c.state = 'open';
          c.fulfilment = null;
        }
        break;
      case 'FindingRecorded': {
        const f = e.data as FindingRecorded['data'];
        if (findings.has(f.findingId)) break;
        findings.set(f.findingId, true);
        const decay = 2 ** (-((asOf - Date.parse(f.occurredAt)) / DAY) / P.halfLifeFindingDays);
        evidence.set(`finding:${f.findingId}`, { subject: f.cityId, counterparty: f.counterpartyCityId, r: 0, s: P.findingWeights[f.kind] * f.severity * decay });
        break;
      }
      case 'FindingRevoked':
        evidence.delete(`finding:${d.findingId}`);
        break;
    }
  }
  for (const c of commitments.values()) {
    const due = Date.parse(c.made.dueAt);
    if (c.state !== 'open' || asOf <= due) continue;
    const w = 1 + Math.log2(1 + Number(c.made.value.amount) / P.valueRef);
    const lead = Math.max(due - Date.parse(c.made.occurredAt), DAY);
    const counterparty = c.made.obligee.kind === 'city' ? c.made.obligee.id : null;
    evidence.set(`open:${c.made.commitmentId}`, { subject: c.made.obligor, counterparty, r: 0, s: P.breachMultiplier * w * Math.min(1, (asOf - due) / lead) });
  }
  const totals = new Map<string, { r: number; s: number }>();
  for (const item of evidence.values()) {
    for (const key of [item.subject, ...(item.counterparty === null ? [] : [`${item.subject}>${item.counterparty}`])]) {
      const t = totals.get(key) ?? { r: 0, s: 0 };
      totals.set(key, { r: t.r + item.r, s: t.s + item.s });
    }
  }
  return totals;
}

const expectSameScore = (actual: TrustAnswer, expected: { r: number; s: number }): void => {
  expect(Math.abs(actual.r - expected.r)).toBeLessThan(1e-9);
  expect(Math.abs(actual.s - expected.s)).toBeLessThan(1e-9);
};

const instants = fc.array(fc.integer({ min: -10, max: 900 }), { minLength: 1, maxLength: 6 });
const RUNS = { numRuns: 60 };

describe('trust properties (cfbt-1)', () => {
  it('the order in which independent events reach the ledger does not change any score', () => {
    fc.assert(
      fc.property(historyPlan, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), instants, (plan, priorities, days) => {
        const events = buildHistory(plan).events;
        const original = feed(events);
        const shuffled = feed(interleave(events, priorities));
        for (const basis of TRUST_BASES) {
          for (const d of days) {
            const asOf = T0 + d * DAY;
            for (const city of CITIES) {
              const x = original.cityTrust(city, { asOf, basis });
              const y = shuffled.cityTrust(city, { asOf, basis });
              expect(Math.abs(x.trust - y.trust)).toBeLessThan(1e-9);
              for (const truster of CITIES) {
                if (truster !== city) expect(Math.abs(original.pairTrust(truster, city, { asOf, basis }).trust - shuffled.pairTrust(truster, city, { asOf, basis }).trust)).toBeLessThan(1e-9);
              }
            }
          }
        }
        expect(shuffled.canonicalState()).toEqual(original.canonicalState());
      }),
      RUNS,
    );
  });

  it('an on-time fulfilment never lowers its obligor’s trust', () => {
    fc.assert(
      fc.property(historyPlan, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 300 }), (plan, who, madeDay, leadDays, laterDays) => {
        const without = buildHistory(plan);
        const withIt = buildHistory(plan);
        const madeMs = T0 + madeDay * DAY;
        const dueMs = madeMs + leadDays * DAY;
        withIt.commitmentMade({ commitmentId: 'kept', obligor: CITIES[who], obligee: CITIES[(who + 1) % 4], value: '500000.00', madeMs, dueMs });
        withIt.fulfilled('kept', dueMs);
        const a = feed(without.events);
        const b = feed(withIt.events);
        const asOf = dueMs + laterDays * DAY;
        for (const basis of TRUST_BASES) {
          expect(b.cityTrust(CITIES[who], { asOf, basis }).trust).toBeGreaterThanOrEqual(a.cityTrust(CITIES[who], { asOf, basis }).trust - 1e-12);
        }
      }),
      RUNS,
    );
  });

  it('a default never raises its obligor’s trust', () => {
    fc.assert(
      fc.property(historyPlan, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 300 }), (plan, who, madeDay, defaultDays, laterDays) => {
        const without = buildHistory(plan);
        const withIt = buildHistory(plan);
        const madeMs = T0 + madeDay * DAY;
        withIt.commitmentMade({ commitmentId: 'broken', obligor: CITIES[who], obligee: COORDINATOR, value: '0', madeMs, dueMs: madeMs + 10 * DAY });
        withIt.defaulted('broken', madeMs + defaultDays * DAY);
        const a = feed(without.events);
        const b = feed(withIt.events);
        const asOf = madeMs + (defaultDays + laterDays) * DAY;
        for (const basis of TRUST_BASES) {
          expect(b.cityTrust(CITIES[who], { asOf, basis }).trust).toBeLessThanOrEqual(a.cityTrust(CITIES[who], { asOf, basis }).trust + 1e-12);
        }
      }),
      RUNS,
    );
  });

  it('the score as of an instant equals the score of the history cut at that instant', () => {
    fc.assert(
      fc.property(historyPlan, instants, (plan, days) => {
        const events = buildHistory(plan).events;
        const full = feed(events);
        for (const basis of TRUST_BASES) {
          for (const d of days) {
            const asOf = T0 + d * DAY;
            const cut = feed(events.filter((e) => instantOn(e, basis) <= asOf));
            for (const city of CITIES) {
              const x = full.cityTrust(city, { asOf, basis, explain: true });
              const y = cut.cityTrust(city, { asOf, basis, explain: true });
              expect(Math.abs(x.trust - y.trust)).toBeLessThan(1e-9);
              expect(x.contributions?.map((c) => c.eventId)).toEqual(y.contributions?.map((c) => c.eventId));
              expect(x.anomalies).toEqual(y.anomalies);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('incremental answers, asked while the history arrives, equal a from-scratch evaluation of the rules', () => {
    fc.assert(
      fc.property(historyPlan, instants, (plan, days) => {
        const events = buildHistory(plan).events;
        const model = new TrustReadModel();
        const checkpoints = new Set([Math.floor(events.length / 3), Math.floor((2 * events.length) / 3), events.length]);
        events.forEach((event, i) => {
          model.apply(event);
          if (!checkpoints.has(i + 1)) return;
          const prefix = events.slice(0, i + 1);
          for (const basis of TRUST_BASES) {
            for (const d of days) {
              const asOf = T0 + d * DAY;
              const reference = referenceCityAndPairs(prefix, asOf, basis);
              for (const city of CITIES) {
                const answer = model.cityTrust(city, { asOf, basis, explain: true });
                expectSameScore(answer, reference.get(city) ?? { r: 0, s: 0 });
                const rows = answer.contributions ?? [];
                expect(Math.abs(rows.reduce((sum, c) => sum + c.r, 0) - answer.r)).toBeLessThan(1e-9);
                expect(Math.abs(rows.reduce((sum, c) => sum + c.s, 0) - answer.s)).toBeLessThan(1e-9);
                for (const truster of CITIES) {
                  if (truster !== city) expectSameScore(model.pairTrust(truster, city, { asOf, basis }), reference.get(`${city}>${truster}`) ?? { r: 0, s: 0 });
                }
              }
            }
          }
        });
      }),
      RUNS,
    );
  });
});
