import fc from 'fast-check';
import { DomainError } from '../../../domain/src/shared/errors.js';
import { toMinor } from '../../../domain/src/shared/money.js';
import type { CompensationRules } from '../../../domain/src/governance/events.js';
import { cityParty, compensationStreams as streams, fundParty, type Party, type TransferTerms } from '../../../domain/src/compensation/events.js';
import { fundDecider } from '../../../domain/src/compensation/fund.js';
import { incidentDecider } from '../../../domain/src/compensation/incident.js';
import type { InitiateTransfer } from '../../../domain/src/compensation/transfers.js';
import { treasuryDecider } from '../../../domain/src/compensation/treasury.js';
import { captureStepByStep } from '../capture-steps.fixtures.js';
import { DeferredSnapshotBytes, ProjectionInvariantError } from '../read-model.js';
import { proposeBodySettlement, settlementContext } from '../settlement/settlement.queries.js';
import { LedgerHarness } from './balances.harness.js';
import { BalancesReadModel } from './balances.read-model.js';

const RULES: CompensationRules = {
  currency: 'CNY',
  thetaBase: '0.50',
  thetaCap: '1.00',
  thetaIncrements: { late_report: '0.10', non_cooperation: '0.15', concealment: '0.20', false_report: '0.25' },
  nonCooperationHaircut: '0.20',
  fundCover: '0.50',
  benefitShareRate: '0.05',
  benefitMatchRate: '1.0',
};
const CITIES = ['a-city', 'b-city', 'c-city', 'd-city'];
const AT = '2026-03-01T08:00:00.000Z';
const treasury = treasuryDecider('delta');
const TREASURY = streams.treasury('delta');

function establishedLedger(): LedgerHarness {
  const ledger = new LedgerHarness();
  ledger.run(fundDecider, streams.fund('delta'), { type: 'EstablishFund', bodyId: 'delta', currency: 'CNY', occurredAt: AT, context: { bodyExists: true } });
  return ledger;
}

/** Open, claim, verify and close an incident: origin → affected and fund → affected obligations. */
function assessIncident(ledger: LedgerHarness, incidentId: string, origin: string, costs: Record<string, string>, avertedLoss: string | null = null): void {
  const stream = streams.incident(incidentId);
  const affected = Object.keys(costs);
  ledger.run(incidentDecider, stream, {
    type: 'OpenIncident',
    incidentId,
    agreementId: 'delta-pact',
    riskCategory: 'accident',
    scenario: 'hazard_and_exposure_apart',
    originCities: [origin],
    affectedCities: affected,
    description: 'chemical spill downstream',
    occurredAt: AT,
    context: { agreement: { agreementId: 'delta-pact', bodyId: 'delta', parties: CITIES, riskCategories: ['accident'], compensationRules: RULES, terminated: false } },
  });
  for (const [cityId, amount] of Object.entries(costs)) {
    ledger.run(incidentDecider, stream, { type: 'ClaimResponseCost', claimId: `${incidentId}-${cityId}`, cityId, amount, evidenceRef: 'invoice', occurredAt: AT, context: { actorCityId: cityId } });
    ledger.run(incidentDecider, stream, { type: 'VerifyClaim', claimId: `${incidentId}-${cityId}`, verifiedAmount: amount, note: 'checked', occurredAt: AT });
  }
  if (avertedLoss !== null) ledger.run(incidentDecider, stream, { type: 'RecordAvertedLoss', assessor: 'institute', avertedLoss, reportRef: 'r-1', occurredAt: AT });
  ledger.run(incidentDecider, stream, { type: 'CloseIncident', occurredAt: AT, context: { fundId: 'delta', findings: [] } });
}

/** What a handler does for "pay obligation X": read contexts from the balances model, decide on the body's treasury. */
function initiateTransfer(ledger: LedgerHarness, transferId: string, obligationId: string, amount: string, reverses: string | null = null): void {
  const b = ledger.balances;
  let payer: Party;
  let payee: Party;
  if (reverses === null) {
    const o = b.obligationContext(obligationId);
    payer = o?.payer ?? cityParty('a-city');
    payee = o?.payee ?? cityParty('b-city');
  } else {
    const r = b.transfer(reverses);
    payer = r?.payee ?? cityParty('a-city');
    payee = r?.payer ?? cityParty('b-city');
  }
  const terms: TransferTerms = { transferId, obligationId, payer, payee, amount, currency: 'CNY', form: 'money', valuation: null, reverses };
  const command: InitiateTransfer = {
    type: 'InitiateTransfer',
    terms,
    occurredAt: AT,
    context: {
      obligation: b.obligationContext(obligationId),
      payerView: b.payerView('delta', payer),
    },
  };
  ledger.run(treasury, TREASURY, command);
}

