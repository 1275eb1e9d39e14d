/**
 * The race the treasury stream removes: a settlement execution and a transfer against the same obligation, sent at
 * once through the real command path. Both reduce an obligation of the same body, so both are decided on
 * `treasury-<bodyId>`; its expected revision lets exactly one through, the other reads the balances again and is
 * refused, and the balances model never meets an obligation reduced twice (it never stops).
 *
 * The race runs twice: on the disk as it is, and on one whose every WAL sync takes longer than all the retries' pauses
 * together. There the loser's stream shows it the winner's commit before the read models can see it (they follow only
 * what is durable), and the loser must wait for the sync rather than spend its retries on the same stale view.
 */
import { jest } from '@jest/globals';
import { cityParty } from '../../libs/domain/src/compensation/events.js';
import { treasuryDecider, type TreasuryCommand } from '../../libs/domain/src/compensation/treasury.js';
import { toMinor } from '../../libs/domain/src/shared/money.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { metadataFor, systemContext } from '../../libs/ledger/src/context.js';
import { executeCommand } from '../../libs/ledger/src/execute-command.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { proposeBodySettlement, settlementContext } from '../../libs/projections/src/settlement/settlement.queries.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { BalancesReadModel } from '../../libs/projections/src/balances/balances.read-model.js';
import { fileHandlePrototype } from '../../libs/event-store/src/sqlite/test-support.js';
import { BODY, officials, runIncident, seed, startCompensation, tempDir, testConfig, type CompensationApp, type Officials } from './support.js';

const ROUNDS = 6;
/** Longer than the stale-view retries' pauses together (views.ts: at most 10 + 20 + 40 + 80 ms). */
const SLOW_SYNC_MS = 200;

/** Makes every fsync through a FileHandle (the WAL sync's) take `ms` longer, until the returned function undoes it. */
async function slowDisk(dir: string, ms: number): Promise<() => void> {
  const prototype = await fileHandlePrototype(dir);
  const original = prototype.sync;
  const spy = jest.spyOn(prototype, 'sync').mockImplementation(async function (this: unknown) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return original.call(this);
  });
  return () => spy.mockRestore();
}

