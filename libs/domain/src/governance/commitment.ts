/**
 * Commitment: one city's obligation toward a city, the body or its fund, made under an agreement. Deliveries
 * accumulate until the promise is met; a disputed delivery that is upheld stops counting (and may reopen a
 * fulfilment). Deadline commands from the process manager are idempotent. Stream `commitment-<id>`.
 */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { Dec, formatAmount, money, parseAmount, type Money } from '../shared/money.js';
import { instant, parseInstant, SECOND_MS } from '../shared/time.js';
import { COMMITMENT_KINDS, type CommitmentEvent, type CommitmentKind, type CommitmentMade, type Obligee, type Promise_ } from './events.js';
import type { AgreementContext } from './agreement.js';
import {
  checkOccurredAt,
  notPermitted,
  parseQuantity,
  requireBodyActor,
  requireId,
  requireOneOf,
  requirePositive,
  requireText,
  type Actor,
  type CommandBase,
} from './common.js';

/** Deliveries one commitment may record: a longer list is a data-entry loop, not a fulfilment. */
export const MAX_DELIVERIES_PER_COMMITMENT = 1000;
/** Decimals of the fraction a short close records. */
export const CLOSE_SHORT_FRACTION_SCALE = 6;
/** The actor the deadline process manager issues its commands as. */
export const DEADLINE_PROCESS: Actor = Object.freeze({ kind: 'process', id: 'deadlines' });

/** Cross-stream fact for an obligee fund: the fund and the body it belongs to, as the handler found them. */
export interface FundContext {
  fundId: string;
  bodyId: string;
}

export type MakeCommitment = CommandBase & {
  type: 'MakeCommitment';
  commitmentId: string;
  agreementId: string;
  obligor: string;
  obligee: Obligee;
  kind: CommitmentKind;
  description: string;
  promise: Promise_;
  value: Money;
  dueAt: string;
  incidentId: string | null;
  /** Deliveries beyond the promise are refused unless this is true. Default false. */
  allowOverDelivery?: boolean;
  /** The agreement's terms in force at occurredAt (`agreementTermsAt`), or null when it does not exist. */
  agreement: AgreementContext | null;
  /** Required when the obligee is a fund; null when that fund does not exist. */
  obligeeFund: FundContext | null;
};
export type RecordDelivery = CommandBase & { type: 'RecordDelivery'; commitmentId: string; deliveryId: string; quantity: string; evidenceRef: string };
export type CloseShort = CommandBase & { type: 'CloseShort'; commitmentId: string; reason: string };
export type DeclareDefault = CommandBase & { type: 'DeclareDefault'; commitmentId: string; note: string };
export type WaiveCommitment = CommandBase & { type: 'WaiveCommitment'; commitmentId: string; reason: string };
export type DisputeDelivery = CommandBase & { type: 'DisputeDelivery'; commitmentId: string; deliveryId: string; disputeId: string; reason: string };
export type ResolveDispute = CommandBase & { type: 'ResolveDispute'; commitmentId: string; disputeId: string; outcome: 'upheld' | 'rejected'; note: string };
export type MarkOverdue = CommandBase & { type: 'MarkOverdue'; commitmentId: string };
export type DefaultForDeadline = CommandBase & { type: 'DefaultForDeadline'; commitmentId: string };
export type DeadlineCommand = MarkOverdue | DefaultForDeadline;
export type CommitmentCommand =
  | MakeCommitment
  | RecordDelivery
  | CloseShort
  | DeclareDefault
  | WaiveCommitment
  | DisputeDelivery
  | ResolveDispute
  | MarkOverdue
  | DefaultForDeadline;

export type CommitmentPhase = 'open' | 'fulfilled' | 'closed_short' | 'defaulted' | 'waived';

export interface DeliveryRecord {
  deliveryId: string;
  quantity: string;
  evidenceRef: string;
  occurredAt: string;
  /** False once a dispute of it was upheld. */
  counts: boolean;
  disputeId: string | null;
}

export interface DisputeRecord {
  disputeId: string;
  deliveryId: string;
  outcome: 'pending' | 'upheld' | 'rejected';
}

