import fc from 'fast-check';
import { given } from '../shared/given-when-then.js';
import { fromMinor } from '../shared/money.js';
import { cityParty, fundParty } from './events.js';
import {
  positionsFromObligations,
  positionsFingerprint,
  proposalClears,
  proposeSettlement,
  type Positions,
  type SettleableObligation,
} from './settlement.js';
import { T0 } from './testing.fixtures.js';
import { treasuryDecider } from './treasury.js';

const settlementDecider = treasuryDecider('delta');

/** Independent reference: the classic backtracking search for the fewest transfers that clear all positions. */
function bruteForceMinimumTransfers(values: readonly bigint[]): number {
  const debts = values.filter((v) => v !== 0n);
  const search = (start: number): number => {
    let i = start;
    while (i < debts.length && debts[i] === 0n) i++;
    if (i === debts.length) return 0;
    let best = Number.POSITIVE_INFINITY;
    for (let j = i + 1; j < debts.length; j++) {
      if ((debts[j]! > 0n) !== (debts[i]! > 0n)) {
        debts[j] = debts[j]! + debts[i]!;
        best = Math.min(best, 1 + search(i + 1));
        debts[j] = debts[j]! - debts[i]!;
      }
    }
    return best;
  };
  return search(0);
}

/** Balanced positions: k − 1 random amounts and the one that brings the sum to zero. */
const positionsArb = (maxParties: number): fc.Arbitrary<Positions> =>
  fc.array(fc.bigInt({ min: -50_000n, max: 50_000n }), { minLength: 1, maxLength: maxParties - 1 }).map((values) => {
    const all = [...values, -values.reduce((s, v) => s + v, 0n)];
    return { bodyId: 'delta', currency: 'CNY', positions: Object.fromEntries(all.map((v, i) => [`city:c${String(i).padStart(2, '0')}`, fromMinor(v, 'CNY')])) };
  });

const nonZero = (p: Positions): bigint[] => Object.values(p.positions).map((a) => BigInt(a.replace('.', ''))).filter((v) => v !== 0n);

