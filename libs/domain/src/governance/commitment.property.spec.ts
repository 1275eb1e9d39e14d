/**
 * Property: random sequences of valid and invalid commands never leave a commitment in an impossible state, and a
 * refused command changes nothing. The expected state is re-derived from the event list independently of `evolve`.
 */
import fc from 'fast-check';
import { fold } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { Dec } from '../shared/money.js';
import { commitmentDecider, commitmentStatus, deadlinesDue, DEADLINE_PROCESS, promisedQuantity, type CommitmentCommand, type CommitmentState } from './commitment.js';
import type { CommitmentEvent } from './events.js';
import type { Actor } from './common.js';
import { bodyOfficer, HOUR_MS, made, officerOf, otherBody, T0_MS } from './testing.fixtures.js';

const NOW_MS = T0_MS + 300 * HOUR_MS;
const ACTORS: Actor[] = [officerOf('suzhou'), officerOf('hangzhou'), officerOf('jiaxing'), bodyOfficer, otherBody, DEADLINE_PROCESS];
const QUANTITIES = ['1', '2.5', '3', '4', '6', '10', '11', '0', '-1', '1.0000001', '0.001', 'ten'];
const IDS = ['d0', 'd1', 'd2', 'd3', 'd4', 'Bad Id'];
const DISPUTES = ['x0', 'x1', 'x2'];

type Step =
  | { kind: 'deliver'; deliveryId: string; quantity: string; by: Actor }
  | { kind: 'closeShort' | 'declareDefault' | 'waive' | 'markOverdue' | 'defaultForDeadline'; by: Actor }
  | { kind: 'dispute'; deliveryId: string; disputeId: string; by: Actor }
  | { kind: 'resolve'; disputeId: string; outcome: 'upheld' | 'rejected'; by: Actor }
  | { kind: 'tick' };

const [SUZHOU, HANGZHOU] = ACTORS;
/** Mostly the actor the rule expects, sometimes anybody: both acceptances and refusals stay frequent. */
const actorFor = (...usual: Actor[]): fc.Arbitrary<Actor> =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...ACTORS) });
const stepArb: fc.Arbitrary<{ step: Step; dtHours: number }> = fc.record({
  dtHours: fc.integer({ min: -3, max: 12 }),
  step: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({ kind: fc.constant('deliver' as const), deliveryId: fc.constantFrom(...IDS), quantity: fc.constantFrom(...QUANTITIES), by: actorFor(SUZHOU, bodyOfficer) }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.record({ kind: fc.constantFrom('closeShort' as const, 'declareDefault' as const), by: actorFor(bodyOfficer) }),
        fc.record({ kind: fc.constant('waive' as const), by: actorFor(HANGZHOU, bodyOfficer, SUZHOU) }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('markOverdue' as const, 'defaultForDeadline' as const), by: actorFor(DEADLINE_PROCESS) }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('dispute' as const), deliveryId: fc.constantFrom(...IDS), disputeId: fc.constantFrom(...DISPUTES), by: actorFor(HANGZHOU) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('resolve' as const),
        disputeId: fc.constantFrom(...DISPUTES),
        outcome: fc.constantFrom('upheld' as const, 'rejected' as const),
        by: actorFor(bodyOfficer),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'tick' as const }) },
  ),
});

function toCommands(step: Step, clockMs: number, state: CommitmentState): CommitmentCommand[] {
  const base = { commitmentId: 'sandbags-1', occurredAt: new Date(clockMs).toISOString(), nowMs: NOW_MS };
  switch (step.kind) {
    case 'tick':
      return deadlinesDue(state, Math.min(clockMs, NOW_MS));
    case 'deliver':
      return [{ type: 'RecordDelivery', ...base, by: step.by, deliveryId: step.deliveryId, quantity: step.quantity, evidenceRef: 'receipt' }];
    case 'closeShort':
      return [{ type: 'CloseShort', ...base, by: step.by, reason: 'accepted' }];
    case 'declareDefault':
      return [{ type: 'DeclareDefault', ...base, by: step.by, note: 'declared' }];
    case 'waive':
      return [{ type: 'WaiveCommitment', ...base, by: step.by, reason: 'waived' }];
    case 'markOverdue':
      return [{ type: 'MarkOverdue', ...base, by: step.by }];
    case 'defaultForDeadline':
      return [{ type: 'DefaultForDeadline', ...base, by: step.by }];
    case 'dispute':
      return [{ type: 'DisputeDelivery', ...base, by: step.by, deliveryId: step.deliveryId, disputeId: step.disputeId, reason: 'short weight' }];
    case 'resolve':
      return [{ type: 'ResolveDispute', ...base, by: step.by, disputeId: step.disputeId, outcome: step.outcome, note: 'inspected' }];
  }
}