describe.each([
  ['on the disk as it is', 0],
  [`on a disk whose WAL syncs take ${SLOW_SYNC_MS} ms more`, SLOW_SYNC_MS],
])('a settlement execution racing a transfer against the same obligation, %s', (_disk, syncDelayMs) => {
  let g: CompensationApp;
  let who: Officials;
  let restoreDisk: () => void = () => undefined;
  const dir = tempDir();

  beforeAll(async () => {
    g = await startCompensation(testConfig('sqlite', `${dir.dir}/race.sqlite`));
    who = await officials();
    await seed(g, who);
    if (syncDelayMs > 0) restoreDisk = await slowDisk(dir.dir, syncDelayMs);
  });
  afterAll(async () => {
    restoreDisk();
    await g.app.close();
    dir.cleanup();
  });

  it.each(Array.from({ length: ROUNDS }, (_, i) => [i]))('round %i: exactly one wins, and the balances model keeps running', async (round) => {
    const closed = await runIncident(g, who, { incidentId: `race-${round}`, origin: 'origin-city', costs: { 'a-city': '1000.00', 'b-city': '500.00' } });
    const proposal = await g.http().get(`/settlements/${BODY}/proposal?currency=CNY&atLeast=${closed}`).set('Authorization', who.auditor).expect(200);
    const obligationId = `race-${round}:origin:origin-city:a-city`;
    const obligation = await g.http().get(`/obligations/${encodeURIComponent(obligationId)}`).set('Authorization', who.auditor).expect(200);
    expect(toMinor(obligation.body.unencumbered as string, 'CNY') > 0n).toBe(true);

    const payer = await who.financeOf('origin-city');
    // Alternate which request is sent first, so both orders of arrival are exercised.
    const settle = () => g.http().post(`/settlements/${BODY}/executions`).set('Authorization', who.fundFinance).send({ settlementId: `race-net-${round}`, currency: 'CNY', fingerprint: proposal.body.fingerprint });
    const pay = () => g.http().post('/transfers').set('Authorization', payer).send({ transferId: `race-pay-${round}`, obligationId, amount: obligation.body.unencumbered });
    const [settled, paid] = round % 2 === 0 ? await Promise.all([settle(), pay()]) : (await Promise.all([pay(), settle()])).reverse();

    const winners = [settled.status, paid.status].filter((s) => s === 201);
    expect(winners).toHaveLength(1);
    if (settled.status === 201) {
      // The obligation was netted first: nothing is left for the transfer to pay.
      expect(paid.status).toBe(422);
      expect(paid.body.type).toMatch(/obligation_overpaid$/);
    } else {
      // The transfer came first: the positions the proposal netted are no longer there.
      expect(settled.status).toBe(409);
      expect(settled.body.type).toMatch(/settlement_positions_changed$/);
    }

    const winner = settled.status === 201 ? settled : paid;
    expect(winner.body.stream).toBe(`treasury-${BODY}`);
    await g.http().get(`/obligations/${encodeURIComponent(obligationId)}?atLeast=${winner.body.position}`).set('Authorization', who.auditor).expect(200);
    const runner = g.app.get(ProjectionRunner);
    expect(runner.status()).toMatchObject({ state: 'running', failure: null });
    const balances = g.app.get(BalancesReadModel);
    const net = Object.values(balances.netPositions('CNY')).reduce((sum, amount) => sum + toMinor(amount, 'CNY'), 0n);
    expect(net).toBe(0n);
    const row = balances.obligation(obligationId);
    if (row === null) throw new Error(`obligation ${obligationId} vanished`);
    expect(toMinor(row.settled, 'CNY') + toMinor(row.pending, 'CNY')).toBe(toMinor(row.obligated, 'CNY'));

    // Leave no pending transfer behind, so the next round's proposal nets every position again.
    if (paid.status === 201) await g.http().post(`/transfers/race-pay-${round}/settlement`).set('Authorization', payer).send({}).expect(201);
  });

  it('both decided from the same read of the balances: the treasury revision lets the first through and refuses the second, changing nothing', async () => {
    const closed = await runIncident(g, who, { incidentId: 'race-same-read', origin: 'origin-city', costs: { 'a-city': '800.00' } });
    await g.http().get(`/incidents/race-same-read?atLeast=${closed}`).set('Authorization', who.auditor).expect(200);
    const store = g.app.get<EventStore>(EVENT_STORE);
    const balances = g.app.get(BalancesReadModel);
    const obligationId = 'race-same-read:origin:origin-city:a-city';
    // Both commands read their contexts now, before either is appended: each passes its own checks.
    const proposal = proposeBodySettlement(balances, BODY, 'CNY');
    const settlement: TreasuryCommand = { type: 'ExecuteSettlement', settlementId: 'same-read-net', proposal, occurredAt: '2025-06-02T00:00:00.000Z', context: settlementContext(balances, proposal) };
    const obligation = balances.obligationContext(obligationId);
    if (obligation === null) throw new Error(`obligation ${obligationId} is not projected`);
    const transfer: TreasuryCommand = {
      type: 'InitiateTransfer',
      terms: { transferId: 'same-read-pay', obligationId, payer: obligation.payer, payee: obligation.payee, amount: obligation.unencumbered, currency: 'CNY', form: 'money', valuation: null, reverses: null },
      occurredAt: '2025-06-02T00:00:00.000Z',
      context: { obligation, payerView: balances.payerView(BODY, cityParty('origin-city')) },
    };
    const decider = treasuryDecider(BODY);
    const run = (command: TreasuryCommand) => executeCommand({ store, stream: `treasury-${BODY}`, decider, command, metadata: metadataFor(systemContext('race-spec')) });

    const first = await run(settlement);
    expect(first.events.map((e) => e.type)).toEqual(['SettlementExecuted']);
    const head = await store.headPosition();
    await expect(run(transfer)).rejects.toMatchObject({ code: 'payer_view_stale', status: 409 });
    expect(await store.headPosition()).toBe(head);

    await g.http().get(`/obligations/${encodeURIComponent(obligationId)}?atLeast=${String(head)}`).set('Authorization', who.auditor).expect(200);
    expect(g.app.get(ProjectionRunner).status()).toMatchObject({ state: 'running', failure: null });
    expect(balances.obligation(obligationId)).toMatchObject({ pending: '0.00', outstanding: '0.00', netted: obligation.unencumbered });
  });
});
