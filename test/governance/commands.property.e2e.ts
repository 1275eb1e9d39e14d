/**
 * Random sequences of valid and invalid commands on a commitment, through the CommandBus as the API sends them:
 * whatever the order and whoever asks, the commitment never reaches an impossible state, and a refused command
 * leaves the log exactly as it was (the head position does not move).
 */
import { CommandBus } from '@nestjs/cqrs';
import fc from 'fast-check';
import { commitmentDecider, type CommitmentState } from '../../libs/domain/src/governance/commitment.js';
import type { CommitmentEvent } from '../../libs/domain/src/governance/events.js';
import { fold } from '../../libs/domain/src/shared/decider.js';
import { DomainError } from '../../libs/domain/src/shared/errors.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import type { CommandContext } from '../../libs/ledger/src/context.js';
import { ExecuteCommitmentCommand, type CommitmentCommandInput } from '../../libs/ledger/src/governance/commands.js';
import { systemContext } from '../../libs/ledger/src/context.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/commitments.read-model.js';
import { Dec } from '../../libs/domain/src/shared/money.js';
import { AGREEMENT, at, BODY, officials, seed, startGovernance, testConfig, type GovernanceApp } from './support.js';

type Who = 'coordinator' | 'other coordinator' | 'obligor' | 'obligee' | 'bystander' | 'deadline process';

const contextOf = (who: Who): CommandContext => {
  const actor = (id: string, role: 'coordinator' | 'city-officer', kind: 'body' | 'city', scope: string) => ({ actor: { id, role, scope: { kind, id: scope } }, correlationId: `prop-${id}` });
  switch (who) {
    case 'coordinator':
      return actor('yrd-officer', 'coordinator', 'body', BODY);
    case 'other coordinator':
      return actor('jjj-officer', 'coordinator', 'body', 'jjj-committee');
    case 'obligor':
      return actor('officer-suzhou', 'city-officer', 'city', 'suzhou');
    case 'obligee':
      return actor('officer-hangzhou', 'city-officer', 'city', 'hangzhou');
    case 'bystander':
      return actor('officer-jiaxing', 'city-officer', 'city', 'jiaxing');
    case 'deadline process':
      return systemContext('deadlines');
  }
};

type Step = { who: Who; input: (commitmentId: string) => CommitmentCommandInput };

const deliveryId = fc.constantFrom('d0', 'd1', 'd2', 'd3', 'd4', 'Bad Id');
const disputeId = fc.constantFrom('p0', 'p1', 'p2');
// Mostly the parties who may act, so that accepted commands build real histories; sometimes anyone at all.
const who = fc.oneof(
  { arbitrary: fc.constantFrom<Who>('coordinator', 'obligor', 'obligee'), weight: 4 },
  { arbitrary: fc.constantFrom<Who>('coordinator', 'other coordinator', 'obligor', 'obligee', 'bystander', 'deadline process'), weight: 1 },
);

const quantity = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('10', '25', '40', '60') },
  { weight: 1, arbitrary: fc.constantFrom('0', '100', '120', '0.0000001', '-5') },
);

const delivery: fc.Arbitrary<Step> = fc.record({ who, id: deliveryId, quantity }).map(({ who, id, quantity }) => ({
  who,
  input: (commitmentId) => ({ type: 'RecordDelivery', commitmentId, deliveryId: id, quantity, evidenceRef: 'waybill' }),
}));

const dispute: fc.Arbitrary<Step> = fc.record({ who, id: deliveryId, dispute: disputeId }).map(({ who, id, dispute }) => ({
  who,
  input: (commitmentId) => ({ type: 'DisputeDelivery', commitmentId, deliveryId: id, disputeId: dispute, reason: 'not as promised' }),
}));

const resolution: fc.Arbitrary<Step> = fc.record({ who, dispute: disputeId, outcome: fc.constantFrom<'upheld' | 'rejected'>('upheld', 'rejected') }).map(({ who, dispute, outcome }) => ({
  who,
  input: (commitmentId) => ({ type: 'ResolveDispute', commitmentId, disputeId: dispute, outcome, note: 'decided' }),
}));

const settling: readonly ((commitmentId: string) => CommitmentCommandInput)[] = [
  (commitmentId) => ({ type: 'CloseShort', commitmentId, reason: 'accepted as final' }),
  (commitmentId) => ({ type: 'DeclareDefault', commitmentId, note: 'declared' }),
  (commitmentId) => ({ type: 'WaiveCommitment', commitmentId, reason: 'not needed' }),
  (commitmentId) => ({ type: 'MarkOverdue', commitmentId }),
  (commitmentId) => ({ type: 'DefaultForDeadline', commitmentId }),
];
const settlement: fc.Arbitrary<Step> = fc.record({ who, input: fc.constantFrom(...settling) });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: delivery },
  { weight: 2, arbitrary: dispute },
  { weight: 2, arbitrary: resolution },
  { weight: 1, arbitrary: settlement },
);