export interface CommitmentState {
  commitment: CommitmentMade['data'] | null;
  phase: CommitmentPhase | null;
  /** Sum of the deliveries that count, in the promise's canonical form. */
  delivered: string;
  deliveries: DeliveryRecord[];
  disputes: DisputeRecord[];
  fulfilment: { completingDeliveryId: string; onTime: boolean; fulfilledAt: string } | null;
  overdueMarked: boolean;
  lastOccurredAtMs: number | null;
}

export type CommitmentStatus = 'open' | 'overdue' | 'fulfilled_on_time' | 'fulfilled_late' | 'closed_short' | 'defaulted' | 'waived';

export const promisedQuantity = (promise: Promise_): string => (promise.kind === 'quantity' ? promise.quantity : promise.amount);

function canonical(value: Dec, promise: Promise_): string {
  return promise.kind === 'money' ? formatAmount(value, promise.currency) : value.toFixed();
}

function parseDeliveryQuantity(raw: string, promise: Promise_): Dec {
  const q = promise.kind === 'money' ? parseAmount(raw, promise.currency, 'quantity') : parseQuantity(raw, 'quantity');
  return requirePositive(q, 'quantity', raw);
}

const overdueAtMs = (c: CommitmentMade['data']): number => Date.parse(c.dueAt) + c.overdueGraceSeconds * SECOND_MS;
const defaultAtMs = (c: CommitmentMade['data']): number => Date.parse(c.dueAt) + c.defaultAfterSeconds * SECOND_MS;

function requireCommitment(state: CommitmentState, commitmentId: string): CommitmentMade['data'] {
  if (state.commitment === null) {
    throw new DomainError('commitment_not_found', `commitment ${commitmentId} does not exist`, { id: commitmentId }, 404);
  }
  return state.commitment;
}

function requireOpen(state: CommitmentState, c: CommitmentMade['data'], action: string): void {
  if (state.phase !== 'open') {
    throw new DomainError('commitment_not_open', `cannot ${action}: commitment ${c.commitmentId} is ${state.phase}`, { commitmentId: c.commitmentId, phase: state.phase, action }, 409);
  }
}

/** The obligee side speaks for the obligee: the city itself, or the body for itself and for its fund. */
function isObligeeSide(by: Actor, c: CommitmentMade['data']): boolean {
  return c.obligee.kind === 'city' ? by.kind === 'city' && by.id === c.obligee.id : by.kind === 'body' && by.id === c.bodyId;
}

function decideMake(command: MakeCommitment, state: CommitmentState): CommitmentEvent[] {
  const commitmentId = requireId(command.commitmentId, 'commitmentId');
  if (state.commitment !== null) {
    throw new DomainError('commitment_already_exists', `commitment ${commitmentId} already exists`, { commitmentId }, 409);
  }
  const agreementId = requireId(command.agreementId, 'agreementId');
  const agreement = command.agreement;
  if (agreement === null || agreement.agreementId !== agreementId) {
    throw new DomainError('agreement_not_found', `agreement ${agreementId} does not exist`, { id: agreementId }, 404);
  }
  requireBodyActor(command.by, agreement.bodyId, 'record a commitment');
  const { ms, at } = checkOccurredAt(command, state.lastOccurredAtMs);
  const inWindow = ms >= Date.parse(agreement.validFrom) && (agreement.validUntil === null || ms < Date.parse(agreement.validUntil));
  if (agreement.status !== 'in_force' || !inWindow) {
    throw new DomainError(
      'agreement_not_in_force',
      `agreement ${agreementId} is not in force at ${at}`,
      { agreementId, status: agreement.status, occurredAt: at, validFrom: agreement.validFrom, validUntil: agreement.validUntil },
      409,
    );
  }
  const obligor = requireId(command.obligor, 'obligor');
  if (!agreement.parties.includes(obligor)) {
    throw new DomainError('city_not_party', `obligor ${obligor} is not a party to agreement ${agreementId}`, { role: 'obligor', cityId: obligor, parties: agreement.parties });
  }
  const obligee = decideObligee(command, agreement, obligor);
  const kind = requireOneOf(command.kind, COMMITMENT_KINDS, 'invalid_commitment_kind', 'kind');
  const description = requireText(command.description, 'description', 'description');
  const promise = decidePromise(command.promise, agreement.currency);
  const value = decideValue(command.value, agreement.currency);
  const dueMs = parseInstant(command.dueAt, 'dueAt');
  if (dueMs < ms) {
    throw new DomainError('due_before_commitment', `dueAt ${command.dueAt} is before the commitment was made (${at})`, { dueAt: command.dueAt, occurredAt: at });
  }
  const incidentId = command.incidentId === null ? null : requireId(command.incidentId, 'incidentId');
  return [
    {
      type: 'CommitmentMade',
      data: {
        commitmentId,
        agreementId,
        bodyId: agreement.bodyId,
        obligor,
        obligee,
        kind,
        description,
        promise,
        value,
        dueAt: instant(dueMs),
        incidentId,
        allowOverDelivery: command.allowOverDelivery === true,
        overdueGraceSeconds: agreement.overdueGraceSeconds,
        defaultAfterSeconds: agreement.defaultAfterSeconds,
        occurredAt: at,
      },
    },
  ];
}

