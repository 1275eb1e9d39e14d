/**
 * Netting a body's open positions into the fewest transfers, and executing such a proposal (on the body's treasury
 * stream `treasury-<bodyId>`, with its transfers: see treasury.ts).
 *
 * A position is what a party is owed net (creditor > 0, debtor < 0); positions of one currency sum to zero. Any
 * partition of the parties into disjoint zero-sum groups can be cleared with (group size − 1) transfers per group, so
 * the minimum number of transfers is k − (the largest number of disjoint zero-sum groups): found exactly by a DP over
 * subsets for k ≤ 20, approximated greedily beyond (still at most k − 1).
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../shared/errors.js';
import { fromMinor, toMinor } from '../shared/money.js';
import type { Instant } from '../shared/time.js';
import { parseInstant } from '../shared/time.js';
import { requireId } from '../governance/common.js';
import type { Obligation, Party, SettlementEvent } from './events.js';
import { partyKey } from './events.js';

/** The exact search visits 2^k subsets: 20 parties is about a million, well under a second. */
export const EXACT_SETTLEMENT_MAX_PARTIES = 20;
/** No proposal covers more parties than this (bounds the greedy pass and the event size). */
export const SETTLEMENT_MAX_PARTIES = 10_000;

export interface Positions {
  bodyId: string;
  currency: string;
  /** partyKey (`city:<id>` / `fund:<id>`) → net position, decimal string. */
  positions: Readonly<Record<string, string>>;
}

export interface ProposedTransfer {
  payer: Party;
  payee: Party;
  amount: string;
}

export interface SettlementProposal {
  bodyId: string;
  currency: string;
  fingerprint: string;
  method: 'exact' | 'greedy';
  /** Parties with a non-zero position. */
  parties: number;
  transfers: ProposedTransfer[];
}