const TERMINAL = new Set(['closed_short', 'defaulted', 'waived']);

/** What must hold of any commitment whatever happened to it. Returns the broken rule, or null. */
function impossibility(state: CommitmentState, events: readonly CommitmentEvent[]): string | null {
  const c = state.commitment;
  if (c === null || c.promise.kind !== 'quantity') return 'the commitment vanished';
  const counted = state.deliveries.filter((d) => d.counts).reduce((sum, d) => sum.plus(d.quantity), new Dec(0));
  if (!counted.equals(state.delivered)) return `delivered ${state.delivered} is not the sum of counting deliveries ${counted.toFixed()}`;
  const promised = new Dec(c.promise.quantity);
  if (counted.greaterThan(promised)) return 'delivered beyond the promise';
  if (counted.isNegative()) return 'negative delivery total';
  if (state.phase === 'fulfilled' && counted.lessThan(promised)) return 'fulfilled below the promise';
  if (state.phase === 'open' && counted.greaterThanOrEqualTo(promised)) return 'open although the promise is met';
  const types = events.map((e) => e.type);
  const count = (t: string) => types.filter((x) => x === t).length;
  if (count('CommitmentOverdue') > 1) return 'marked overdue twice';
  if (count('CommitmentDefaulted') + count('CommitmentWaived') + count('CommitmentClosedShort') > 1) return 'settled twice';
  const fulfilledMinusReopened = count('CommitmentFulfilled') - count('CommitmentReopened');
  if (fulfilledMinusReopened < 0 || fulfilledMinusReopened > 1) return 'fulfilled and reopened out of step';
  let settled = false;
  for (const e of events) {
    if (settled && !['DisputeResolved', 'DeliveryDisputed'].includes(e.type)) return `${e.type} after the commitment was settled`;
    if (['CommitmentDefaulted', 'CommitmentWaived', 'CommitmentClosedShort'].includes(e.type)) settled = true;
  }
  if (TERMINAL.has(state.phase ?? '') !== settled) return `phase ${state.phase} disagrees with the history`;
  return null;
}

describe('random governance commands on a commitment', () => {
  let g: GovernanceApp;
  let run = 0;

  beforeAll(async () => {
    g = await startGovernance(testConfig('memory'));
    const who = await officials();
    await seed(g, who);
  });
  afterAll(async () => {
    await g.app.close();
  });

  it('never reach an impossible state, and every refused command changes nothing', async () => {
    const store = g.app.get<EventStore>(EVENT_STORE);
    const bus = g.app.get(CommandBus);
    const coordinator = contextOf('coordinator');
    let refused = 0;
    let accepted = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (steps) => {
        const commitmentId = `prop-${run++}`;
        const made: CommitmentCommandInput = {
          type: 'MakeCommitment',
          commitmentId,
          agreementId: AGREEMENT,
          obligor: 'suzhou',
          obligee: { kind: 'city', id: 'hangzhou' },
          kind: 'supplies',
          description: 'sandbags for the Taihu embankment',
          promise: { kind: 'quantity', quantity: '100', unit: 'tonne' },
          value: { amount: '50000.00', currency: 'CNY' },
          dueAt: at(48),
          incidentId: null,
        };
        await bus.execute(new ExecuteCommitmentCommand(made, coordinator));
        for (const s of steps) {
          const before = await store.headPosition();
          try {
            await bus.execute(new ExecuteCommitmentCommand(s.input(commitmentId), contextOf(s.who)));
            accepted++;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            refused++;
            expect(await store.headPosition()).toBe(before);
          }
          const history = await store.readStream(`commitment-${commitmentId}`);
          const events = history.map((e) => ({ type: e.type, data: e.data }) as CommitmentEvent);
          const state = fold(commitmentDecider, events);
          expect(impossibility(state, events)).toBeNull();
        }
        const head = await store.headPosition();
        if (head !== null) await g.app.get(ProjectionRunner).waitFor(head, 5_000);
        const history = await store.readStream(`commitment-${commitmentId}`);
        const state = fold(commitmentDecider, history.map((e) => ({ type: e.type, data: e.data }) as CommitmentEvent));
        const view = g.app.get(CommitmentsReadModel).get(commitmentId, g.clock.nowMs());
        expect(view).toMatchObject({ delivered: state.delivered, deliveries: state.deliveries, disputes: state.disputes, revision: String(history.length - 1) });
      }),
      { numRuns: 60 },
    );
    // The generators must exercise both sides, or the property says nothing.
    expect(accepted).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  });
});
