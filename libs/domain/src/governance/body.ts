/** Coordination body: a standing body of member cities with an office per risk category. Stream `body-<id>`. */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { RISK_CATEGORIES, type BodyEvent, type RiskCategory } from './events.js';
import {
  checkOccurredAt,
  requireAdmin,
  requireBounded,
  requireExists,
  requireId,
  requireOneOf,
  requireText,
  requireUnique,
  type CommandBase,
} from './common.js';

/** A body governs risks shared by neighbouring cities: fewer than two is not a body. */
export const MIN_BODY_MEMBERS = 2;
export const MAX_BODY_MEMBERS = 200;

export interface Office {
  riskCategory: RiskCategory;
  name: string;
}

/**
 * Cross-stream facts: `registeredCityIds` are those of the named cities whose city stream exists, as the handler
 * found them. The decider refuses members that are not registered.
 */
export type EstablishBody = CommandBase & {
  type: 'EstablishBody';
  bodyId: string;
  name: string;
  members: string[];
  offices: Office[];
  registeredCityIds: string[];
};
export type AdmitMember = CommandBase & { type: 'AdmitMember'; bodyId: string; cityId: string; cityRegistered: boolean };
export type RemoveMember = CommandBase & { type: 'RemoveMember'; bodyId: string; cityId: string; reason: string };
export type BodyCommand = EstablishBody | AdmitMember | RemoveMember;

export interface BodyState {
  body: { bodyId: string; name: string; members: string[]; offices: Office[] } | null;
  lastOccurredAtMs: number | null;
}

function requireRegistered(cityId: string, registered: boolean): void {
  if (!registered) throw new DomainError('city_not_found', `city ${cityId} does not exist`, { id: cityId }, 404);
}

export const bodyDecider: Decider<BodyCommand, BodyEvent, BodyState> = {
  initialState: () => ({ body: null, lastOccurredAtMs: null }),

  evolve(state, event) {
    const lastOccurredAtMs = Date.parse(event.data.occurredAt);
    switch (event.type) {
      case 'BodyEstablished': {
        const { bodyId, name, members, offices } = event.data;
        return { body: { bodyId, name, members: [...members], offices: offices.map((o) => ({ ...o })) }, lastOccurredAtMs };
      }
      case 'MemberAdmitted':
        return { body: state.body && { ...state.body, members: [...state.body.members, event.data.cityId] }, lastOccurredAtMs };
      case 'MemberRemoved':
        return { body: state.body && { ...state.body, members: state.body.members.filter((m) => m !== event.data.cityId) }, lastOccurredAtMs };
    }
  },

  decide(command, state) {
    requireAdmin(command.by, 'change the membership of a coordination body');
    switch (command.type) {
      case 'EstablishBody': {
        const bodyId = requireId(command.bodyId, 'bodyId');
        if (state.body !== null) {
          throw new DomainError('body_already_established', `coordination body ${bodyId} is already established`, { bodyId }, 409);
        }
        const name = requireText(command.name, 'name', 'name');
        const members = requireBounded(command.members, MAX_BODY_MEMBERS, 'members').map((m, i) => requireId(m, `members[${i}]`));
        requireUnique(members, 'duplicate_member', 'members');
        if (members.length < MIN_BODY_MEMBERS) {
          throw new DomainError('too_few_members', `a coordination body needs at least ${MIN_BODY_MEMBERS} member cities`, { count: members.length, min: MIN_BODY_MEMBERS });
        }
        const registered = new Set(command.registeredCityIds);
        for (const m of members) requireRegistered(m, registered.has(m));
        const offices = requireBounded(command.offices, RISK_CATEGORIES.length, 'offices').map((o, i) => ({
          riskCategory: requireOneOf(o.riskCategory, RISK_CATEGORIES, 'invalid_risk_category', `offices[${i}].riskCategory`),
          name: requireText(o.name, `offices[${i}].name`, 'name'),
        }));
        requireUnique(
          offices.map((o) => o.riskCategory),
          'duplicate_office',
          'offices',
        );
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'BodyEstablished', data: { bodyId, name, members, offices, occurredAt: at } }];
      }
      case 'AdmitMember': {
        const body = requireExists(state.body, 'body', command.bodyId);
        const cityId = requireId(command.cityId, 'cityId');
        if (body.members.includes(cityId)) {
          throw new DomainError('already_a_member', `city ${cityId} is already a member of ${body.bodyId}`, { bodyId: body.bodyId, cityId }, 409);
        }
        if (body.members.length >= MAX_BODY_MEMBERS) {
          throw new DomainError('list_too_long', `a body has at most ${MAX_BODY_MEMBERS} members`, { field: 'members', max: MAX_BODY_MEMBERS }, 409);
        }
        requireRegistered(cityId, command.cityRegistered);
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'MemberAdmitted', data: { bodyId: body.bodyId, cityId, occurredAt: at } }];
      }
      case 'RemoveMember': {
        const body = requireExists(state.body, 'body', command.bodyId);
        if (!body.members.includes(command.cityId)) {
          throw new DomainError('not_a_member', `city ${command.cityId} is not a member of ${body.bodyId}`, { bodyId: body.bodyId, cityId: command.cityId }, 409);
        }
        if (body.members.length <= MIN_BODY_MEMBERS) {
          throw new DomainError(
            'too_few_members',
            `a coordination body keeps at least ${MIN_BODY_MEMBERS} member cities`,
            { count: body.members.length, min: MIN_BODY_MEMBERS },
            409,
          );
        }
        const reason = requireText(command.reason, 'reason', 'reason');
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'MemberRemoved', data: { bodyId: body.bodyId, cityId: command.cityId, reason, occurredAt: at } }];
      }
    }
  },
};