export function parsePartyKey(key: string): Party {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const id = key.slice(colon + 1);
  if ((kind !== 'city' && kind !== 'fund') || id.length === 0) throw new DomainError('invalid_party', `party ${key} is neither city:<id> nor fund:<id>`, { party: key });
  return { kind, id };
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function nonZeroPositions(input: Positions): [string, bigint][] {
  const entries = Object.entries(input.positions)
    .map(([key, amount]): [string, bigint] => [partyKey(parsePartyKey(key)), toMinor(amount, input.currency)])
    .filter(([, minor]) => minor !== 0n)
    .sort(([a], [b]) => byKey(a, b));
  const total = entries.reduce((s, [, v]) => s + v, 0n);
  if (total !== 0n) throw new DomainError('positions_not_balanced', 'net positions of a currency sum to zero', { currency: input.currency, sum: fromMinor(total, input.currency) });
  if (entries.length > SETTLEMENT_MAX_PARTIES) throw new DomainError('too_many_parties', `a settlement covers at most ${SETTLEMENT_MAX_PARTIES} parties`, { parties: entries.length });
  return entries;
}

/** A digest of the non-zero positions: executing a proposal is refused when the positions moved since. */
export function positionsFingerprint(input: Positions): string {
  const canonical = nonZeroPositions(input)
    .map(([key, minor]) => `${key}=${minor}`)
    .join(';');
  return createHash('sha256').update(`${input.bodyId}|${input.currency}|${canonical}`).digest('hex');
}

/**
 * Clear one zero-sum group with at most (size − 1) transfers: creditors and debtors each sorted largest first (ties by
 * party), then paired in order; every transfer empties at least one side, and the last one empties both.
 */
function clearGreedily(group: readonly [string, bigint][]): [string, string, bigint][] {
  const order = (a: { key: string; left: bigint }, b: { key: string; left: bigint }): number => (a.left > b.left ? -1 : a.left < b.left ? 1 : byKey(a.key, b.key));
  const creditors = group.filter(([, v]) => v > 0n).map(([key, v]) => ({ key, left: v })).sort(order);
  const debtors = group.filter(([, v]) => v < 0n).map(([key, v]) => ({ key, left: -v })).sort(order);
  const transfers: [string, string, bigint][] = [];
  let c = 0;
  let d = 0;
  while (c < creditors.length && d < debtors.length) {
    const creditor = creditors[c]!;
    const debtor = debtors[d]!;
    const amount = creditor.left < debtor.left ? creditor.left : debtor.left;
    transfers.push([debtor.key, creditor.key, amount]);
    creditor.left -= amount;
    debtor.left -= amount;
    if (creditor.left === 0n) c++;
    if (debtor.left === 0n) d++;
  }
  if (c < creditors.length || d < debtors.length) throw new Error('clearGreedily: group did not clear');
  return transfers;
}

const INT64_LIMIT = 2n ** 62n;

/**
 * The largest partition into disjoint zero-sum groups, by DP over subsets: best[mask] = the most zero-sum groups into
 * which the parties of `mask` can be ordered so that the groups are consecutive. Returns the groups.
 */
function zeroSumGroups(entries: readonly [string, bigint][]): [string, bigint][][] {
  const k = entries.length;
  const size = 1 << k;
  const sums = new BigInt64Array(size);
  const best = new Int8Array(size);
  for (let mask = 1; mask < size; mask++) {
    const low = 31 - Math.clz32(mask & -mask);
    sums[mask] = sums[mask & (mask - 1)]! + entries[low]![1];
    let most = 0;
    for (let rest = mask; rest !== 0; rest &= rest - 1) {
      const bit = rest & -rest;
      const candidate = best[mask ^ bit]!;
      if (candidate > most) most = candidate;
    }
    best[mask] = most + (sums[mask] === 0n ? 1 : 0);
  }
  // Walk back: remove the lowest party that keeps the optimum; every time the remaining set sums to zero, a group ends.
  const removal: number[] = [];
  let mask = size - 1;
  while (mask !== 0) {
    const target = best[mask]! - (sums[mask] === 0n ? 1 : 0);
    let chosen = -1;
    for (let i = 0; i < k && chosen < 0; i++) {
      if ((mask & (1 << i)) !== 0 && best[mask ^ (1 << i)] === target) chosen = i;
    }
    // The optimum of `mask` came from removing one of its parties, so one always matches; without it the walk never ends.
    if (chosen < 0) throw new Error('zeroSumGroups: no party keeps the optimum');
    removal.push(chosen);
    mask ^= 1 << chosen;
  }
  const order = removal.reverse();
  const groups: [string, bigint][][] = [];
  let current: [string, bigint][] = [];
  let running = 0n;
  for (const i of order) {
    current.push(entries[i]!);
    running += entries[i]![1];
    if (running === 0n) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) throw new Error('zeroSumGroups: positions did not split into zero-sum groups');
  return groups;
}

/** Net all positions of a body in one currency into the fewest transfers (exact for k ≤ 20). Deterministic. */
export function proposeSettlement(input: Positions): SettlementProposal {
  const entries = nonZeroPositions(input);
  const magnitude = entries.reduce((s, [, v]) => s + (v < 0n ? -v : v), 0n);
  const exact = entries.length <= EXACT_SETTLEMENT_MAX_PARTIES && magnitude < INT64_LIMIT;
  const groups = entries.length === 0 ? [] : exact ? zeroSumGroups(entries) : [entries];
  const transfers = groups.flatMap(clearGreedily).map(([payer, payee, amount]) => ({ payer: parsePartyKey(payer), payee: parsePartyKey(payee), amount: fromMinor(amount, input.currency) }));
  return { bodyId: input.bodyId, currency: input.currency, fingerprint: positionsFingerprint(input), method: exact ? 'exact' : 'greedy', parties: entries.length, transfers };
}

/** True when the transfers move every party from its position to zero, exactly. */
export function proposalClears(input: Positions, transfers: readonly ProposedTransfer[]): boolean {
  const left = new Map(nonZeroPositions(input));
  for (const t of transfers) {
    const minor = toMinor(t.amount, input.currency);
    if (minor <= 0n) return false;
    left.set(partyKey(t.payer), (left.get(partyKey(t.payer)) ?? 0n) + minor);
    left.set(partyKey(t.payee), (left.get(partyKey(t.payee)) ?? 0n) - minor);
  }
  return [...left.values()].every((v) => v === 0n);
}

export interface SettleableObligation {
  obligationId: string;
  payer: Party;
  payee: Party;
  /** obligated − settled − pending: what netting may discharge without racing a pending transfer. */
  unencumbered: string;
}

/** Net positions from obligations: the payee is owed, the payer owes. */
export function positionsFromObligations(bodyId: string, currency: string, obligations: readonly SettleableObligation[]): Positions {
  const net = new Map<string, bigint>();
  for (const o of obligations) {
    const minor = toMinor(o.unencumbered, currency);
    net.set(partyKey(o.payee), (net.get(partyKey(o.payee)) ?? 0n) + minor);
    net.set(partyKey(o.payer), (net.get(partyKey(o.payer)) ?? 0n) - minor);
  }
  const positions: Record<string, string> = {};
  for (const key of [...net.keys()].sort(byKey)) positions[key] = fromMinor(net.get(key) ?? 0n, currency);
  return { bodyId, currency, positions };
}

export interface ExecuteSettlement {
  type: 'ExecuteSettlement';
  settlementId: string;
  proposal: SettlementProposal;
  occurredAt: Instant;
  /**
   * Read by the handler from the balances read model just before: the body's obligations in the proposal's currency
   * with an unencumbered amount (obligated − settled − pending). The positions are recomputed from them here.
   */
  context: {
    obligations: readonly SettleableObligation[];
    /** The last revision of the body's treasury stream the read model had projected when the obligations were read. */
    asOfRevision: number | null;
  };
}
export type SettlementCommand = ExecuteSettlement;

/**
 * Decide a settlement against the treasury of `bodyId`: `executed` maps settlement ids to the fingerprints they were
 * executed from, `streamRevision` is the treasury stream's revision (−1 when empty).
 */
export function decideSettlement(command: ExecuteSettlement, executed: Readonly<Record<string, string>>, streamRevision: number, bodyId: string): SettlementEvent[] {
  parseInstant(command.occurredAt, 'occurredAt');
  const { proposal, context, settlementId } = command;
  const done = executed[settlementId];
  if (done !== undefined) {
    if (done === proposal.fingerprint) return [];
    throw new DomainError('settlement_id_reused', `settlement ${settlementId} was executed from other positions`, { settlementId, field: 'fingerprint' }, 409);
  }
  requireId(settlementId, 'settlementId');
  if (proposal.bodyId !== bodyId) throw new DomainError('settlement_of_another_body', `the proposal nets body ${proposal.bodyId}, not ${bodyId}`, { bodyId: proposal.bodyId });
  if (context.asOfRevision !== (streamRevision < 0 ? null : streamRevision)) {
    throw new DomainError('payer_view_stale', 'the balances read do not yet include every transfer of this body; read them again', { bodyId, asOfRevision: context.asOfRevision, streamRevision }, 409);
  }
  if (proposal.transfers.length === 0) throw new DomainError('nothing_to_settle', 'every position is already zero', { bodyId: proposal.bodyId, currency: proposal.currency }, 409);
  const positions = positionsFromObligations(proposal.bodyId, proposal.currency, context.obligations);
  if (positionsFingerprint(positions) !== proposal.fingerprint) {
    throw new DomainError('settlement_positions_changed', 'positions changed since the proposal was made; propose again', { settlementId, fingerprint: proposal.fingerprint }, 409);
  }
  if (!proposalClears(positions, proposal.transfers)) {
    throw new DomainError('settlement_proposal_invalid', 'the proposal does not clear every position exactly', { settlementId });
  }
  // Netting replaces the open obligations by the proposal's transfers: pointless unless it needs fewer. Right after a
  // settlement its net obligations are already the fewest, so executing again would only churn the books.
  const open = context.obligations.filter((o) => toMinor(o.unencumbered, proposal.currency) > 0n).length;
  if (proposal.transfers.length >= open) {
    throw new DomainError(
      'nothing_to_settle',
      'the open obligations are already the fewest transfers that settle these positions: pay them as they stand',
      { bodyId: proposal.bodyId, currency: proposal.currency, obligations: open, transfers: proposal.transfers.length },
      409,
    );
  }
  const discharged = context.obligations
    .map((o) => ({ obligationId: o.obligationId, amount: fromMinor(toMinor(o.unencumbered, proposal.currency), proposal.currency) }))
    .filter((o) => toMinor(o.amount, proposal.currency) > 0n)
    .sort((a, b) => byKey(a.obligationId, b.obligationId));
  const obligations: Obligation[] = proposal.transfers.map((t, i) => ({
    obligationId: `${settlementId}:${i}`,
    bodyId: proposal.bodyId,
    payer: t.payer,
    payee: t.payee,
    amount: fromMinor(toMinor(t.amount, proposal.currency), proposal.currency),
    currency: proposal.currency,
    reason: 'settlement',
    source: { kind: 'settlement', id: settlementId },
  }));
  return [{ type: 'SettlementExecuted', data: { settlementId, bodyId: proposal.bodyId, currency: proposal.currency, fingerprint: proposal.fingerprint, discharged, obligations, occurredAt: command.occurredAt } }];
}
