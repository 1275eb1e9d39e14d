/**
 * The special fund of a body (stream `fund-<bodyId>`, fund id = body id). Money in on its own books: member
 * contributions that fulfil no commitment and third-party incentives. Money toward a funding commitment is that
 * commitment's DeliveryRecorded, and penalties are FindingRecorded.penalty: the balances read model counts both, so
 * no second entry here can disagree with them. Money in only ever adds to what the fund may pay, so it is decided
 * here, apart; every payout is a transfer on the body's treasury stream (treasury.ts), one at a time.
 */
import { DomainError, notFound } from '../shared/errors.js';
import { minorDigits, money, toMinor } from '../shared/money.js';
import type { Decider } from '../shared/decider.js';
import type { Instant } from '../shared/time.js';
import { parseInstant } from '../shared/time.js';
import { requireId, requireText } from '../governance/common.js';
import { emptyMap, mapGet, mapSet, type PersistentMap } from './persistent-map.js';
import type { FundEvent, MemberContributionReceived, ThirdPartyIncentiveReceived } from './events.js';

export interface EstablishFund {
  type: 'EstablishFund';
  bodyId: string;
  currency: string;
  occurredAt: Instant;
  context: { bodyExists: boolean };
}
export interface ReceiveMemberContribution {
  type: 'ReceiveMemberContribution';
  contributionId: string;
  cityId: string;
  amount: string;
  reference: string;
  occurredAt: Instant;
  context: { bodyMembers: readonly string[] };
}
export interface ReceiveThirdPartyIncentive {
  type: 'ReceiveThirdPartyIncentive';
  incentiveId: string;
  source: string;
  amount: string;
  reference: string;
  occurredAt: Instant;
}
export type FundCommand = EstablishFund | ReceiveMemberContribution | ReceiveThirdPartyIncentive;

export interface FundState {
  fundId: string | null;
  currency: string | null;
  /** Revision of the last event of the fund stream; −1 before any. */
  revision: number;
  /** Persistent maps: a fund's stream grows with every contribution, and folding it must stay near linear. */
  contributions: PersistentMap<MemberContributionReceived['data']>;
  incentives: PersistentMap<ThirdPartyIncentiveReceived['data']>;
}


function requireFund(state: FundState): { fundId: string; currency: string } {
  if (state.fundId === null || state.currency === null) throw notFound('fund', 'of this body');
  return { fundId: state.fundId, currency: state.currency };
}

function positive(amount: string, currency: string): void {
  if (toMinor(amount, currency) <= 0n) throw new DomainError('invalid_amount', 'money in must be a positive amount', { field: 'amount', value: amount });
}

/** Same id, same content → the first result; same id, other content → refused, naming the first differing field. */
function repeatOrConflict<T extends Record<string, unknown>>(kind: string, id: string, first: T, again: T): [] {
  for (const field of Object.keys(first)) {
    if (field === 'occurredAt') continue;
    if (JSON.stringify(first[field]) !== JSON.stringify(again[field])) {
      throw new DomainError(`${kind}_id_reused`, `${kind.replace(/_/g, ' ')} ${id} already exists with a different ${field}`, { id, field }, 409);
    }
  }
  return [];
}

export const fundDecider: Decider<FundCommand, FundEvent, FundState> = {
  initialState: () => ({ fundId: null, currency: null, revision: -1, contributions: emptyMap(), incentives: emptyMap() }),

  evolve(state, event) {
    const revision = state.revision + 1;
    switch (event.type) {
      case 'FundEstablished':
        return { ...state, revision, fundId: event.data.fundId, currency: event.data.currency };
      case 'MemberContributionReceived':
        return { ...state, revision, contributions: mapSet(state.contributions, event.data.contributionId, event.data) };
      case 'ThirdPartyIncentiveReceived':
        return { ...state, revision, incentives: mapSet(state.incentives, event.data.incentiveId, event.data) };
    }
  },

  decide(command, state) {
    parseInstant(command.occurredAt, 'occurredAt');
    switch (command.type) {
      case 'EstablishFund': {
        if (state.fundId !== null) {
          if (state.currency === command.currency) return [];
          throw new DomainError('fund_already_established', `the fund of body ${command.bodyId} already exists in ${state.currency}`, { fundId: state.fundId, field: 'currency' }, 409);
        }
        requireId(command.bodyId, 'bodyId');
        if (!command.context.bodyExists) throw notFound('body', command.bodyId);
        minorDigits(command.currency);
        return [{ type: 'FundEstablished', data: { fundId: command.bodyId, bodyId: command.bodyId, currency: command.currency, occurredAt: command.occurredAt } }];
      }
      case 'ReceiveMemberContribution': {
        const { fundId, currency } = requireFund(state);
        // Amounts carry exactly the currency's scale, so a repeat with "10" and "10.00" is one contribution.
        const data = { fundId, contributionId: command.contributionId, cityId: command.cityId, amount: money(command.amount, currency).amount, currency, reference: command.reference, occurredAt: command.occurredAt };
        const first = mapGet(state.contributions, command.contributionId);
        if (first !== undefined) return repeatOrConflict('contribution', command.contributionId, first, data);
        requireId(command.contributionId, 'contributionId');
        if (!command.context.bodyMembers.includes(command.cityId)) {
          throw new DomainError('not_a_member', `city ${command.cityId} is not a member of body ${fundId}`, { cityId: command.cityId, bodyId: fundId });
        }
        positive(data.amount, currency);
        requireText(command.reference, 'reference', 'evidenceRef');
        return [{ type: 'MemberContributionReceived', data }];
      }
      case 'ReceiveThirdPartyIncentive': {
        const { fundId, currency } = requireFund(state);
        const data = { fundId, incentiveId: command.incentiveId, source: command.source, amount: money(command.amount, currency).amount, currency, reference: command.reference, occurredAt: command.occurredAt };
        const first = mapGet(state.incentives, command.incentiveId);
        if (first !== undefined) return repeatOrConflict('incentive', command.incentiveId, first, data);
        requireId(command.incentiveId, 'incentiveId');
        requireText(command.source, 'source', 'name');
        requireText(command.reference, 'reference', 'evidenceRef');
        positive(data.amount, currency);
        return [{ type: 'ThirdPartyIncentiveReceived', data }];
      }
    }
  },
};

