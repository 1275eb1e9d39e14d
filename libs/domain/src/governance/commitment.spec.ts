import { given } from '../shared/given-when-then.js';
import { fold } from '../shared/decider.js';
import {
  commitmentDecider,
  commitmentStatus,
  MAX_DELIVERIES_PER_COMMITMENT,
  type CloseShort,
  type CommitmentCommand,
  type DeclareDefault,
  type DisputeDelivery,
  type RecordDelivery,
  type ResolveDispute,
  type WaiveCommitment,
} from './commitment.js';
import type { CommitmentEvent } from './events.js';
import type { Actor } from './common.js';
import { agreementContext, at, BODY, bodyOfficer, DUE_HOURS, HOUR_MS, made, makeCommitment, NOW_MS, officerOf, otherBody, T0, T0_MS } from './testing.fixtures.js';

const suzhou = officerOf('suzhou');
const hangzhou = officerOf('hangzhou');
const jiaxing = officerOf('jiaxing');
const base = (hours: number, by: Actor) => ({ commitmentId: 'sandbags-1', occurredAt: at(hours), nowMs: NOW_MS, by });

const deliver = (deliveryId: string, quantity: string, hours: number, by: Actor = suzhou): RecordDelivery => ({
  type: 'RecordDelivery',
  ...base(hours, by),
  deliveryId,
  quantity,
  evidenceRef: `receipt/${deliveryId}`,
});
const closeShort = (hours = 60, by: Actor = bodyOfficer): CloseShort => ({ type: 'CloseShort', ...base(hours, by), reason: 'the embankment held' });
const declareDefault = (hours = 60, by: Actor = bodyOfficer): DeclareDefault => ({ type: 'DeclareDefault', ...base(hours, by), note: 'no trucks came' });
const waive = (hours = 60, by: Actor = hangzhou): WaiveCommitment => ({ type: 'WaiveCommitment', ...base(hours, by), reason: 'the flood receded' });
const dispute = (deliveryId: string, disputeId: string, hours = 60, by: Actor = hangzhou): DisputeDelivery => ({
  type: 'DisputeDelivery',
  ...base(hours, by),
  deliveryId,
  disputeId,
  reason: 'the bags were empty',
});
const resolve = (disputeId: string, outcome: 'upheld' | 'rejected', hours = 70, by: Actor = bodyOfficer): ResolveDispute => ({
  type: 'ResolveDispute',
  ...base(hours, by),
  disputeId,
  outcome,
  note: 'inspected on site',
});

const recorded = (deliveryId: string, quantity: string, hours: number): CommitmentEvent => ({
  type: 'DeliveryRecorded',
  data: { commitmentId: 'sandbags-1', deliveryId, quantity, evidenceRef: `receipt/${deliveryId}`, occurredAt: at(hours) },
});
const fulfilled = (completingDeliveryId: string, delivered: string, hours: number, onTime: boolean): CommitmentEvent => ({
  type: 'CommitmentFulfilled',
  data: { commitmentId: 'sandbags-1', completingDeliveryId, delivered, onTime, fulfilledAt: at(hours), occurredAt: at(hours) },
});
const disputed = (deliveryId: string, disputeId: string, hours = 60): CommitmentEvent => ({
  type: 'DeliveryDisputed',
  data: { commitmentId: 'sandbags-1', deliveryId, disputeId, reason: 'the bags were empty', occurredAt: at(hours) },
});
const resolved = (deliveryId: string, disputeId: string, outcome: 'upheld' | 'rejected', hours = 70): CommitmentEvent => ({
  type: 'DisputeResolved',
  data: { commitmentId: 'sandbags-1', disputeId, deliveryId, outcome, note: 'inspected on site', occurredAt: at(hours) },
});
const defaulted = (hours = 60): CommitmentEvent => ({ type: 'CommitmentDefaulted', data: { commitmentId: 'sandbags-1', reason: 'declared', note: 'no trucks came', occurredAt: at(hours) } });
const waived = (hours = 60): CommitmentEvent => ({
  type: 'CommitmentWaived',
  data: { commitmentId: 'sandbags-1', waivedBy: { kind: 'city', id: 'hangzhou' }, reason: 'the flood receded', occurredAt: at(hours) },
});
const closedShort: CommitmentEvent = {
  type: 'CommitmentClosedShort',
  data: { commitmentId: 'sandbags-1', delivered: '40', promised: '100', fraction: '0.400000', reason: 'the embankment held', occurredAt: at(60) },
};