function decideObligee(command: MakeCommitment, agreement: AgreementContext, obligor: string): Obligee {
  const o = command.obligee;
  const id = requireId(o.id, 'obligee.id');
  switch (o.kind) {
    case 'city':
      if (id === obligor) {
        throw new DomainError('obligor_is_obligee', `city ${id} cannot owe a commitment to itself`, { cityId: id });
      }
      if (!agreement.parties.includes(id)) {
        throw new DomainError('city_not_party', `obligee ${id} is not a party to agreement ${agreement.agreementId}`, { role: 'obligee', cityId: id, parties: agreement.parties });
      }
      return { kind: 'city', id };
    case 'body':
      if (id !== agreement.bodyId) {
        throw new DomainError('obligee_body_mismatch', `obligee body ${id} is not the body of agreement ${agreement.agreementId}`, { obligeeId: id, bodyId: agreement.bodyId });
      }
      return { kind: 'body', id };
    case 'fund':
      if (command.obligeeFund === null || command.obligeeFund.fundId !== id) {
        throw new DomainError('fund_not_found', `fund ${id} does not exist`, { id }, 404);
      }
      if (command.obligeeFund.bodyId !== agreement.bodyId) {
        throw new DomainError('fund_not_of_body', `fund ${id} does not belong to body ${agreement.bodyId}`, { fundId: id, fundBodyId: command.obligeeFund.bodyId, bodyId: agreement.bodyId });
      }
      return { kind: 'fund', id };
    default:
      throw unknownKind('invalid_obligee', 'obligee.kind', o, ['city', 'body', 'fund']);
  }
}

/** Commands arrive from the wire: a union's unknown tag is refused, not trusted to be impossible. */
function unknownKind(code: string, field: string, value: unknown, allowed: string[]): DomainError {
  const kind = typeof value === 'object' && value !== null && 'kind' in value ? value.kind : undefined;
  return new DomainError(code, `${field} must be one of ${allowed.join(', ')}`, { field, value: kind, allowed });
}

function requireCurrency(currency: string, expected: string, field: string): void {
  if (currency !== expected) {
    throw new DomainError('currency_mismatch', `${field} is in ${currency}; the agreement settles in ${expected}`, { field, currency, expected });
  }
}

function decidePromise(promise: Promise_, currency: string): Promise_ {
  if (promise.kind === 'money') {
    requireCurrency(promise.currency, currency, 'promise.currency');
    const amount = requirePositive(parseAmount(promise.amount, promise.currency, 'promise.amount'), 'promise.amount', promise.amount);
    return { kind: 'money', amount: formatAmount(amount, currency), currency };
  }
  if (promise.kind === 'quantity') {
    const quantity = requirePositive(parseQuantity(promise.quantity, 'promise.quantity'), 'promise.quantity', promise.quantity);
    return { kind: 'quantity', quantity: quantity.toFixed(), unit: requireText(promise.unit, 'promise.unit', 'unit') };
  }
  throw unknownKind('invalid_promise', 'promise.kind', promise, ['quantity', 'money']);
}