/** What the events say, derived without `evolve`. */
function expectedFromEvents(events: readonly CommitmentEvent[]) {
  const quantities = new Map<string, string>();
  const struck = new Set<string>();
  const disputeDelivery = new Map<string, string>();
  let outcome: 'open' | 'fulfilled_on_time' | 'fulfilled_late' | 'closed_short' | 'defaulted' | 'waived' = 'open';
  let standingTerminals = 0;
  let overdueMarks = 0;
  let deadlineDefaults = 0;
  for (const e of events) {
    switch (e.type) {
      case 'DeliveryRecorded':
        expect(outcome).toBe('open');
        quantities.set(e.data.deliveryId, e.data.quantity);
        break;
      case 'DeliveryDisputed':
        disputeDelivery.set(e.data.disputeId, e.data.deliveryId);
        break;
      case 'DisputeResolved':
        expect(disputeDelivery.get(e.data.disputeId)).toBe(e.data.deliveryId);
        if (e.data.outcome === 'upheld') struck.add(e.data.deliveryId);
        break;
      case 'CommitmentFulfilled':
        outcome = e.data.onTime ? 'fulfilled_on_time' : 'fulfilled_late';
        standingTerminals += 1;
        break;
      case 'CommitmentReopened':
        expect(outcome.startsWith('fulfilled_')).toBe(true);
        outcome = 'open';
        standingTerminals -= 1;
        break;
      case 'CommitmentClosedShort':
        outcome = 'closed_short';
        standingTerminals += 1;
        break;
      case 'CommitmentDefaulted':
        outcome = 'defaulted';
        standingTerminals += 1;
        if (e.data.reason === 'deadline') deadlineDefaults += 1;
        break;
      case 'CommitmentWaived':
        outcome = 'waived';
        standingTerminals += 1;
        break;
      case 'CommitmentOverdue':
        overdueMarks += 1;
        break;
      case 'CommitmentMade':
        break;
    }
  }
  let delivered = new Dec(0);
  for (const [id, q] of quantities) if (!struck.has(id)) delivered = delivered.plus(q);
  return { delivered, outcome, standingTerminals, overdueMarks, deadlineDefaults };
}

function checkInvariants(state: CommitmentState, events: readonly CommitmentEvent[]): void {
  const c = state.commitment;
  if (c === null) throw new Error('the commitment vanished');
  const expected = expectedFromEvents(events);
  const delivered = new Dec(state.delivered);
  const promised = new Dec(promisedQuantity(c.promise));
  expect(delivered.isNegative()).toBe(false);
  expect(delivered.equals(expected.delivered)).toBe(true);
  if (!c.allowOverDelivery) expect(delivered.lessThanOrEqualTo(promised)).toBe(true);
  expect(expected.standingTerminals).toBeGreaterThanOrEqual(0);
  expect(expected.standingTerminals).toBeLessThanOrEqual(1);
  expect(expected.overdueMarks).toBeLessThanOrEqual(1);
  expect(expected.deadlineDefaults).toBeLessThanOrEqual(1);
  if (state.phase === 'fulfilled') expect(delivered.greaterThanOrEqualTo(promised)).toBe(true);
  if (state.phase === 'open') expect(delivered.lessThan(promised)).toBe(true);
  const overdue = expected.overdueMarks > 0 || NOW_MS >= Date.parse(c.dueAt) + c.overdueGraceSeconds * 1000;
  const status = expected.outcome === 'open' ? (overdue ? 'overdue' : 'open') : expected.outcome;
  expect(commitmentStatus(state, NOW_MS)).toBe(status);
  const instants = events.map((e) => Date.parse(e.data.occurredAt));
  expect(instants).toEqual([...instants].sort((a, b) => a - b));
}