const statusAfter = (events: CommitmentEvent[], nowMs = NOW_MS) => commitmentStatus(fold(commitmentDecider, events), nowMs);

describe('making a commitment', () => {
  it('a body records what one party city owes another under an agreement in force', () => {
    given(commitmentDecider, []).when(makeCommitment()).then([made()]);
  });

  it('a money commitment to the body fund is normalised to the currency scale', () => {
    given(commitmentDecider, [])
      .when(
        makeCommitment({
          kind: 'funding',
          obligee: { kind: 'fund', id: 'yrd-fund' },
          obligeeFund: { fundId: 'yrd-fund', bodyId: BODY },
          promise: { kind: 'money', amount: '2000000.5', currency: 'CNY' },
          value: { amount: '2000000.5', currency: 'CNY' },
        }),
      )
      .then([
        made({
          kind: 'funding',
          obligee: { kind: 'fund', id: 'yrd-fund' },
          promise: { kind: 'money', amount: '2000000.50', currency: 'CNY' },
          value: { amount: '2000000.50', currency: 'CNY' },
        }),
      ]);
  });

  it('a commitment owed to the body itself names the agreement body', () => {
    given(commitmentDecider, []).when(makeCommitment({ obligee: { kind: 'body', id: BODY } })).then([made({ obligee: { kind: 'body', id: BODY } })]);
    given(commitmentDecider, []).when(makeCommitment({ obligee: { kind: 'body', id: 'jjj-committee' } })).thenThrows('obligee_body_mismatch');
  });

  it('a commitment is made once', () => {
    given(commitmentDecider, [made()]).when(makeCommitment({ occurredAt: at(1) })).thenThrows('commitment_already_exists', 409);
  });

  it('only the officers of the agreement body record commitments', () => {
    given(commitmentDecider, []).when(makeCommitment({ by: suzhou })).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, []).when(makeCommitment({ by: otherBody })).thenThrows('actor_not_permitted', 403);
  });

  it('an agreement that does not exist, or is not in force at the instant, binds nobody', () => {
    given(commitmentDecider, []).when(makeCommitment({ agreement: null })).thenThrows('agreement_not_found', 404);
    given(commitmentDecider, []).when(makeCommitment({ agreement: agreementContext({ agreementId: 'other' }) })).thenThrows('agreement_not_found', 404);
    given(commitmentDecider, []).when(makeCommitment({ agreement: agreementContext({ status: 'terminated' }) })).thenThrows('agreement_not_in_force', 409);
    given(commitmentDecider, []).when(makeCommitment({ agreement: agreementContext({ validUntil: T0 }) })).thenThrows('agreement_not_in_force', 409);
    given(commitmentDecider, []).when(makeCommitment({ agreement: agreementContext({ validFrom: at(1) }) })).thenThrows('agreement_not_in_force', 409);
  });

  it('a commitment between cities that are not parties is refused', () => {
    const e1 = given(commitmentDecider, []).when(makeCommitment({ obligor: 'huzhou' })).thenThrows('city_not_party', 422);
    expect(e1.details).toMatchObject({ role: 'obligor', cityId: 'huzhou' });
    const e2 = given(commitmentDecider, []).when(makeCommitment({ obligee: { kind: 'city', id: 'huzhou' } })).thenThrows('city_not_party', 422);
    expect(e2.details).toMatchObject({ role: 'obligee', cityId: 'huzhou' });
  });

  it('a city cannot owe a commitment to itself', () => {
    given(commitmentDecider, []).when(makeCommitment({ obligee: { kind: 'city', id: 'suzhou' } })).thenThrows('obligor_is_obligee');
  });

  it('a fund obligee must exist and belong to the agreement body', () => {
    given(commitmentDecider, []).when(makeCommitment({ obligee: { kind: 'fund', id: 'yrd-fund' }, obligeeFund: null })).thenThrows('fund_not_found', 404);
    given(commitmentDecider, [])
      .when(makeCommitment({ obligee: { kind: 'fund', id: 'jjj-fund' }, obligeeFund: { fundId: 'jjj-fund', bodyId: 'jjj-committee' } }))
      .thenThrows('fund_not_of_body');
  });

  it('the due instant cannot precede the commitment', () => {
    given(commitmentDecider, []).when(makeCommitment({ dueAt: at(-1) })).thenThrows('due_before_commitment');
  });

  it('money is in the currency of the agreement', () => {
    given(commitmentDecider, []).when(makeCommitment({ value: { amount: '100.00', currency: 'USD' } })).thenThrows('currency_mismatch');
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'money', amount: '100.00', currency: 'HKD' } })).thenThrows('currency_mismatch');
  });

  it('quantities and amounts are positive decimals of a bounded scale', () => {
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'money', amount: '100.001', currency: 'CNY' } })).thenThrows('amount_scale_exceeded');
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'quantity', quantity: '1.1234567', unit: 'tonne' } })).thenThrows('quantity_scale_exceeded');
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'quantity', quantity: '0', unit: 'tonne' } })).thenThrows('non_positive_quantity');
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'quantity', quantity: '1e3', unit: 'tonne' } })).thenThrows('invalid_quantity');
    given(commitmentDecider, []).when(makeCommitment({ value: { amount: '-1.00', currency: 'CNY' } })).thenThrows('negative_value');
  });

  it('ids are slugs and texts are not empty', () => {
    given(commitmentDecider, []).when(makeCommitment({ commitmentId: 'Sandbags 1' })).thenThrows('invalid_id');
    given(commitmentDecider, []).when(makeCommitment({ incidentId: 'flood_2025' })).thenThrows('invalid_id');
    given(commitmentDecider, []).when(makeCommitment({ description: ' ' })).thenThrows('empty_text');
    given(commitmentDecider, []).when(makeCommitment({ promise: { kind: 'quantity', quantity: '1', unit: '' } })).thenThrows('empty_text');
    given(commitmentDecider, []).when(makeCommitment({ kind: 'prayer' as 'drill' })).thenThrows('invalid_commitment_kind');
  });
});