function decideValue(value: Money, currency: string): Money {
  requireCurrency(value.currency, currency, 'value.currency');
  const normalised = money(value.amount, value.currency);
  if (new Dec(normalised.amount).isNegative()) {
    throw new DomainError('negative_value', 'value must not be negative', { field: 'value.amount', value: value.amount });
  }
  return normalised;
}

function decideDelivery(command: RecordDelivery, state: CommitmentState, c: CommitmentMade['data']): CommitmentEvent[] {
  const by = command.by;
  if (!((by.kind === 'city' && by.id === c.obligor) || (by.kind === 'body' && by.id === c.bodyId))) {
    throw notPermitted('record a delivery', by, `the obligor ${c.obligor} or the body ${c.bodyId}`);
  }
  const refusal: Record<Exclude<CommitmentPhase, 'open'>, string> = {
    fulfilled: 'delivery_after_fulfilment',
    defaulted: 'delivery_after_default',
    waived: 'delivery_on_waived_commitment',
    closed_short: 'delivery_after_close_short',
  };
  if (state.phase !== 'open' && state.phase !== null) {
    throw new DomainError(refusal[state.phase], `commitment ${c.commitmentId} is ${state.phase}; no delivery can be recorded`, { commitmentId: c.commitmentId, phase: state.phase }, 409);
  }
  const deliveryId = requireId(command.deliveryId, 'deliveryId');
  if (state.deliveries.some((d) => d.deliveryId === deliveryId)) {
    throw new DomainError('delivery_already_recorded', `delivery ${deliveryId} is already recorded`, { deliveryId }, 409);
  }
  if (state.deliveries.length >= MAX_DELIVERIES_PER_COMMITMENT) {
    throw new DomainError('delivery_limit_reached', `a commitment records at most ${MAX_DELIVERIES_PER_COMMITMENT} deliveries`, { max: MAX_DELIVERIES_PER_COMMITMENT }, 409);
  }
  const quantity = parseDeliveryQuantity(command.quantity, c.promise);
  const evidenceRef = requireText(command.evidenceRef, 'evidenceRef', 'evidenceRef');
  const promised = new Dec(promisedQuantity(c.promise));
  const total = new Dec(state.delivered).plus(quantity);
  if (total.greaterThan(promised) && !c.allowOverDelivery) {
    throw new DomainError('delivery_exceeds_promise', `this delivery would bring the total to ${canonical(total, c.promise)} of ${canonical(promised, c.promise)} promised`, {
      delivered: state.delivered,
      quantity: command.quantity,
      promised: canonical(promised, c.promise),
    });
  }
  const { ms, at } = checkOccurredAt(command, state.lastOccurredAtMs);
  const recorded: CommitmentEvent = {
    type: 'DeliveryRecorded',
    data: { commitmentId: c.commitmentId, deliveryId, quantity: canonical(quantity, c.promise), evidenceRef, occurredAt: at },
  };
  if (total.lessThan(promised)) return [recorded];
  return [
    recorded,
    {
      type: 'CommitmentFulfilled',
      data: {
        commitmentId: c.commitmentId,
        completingDeliveryId: deliveryId,
        delivered: canonical(total, c.promise),
        onTime: ms <= overdueAtMs(c),
        fulfilledAt: at,
        occurredAt: at,
      },
    },
  ];
}

function decideDispute(command: DisputeDelivery, state: CommitmentState, c: CommitmentMade['data']): CommitmentEvent[] {
  if (!isObligeeSide(command.by, c)) {
    throw notPermitted('dispute a delivery', command.by, c.obligee.kind === 'city' ? `the obligee ${c.obligee.id}` : `the body ${c.bodyId}`);
  }
  if (state.phase !== 'open' && state.phase !== 'fulfilled') {
    throw new DomainError('commitment_not_disputable', `commitment ${c.commitmentId} is ${state.phase}; its deliveries can no longer be disputed`, { commitmentId: c.commitmentId, phase: state.phase }, 409);
  }
  const delivery = state.deliveries.find((d) => d.deliveryId === command.deliveryId);
  if (delivery === undefined) {
    throw new DomainError('delivery_not_found', `delivery ${command.deliveryId} does not exist`, { id: command.deliveryId }, 404);
  }
  if (delivery.disputeId !== null) {
    throw new DomainError('delivery_already_disputed', `delivery ${delivery.deliveryId} was already disputed`, { deliveryId: delivery.deliveryId, disputeId: delivery.disputeId }, 409);
  }
  const disputeId = requireId(command.disputeId, 'disputeId');
  if (state.disputes.some((d) => d.disputeId === disputeId)) {
    throw new DomainError('dispute_already_exists', `dispute ${disputeId} already exists`, { disputeId }, 409);
  }
  const reason = requireText(command.reason, 'reason', 'reason');
  const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
  return [{ type: 'DeliveryDisputed', data: { commitmentId: c.commitmentId, deliveryId: delivery.deliveryId, disputeId, reason, occurredAt: at } }];
}

