/**
 * Random sequences of compensation commands through the CommandBus, as the API sends them (incidents, money in,
 * transfers, settles and voids, reversals, settlements, and commands from the wrong party): after every step money
 * is conserved (net positions sum to zero, a fund's balance is its money in minus its money out and never below
 * zero), every settlement proposal clears every position exactly within k − 1 transfers, a refused command leaves the
 * log exactly as it was (the head position does not move), and the balances model never stops.
 */
import { CommandBus } from '@nestjs/cqrs';
import fc from 'fast-check';
import { positionsFromObligations, proposalClears } from '../../libs/domain/src/compensation/settlement.js';
import { DomainError } from '../../libs/domain/src/shared/errors.js';
import { fromMinor, toMinor } from '../../libs/domain/src/shared/money.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import type { WriteAcknowledgement } from '../../libs/ledger/src/acknowledgement.js';
import {
  ExecuteFundCommand,
  ExecuteIncidentCommand,
  ExecuteSettlementCommand,
  InitiateTransferCommand,
  SettleTransferCommand,
  VoidTransferCommand,
} from '../../libs/ledger/src/compensation/commands.js';
import type { CommandContext } from '../../libs/ledger/src/context.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { BalancesReadModel } from '../../libs/projections/src/balances/balances.read-model.js';
import { proposeBodySettlement } from '../../libs/projections/src/settlement/settlement.queries.js';
import { AGREEMENT, BODY, CITIES, officials, seed, startCompensation, testConfig, type CompensationApp } from './support.js';

const as = (id: string, role: 'coordinator' | 'city-officer' | 'finance-officer', kind: 'body' | 'city' | 'fund', scope: string): CommandContext => ({
  actor: { id, role, scope: { kind, id: scope } },
  correlationId: `prop-${id}`,
});
const COORDINATOR = as('delta-coordinator', 'coordinator', 'body', BODY);
const FUND_FINANCE = as('delta-treasurer', 'finance-officer', 'fund', BODY);
const officer = (city: string): CommandContext => as(`officer-${city}`, 'city-officer', 'city', city);
const finance = (city: string): CommandContext => as(`finance-${city}`, 'finance-officer', 'city', city);

type Step =
  | { kind: 'incident'; origin: number; costs: [number, bigint][]; averted: bigint | null }
  | { kind: 'incentive'; amount: bigint }
  | { kind: 'contribution'; city: number; amount: bigint }
  | { kind: 'pay'; pick: number; percent: number; wrongPayer: boolean }
  | { kind: 'finish'; pick: number; settle: boolean }
  | { kind: 'reverse'; pick: number; percent: number }
  | { kind: 'settlement'; staleFingerprint: boolean };

const money = fc.bigInt({ min: 1n, max: 5_000_000n });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('incident' as const), origin: fc.nat(3), costs: fc.array(fc.tuple(fc.nat(3), money), { minLength: 1, maxLength: 3 }), averted: fc.option(money) }),
  fc.record({ kind: fc.constant('incentive' as const), amount: money }),
  fc.record({ kind: fc.constant('contribution' as const), city: fc.nat(3), amount: money }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), pick: fc.nat(), percent: fc.integer({ min: 1, max: 120 }), wrongPayer: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), settle: fc.boolean() }) },
  fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat(), percent: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ kind: fc.constant('settlement' as const), staleFingerprint: fc.boolean() }),
);