describe('deliveries', () => {
  it('deliveries accumulate until the promise is met', () => {
    given(commitmentDecider, [made()]).when(deliver('d1', '40', 10)).then([recorded('d1', '40', 10)]);
    given(commitmentDecider, [made(), recorded('d1', '40', 10)])
      .when(deliver('d2', '60.0', 20))
      .then([recorded('d2', '60', 20), fulfilled('d2', '100', 20, true)]);
  });

  it('a fulfilment within the grace is on time; after it, late', () => {
    const grace = DUE_HOURS + 1;
    given(commitmentDecider, [made()]).when(deliver('d1', '100', grace)).then([recorded('d1', '100', grace), fulfilled('d1', '100', grace, true)]);
    const late = { ...deliver('d1', '100', grace), occurredAt: new Date(T0_MS + grace * HOUR_MS + 1).toISOString() };
    const events = commitmentDecider.decide(late, fold(commitmentDecider, [made()]));
    expect(events[1]).toMatchObject({ type: 'CommitmentFulfilled', data: { onTime: false } });
    expect(statusAfter([made(), ...events])).toBe('fulfilled_late');
  });

  it('the obligor city or the body reports a delivery; nobody else', () => {
    given(commitmentDecider, [made()]).when(deliver('d1', '10', 10, bodyOfficer)).then([recorded('d1', '10', 10)]);
    given(commitmentDecider, [made()]).when(deliver('d1', '10', 10, hangzhou)).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, [made()]).when(deliver('d1', '10', 10, otherBody)).thenThrows('actor_not_permitted', 403);
  });

  it('deliveries beyond the promise are refused unless the commitment allows them', () => {
    const e = given(commitmentDecider, [made(), recorded('d1', '90', 10)]).when(deliver('d2', '20', 20)).thenThrows('delivery_exceeds_promise');
    expect(e.details).toEqual({ delivered: '90', quantity: '20', promised: '100' });
    given(commitmentDecider, [made({ allowOverDelivery: true }), recorded('d1', '90', 10)])
      .when(deliver('d2', '20', 20))
      .then([recorded('d2', '20', 20), fulfilled('d2', '110', 20, true)]);
  });

  it('no delivery after a default, a fulfilment, a waiver or a short close', () => {
    given(commitmentDecider, [made(), defaulted()]).when(deliver('d1', '1', 61)).thenThrows('delivery_after_default', 409);
    given(commitmentDecider, [made(), recorded('d1', '100', 10), fulfilled('d1', '100', 10, true)])
      .when(deliver('d2', '1', 61))
      .thenThrows('delivery_after_fulfilment', 409);
    given(commitmentDecider, [made(), waived()]).when(deliver('d1', '1', 61)).thenThrows('delivery_on_waived_commitment', 409);
    given(commitmentDecider, [made(), recorded('d1', '40', 10), closedShort]).when(deliver('d2', '1', 61)).thenThrows('delivery_after_close_short', 409);
  });

  it('a delivery is recorded once, with a positive quantity of the right scale and evidence', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10)]).when(deliver('d1', '10', 11)).thenThrows('delivery_already_recorded', 409);
    given(commitmentDecider, [made()]).when(deliver('d1', '-5', 10)).thenThrows('non_positive_quantity');
    given(commitmentDecider, [made()]).when(deliver('d1', '0.0000001', 10)).thenThrows('quantity_scale_exceeded');
    given(commitmentDecider, [made({ promise: { kind: 'money', amount: '100.00', currency: 'CNY' } })]).when(deliver('d1', '0.001', 10)).thenThrows('amount_scale_exceeded');
    given(commitmentDecider, [made()]).when({ ...deliver('d1', '5', 10), evidenceRef: '' }).thenThrows('empty_text');
  });

  it('a money commitment counts deliveries in the currency minor unit', () => {
    const m = made({ promise: { kind: 'money', amount: '100.00', currency: 'CNY' } });
    given(commitmentDecider, [m, { ...recorded('d1', '99.50', 10) }])
      .when(deliver('d2', '0.5', 20))
      .then([recorded('d2', '0.50', 20), fulfilled('d2', '100.00', 20, true)]);
  });

  it('a delivery cannot be dated before the last fact of the commitment, nor in the future', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10)]).when(deliver('d2', '10', 9)).thenThrows('out_of_order', 409);
    given(commitmentDecider, [made()]).when({ ...deliver('d1', '10', 10), nowMs: T0_MS + 9 * HOUR_MS }).thenThrows('occurred_in_future', 422);
  });

  it('an unknown commitment receives no delivery', () => {
    given(commitmentDecider, []).when(deliver('d1', '10', 10)).thenThrows('commitment_not_found', 404);
  });

  it('a commitment records a bounded number of deliveries', () => {
    const many = Array.from({ length: MAX_DELIVERIES_PER_COMMITMENT }, (_, i) => recorded(`d${i}`, '0.000001', 1));
    given(commitmentDecider, [made(), ...many]).when(deliver('one-more', '1', 2)).thenThrows('delivery_limit_reached', 409);
  });
});