describe('settlement proposals', () => {
  it('clear a chain of debts with one transfer', () => {
    const proposal = proposeSettlement({ bodyId: 'delta', currency: 'CNY', positions: { 'city:a': '-10.00', 'city:b': '0.00', 'city:c': '10.00' } });
    expect(proposal.transfers).toEqual([{ payer: cityParty('a'), payee: cityParty('c'), amount: '10.00' }]);
  });

  it('find the two zero-sum pairs that greedy matching would miss', () => {
    // Largest-debtor-to-largest-creditor needs 4 transfers here; the groups {+4, −4} and {+3, +2, −5} need 1 + 2.
    const positions: Positions = { bodyId: 'delta', currency: 'CNY', positions: { 'city:a': '4.00', 'city:b': '3.00', 'city:c': '2.00', 'city:d': '-5.00', 'city:e': '-4.00' } };
    const proposal = proposeSettlement(positions);
    expect(proposal.method).toBe('exact');
    expect(proposal.transfers).toHaveLength(3);
    expect(proposal.transfers).toContainEqual({ payer: cityParty('e'), payee: cityParty('a'), amount: '4.00' });
    expect(proposalClears(positions, proposal.transfers)).toBe(true);
  });

  it('always clear every position exactly within k − 1 transfers', () => {
    fc.assert(
      fc.property(positionsArb(24), (positions) => {
        const proposal = proposeSettlement(positions);
        expect(proposalClears(positions, proposal.transfers)).toBe(true);
        expect(proposal.transfers.length).toBeLessThanOrEqual(Math.max(0, nonZero(positions).length - 1));
      }),
      { numRuns: 60 },
    );
  });

  it('use the minimum number of transfers for small k (checked by brute force, k ≤ 8)', () => {
    const smallAmounts = fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 7 }).map((values) => {
      const all = [...values, -values.reduce((s, v) => s + v, 0)].map(BigInt);
      return { bodyId: 'delta', currency: 'CNY', positions: Object.fromEntries(all.map((v, i) => [`city:c${i}`, fromMinor(v, 'CNY')])) } satisfies Positions;
    });
    fc.assert(
      fc.property(smallAmounts, (positions) => {
        const proposal = proposeSettlement(positions);
        expect(proposal.transfers).toHaveLength(bruteForceMinimumTransfers(nonZero(positions)));
        expect(proposalClears(positions, proposal.transfers)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('are deterministic: the same positions in any order give the same proposal', () => {
    fc.assert(
      fc.property(positionsArb(10), (positions) => {
        const reversed = { ...positions, positions: Object.fromEntries(Object.entries(positions.positions).reverse()) };
        expect(proposeSettlement(reversed)).toEqual(proposeSettlement(positions));
      }),
      { numRuns: 50 },
    );
  });

  it('net parties beyond 20 greedily, still within k − 1', () => {
    const values = Array.from({ length: 30 }, (_, i) => BigInt((i % 2 === 0 ? 1 : -1) * (i + 1)));
    values.push(-values.reduce((s, v) => s + v, 0n));
    const positions: Positions = { bodyId: 'delta', currency: 'CNY', positions: Object.fromEntries(values.map((v, i) => [`city:c${i}`, fromMinor(v, 'CNY')])) };
    const proposal = proposeSettlement(positions);
    expect(proposal.method).toBe('greedy');
    expect(proposalClears(positions, proposal.transfers)).toBe(true);
    expect(proposal.transfers.length).toBeLessThanOrEqual(30);
  });

  it('net 20 parties exactly', () => {
    // Ten matched pairs hidden among 20 parties: the exact search finds all ten groups, so ten transfers.
    const values = Array.from({ length: 10 }, (_, i) => BigInt(1000 + 37 * i));
    const entries = [...values, ...values.map((v) => -v)].map((v, i) => [`city:c${String((i * 7) % 20).padStart(2, '0')}`, fromMinor(v, 'CNY')] as const);
    const positions: Positions = { bodyId: 'delta', currency: 'CNY', positions: Object.fromEntries(entries) };
    const proposal = proposeSettlement(positions);
    expect(proposal.method).toBe('exact');
    expect(proposal.transfers).toHaveLength(10);
    expect(proposalClears(positions, proposal.transfers)).toBe(true);
  });

  it('refuse positions that do not sum to zero', () => {
    expect(() => proposeSettlement({ bodyId: 'delta', currency: 'CNY', positions: { 'city:a': '1.00' } })).toThrow(expect.objectContaining({ code: 'positions_not_balanced' }));
  });
});

describe('executing a settlement', () => {
  const obligations: SettleableObligation[] = [
    { obligationId: 'o1', payer: cityParty('origin-city'), payee: cityParty('river-city'), unencumbered: '100.00' },
    { obligationId: 'o2', payer: cityParty('river-city'), payee: fundParty('delta'), unencumbered: '100.00' },
  ];
  const proposal = proposeSettlement(positionsFromObligations('delta', 'CNY', obligations));

  it('replaces the netted obligations by the proposal’s, in one event', () => {
    given(settlementDecider, [])
      .when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T0, context: { obligations, asOfRevision: null } })
      .then([
        {
          type: 'SettlementExecuted',
          data: {
            settlementId: 's-1',
            bodyId: 'delta',
            currency: 'CNY',
            fingerprint: proposal.fingerprint,
            discharged: [
              { obligationId: 'o1', amount: '100.00' },
              { obligationId: 'o2', amount: '100.00' },
            ],
            obligations: [
              { obligationId: 's-1:0', bodyId: 'delta', payer: cityParty('origin-city'), payee: fundParty('delta'), amount: '100.00', currency: 'CNY', reason: 'settlement', source: { kind: 'settlement', id: 's-1' } },
            ],
            occurredAt: T0,
          },
        },
      ]);
  });

  it('is refused when a position changed since the proposal', () => {
    const moved = [obligations[0]!, { ...obligations[1]!, unencumbered: '60.00' }];
    expect(positionsFingerprint(positionsFromObligations('delta', 'CNY', moved))).not.toBe(proposal.fingerprint);
    given(settlementDecider, []).when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T0, context: { obligations: moved, asOfRevision: null } }).thenThrows('settlement_positions_changed', 409);
  });

  it('is refused when the open obligations are already the fewest transfers (netting again would only churn)', () => {
    const netted: SettleableObligation[] = [{ obligationId: 's-1:0', payer: cityParty('origin-city'), payee: fundParty('delta'), unencumbered: '100.00' }];
    const already = proposeSettlement(positionsFromObligations('delta', 'CNY', netted));
    expect(already.transfers).toHaveLength(1);
    given(settlementDecider, []).when({ type: 'ExecuteSettlement', settlementId: 's-2', proposal: already, occurredAt: T0, context: { obligations: netted, asOfRevision: null } }).thenThrows('nothing_to_settle', 409);
  });

  it('is refused when every position is already zero', () => {
    const none = proposeSettlement(positionsFromObligations('delta', 'CNY', []));
    given(settlementDecider, []).when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal: none, occurredAt: T0, context: { obligations: [], asOfRevision: null } }).thenThrows('nothing_to_settle', 409);
  });

  it('executing the same settlement again changes nothing', () => {
    const executed = settlementDecider.decide({ type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T0, context: { obligations, asOfRevision: null } }, settlementDecider.initialState());
    given(settlementDecider, executed).when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T0, context: { obligations: [], asOfRevision: 0 } }).then([]);
  });

  it('is refused for a proposal of another body', () => {
    given(treasuryDecider('other-body'), []).when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T0, context: { obligations, asOfRevision: null } }).thenThrows('settlement_of_another_body');
  });

  it('is refused when the proposal does not clear the positions', () => {
    const tampered = { ...proposal, transfers: [{ ...proposal.transfers[0]!, amount: '99.00' }] };
    given(settlementDecider, []).when({ type: 'ExecuteSettlement', settlementId: 's-1', proposal: tampered, occurredAt: T0, context: { obligations, asOfRevision: null } }).thenThrows('settlement_proposal_invalid');
  });
});