describe('commitment under random commands', () => {
  it('never reaches an impossible state, and a refused command changes nothing', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(stepArb, { minLength: 10, maxLength: 60 }), (allowOverDelivery, inMoney, steps) => {
        const first = made({ allowOverDelivery, promise: inMoney ? { kind: 'money', amount: '10.00', currency: 'CNY' } : { kind: 'quantity', quantity: '10', unit: 'tonne' } });
        const events: CommitmentEvent[] = [first];
        let state = fold(commitmentDecider, events);
        let clockMs = T0_MS;
        for (const { step, dtHours } of steps) {
          clockMs += dtHours * HOUR_MS;
          for (const command of toCommands(step, clockMs, state)) {
            const before = JSON.stringify(state);
            let emitted: CommitmentEvent[];
            try {
              emitted = commitmentDecider.decide(command, state);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              expect(JSON.stringify(state)).toBe(before);
              continue;
            }
            expect(JSON.stringify(state)).toBe(before);
            events.push(...emitted);
            state = emitted.reduce(commitmentDecider.evolve, state);
            expect(fold(commitmentDecider, events)).toEqual(state);
            checkInvariants(state, events);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('deadlines under racing replicas', () => {
  it('two replicas issuing the same deadline commands never record a deadline twice, nor over another outcome', () => {
    const outcomeArb = fc.constantFrom('none' as const, 'fulfilled' as const, 'waived' as const, 'declared_default' as const);
    fc.assert(
      fc.property(outcomeArb, fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }), (outcome, outcomeHour, ticks) => {
        const first = made();
        const events: CommitmentEvent[] = [first];
        const at = (hours: number) => new Date(T0_MS + hours * HOUR_MS).toISOString();
        if (outcome === 'fulfilled') {
          events.push(
            { type: 'DeliveryRecorded', data: { commitmentId: 'sandbags-1', deliveryId: 'd0', quantity: '100', evidenceRef: 'r', occurredAt: at(outcomeHour) } },
            {
              type: 'CommitmentFulfilled',
              data: { commitmentId: 'sandbags-1', completingDeliveryId: 'd0', delivered: '100', onTime: outcomeHour <= 49, fulfilledAt: at(outcomeHour), occurredAt: at(outcomeHour) },
            },
          );
        } else if (outcome === 'waived') {
          events.push({ type: 'CommitmentWaived', data: { commitmentId: 'sandbags-1', waivedBy: { kind: 'city', id: 'hangzhou' }, reason: 'r', occurredAt: at(outcomeHour) } });
        } else if (outcome === 'declared_default') {
          events.push({ type: 'CommitmentDefaulted', data: { commitmentId: 'sandbags-1', reason: 'declared', note: 'n', occurredAt: at(outcomeHour) } });
        }
        let state = fold(commitmentDecider, events);
        for (const tick of [...ticks].sort((a, b) => a - b)) {
          const nowMs = T0_MS + tick * HOUR_MS;
          // Both replicas read the same state and compute the same commands; each is applied by one, then retried by the other.
          const commands = deadlinesDue(state, nowMs);
          for (const command of [...commands, ...commands]) {
            const emitted = commitmentDecider.decide(command, state);
            events.push(...emitted);
            state = emitted.reduce(commitmentDecider.evolve, state);
          }
        }
        const deadlineEvents = events.filter((e) => e.type === 'CommitmentOverdue' || (e.type === 'CommitmentDefaulted' && e.data.reason === 'deadline'));
        expect(new Set(deadlineEvents.map((e) => e.type)).size).toBe(deadlineEvents.length);
        expect(expectedFromEvents(events).standingTerminals).toBeLessThanOrEqual(1);
        if (outcome !== 'none') expect(events.some((e) => e.type === 'CommitmentDefaulted' && e.data.reason === 'deadline')).toBe(false);
        const maxTickMs = T0_MS + Math.max(...ticks) * HOUR_MS;
        if (outcome === 'none' && maxTickMs >= Date.parse(first.data.dueAt) + first.data.defaultAfterSeconds * 1000) {
          expect(commitmentStatus(state, maxTickMs)).toBe('defaulted');
        }
      }),
      { numRuns: 300 },
    );
  });
});
