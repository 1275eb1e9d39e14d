/**
 * Accountability finding: the body records a failure of a member city (late report, concealment, ...), with a
 * severity that weighs on trust and an optional penalty payable to the body's fund. Revoked only on appeal, once.
 * Stream `finding-<id>`.
 */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { Dec, money, type Money } from '../shared/money.js';
import { FINDING_KINDS, type FindingEvent, type FindingKind, type FindingRecorded } from './events.js';
import type { BodyContext } from './agreement.js';
import { checkOccurredAt, requireBodyActor, requireExists, requireId, requireOneOf, requireText, type CommandBase } from './common.js';

export const MIN_FINDING_SEVERITY = 0.5;
export const MAX_FINDING_SEVERITY = 3;

export type RecordFinding = CommandBase & {
  type: 'RecordFinding';
  findingId: string;
  bodyId: string;
  cityId: string;
  counterpartyCityId: string | null;
  kind: FindingKind;
  severity: number;
  incidentId: string | null;
  penalty: Money | null;
  description: string;
  /** The body's current members, as the handler read them from `body-<bodyId>`; null when the body does not exist. */
  body: BodyContext | null;
};
export type RevokeFinding = CommandBase & { type: 'RevokeFinding'; findingId: string; reason: string };
export type FindingCommand = RecordFinding | RevokeFinding;

export interface FindingState {
  finding: FindingRecorded['data'] | null;
  revoked: { reason: string; occurredAt: string } | null;
  lastOccurredAtMs: number | null;
}

function requireMember(body: BodyContext, cityId: string, role: 'city' | 'counterparty'): void {
  if (!body.members.includes(cityId)) {
    throw new DomainError('city_not_member', `city ${cityId} is not a member of body ${body.bodyId}`, { role, cityId, bodyId: body.bodyId });
  }
}

function decidePenalty(penalty: Money | null): Money | null {
  if (penalty === null) return null;
  const normalised = money(penalty.amount, penalty.currency);
  if (!new Dec(normalised.amount).greaterThan(0)) {
    throw new DomainError('non_positive_penalty', 'a penalty must be greater than zero; omit it for none', { field: 'penalty.amount', value: penalty.amount });
  }
  return normalised;
}

export const findingDecider: Decider<FindingCommand, FindingEvent, FindingState> = {
  initialState: () => ({ finding: null, revoked: null, lastOccurredAtMs: null }),

  evolve(state, event) {
    const lastOccurredAtMs = Date.parse(event.data.occurredAt);
    switch (event.type) {
      case 'FindingRecorded':
        return { ...state, finding: event.data, lastOccurredAtMs };
      case 'FindingRevoked':
        return { ...state, revoked: { reason: event.data.reason, occurredAt: event.data.occurredAt }, lastOccurredAtMs };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RecordFinding': {
        const findingId = requireId(command.findingId, 'findingId');
        const bodyId = requireId(command.bodyId, 'bodyId');
        requireBodyActor(command.by, bodyId, 'record an accountability finding');
        if (state.finding !== null) {
          throw new DomainError('finding_already_recorded', `finding ${findingId} is already recorded`, { findingId }, 409);
        }
        const body = command.body;
        if (body === null || body.bodyId !== bodyId) {
          throw new DomainError('body_not_found', `coordination body ${bodyId} does not exist`, { id: bodyId }, 404);
        }
        const cityId = requireId(command.cityId, 'cityId');
        requireMember(body, cityId, 'city');
        const counterpartyCityId = command.counterpartyCityId === null ? null : requireId(command.counterpartyCityId, 'counterpartyCityId');
        if (counterpartyCityId !== null) {
          if (counterpartyCityId === cityId) {
            throw new DomainError('counterparty_is_subject', `city ${cityId} cannot be its own counterparty`, { cityId });
          }
          requireMember(body, counterpartyCityId, 'counterparty');
        }
        const kind = requireOneOf(command.kind, FINDING_KINDS, 'invalid_finding_kind', 'kind');
        const severity = command.severity;
        if (typeof severity !== 'number' || !Number.isFinite(severity) || severity < MIN_FINDING_SEVERITY || severity > MAX_FINDING_SEVERITY) {
          throw new DomainError('severity_out_of_range', `severity must be between ${MIN_FINDING_SEVERITY} and ${MAX_FINDING_SEVERITY}`, {
            value: severity,
            min: MIN_FINDING_SEVERITY,
            max: MAX_FINDING_SEVERITY,
          });
        }
        const incidentId = command.incidentId === null ? null : requireId(command.incidentId, 'incidentId');
        const penalty = decidePenalty(command.penalty);
        const description = requireText(command.description, 'description', 'description');
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [
          {
            type: 'FindingRecorded',
            data: { findingId, bodyId, cityId, counterpartyCityId, kind, severity, incidentId, penalty, description, occurredAt: at },
          },
        ];
      }
      case 'RevokeFinding': {
        const finding = requireExists(state.finding, 'finding', command.findingId);
        requireBodyActor(command.by, finding.bodyId, 'revoke an accountability finding');
        if (state.revoked !== null) {
          throw new DomainError('finding_already_revoked', `finding ${finding.findingId} was already revoked`, { findingId: finding.findingId, revokedAt: state.revoked.occurredAt }, 409);
        }
        const reason = requireText(command.reason, 'reason', 'reason');
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'FindingRevoked', data: { findingId: finding.findingId, reason, occurredAt: at } }];
      }
    }
  },
};