function decideResolution(command: ResolveDispute, state: CommitmentState, c: CommitmentMade['data']): CommitmentEvent[] {
  requireBodyActor(command.by, c.bodyId, 'resolve a dispute');
  const dispute = state.disputes.find((d) => d.disputeId === command.disputeId);
  if (dispute === undefined) {
    throw new DomainError('dispute_not_found', `dispute ${command.disputeId} does not exist`, { id: command.disputeId }, 404);
  }
  if (dispute.outcome !== 'pending') {
    throw new DomainError('dispute_already_resolved', `dispute ${dispute.disputeId} was already resolved (${dispute.outcome})`, { disputeId: dispute.disputeId, outcome: dispute.outcome }, 409);
  }
  const outcome = requireOneOf(command.outcome, ['upheld', 'rejected'] as const, 'invalid_dispute_outcome', 'outcome');
  const note = requireText(command.note, 'note', 'reason');
  const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
  const resolved: CommitmentEvent = {
    type: 'DisputeResolved',
    data: { commitmentId: c.commitmentId, disputeId: dispute.disputeId, deliveryId: dispute.deliveryId, outcome, note, occurredAt: at },
  };
  if (outcome === 'rejected' || state.phase !== 'fulfilled') return [resolved];
  const delivery = state.deliveries.find((d) => d.deliveryId === dispute.deliveryId);
  const remaining = new Dec(state.delivered).minus(delivery?.counts === true ? delivery.quantity : '0');
  // A fulfilment stands only while what counts still meets the promise (over-delivery can absorb a struck delivery).
  if (remaining.greaterThanOrEqualTo(promisedQuantity(c.promise))) return [resolved];
  return [resolved, { type: 'CommitmentReopened', data: { commitmentId: c.commitmentId, delivered: canonical(remaining, c.promise), occurredAt: at } }];
}

/**
 * Deadline commands are facts of the clock, issued by the process manager. Already overdue, or already settled one
 * way or another, they produce nothing: two replicas racing on the same deadline cannot record it twice.
 */
function decideDeadline(command: DeadlineCommand, state: CommitmentState, c: CommitmentMade['data']): CommitmentEvent[] {
  if (command.by.kind !== 'process') throw notPermitted('apply a deadline', command.by, 'the deadline process');
  if (state.phase !== 'open') return [];
  if (command.type === 'MarkOverdue' && state.overdueMarked) return [];
  const deadlineMs = command.type === 'MarkOverdue' ? overdueAtMs(c) : defaultAtMs(c);
  const { ms, at } = checkOccurredAt(command, state.lastOccurredAtMs);
  if (ms < deadlineMs) {
    throw new DomainError(
      'deadline_not_reached',
      `the ${command.type === 'MarkOverdue' ? 'overdue' : 'default'} deadline of ${c.commitmentId} is ${instant(deadlineMs)}`,
      { commitmentId: c.commitmentId, deadline: instant(deadlineMs), occurredAt: at },
      409,
    );
  }
  if (command.type === 'MarkOverdue') return [{ type: 'CommitmentOverdue', data: { commitmentId: c.commitmentId, dueAt: c.dueAt, occurredAt: at } }];
  return [
    {
      type: 'CommitmentDefaulted',
      data: { commitmentId: c.commitmentId, reason: 'deadline', note: `not fulfilled by ${instant(deadlineMs)}`, occurredAt: at },
    },
  ];
}