function finishTransfer(ledger: LedgerHarness, transferId: string, how: 'settle' | 'void'): void {
  const command = how === 'settle' ? { type: 'SettleTransfer' as const, transferId, occurredAt: AT } : { type: 'VoidTransfer' as const, transferId, reason: 'entered twice', occurredAt: AT };
  ledger.run(treasury, TREASURY, command);
}

function assertConservation(ledger: LedgerHarness): void {
  const net = Object.values(ledger.balances.netPositions('CNY')).reduce((s, a) => s + toMinor(a, 'CNY'), 0n);
  expect(net).toBe(0n);
  const fund = ledger.balances.fundBalance('delta');
  if (fund !== null) {
    expect(toMinor(fund.balance, 'CNY')).toBe(toMinor(fund.moneyIn, 'CNY') - toMinor(fund.moneyOut, 'CNY'));
    // The fund never pays out more than it holds.
    expect(toMinor(fund.balance, 'CNY') >= 0n).toBe(true);
    expect(toMinor(fund.available, 'CNY') >= 0n).toBe(true);
  }
}

describe('balances read model', () => {
  it('shows an assessed incident as obligations per ordered pair and net positions per city', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00', 'c-city': '500.00' });
    expect(ledger.balances.pairBalance(cityParty('a-city'), cityParty('b-city'), 'CNY')).toEqual({
      payer: cityParty('a-city'),
      payee: cityParty('b-city'),
      currency: 'CNY',
      obligated: '500.00',
      settled: '0.00',
      settledInKind: '0.00',
      pending: '0.00',
      outstanding: '500.00',
    });
    expect(ledger.balances.netPositions('CNY')).toEqual({ 'city:a-city': '-750.00', 'city:b-city': '750.00', 'city:c-city': '375.00', 'fund:delta': '-375.00' });
  });

  it('settles an obligation in part: pending first, settled after', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    initiateTransfer(ledger, 't-1', 'spill-1:origin:a-city:b-city', '200.00');
    expect(ledger.balances.pairBalance(cityParty('a-city'), cityParty('b-city'), 'CNY')).toMatchObject({ pending: '200.00', outstanding: '500.00' });
    finishTransfer(ledger, 't-1', 'settle');
    expect(ledger.balances.pairBalance(cityParty('a-city'), cityParty('b-city'), 'CNY')).toMatchObject({ pending: '0.00', settled: '200.00', outstanding: '300.00' });
    expect(ledger.balances.netPosition(cityParty('b-city'), 'CNY')).toBe('550.00');
  });

  it('corrects a settled transfer by a linked reversing transfer: what was returned is owed again', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    initiateTransfer(ledger, 't-1', 'spill-1:origin:a-city:b-city', '500.00');
    finishTransfer(ledger, 't-1', 'settle');
    initiateTransfer(ledger, 'r-1', 'spill-1:origin:a-city:b-city', '50.00', 't-1');
    finishTransfer(ledger, 'r-1', 'settle');
    expect(ledger.balances.pairBalance(cityParty('a-city'), cityParty('b-city'), 'CNY')).toMatchObject({ settled: '450.00', outstanding: '50.00' });
    expect(ledger.balances.transfer('t-1')).toMatchObject({ status: 'settled', reversed: '50.00' });
  });

  it('shows settlement in kind, at the agreed valuation, against the obligation like money', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    const b = ledger.balances;
    ledger.run(treasury, TREASURY, {
      type: 'InitiateTransfer',
      terms: {
        transferId: 'train-1', obligationId: 'spill-1:origin:a-city:b-city', payer: cityParty('a-city'), payee: cityParty('b-city'), amount: '120.00', currency: 'CNY',
        form: 'training', valuation: { description: 'hazmat course for 12 officers', valuationRef: 'body-minutes/3' }, reverses: null,
      },
      occurredAt: AT,
      context: { obligation: b.obligationContext('spill-1:origin:a-city:b-city'), payerView: b.payerView('delta', cityParty('a-city')) },
    });
    finishTransfer(ledger, 'train-1', 'settle');
    expect(b.pairBalance(cityParty('a-city'), cityParty('b-city'), 'CNY')).toMatchObject({ settled: '120.00', settledInKind: '120.00', outstanding: '380.00' });
  });

  it('counts a money delivery toward a funding commitment as the fund’s money in, and an upheld dispute as its reversal', () => {
    const ledger = establishedLedger();
    ledger.append('commitment-k1', [
      {
        type: 'CommitmentMade',
        data: {
          commitmentId: 'k1', agreementId: 'delta-pact', bodyId: 'delta', obligor: 'a-city', obligee: { kind: 'fund', id: 'delta' }, kind: 'funding', description: 'annual dues',
          promise: { kind: 'money', amount: '300.00', currency: 'CNY' }, value: { amount: '300.00', currency: 'CNY' }, dueAt: AT, incidentId: null, allowOverDelivery: false,
          overdueGraceSeconds: 0, defaultAfterSeconds: 86400, occurredAt: AT,
        },
      },
      { type: 'DeliveryRecorded', data: { commitmentId: 'k1', deliveryId: 'd1', quantity: '300.00', evidenceRef: 'bank', occurredAt: AT } },
    ]);
    expect(ledger.balances.fundBalance('delta')).toMatchObject({ balance: '300.00', moneyIn: '300.00', moneyOut: '0.00' });
    ledger.append('commitment-k1', [{ type: 'DisputeResolved', data: { commitmentId: 'k1', disputeId: 'x', deliveryId: 'd1', outcome: 'upheld', note: 'bounced', occurredAt: AT } }]);
    expect(ledger.balances.fundBalance('delta')).toMatchObject({ balance: '0.00', moneyIn: '300.00', moneyOut: '300.00' });
  });

  it('keeps money promised to the fund in another currency apart instead of stopping', () => {
    const ledger = establishedLedger();
    ledger.append('commitment-k2', [
      {
        type: 'CommitmentMade',
        data: {
          commitmentId: 'k2', agreementId: 'delta-pact', bodyId: 'delta', obligor: 'a-city', obligee: { kind: 'fund', id: 'delta' }, kind: 'funding', description: 'grant in dollars',
          promise: { kind: 'money', amount: '10.00', currency: 'USD' }, value: { amount: '10.00', currency: 'USD' }, dueAt: AT, incidentId: null, allowOverDelivery: false,
          overdueGraceSeconds: 0, defaultAfterSeconds: 86400, occurredAt: AT,
        },
      },
      { type: 'DeliveryRecorded', data: { commitmentId: 'k2', deliveryId: 'd1', quantity: '10.00', evidenceRef: 'bank', occurredAt: AT } },
    ]);
    expect(ledger.balances.fundBalance('delta')).toMatchObject({ currency: 'CNY', balance: '0.00' });
    expect(ledger.balances.fundBalance('delta', 'USD')).toMatchObject({ currency: 'USD', balance: '10.00' });
  });

  it('turns a finding’s penalty into an obligation of the city to the fund; revoking it writes off what is still owed', () => {
    const ledger = establishedLedger();
    ledger.append('finding-f1', [
      {
        type: 'FindingRecorded',
        data: { findingId: 'f1', bodyId: 'delta', cityId: 'c-city', counterpartyCityId: null, kind: 'concealment', severity: 2, incidentId: null, penalty: { amount: '80.00', currency: 'CNY' }, description: 'hid the spill', occurredAt: AT },
      },
    ]);
    expect(ledger.balances.obligation('penalty-f1')).toMatchObject({ payer: cityParty('c-city'), payee: fundParty('delta'), outstanding: '80.00' });
    ledger.append('finding-f1', [{ type: 'FindingRevoked', data: { findingId: 'f1', reason: 'appeal upheld', occurredAt: AT } }]);
    expect(ledger.balances.obligation('penalty-f1')).toMatchObject({ outstanding: '0.00', writtenOff: '80.00' });
    expect(ledger.balances.netPositions('CNY')).toEqual({});
  });

  it('lists the fund obligations it cannot pay yet, and pays them once money comes in', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    expect(ledger.balances.unpaidFundObligations('delta')).toEqual([expect.objectContaining({ shortfall: '250.00' })]);
    expect(() => initiateTransfer(ledger, 'p-1', 'spill-1:fund:b-city', '250.00')).toThrow(expect.objectContaining({ code: 'fund_insufficient' }));
    ledger.run(fundDecider, streams.fund('delta'), { type: 'ReceiveThirdPartyIncentive', incentiveId: 'g-1', source: 'province', amount: '300.00', reference: 'grant', occurredAt: AT });
    expect(ledger.balances.unpaidFundObligations('delta')).toEqual([]);
    initiateTransfer(ledger, 'p-1', 'spill-1:fund:b-city', '250.00');
    expect(ledger.balances.fundBalance('delta')).toMatchObject({ balance: '300.00', pendingOut: '250.00', available: '50.00' });
    finishTransfer(ledger, 'p-1', 'settle');
    expect(ledger.balances.fundBalance('delta')).toMatchObject({ balance: '50.00', moneyOut: '250.00' });
  });

  it('executing a settlement keeps every net position and leaves at most k − 1 obligations', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00', 'c-city': '400.00' });
    assessIncident(ledger, 'spill-2', 'b-city', { 'a-city': '600.00', 'd-city': '100.00' });
    const before = ledger.balances.netPositions('CNY');
    const proposal = proposeBodySettlement(ledger.balances, 'delta', 'CNY');
    ledger.run(treasury, TREASURY, { type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: AT, context: settlementContext(ledger.balances, proposal) });
    expect(ledger.balances.netPositions('CNY')).toEqual(before);
    expect(ledger.balances.openObligations({ bodyId: 'delta' }).items.length).toBeLessThanOrEqual(Object.keys(before).length - 1);
  });

  it('pages open obligations with a cursor', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00', 'c-city': '400.00', 'd-city': '10.00' });
    const first = ledger.balances.openObligations({ limit: 4 });
    const second = ledger.balances.openObligations({ limit: 4, after: first.nextCursor });
    expect(first.items).toHaveLength(4);
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it('stops loudly on a history that breaks conservation', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    const overpaid = { transferId: 'x', obligationId: 'spill-1:origin:a-city:b-city', payer: cityParty('a-city'), payee: cityParty('b-city'), amount: '500.01', currency: 'CNY', form: 'money', valuation: null, reverses: null, occurredAt: AT };
    expect(() => ledger.append(TREASURY, [{ type: 'TransferInitiated', data: overpaid }])).toThrow(ProjectionInvariantError);
  });

  it('stops loudly on a transfer decided anywhere but the treasury of its obligation’s body', () => {
    const ledger = establishedLedger();
    assessIncident(ledger, 'spill-1', 'a-city', { 'b-city': '1000.00' });
    const elsewhere = { transferId: 'x', obligationId: 'spill-1:origin:a-city:b-city', payer: cityParty('a-city'), payee: cityParty('b-city'), amount: '10.00', currency: 'CNY', form: 'money', valuation: null, reverses: null, occurredAt: AT };
    expect(() => ledger.append('payments-a-city', [{ type: 'TransferInitiated', data: elsewhere }])).toThrow(ProjectionInvariantError);
  });

  it('a penalty revoked while a payment of it was being decided keeps the payment and writes off only the rest', () => {
    const ledger = establishedLedger();
    const penalty = { findingId: 'f-1', bodyId: 'delta', cityId: 'a-city', counterpartyCityId: null, kind: 'late_report', severity: 1, incidentId: null, penalty: { amount: '300.00', currency: 'CNY' }, description: 'late', occurredAt: AT };
    ledger.append('finding-f-1', [{ type: 'FindingRecorded', data: penalty }]);
    const b = ledger.balances;
    // The payment was decided against the penalty before the revocation was projected, and lands after it.
    const command: InitiateTransfer = {
      type: 'InitiateTransfer',
      terms: { transferId: 'p-1', obligationId: 'penalty-f-1', payer: cityParty('a-city'), payee: fundParty('delta'), amount: '100.00', currency: 'CNY', form: 'money', valuation: null, reverses: null },
      occurredAt: AT,
      context: { obligation: b.obligationContext('penalty-f-1'), payerView: b.payerView('delta', cityParty('a-city')) },
    };
    const decided = treasury.decide(command, treasury.initialState());
    ledger.append('finding-f-1', [{ type: 'FindingRevoked', data: { findingId: 'f-1', reason: 'appeal upheld', occurredAt: AT } }]);
    ledger.append(TREASURY, decided);
    expect(b.obligation('penalty-f-1')).toMatchObject({ obligated: '100.00', pending: '100.00', writtenOff: '200.00', outstanding: '100.00' });
    finishTransfer(ledger, 'p-1', 'void');
    expect(b.obligation('penalty-f-1')).toMatchObject({ obligated: '0.00', pending: '0.00', writtenOff: '300.00', outstanding: '0.00' });
    assertConservation(ledger);
  });

  describe('conservation over random command sequences', () => {
    type Step =
      | { kind: 'incident'; origin: number; costs: [number, bigint][]; averted: bigint | null }
      | { kind: 'incentive'; amount: bigint }
      | { kind: 'contribution'; city: number; amount: bigint }
      | { kind: 'pay'; pick: number; fraction: number }
      | { kind: 'finish'; pick: number; settle: boolean }
      | { kind: 'reverse'; pick: number; fraction: number }
      | { kind: 'settlement' };
    const money = fc.bigInt({ min: 1n, max: 5_000_000n });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('incident' as const), origin: fc.nat(3), costs: fc.array(fc.tuple(fc.nat(3), money), { minLength: 1, maxLength: 3 }), averted: fc.option(money) }),
      fc.record({ kind: fc.constant('incentive' as const), amount: money }),
      fc.record({ kind: fc.constant('contribution' as const), city: fc.nat(3), amount: money }),
      fc.record({ kind: fc.constant('pay' as const), pick: fc.nat(), fraction: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), settle: fc.boolean() }),
      fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat(), fraction: fc.integer({ min: 1, max: 120 }) }),
      fc.constant({ kind: 'settlement' as const }),
    );
    const cents = (minor: bigint): string => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

    function apply(ledger: LedgerHarness, s: Step, i: number, transferIds: string[]): void {
      const b = ledger.balances;
      switch (s.kind) {
        case 'incident': {
          const origin = CITIES[s.origin]!;
          const costs = Object.fromEntries(s.costs.filter(([c]) => CITIES[c] !== origin).map(([c, m]) => [CITIES[c]!, cents(m)]));
          if (Object.keys(costs).length > 0) assessIncident(ledger, `inc-${i}`, origin, costs, s.averted === null ? null : cents(s.averted));
          return;
        }
        case 'incentive':
          ledger.run(fundDecider, streams.fund('delta'), { type: 'ReceiveThirdPartyIncentive', incentiveId: `g-${i}`, source: 'province', amount: cents(s.amount), reference: 'grant', occurredAt: AT });
          return;
        case 'contribution':
          ledger.run(fundDecider, streams.fund('delta'), { type: 'ReceiveMemberContribution', contributionId: `k-${i}`, cityId: CITIES[s.city]!, amount: cents(s.amount), reference: 'bank', occurredAt: AT, context: { bodyMembers: CITIES } });
          return;
        case 'pay': {
          const open = b.openObligations({ limit: 500 }).items;
          const o = open[s.pick % Math.max(1, open.length)];
          if (o === undefined) return;
          // Up to 120% of what is free: overpaying must be refused.
          const amount = (toMinor(o.unencumbered, 'CNY') * BigInt(s.fraction)) / 100n;
          transferIds.push(`t-${i}`);
          initiateTransfer(ledger, `t-${i}`, o.obligationId, cents(amount));
          return;
        }
        case 'finish':
        case 'reverse': {
          const id = transferIds[s.pick % Math.max(1, transferIds.length)];
          if (id === undefined) return;
          if (s.kind === 'finish') return finishTransfer(ledger, id, s.settle ? 'settle' : 'void');
          const original = b.transfer(id);
          if (original === null) return;
          const amount = ((toMinor(original.amount, 'CNY') - toMinor(original.reversed, 'CNY')) * BigInt(s.fraction)) / 100n;
          transferIds.push(`r-${i}`);
          return initiateTransfer(ledger, `r-${i}`, original.obligationId, cents(amount), id);
        }
        case 'settlement': {
          const proposal = proposeBodySettlement(b, 'delta', 'CNY');
          ledger.run(treasury, TREASURY, { type: 'ExecuteSettlement', settlementId: `s-${i}`, proposal, occurredAt: AT, context: settlementContext(b, proposal) });
          return;
        }
      }
    }

    /** What a snapshot file gives back: JSON rows through JSON, binary rows as a Buffer of their bytes. */
    const throughJson = (rows: unknown[]): unknown[] =>
      rows.map((row) => {
        if (!(row instanceof DeferredSnapshotBytes)) return JSON.parse(JSON.stringify(row)) as unknown;
        const produced = row.produce();
        return typeof produced === 'string' ? Buffer.from(produced, 'latin1') : Buffer.from(Buffer.from(produced.buffer, produced.byteOffset, produced.byteLength));
      });

    function runSteps(ledger: LedgerHarness, steps: readonly Step[], from: number, transferIds: string[]): void {
      steps.forEach((s, i) => {
        try {
          apply(ledger, s, from + i, transferIds);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      });
    }

    it('a snapshot captured while commands go on restores to exactly the state at its capture, and the restored model goes on alike', () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), fc.array(step, { minLength: 1, maxLength: 15 }), (before, after) => {
          const ledger = establishedLedger();
          const transferIds: string[] = [];
          runSteps(ledger, before, 0, transferIds);
          const atCapture = JSON.stringify(ledger.balances.canonicalState());
          const captured = ledger.balances.snapshot();
          runSteps(ledger, after, before.length, transferIds);
          const restored = new BalancesReadModel();
          restored.restore(throughJson(captured));
          expect(JSON.stringify(restored.canonicalState())).toBe(atCapture);
          const now = ledger.balances.snapshot();
          const restoredNow = new BalancesReadModel();
          restoredNow.restore(throughJson(now));
          expect(restoredNow.canonicalState()).toEqual(ledger.balances.canonicalState());
          expect(restoredNow.openObligations({ limit: 500 })).toEqual(ledger.balances.openObligations({ limit: 500 }));
          expect(restoredNow.fundBalance('delta')).toEqual(ledger.balances.fundBalance('delta'));
        }),
        { numRuns: 30 },
      );
    });

    it('captured in slices, with questions answered between two slices, gives the rows of a capture in one go', () => {
      const ledger = establishedLedger();
      // More obligations than one chunk holds, so the capture has steps.
      const incidents: Step[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'incident', origin: i % 4, costs: [[(i + 1) % 4, 10_000n + BigInt(i)]], averted: null }) as Step);
      runSteps(ledger, incidents, 0, []);
      const b = ledger.balances;
      const inOneGo = throughJson(b.snapshot());
      const captured = captureStepByStep(b.snapshotInSlices(), () => {
        // What the server does meanwhile: answer questions (the runner applies no event until the capture ends).
        b.openObligations({ limit: 50 });
        b.fundBalance('delta');
        b.netPositions('CNY');
      });
      expect(captured.steps).toBeGreaterThan(0);
      const rows = throughJson(captured.value);
      expect(rows).toEqual(inOneGo);
      const restored = new BalancesReadModel();
      restored.restore(rows);
      expect(restored.canonicalState()).toEqual(b.canonicalState());
    });

    describe('a capture by reference keeps the values of its rows until they are written', () => {
      /** Two incidents' obligations of cities, a transfer of each pending at the capture, and a settled one to reverse. */
      function capturedWithPendingTransfers(): { ledger: LedgerHarness; atCapture: string; captured: unknown[] } {
        const ledger = establishedLedger();
        runSteps(ledger, [{ kind: 'incident', origin: 0, costs: [[1, 250_000n]], averted: null }, { kind: 'incident', origin: 2, costs: [[3, 120_000n]], averted: null }], 0, []);
        // Paid by cities: the fund holds nothing to pay with here.
        const [first, second] = ledger.balances.openObligations({ limit: 500 }).items.filter((o) => o.payer.kind === 'city');
        initiateTransfer(ledger, 't-settled', first!.obligationId, '100.00');
        finishTransfer(ledger, 't-settled', 'settle');
        initiateTransfer(ledger, 't-to-settle', first!.obligationId, '200.00');
        initiateTransfer(ledger, 't-to-void', second!.obligationId, '300.00');
        const atCapture = JSON.stringify(ledger.balances.canonicalState());
        return { ledger, atCapture, captured: ledger.balances.snapshot() };
      }

      it('a transfer pending at the capture and settled or voided before the write is restored pending', () => {
        const { ledger, atCapture, captured } = capturedWithPendingTransfers();
        finishTransfer(ledger, 't-to-settle', 'settle');
        finishTransfer(ledger, 't-to-void', 'void');
        initiateTransfer(ledger, 'r-back', ledger.balances.transfer('t-settled')!.obligationId, '50.00', 't-settled');
        expect(JSON.stringify(ledger.balances.canonicalState())).not.toBe(atCapture);
        const restored = new BalancesReadModel();
        restored.restore(throughJson(captured));
        expect(JSON.stringify(restored.canonicalState())).toBe(atCapture);
        expect(restored.transfer('t-to-settle')?.status).toBe('pending');
        expect(restored.transfer('t-to-void')?.status).toBe('pending');
        expect(restored.transfer('t-settled')?.reversed).toBe('0.00');
      });

      it('a penalty captured open, then revoked and paid by a payment decided before, is restored open and unpaid', () => {
        const ledger = establishedLedger();
        const penalty = { findingId: 'f-1', bodyId: 'delta', cityId: 'a-city', counterpartyCityId: null, kind: 'late_report', severity: 1, incidentId: null, penalty: { amount: '300.00', currency: 'CNY' }, description: 'late', occurredAt: AT };
        ledger.append('finding-f-1', [{ type: 'FindingRecorded', data: penalty }]);
        const b = ledger.balances;
        const decided = treasury.decide(
          {
            type: 'InitiateTransfer',
            terms: { transferId: 'p-1', obligationId: 'penalty-f-1', payer: cityParty('a-city'), payee: fundParty('delta'), amount: '100.00', currency: 'CNY', form: 'money', valuation: null, reverses: null },
            occurredAt: AT,
            context: { obligation: b.obligationContext('penalty-f-1'), payerView: b.payerView('delta', cityParty('a-city')) },
          },
          treasury.initialState(),
        );
        const atCapture = JSON.stringify(b.canonicalState());
        const captured = b.snapshot();
        // The revocation writes off, the late payment takes part of it back: both change the captured row.
        ledger.append('finding-f-1', [{ type: 'FindingRevoked', data: { findingId: 'f-1', reason: 'appeal upheld', occurredAt: AT } }]);
        ledger.append(TREASURY, decided);
        expect(b.obligation('penalty-f-1')).toMatchObject({ writtenOff: '200.00', pending: '100.00' });
        const restored = new BalancesReadModel();
        restored.restore(throughJson(captured));
        expect(JSON.stringify(restored.canonicalState())).toBe(atCapture);
        expect(restored.obligation('penalty-f-1')).toMatchObject({ obligated: '300.00', pending: '0.00', writtenOff: '0.00', outstanding: '300.00' });
      });

      it('a chunk written again once its capture was written whole is refused, not written with later values', () => {
        const { ledger, captured } = capturedWithPendingTransfers();
        throughJson(captured);
        finishTransfer(ledger, 't-to-settle', 'settle');
        expect(() => throughJson(captured)).toThrow(/serialized after its capture was released/);
      });

      it('two captures taken before either is written each keep their own values', () => {
        const { ledger, atCapture, captured } = capturedWithPendingTransfers();
        finishTransfer(ledger, 't-to-settle', 'settle');
        const atSecond = JSON.stringify(ledger.balances.canonicalState());
        const second = ledger.balances.snapshot();
        finishTransfer(ledger, 't-to-void', 'void');
        const [fromFirst, fromSecond] = [new BalancesReadModel(), new BalancesReadModel()];
        fromSecond.restore(throughJson(second));
        fromFirst.restore(throughJson(captured));
        expect(JSON.stringify(fromFirst.canonicalState())).toBe(atCapture);
        expect(JSON.stringify(fromSecond.canonicalState())).toBe(atSecond);
      });
    });

    it('keeps its chunks as bytes until an event that moves money or a question needs them, or decodes them in the background', async () => {
      const ledger = establishedLedger();
      runSteps(ledger, [{ kind: 'incident', origin: 0, costs: [[1, 250_000n]], averted: null }, { kind: 'pay', pick: 0, fraction: 50 }], 0, []);
      const rows = throughJson(ledger.balances.snapshot());
      const idle = new BalancesReadModel();
      idle.restore(rows);
      expect(idle.undecoded()).toBe(rows.length - 1);
      idle.caughtUp();
      for (let turn = 0; turn < 10_000 && idle.undecoded() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(idle.undecoded()).toBe(0);
      expect(idle.canonicalState()).toEqual(ledger.balances.canonicalState());
      const asked = new BalancesReadModel();
      asked.restore(rows);
      expect(asked.fundBalance('delta')).toEqual(ledger.balances.fundBalance('delta'));
      expect(asked.undecoded()).toBe(0);
    });

    describe('refusing a snapshot it did not write', () => {
      const ledger = establishedLedger();
      runSteps(ledger, [{ kind: 'incident', origin: 0, costs: [[1, 250_000n]], averted: null }, { kind: 'pay', pick: 0, fraction: 50 }], 0, []);
      const parts = throughJson(ledger.balances.snapshot());
      const sequence = parts[parts.length - 1];
      // Each group holds one chunk row.
      const rows = parts.slice(0, -1).map((group) => (JSON.parse((group as Buffer).toString()) as unknown[][])[0]);
      const grouped = (chunks: readonly unknown[]): unknown[] => [...chunks.map((row) => Buffer.from(JSON.stringify([row]))), sequence];

      it('refuses at once what is not groups of bytes under a sequence row, staying fresh', () => {
        const fresh = JSON.stringify(new BalancesReadModel().canonicalState());
        for (const [state, reason] of [
          [parts.slice(0, -1), 'no sequence row'],
          [[...rows, sequence], 'row 0 is not a group of rows as bytes'],
          [[...parts, ['seq', 0, '0']], `row ${parts.length - 1} is not a group of rows as bytes`],
          [[...parts.slice(0, -1), ['seq', -1, '0']], 'sequence is not a count'],
        ] as const) {
          const model = new BalancesReadModel();
          expect(() => model.restore(state)).toThrow(reason);
          expect(JSON.stringify(model.canonicalState())).toBe(fresh);
        }
      });

      it('refuses to answer from a chunk it does not recognise, rather than answer without it', () => {
        const obligationRow = rows.findIndex((row) => row[0] === 'o');
        const withRow = (row: unknown[]): unknown[] => grouped(rows.map((r, i) => (i === obligationRow ? row : r)));
        const strings = rows[obligationRow][1] as string[];
        const firstObligation = (rows[obligationRow][2] as unknown[][])[0];
        const withObligation = (change: (tuple: unknown[]) => unknown[]): unknown[] => withRow(['o', [...strings, 'gift'], [change([...firstObligation])]]);
        for (const [state, reason] of [
          [withRow(['x', [], []]), 'unknown kind x'],
          [withObligation((tuple) => tuple.slice(1)), 'not a tuple of 16'],
          [withObligation((tuple) => tuple.map((v, i) => (i === 9 ? '12.5' : v))), 'amount 12.5 is not an integer'],
          [withObligation((tuple) => tuple.map((v, i) => (i === 9 ? 2 ** 60 : v))), 'is not a safe integer'],
          [withObligation((tuple) => tuple.map((v, i) => (i === 5 ? strings.length : v))), 'reason gift is unknown'],
          [withObligation((tuple) => tuple.map((v, i) => (i === 1 ? strings.length + 1 : v))), `string ${strings.length + 1} is not in its row's table`],
          [grouped([...rows, rows[obligationRow]]), 'twice'],
          [[Buffer.from('[["o"'), sequence], 'group 0 is not JSON'],
        ] as const) {
          const model = new BalancesReadModel();
          model.restore(state);
          expect(() => model.canonicalState()).toThrow(reason);
          expect(() => model.fundBalance('delta')).toThrow(reason);
          expect(() => model.openObligations()).toThrow(reason);
        }
      });
    });

    it('money is conserved after every step, and a refused command changes nothing', () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
          const ledger = establishedLedger();
          const transferIds: string[] = [];
          steps.forEach((s, i) => {
            const before = JSON.stringify(ledger.balances.canonicalState());
            try {
              apply(ledger, s, i, transferIds);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              expect(JSON.stringify(ledger.balances.canonicalState())).toBe(before);
            }
            assertConservation(ledger);
          });
        }),
        { numRuns: 80 },
      );
    });
  });
});