describe('random compensation command sequences through the command path', () => {
  let g: CompensationApp;
  let bus: CommandBus;
  let store: EventStore;
  let runner: ProjectionRunner;
  let balances: BalancesReadModel;
  let serial = 0;
  const accepted = new Map<string, number>();

  beforeAll(async () => {
    g = await startCompensation(testConfig('memory'));
    await seed(g, await officials());
    bus = g.app.get(CommandBus);
    store = g.app.get<EventStore>(EVENT_STORE);
    runner = g.app.get(ProjectionRunner);
    balances = g.app.get(BalancesReadModel);
  });
  afterAll(async () => {
    await g.app.close();
  });

  const cents = (minor: bigint): string => fromMinor(minor, 'CNY');

  async function caughtUp(): Promise<void> {
    const head = await store.headPosition();
    if (head !== null && !(await runner.waitFor(head, 10_000))) throw new Error('read models did not catch up');
  }

  /** One command: accepted (the read models then catch up) or refused with a DomainError that moved nothing. */
  async function command(message: Parameters<CommandBus['execute']>[0]): Promise<boolean> {
    const before = await store.headPosition();
    try {
      await bus.execute<typeof message, WriteAcknowledgement>(message);
      await caughtUp();
      accepted.set(message.constructor.name, (accepted.get(message.constructor.name) ?? 0) + 1);
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      expect(await store.headPosition()).toBe(before);
      return false;
    }
  }

  async function apply(s: Step, transferIds: string[]): Promise<void> {
    const n = serial++;
    switch (s.kind) {
      case 'incident': {
        const origin = CITIES[s.origin] ?? 'origin-city';
        const costs = new Map(s.costs.map(([c, m]) => [CITIES[c] ?? 'a-city', m] as const).filter(([c]) => c !== origin));
        if (costs.size === 0) return;
        const incidentId = `p-inc-${n}`;
        const opened = await command(
          new ExecuteIncidentCommand(
            { type: 'OpenIncident', incidentId, agreementId: AGREEMENT, riskCategory: 'natural_disaster', scenario: 'spreads_from_one_city', originCities: [origin], affectedCities: [...costs.keys()], description: 'flood' },
            COORDINATOR,
          ),
        );
        expect(opened).toBe(true);
        for (const [cityId, amount] of costs) {
          const claimId = `${incidentId}-${cityId}`;
          await command(new ExecuteIncidentCommand({ type: 'ClaimResponseCost', incidentId, claimId, cityId, amount: cents(amount), evidenceRef: 'invoice' }, officer(cityId)));
          await command(new ExecuteIncidentCommand({ type: 'VerifyClaim', incidentId, claimId, verifiedAmount: cents(amount), note: 'checked' }, COORDINATOR));
        }
        if (s.averted !== null) await command(new ExecuteIncidentCommand({ type: 'RecordAvertedLoss', incidentId, assessor: 'institute', avertedLoss: cents(s.averted), reportRef: 'r' }, COORDINATOR));
        expect(await command(new ExecuteIncidentCommand({ type: 'CloseIncident', incidentId }, COORDINATOR))).toBe(true);
        return;
      }
      case 'incentive':
        await command(new ExecuteFundCommand({ type: 'ReceiveThirdPartyIncentive', bodyId: BODY, incentiveId: `p-g-${n}`, source: 'province', amount: cents(s.amount), reference: 'grant' }, COORDINATOR));
        return;
      case 'contribution': {
        const cityId = CITIES[s.city] ?? 'a-city';
        await command(new ExecuteFundCommand({ type: 'ReceiveMemberContribution', bodyId: BODY, contributionId: `p-k-${n}`, cityId, amount: cents(s.amount), reference: 'bank' }, FUND_FINANCE));
        return;
      }
      case 'pay': {
        const open = balances.openObligations({ bodyId: BODY, limit: 500 }).items;
        const o = open[s.pick % Math.max(1, open.length)];
        if (o === undefined) return;
        // Up to 120% of what is free (overpaying must be refused), sometimes by a finance officer of another party.
        const amount = (toMinor(o.unencumbered, 'CNY') * BigInt(s.percent)) / 100n;
        const payer = o.payer.kind === 'fund' ? FUND_FINANCE : finance(o.payer.id);
        const who = s.wrongPayer ? finance(o.payee.kind === 'city' ? o.payee.id : 'north-city') : payer;
        const accepted = await command(new InitiateTransferCommand({ transferId: `p-t-${n}`, obligationId: o.obligationId, amount: cents(amount), form: 'money', valuation: null, reverses: null }, who));
        if (accepted) transferIds.push(`p-t-${n}`);
        return;
      }
      case 'finish': {
        const id = transferIds[s.pick % Math.max(1, transferIds.length)];
        const t = id === undefined ? null : balances.transfer(id);
        if (id === undefined || t === null) return;
        const who = t.payer.kind === 'fund' ? FUND_FINANCE : finance(t.payer.id);
        await command(s.settle ? new SettleTransferCommand({ transferId: id }, who) : new VoidTransferCommand({ transferId: id, reason: 'entered twice' }, who));
        return;
      }
      case 'reverse': {
        const id = transferIds[s.pick % Math.max(1, transferIds.length)];
        const t = id === undefined ? null : balances.transfer(id);
        if (id === undefined || t === null) return;
        const amount = ((toMinor(t.amount, 'CNY') - toMinor(t.reversed, 'CNY')) * BigInt(s.percent)) / 100n;
        const who = t.payee.kind === 'fund' ? FUND_FINANCE : finance(t.payee.id);
        const accepted = await command(new InitiateTransferCommand({ transferId: `p-r-${n}`, obligationId: t.obligationId, amount: cents(amount), form: 'money', valuation: null, reverses: id }, who));
        if (accepted) transferIds.push(`p-r-${n}`);
        return;
      }
      case 'settlement': {
        const proposal = proposeBodySettlement(balances, BODY, 'CNY');
        const positions = positionsFromObligations(BODY, 'CNY', balances.settleableObligations(BODY, 'CNY'));
        // Every proposal clears every position exactly, within k − 1 transfers.
        expect(proposalClears(positions, proposal.transfers)).toBe(true);
        expect(proposal.transfers.length).toBeLessThanOrEqual(Math.max(0, proposal.parties - 1));
        const fingerprint = s.staleFingerprint ? 'f'.repeat(64) : proposal.fingerprint;
        await command(new ExecuteSettlementCommand({ bodyId: BODY, currency: 'CNY', settlementId: `p-s-${n}`, fingerprint }, FUND_FINANCE));
        return;
      }
    }
  }

  function assertConservation(): void {
    const net = Object.values(balances.netPositions('CNY')).reduce((sum, a) => sum + toMinor(a, 'CNY'), 0n);
    expect(net).toBe(0n);
    const fund = balances.fundBalance(BODY);
    if (fund === null) throw new Error('the fund vanished');
    expect(toMinor(fund.balance, 'CNY')).toBe(toMinor(fund.moneyIn, 'CNY') - toMinor(fund.moneyOut, 'CNY'));
    // The fund never pays out more than it holds.
    expect(toMinor(fund.balance, 'CNY') >= 0n).toBe(true);
    expect(toMinor(fund.available, 'CNY') >= 0n).toBe(true);
    expect(runner.status()).toMatchObject({ state: 'running', failure: null });
  }

  it('conserve money after every step, clear proposals within k − 1, and leave the log untouched on refusal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), async (steps) => {
        const transferIds: string[] = [];
        for (const s of steps) {
          await apply(s, transferIds);
          assertConservation();
        }
      }),
      { numRuns: 60 },
    );
    // The sequences did real work: transfers were paid and settlements executed, not only refused.
    for (const kind of ['ExecuteIncidentCommand', 'ExecuteFundCommand', 'InitiateTransferCommand', 'ExecuteSettlementCommand']) expect(accepted.get(kind) ?? 0).toBeGreaterThan(0);
  }, 240_000);
});