function decideOnExisting(command: Exclude<CommitmentCommand, MakeCommitment>, state: CommitmentState): CommitmentEvent[] {
  const c = requireCommitment(state, command.commitmentId);
  switch (command.type) {
    case 'RecordDelivery':
      return decideDelivery(command, state, c);
    case 'DisputeDelivery':
      return decideDispute(command, state, c);
    case 'ResolveDispute':
      return decideResolution(command, state, c);
    case 'MarkOverdue':
    case 'DefaultForDeadline':
      return decideDeadline(command, state, c);
    case 'CloseShort': {
      requireBodyActor(command.by, c.bodyId, 'close a commitment short');
      requireOpen(state, c, 'close short');
      if (new Dec(state.delivered).isZero()) {
        throw new DomainError('close_short_without_delivery', `nothing was delivered on ${c.commitmentId}; declare a default or waive it instead`, { commitmentId: c.commitmentId }, 409);
      }
      const pending = state.disputes.find((d) => d.outcome === 'pending');
      if (pending !== undefined) {
        throw new DomainError('dispute_pending', `dispute ${pending.disputeId} must be resolved before closing short`, { disputeId: pending.disputeId }, 409);
      }
      const reason = requireText(command.reason, 'reason', 'reason');
      const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
      const promised = new Dec(promisedQuantity(c.promise));
      const fraction = new Dec(state.delivered).div(promised).toDecimalPlaces(CLOSE_SHORT_FRACTION_SCALE, Dec.ROUND_DOWN);
      return [
        {
          type: 'CommitmentClosedShort',
          data: {
            commitmentId: c.commitmentId,
            delivered: state.delivered,
            promised: canonical(promised, c.promise),
            fraction: fraction.toFixed(CLOSE_SHORT_FRACTION_SCALE),
            reason,
            occurredAt: at,
          },
        },
      ];
    }
    case 'DeclareDefault': {
      requireBodyActor(command.by, c.bodyId, 'declare a default');
      requireOpen(state, c, 'declare a default');
      const note = requireText(command.note, 'note', 'reason');
      const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
      return [{ type: 'CommitmentDefaulted', data: { commitmentId: c.commitmentId, reason: 'declared', note, occurredAt: at } }];
    }
    case 'WaiveCommitment': {
      const by = command.by;
      if (by.kind === 'city' && by.id === c.obligor) {
        throw new DomainError('waiver_by_obligor', `city ${c.obligor} cannot waive what it owes`, { commitmentId: c.commitmentId, obligor: c.obligor }, 403);
      }
      const byBody = by.kind === 'body' && by.id === c.bodyId;
      if (!byBody && !isObligeeSide(by, c)) throw notPermitted('waive a commitment', by, `the obligee or the body ${c.bodyId}`);
      requireOpen(state, c, 'waive');
      const reason = requireText(command.reason, 'reason', 'reason');
      const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
      const waivedBy: Obligee = byBody ? { kind: 'body', id: c.bodyId } : { kind: 'city', id: by.id };
      return [{ type: 'CommitmentWaived', data: { commitmentId: c.commitmentId, waivedBy, reason, occurredAt: at } }];
    }
  }
}

