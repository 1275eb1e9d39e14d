import { given } from '../shared/given-when-then.js';
import { fold } from '../shared/decider.js';
import { commitmentDecider, deadlinesDue, DEADLINE_PROCESS, nextDeadlineMs, type DeadlineCommand } from './commitment.js';
import type { CommitmentEvent } from './events.js';
import { at, bodyOfficer, DUE_HOURS, HOUR_MS, made, T0_MS } from './testing.fixtures.js';

const DUE_MS = T0_MS + DUE_HOURS * HOUR_MS;
const OVERDUE_MS = DUE_MS + HOUR_MS;
const DEFAULT_MS = DUE_MS + 7 * 24 * HOUR_MS;
const iso = (ms: number) => new Date(ms).toISOString();

const markOverdue = (occurredMs: number, nowMs = occurredMs): DeadlineCommand => ({
  type: 'MarkOverdue',
  commitmentId: 'sandbags-1',
  occurredAt: iso(occurredMs),
  nowMs,
  by: DEADLINE_PROCESS,
});
const defaultForDeadline = (occurredMs: number, nowMs = occurredMs): DeadlineCommand => ({
  type: 'DefaultForDeadline',
  commitmentId: 'sandbags-1',
  occurredAt: iso(occurredMs),
  nowMs,
  by: DEADLINE_PROCESS,
});
const overdue = (ms = OVERDUE_MS): CommitmentEvent => ({ type: 'CommitmentOverdue', data: { commitmentId: 'sandbags-1', dueAt: at(DUE_HOURS), occurredAt: iso(ms) } });
const deadlineDefault = (ms = DEFAULT_MS): CommitmentEvent => ({
  type: 'CommitmentDefaulted',
  data: { commitmentId: 'sandbags-1', reason: 'deadline', note: `not fulfilled by ${iso(DEFAULT_MS)}`, occurredAt: iso(ms) },
});
const recorded = (hours: number, quantity = '100'): CommitmentEvent => ({
  type: 'DeliveryRecorded',
  data: { commitmentId: 'sandbags-1', deliveryId: `d${hours}`, quantity, evidenceRef: 'receipt', occurredAt: at(hours) },
});
const fulfilledAt = (hours: number): CommitmentEvent => ({
  type: 'CommitmentFulfilled',
  data: { commitmentId: 'sandbags-1', completingDeliveryId: `d${hours}`, delivered: '100', onTime: true, fulfilledAt: at(hours), occurredAt: at(hours) },
});

describe('deadlines', () => {
  it('nothing is due before due plus grace', () => {
    expect(deadlinesDue(fold(commitmentDecider, [made()]), OVERDUE_MS - 1)).toEqual([]);
    expect(nextDeadlineMs(fold(commitmentDecider, [made()]))).toBe(OVERDUE_MS);
  });

  it('at due plus grace the process manager marks the commitment overdue, stamped with that deadline', () => {
    expect(deadlinesDue(fold(commitmentDecider, [made()]), OVERDUE_MS + 5000)).toEqual([markOverdue(OVERDUE_MS, OVERDUE_MS + 5000)]);
    given(commitmentDecider, [made()]).when(markOverdue(OVERDUE_MS)).then([overdue()]);
  });

  it('at due plus the default period it defaults the commitment with the reason "deadline"', () => {
    const state = fold(commitmentDecider, [made(), overdue()]);
    expect(nextDeadlineMs(state)).toBe(DEFAULT_MS);
    expect(deadlinesDue(state, DEFAULT_MS)).toEqual([defaultForDeadline(DEFAULT_MS)]);
    given(commitmentDecider, [made(), overdue()]).when(defaultForDeadline(DEFAULT_MS)).then([deadlineDefault()]);
  });

  it('a process manager that slept through both deadlines issues both, in order', () => {
    expect(deadlinesDue(fold(commitmentDecider, [made()]), DEFAULT_MS + HOUR_MS)).toEqual([
      markOverdue(OVERDUE_MS, DEFAULT_MS + HOUR_MS),
      defaultForDeadline(DEFAULT_MS, DEFAULT_MS + HOUR_MS),
    ]);
  });

  it('a deadline command is stamped after a later fact of the stream, so it is never out of order', () => {
    const late = [made(), recorded(DUE_HOURS + 5, '10')];
    const [command] = deadlinesDue(fold(commitmentDecider, late), DUE_MS + 6 * HOUR_MS);
    expect(command).toEqual(markOverdue(DUE_MS + 5 * HOUR_MS, DUE_MS + 6 * HOUR_MS));
    given(commitmentDecider, late).when(command).then([overdue(DUE_MS + 5 * HOUR_MS)]);
  });

  it('marking overdue twice produces no second event (two replicas racing)', () => {
    given(commitmentDecider, [made(), overdue()]).when(markOverdue(OVERDUE_MS)).then([]);
    expect(deadlinesDue(fold(commitmentDecider, [made(), overdue()]), OVERDUE_MS + HOUR_MS)).toEqual([]);
  });

  it('a deadline default of an already settled commitment produces nothing', () => {
    given(commitmentDecider, [made(), overdue(), deadlineDefault()]).when(defaultForDeadline(DEFAULT_MS)).then([]);
    given(commitmentDecider, [made(), recorded(10), fulfilledAt(10)]).when(defaultForDeadline(DEFAULT_MS)).then([]);
    given(commitmentDecider, [made(), recorded(10), fulfilledAt(10)]).when(markOverdue(OVERDUE_MS)).then([]);
    expect(deadlinesDue(fold(commitmentDecider, [made(), recorded(10), fulfilledAt(10)]), DEFAULT_MS)).toEqual([]);
    expect(nextDeadlineMs(fold(commitmentDecider, [made(), recorded(10), fulfilledAt(10)]))).toBeNull();
  });

  it('a deadline cannot be applied before it is reached', () => {
    given(commitmentDecider, [made()]).when(markOverdue(OVERDUE_MS - 1)).thenThrows('deadline_not_reached', 409);
    given(commitmentDecider, [made(), overdue()]).when(defaultForDeadline(DEFAULT_MS - 1)).thenThrows('deadline_not_reached', 409);
  });

  it('deadlines are applied only by the deadline process', () => {
    given(commitmentDecider, [made()]).when({ ...markOverdue(OVERDUE_MS), by: bodyOfficer }).thenThrows('actor_not_permitted', 403);
  });

  it('a deadline default without a prior overdue mark is still a default', () => {
    given(commitmentDecider, [made()]).when(defaultForDeadline(DEFAULT_MS)).then([deadlineDefault()]);
  });
});