describe('closing, defaulting and waiving', () => {
  it('the body accepts a partial delivery as final: closed short with the fraction delivered', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10)]).when(closeShort()).then([closedShort]);
    expect(statusAfter([made(), recorded('d1', '40', 10), closedShort])).toBe('closed_short');
  });

  it('the fraction of a short close is rounded down, so it never reads as complete', () => {
    const [event] = commitmentDecider.decide(closeShort(), fold(commitmentDecider, [made(), recorded('d1', '99.999999', 10)]));
    expect(event).toMatchObject({ type: 'CommitmentClosedShort', data: { delivered: '99.999999', fraction: '0.999999' } });
  });

  it('nothing delivered cannot be closed short', () => {
    given(commitmentDecider, [made()]).when(closeShort()).thenThrows('close_short_without_delivery', 409);
  });

  it('a short close waits for pending disputes', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10), disputed('d1', 'x1', 20)]).when(closeShort()).thenThrows('dispute_pending', 409);
  });

  it('only the body closes short or declares a default', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10)]).when(closeShort(60, hangzhou)).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, [made()]).when(declareDefault(60, hangzhou)).thenThrows('actor_not_permitted', 403);
  });

  it('the body declares a default on an open commitment', () => {
    given(commitmentDecider, [made()]).when(declareDefault()).then([defaulted()]);
    expect(statusAfter([made(), defaulted()])).toBe('defaulted');
  });

  it('a settled commitment cannot be defaulted, waived or closed again: one terminal outcome stands', () => {
    const settled = [made(), recorded('d1', '100', 10), fulfilled('d1', '100', 10, true)];
    given(commitmentDecider, settled).when(declareDefault()).thenThrows('commitment_not_open', 409);
    given(commitmentDecider, [made(), defaulted()]).when(waive(61)).thenThrows('commitment_not_open', 409);
    given(commitmentDecider, [made(), waived()]).when(declareDefault(61)).thenThrows('commitment_not_open', 409);
    given(commitmentDecider, [made(), recorded('d1', '40', 10), closedShort]).when(closeShort(61)).thenThrows('commitment_not_open', 409);
  });

  it('the obligee city waives what is owed to it', () => {
    given(commitmentDecider, [made()]).when(waive()).then([waived()]);
    expect(statusAfter([made(), waived()])).toBe('waived');
  });

  it('the body may waive a commitment too', () => {
    given(commitmentDecider, [made()])
      .when(waive(60, bodyOfficer))
      .then([{ type: 'CommitmentWaived', data: { commitmentId: 'sandbags-1', waivedBy: { kind: 'body', id: BODY }, reason: 'the flood receded', occurredAt: at(60) } }]);
  });

  it('a city officer cannot waive what its own city owes', () => {
    given(commitmentDecider, [made()]).when(waive(60, suzhou)).thenThrows('waiver_by_obligor', 403);
  });

  it('a third city cannot waive what is owed to another', () => {
    given(commitmentDecider, [made()]).when(waive(60, jiaxing)).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, [made({ obligee: { kind: 'fund', id: 'yrd-fund' } })]).when(waive(60, hangzhou)).thenThrows('actor_not_permitted', 403);
  });
});