function evolveCommitment(state: CommitmentState, event: CommitmentEvent): CommitmentState {
  const lastOccurredAtMs = Date.parse(event.data.occurredAt);
  // Object.assign, not `{ ...state, ...changes }`: the V8 of Node 20 defines each property after a literal's first
  // spread through its slow runtime path (microseconds per event), and every command folds its own events.
  const next = (changes: Partial<CommitmentState>): CommitmentState => Object.assign({}, state, { lastOccurredAtMs }, changes);
  switch (event.type) {
    case 'CommitmentMade':
      return next({ commitment: event.data, phase: 'open', delivered: canonical(new Dec(0), event.data.promise) });
    case 'DeliveryRecorded': {
      const { deliveryId, quantity, evidenceRef, occurredAt } = event.data;
      const promise = state.commitment?.promise;
      const total = new Dec(state.delivered).plus(quantity);
      return next({
        deliveries: [...state.deliveries, { deliveryId, quantity, evidenceRef, occurredAt, counts: true, disputeId: null }],
        delivered: promise === undefined ? total.toFixed() : canonical(total, promise),
      });
    }
    case 'CommitmentFulfilled': {
      const { completingDeliveryId, onTime, fulfilledAt } = event.data;
      return next({ phase: 'fulfilled', fulfilment: { completingDeliveryId, onTime, fulfilledAt } });
    }
    case 'CommitmentClosedShort':
      return next({ phase: 'closed_short' });
    case 'CommitmentOverdue':
      return next({ overdueMarked: true });
    case 'CommitmentDefaulted':
      return next({ phase: 'defaulted' });
    case 'CommitmentWaived':
      return next({ phase: 'waived' });
    case 'DeliveryDisputed': {
      const { deliveryId, disputeId } = event.data;
      return next({
        deliveries: state.deliveries.map((d) => (d.deliveryId === deliveryId ? { ...d, disputeId } : d)),
        disputes: [...state.disputes, { disputeId, deliveryId, outcome: 'pending' }],
      });
    }
    case 'DisputeResolved': {
      const { disputeId, deliveryId, outcome } = event.data;
      const disputes = state.disputes.map((d) => (d.disputeId === disputeId ? { ...d, outcome } : d));
      if (outcome === 'rejected') return next({ disputes });
      const struck = state.deliveries.find((d) => d.deliveryId === deliveryId && d.counts);
      const total = new Dec(state.delivered).minus(struck?.quantity ?? '0');
      const promise = state.commitment?.promise;
      return next({
        disputes,
        deliveries: state.deliveries.map((d) => (d.deliveryId === deliveryId ? { ...d, counts: false } : d)),
        delivered: promise === undefined ? total.toFixed() : canonical(total, promise),
      });
    }
    case 'CommitmentReopened':
      return next({ phase: 'open', fulfilment: null });
  }
}

export const commitmentDecider: Decider<CommitmentCommand, CommitmentEvent, CommitmentState> = {
  initialState: () => ({
    commitment: null,
    phase: null,
    delivered: '0',
    deliveries: [],
    disputes: [],
    fulfilment: null,
    overdueMarked: false,
    lastOccurredAtMs: null,
  }),
  evolve: evolveCommitment,
  decide(command, state) {
    return command.type === 'MakeCommitment' ? decideMake(command, state) : decideOnExisting(command, state);
  },
};

/** The status a read model shows, given the ledger clock's now. Null when nothing was made. */
export function commitmentStatus(state: CommitmentState, nowMs: number): CommitmentStatus | null {
  const c = state.commitment;
  if (c === null) return null;
  switch (state.phase) {
    case 'open':
    case null:
      return state.overdueMarked || nowMs >= overdueAtMs(c) ? 'overdue' : 'open';
    case 'fulfilled':
      return state.fulfilment?.onTime === false ? 'fulfilled_late' : 'fulfilled_on_time';
    case 'closed_short':
    case 'defaulted':
    case 'waived':
      return state.phase;
  }
}

/**
 * The deadline commands due at `nowMs`, in the order to issue them. Each is stamped with its deadline, or with the
 * stream's last instant when a later fact was recorded meanwhile, so it is never out of order.
 */
export function deadlinesDue(state: CommitmentState, nowMs: number): DeadlineCommand[] {
  const c = state.commitment;
  if (c === null || state.phase !== 'open') return [];
  const last = state.lastOccurredAtMs ?? Number.NEGATIVE_INFINITY;
  const base = { commitmentId: c.commitmentId, nowMs, by: DEADLINE_PROCESS };
  const due: DeadlineCommand[] = [];
  const overdueMs = Math.max(overdueAtMs(c), last);
  if (!state.overdueMarked && nowMs >= overdueAtMs(c)) due.push({ type: 'MarkOverdue', ...base, occurredAt: instant(overdueMs) });
  if (nowMs >= defaultAtMs(c)) due.push({ type: 'DefaultForDeadline', ...base, occurredAt: instant(Math.max(defaultAtMs(c), overdueMs)) });
  return due;
}

/** When `deadlinesDue` will next have something to issue, so a process manager can sleep until then. */
export function nextDeadlineMs(state: CommitmentState): number | null {
  const c = state.commitment;
  if (c === null || state.phase !== 'open') return null;
  return state.overdueMarked ? defaultAtMs(c) : overdueAtMs(c);
}