describe('disputes', () => {
  const fulfilledHistory = [made(), recorded('d1', '40', 10), recorded('d2', '60', 20), fulfilled('d2', '100', 20, true)];

  it('the obligee city disputes a delivery', () => {
    given(commitmentDecider, fulfilledHistory).when(dispute('d2', 'x1')).then([disputed('d2', 'x1')]);
  });

  it('for a commitment owed to the body or its fund, the body disputes', () => {
    const toFund = [made({ obligee: { kind: 'fund', id: 'yrd-fund' } }), recorded('d1', '40', 10)];
    given(commitmentDecider, toFund).when(dispute('d1', 'x1', 60, bodyOfficer)).then([disputed('d1', 'x1')]);
    given(commitmentDecider, toFund).when(dispute('d1', 'x1', 60, hangzhou)).thenThrows('actor_not_permitted', 403);
  });

  it('only the obligee side disputes: not the obligor, not a third city', () => {
    given(commitmentDecider, fulfilledHistory).when(dispute('d2', 'x1', 60, suzhou)).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, fulfilledHistory).when(dispute('d2', 'x1', 60, jiaxing)).thenThrows('actor_not_permitted', 403);
  });

  it('an unknown delivery cannot be disputed, nor one disputed before', () => {
    given(commitmentDecider, fulfilledHistory).when(dispute('d9', 'x1')).thenThrows('delivery_not_found', 404);
    given(commitmentDecider, [...fulfilledHistory, disputed('d2', 'x1')]).when(dispute('d2', 'x2', 61)).thenThrows('delivery_already_disputed', 409);
    given(commitmentDecider, [...fulfilledHistory, disputed('d2', 'x1')]).when(dispute('d1', 'x1', 61)).thenThrows('dispute_already_exists', 409);
  });

  it('deliveries of a defaulted, waived or short-closed commitment are no longer disputed', () => {
    given(commitmentDecider, [made(), recorded('d1', '40', 10), defaulted()]).when(dispute('d1', 'x1', 61)).thenThrows('commitment_not_disputable', 409);
  });

  it('an upheld dispute strikes the delivery and reopens a fulfilment that falls below the promise', () => {
    const history = [...fulfilledHistory, disputed('d2', 'x1')];
    given(commitmentDecider, history)
      .when(resolve('x1', 'upheld'))
      .then([resolved('d2', 'x1', 'upheld'), { type: 'CommitmentReopened', data: { commitmentId: 'sandbags-1', delivered: '40', occurredAt: at(70) } }]);
    const reopened = [...history, resolved('d2', 'x1', 'upheld'), { type: 'CommitmentReopened', data: { commitmentId: 'sandbags-1', delivered: '40', occurredAt: at(70) } } as const];
    const state = fold(commitmentDecider, reopened);
    expect(state.delivered).toBe('40');
    expect(commitmentStatus(state, NOW_MS)).toBe('overdue');
    given(commitmentDecider, reopened).when(deliver('d3', '60', 80)).then([recorded('d3', '60', 80), fulfilled('d3', '100', 80, false)]);
  });

  it('an upheld dispute on an open commitment only stops the delivery counting', () => {
    const history = [made(), recorded('d1', '40', 10), disputed('d1', 'x1', 20)];
    given(commitmentDecider, history).when(resolve('x1', 'upheld', 30)).then([resolved('d1', 'x1', 'upheld', 30)]);
    expect(fold(commitmentDecider, [...history, resolved('d1', 'x1', 'upheld', 30)]).delivered).toBe('0');
  });

  it('a fulfilment still met by an over-delivery stands after an upheld dispute', () => {
    const history = [made({ allowOverDelivery: true }), recorded('d1', '5', 10), recorded('d2', '100', 20), fulfilled('d2', '105', 20, true), disputed('d1', 'x1')];
    given(commitmentDecider, history).when(resolve('x1', 'upheld')).then([resolved('d1', 'x1', 'upheld')]);
  });

  it('a rejected dispute leaves the delivery counting', () => {
    const history = [...fulfilledHistory, disputed('d2', 'x1')];
    given(commitmentDecider, history).when(resolve('x1', 'rejected')).then([resolved('d2', 'x1', 'rejected')]);
    expect(statusAfter([...history, resolved('d2', 'x1', 'rejected')])).toBe('fulfilled_on_time');
  });

  it('only the body resolves a dispute, once, and only one that exists', () => {
    const history = [...fulfilledHistory, disputed('d2', 'x1')];
    given(commitmentDecider, history).when(resolve('x1', 'upheld', 70, hangzhou)).thenThrows('actor_not_permitted', 403);
    given(commitmentDecider, history).when(resolve('x9', 'upheld')).thenThrows('dispute_not_found', 404);
    given(commitmentDecider, [...history, resolved('d2', 'x1', 'rejected')]).when(resolve('x1', 'upheld', 71)).thenThrows('dispute_already_resolved', 409);
    given(commitmentDecider, history).when({ ...resolve('x1', 'upheld'), outcome: 'maybe' as 'upheld' }).thenThrows('invalid_dispute_outcome');
  });
});

describe('status for read models', () => {
  it('an open commitment reads overdue once due plus grace has passed, even before the deadline process ran', () => {
    const dueMs = T0_MS + DUE_HOURS * HOUR_MS;
    expect(statusAfter([made()], dueMs + HOUR_MS - 1)).toBe('open');
    expect(statusAfter([made()], dueMs + HOUR_MS)).toBe('overdue');
  });

  it('nothing made has no status', () => {
    expect(commitmentStatus(commitmentDecider.initialState(), NOW_MS)).toBeNull();
  });
});

describe('every command names its commitment', () => {
  it('commands on a commitment that was never made are refused as unknown', () => {
    const commands: CommitmentCommand[] = [closeShort(), declareDefault(), waive(), dispute('d1', 'x1'), resolve('x1', 'upheld')];
    for (const c of commands) given(commitmentDecider, []).when(c).thenThrows('commitment_not_found', 404);
  });
});
