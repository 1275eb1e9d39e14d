/** Transfers, the fund and the exports over HTTP: client-chosen transfer ids, payouts within the fund's money, CSV. */
import type { EventStore } from '../../libs/event-store/src/port.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { csvField } from '../../apps/api/src/compensation/csv.js';
import { toMinor } from '../../libs/domain/src/shared/money.js';
import { BODY, enc, officials, OTHER_BODY, runIncident, seed, startCompensation, testConfig, type CompensationApp, type Officials } from './support.js';

describe('the compensation API', () => {
  let g: CompensationApp;
  let who: Officials;
  let originFinance: string;

  beforeAll(async () => {
    g = await startCompensation(testConfig('memory'));
    who = await officials();
    originFinance = await who.financeOf('origin-city');
    await seed(g, who);
    await runIncident(g, who, { incidentId: 'flood-1', origin: 'origin-city', costs: { 'a-city': '1000.00', 'b-city': '600.00' } });
  });
  afterAll(async () => {
    await g.app.close();
  });

  const head = async (): Promise<string | null> => {
    const position = await g.app.get<EventStore>(EVENT_STORE).headPosition();
    return position === null ? null : position.toString();
  };
  const pay = (token: string, body: Record<string, unknown>) => g.http().post('/transfers').set('Authorization', token).send(body);
  const ORIGIN_TO_A = 'flood-1:origin:origin-city:a-city';

  describe('transfer ids chosen by the client', () => {
    it('the same id with the same content answers the first result and writes nothing', async () => {
      const first = await pay(originFinance, { transferId: 'ot-1', obligationId: ORIGIN_TO_A, amount: '100.00' }).expect(201);
      const before = await head();
      const again = await pay(originFinance, { transferId: 'ot-1', obligationId: ORIGIN_TO_A, amount: '100.00' }).expect(201);
      expect(again.body.stream).toBe(first.body.stream);
      expect(again.body.revision).toBe(first.body.revision);
      expect(await head()).toBe(before);
    });

    it('the same id with different content is refused, naming the differing field', async () => {
      const before = await head();
      const other = await pay(originFinance, { transferId: 'ot-1', obligationId: ORIGIN_TO_A, amount: '150.00' }).expect(409);
      expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(other.body).toMatchObject({ code: 'transfer_id_reused', field: 'amount' });
      const form = await pay(originFinance, { transferId: 'ot-1', obligationId: ORIGIN_TO_A, amount: '100.00', form: 'training', valuation: { description: 'course', valuationRef: 'minutes/1' } }).expect(409);
      expect(form.body).toMatchObject({ code: 'transfer_id_reused', field: 'form' });
      expect(await head()).toBe(before);
    });

    it('an id already used in another body’s treasury is refused too: transfer ids are unique in the whole ledger', async () => {
      await g
        .http()
        .post('/findings')
        .set('Authorization', who.otherCoordinator)
        .send({ findingId: 'north-late', bodyId: OTHER_BODY, cityId: 'north-city', kind: 'late_report', severity: 1, penalty: { amount: '50.00', currency: 'CNY' }, description: 'late flood report' })
        .expect(201);
      const before = await head();
      const reused = await pay(await who.financeOf('north-city'), { transferId: 'ot-1', obligationId: 'penalty-north-late', amount: '10.00' }).expect(409);
      expect(reused.body).toMatchObject({ code: 'transfer_id_reused', field: 'obligationId' });
      expect(await head()).toBe(before);
    });

    it('a pending transfer is voided, a settled one never changes and is corrected by a linked reversal', async () => {
      await pay(originFinance, { transferId: 'ot-2', obligationId: ORIGIN_TO_A, amount: '50.00' }).expect(201);
      await g.http().post('/transfers/ot-2/void').set('Authorization', originFinance).send({ reason: 'wrong account' }).expect(201);
      const voided = await g.http().post('/transfers/ot-2/settlement').set('Authorization', originFinance).send({}).expect(409);
      expect(voided.body.code).toBe('transfer_voided');

      await g.http().post('/transfers/ot-1/settlement').set('Authorization', await who.financeOf('a-city')).send({}).expect(201);
      const settledVoid = await g.http().post('/transfers/ot-1/void').set('Authorization', originFinance).send({ reason: 'mistake' }).expect(409);
      expect(settledVoid.body.code).toBe('transfer_settled');
      // The payee returns 30.00 of the 100.00: what was returned is owed again.
      const reversal = await pay(await who.financeOf('a-city'), { transferId: 'ot-1-back', obligationId: ORIGIN_TO_A, amount: '30.00', reverses: 'ot-1' }).expect(201);
      await g.http().post('/transfers/ot-1-back/settlement').set('Authorization', await who.financeOf('a-city')).send({}).expect(201);
      const transfer = await g.http().get(`/transfers/ot-1?atLeast=${reversal.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(transfer.body).toMatchObject({ status: 'settled', reversed: '30.00' });
      const obligation = await g.http().get(`/obligations/${enc(ORIGIN_TO_A)}`).set('Authorization', who.auditor).expect(200);
      expect(obligation.body).toMatchObject({ settled: '70.00', pending: '0.00' });
    });

    it('a finance officer pays only for its own city or fund', async () => {
      const before = await head();
      const foreign = await pay(await who.financeOf('b-city'), { transferId: 'not-mine', obligationId: ORIGIN_TO_A, amount: '1.00' }).expect(403);
      expect(foreign.body.code).toBe('out_of_scope');
      expect(await head()).toBe(before);
    });
  });

  describe('the special fund never pays more than it holds', () => {
    const FUND_TO_A = 'flood-1:fund:a-city';

    it('a payout beyond the balance is refused and the obligation stays open, listed as unpaid', async () => {
      const obligation = await g.http().get(`/obligations/${enc(FUND_TO_A)}`).set('Authorization', who.auditor).expect(200);
      expect(obligation.body.payer).toEqual({ kind: 'fund', id: BODY });
      const before = await head();
      const refused = await pay(who.fundFinance, { transferId: 'fund-pay-1', obligationId: FUND_TO_A, amount: obligation.body.unencumbered }).expect(409);
      expect(refused.body).toMatchObject({ code: 'fund_insufficient', availableBalance: '0.00' });
      expect(await head()).toBe(before);

      const fund = await g.http().get(`/funds/${BODY}`).set('Authorization', who.auditor).expect(200);
      expect(fund.body).toMatchObject({ balance: '0.00', moneyIn: '0.00', moneyOut: '0.00' });
      const unpaid = (fund.body.unpaidObligations as { obligation: { obligationId: string }; shortfall: string }[]).find((u) => u.obligation.obligationId === FUND_TO_A);
      expect(unpaid?.shortfall).toBe(obligation.body.unencumbered);
      const open = await g.http().get(`/obligations?party=fund:${BODY}&status=open`).set('Authorization', who.auditor).expect(200);
      expect((open.body.items as { obligationId: string }[]).map((o) => o.obligationId)).toContain(FUND_TO_A);
    });

    it('once money comes in, the fund pays what it holds and no more', async () => {
      const incentive = await g
        .http()
        .post(`/funds/${BODY}/incentives`)
        .set('Authorization', who.coordinator)
        .send({ incentiveId: 'province-1', source: 'provincial government', amount: '100.00', reference: 'grant/1' })
        .expect(201);
      expect(incentive.body.stream).toBe(`fund-${BODY}`);
      await g.http().post(`/funds/${BODY}/contributions`).set('Authorization', who.fundFinance).send({ contributionId: 'a-2025', cityId: 'a-city', amount: '50.00', reference: 'bank/9' }).expect(201);
      const tooMuch = await pay(who.fundFinance, { transferId: 'fund-pay-2', obligationId: FUND_TO_A, amount: '150.01' }).expect(409);
      expect(tooMuch.body).toMatchObject({ code: 'fund_insufficient', availableBalance: '150.00' });
      const paid = await pay(who.fundFinance, { transferId: 'fund-pay-2', obligationId: FUND_TO_A, amount: '150.00' }).expect(201);
      expect(paid.body.stream).toBe(`treasury-${BODY}`);
      await g.http().post('/transfers/fund-pay-2/settlement').set('Authorization', who.fundFinance).send({}).expect(201);
      const fund = await g.http().get(`/funds/${BODY}`).set('Authorization', who.auditor).expect(200);
      expect(fund.body).toMatchObject({ balance: '0.00', moneyIn: '150.00', moneyOut: '150.00', available: '0.00' });
      const next = await pay(who.fundFinance, { transferId: 'fund-pay-3', obligationId: FUND_TO_A, amount: '0.01' }).expect(409);
      expect(next.body.code).toBe('fund_insufficient');
    });
  });

  describe('reads', () => {
    it('an incident shows its claims, findings and the assessment with its derivation', async () => {
      const res = await g.http().get('/incidents/flood-1').set('Authorization', who.auditor).expect(200);
      expect(res.body).toMatchObject({ status: 'assessed', originCities: ['origin-city'], affectedCities: ['a-city', 'b-city'] });
      expect((res.body.claims as { status: string }[]).every((c) => c.status === 'verified')).toBe(true);
      expect(res.body.assessment.derivation).toMatchObject({ theta: '0.50', originLiabilityTotal: '800.00' });
      const list = await g.http().get(`/incidents?bodyId=${BODY}&status=assessed`).set('Authorization', who.auditor).expect(200);
      expect((list.body.items as { incidentId: string }[]).map((i) => i.incidentId)).toEqual(['flood-1']);
    });

    it('pages obligations with an opaque cursor, never more than 500', async () => {
      const first = await g.http().get(`/obligations?bodyId=${BODY}&limit=2`).set('Authorization', who.auditor).expect(200);
      expect(first.body.items).toHaveLength(2);
      const second = await g.http().get(`/obligations?bodyId=${BODY}&limit=2&cursor=${first.body.nextCursor as string}`).set('Authorization', who.auditor).expect(200);
      const ids = [...first.body.items, ...second.body.items].map((o: { obligationId: string }) => o.obligationId);
      expect(new Set(ids).size).toBe(ids.length);
      await g.http().get('/obligations?limit=501').set('Authorization', who.auditor).expect(400);
    });

    it('answers a settlement proposal for a body that was never established with 404, not an empty proposal', async () => {
      const res = await g.http().get('/settlements/no-such-body/proposal?currency=CNY').set('Authorization', who.auditor).expect(404);
      expect(res.body).toMatchObject({ code: 'body_not_found', id: 'no-such-body' });
      await g.http().get(`/settlements/${BODY}/proposal?currency=CNY`).set('Authorization', who.auditor).expect(200);
    });

    it('shows pair balances and net positions that sum to zero', async () => {
      const pair = await g.http().get('/balances/pair?payer=city:origin-city&payee=city:a-city&currency=CNY').set('Authorization', who.auditor).expect(200);
      expect(pair.body).toMatchObject({ obligated: '500.00', settled: '70.00', pending: '0.00', outstanding: '430.00' });
      const positions = await Promise.all(['origin-city', 'a-city', 'b-city', 'c-city'].map(async (c) => (await g.http().get(`/balances/cities/${c}`).set('Authorization', who.auditor).expect(200)).body.netPositions as Record<string, string>));
      const fund = await g.http().get(`/funds/${BODY}`).set('Authorization', who.auditor).expect(200);
      const cents = [...positions, fund.body.netPositions as Record<string, string>].map((p) => BigInt((p.CNY ?? '0.00').replace('.', '')));
      expect(cents.reduce((a, b) => a + b, 0n)).toBe(0n);
    });
  });

  describe('an incident with several origins and an averted loss', () => {
    it('splits the origin liability and the benefit pool over the origins, every split summing exactly to its total', async () => {
      const incidentId = 'storm-2';
      await g.http()
        .post('/incidents')
        .set('Authorization', who.coordinator)
        .send({ incidentId, agreementId: 'delta-aid', riskCategory: 'natural_disaster', scenario: 'spans_several_cities', originCities: ['origin-city', 'b-city'], affectedCities: ['a-city', 'c-city'], description: 'storm surge' })
        .expect(201);
      for (const [cityId, amount] of [['a-city', '1000.01'], ['c-city', '333.33']] as const) {
        await g.http().post(`/incidents/${incidentId}/claims`).set('Authorization', await who.officerOf(cityId)).send({ claimId: `${incidentId}-${cityId}`, cityId, amount, evidenceRef: 'inv' }).expect(201);
        await g.http().post(`/incidents/${incidentId}/claims/${incidentId}-${cityId}/verification`).set('Authorization', who.coordinator).send({ verifiedAmount: amount, note: 'ok' }).expect(201);
      }
      await g.http().post(`/incidents/${incidentId}/averted-loss`).set('Authorization', who.coordinator).send({ assessor: 'institute', avertedLoss: '99999.99', reportRef: 'r-9' }).expect(201);
      const closed = await g.http().post(`/incidents/${incidentId}/closure`).set('Authorization', who.coordinator).send({}).expect(201);
      const view = await g.http().get(`/incidents/${incidentId}?atLeast=${closed.body.position}`).set('Authorization', who.auditor).expect(200);
      const d = view.body.assessment.derivation as {
        originLiabilityTotal: string;
        originLiabilityByOrigin: Record<string, string>;
        fundPaysTotal: string;
        benefit: { poolTotal: string; matchTotal: string; poolByOrigin: Record<string, string>; distribution: Record<string, string> };
      };
      const sum = (values: readonly string[]): bigint => values.reduce((a, v) => a + toMinor(v, 'CNY'), 0n);
      expect(Object.keys(d.originLiabilityByOrigin).sort()).toEqual(['b-city', 'origin-city']);
      expect(sum(Object.values(d.originLiabilityByOrigin))).toBe(toMinor(d.originLiabilityTotal, 'CNY'));
      expect(sum(Object.values(d.benefit.poolByOrigin))).toBe(toMinor(d.benefit.poolTotal, 'CNY'));
      expect(sum(Object.values(d.benefit.distribution))).toBe(toMinor(d.benefit.poolTotal, 'CNY') + toMinor(d.benefit.matchTotal, 'CNY'));

      const listed = await g.http().get(`/obligations?bodyId=${BODY}&limit=500`).set('Authorization', who.auditor).expect(200);
      const mine = (listed.body.items as { obligationId: string; reason: string; obligated: string }[]).filter((o) => o.obligationId.startsWith(`${incidentId}:`));
      const total = (reason: string): bigint => sum(mine.filter((o) => o.reason === reason).map((o) => o.obligated));
      expect(total('cost_sharing_origin')).toBe(toMinor(d.originLiabilityTotal, 'CNY'));
      expect(total('cost_sharing_fund')).toBe(toMinor(d.fundPaysTotal, 'CNY'));
      expect(total('benefit_pool')).toBe(toMinor(d.benefit.poolTotal, 'CNY'));
      expect(total('benefit_match')).toBe(toMinor(d.benefit.matchTotal, 'CNY'));
    });
  });

  describe('CSV exports for finance officers', () => {
    it('quotes fields that need it, and nothing else', () => {
      expect(csvField('plain')).toBe('plain');
      expect(csvField('a,b')).toBe('"a,b"');
      expect(csvField('say "hi"')).toBe('"say ""hi"""');
      expect(csvField('two\nlines')).toBe('"two\nlines"');
      expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
      expect(csvField(null)).toBe('');
    });

    it('streams a finance officer’s own obligations as text/csv', async () => {
      const res = await g.http().get('/obligations.csv').set('Authorization', originFinance).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = (res.text as string).trim().split('\r\n');
      expect(lines[0]).toBe('obligationId,bodyId,payer,payee,currency,reason,sourceKind,sourceId,obligated,settled,netted,settledInKind,pending,writtenOff,outstanding');
      expect(lines.slice(1).length).toBeGreaterThan(0);
      expect(lines.slice(1).every((l) => l.includes('city:origin-city'))).toBe(true);
    });

    it('streams every transfer to an auditor, one row each with the valuation columns', async () => {
      const res = await g.http().get('/transfers.csv').set('Authorization', who.auditor).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = (res.text as string).trim().split('\r\n');
      const json = await g.http().get('/transfers?limit=500').set('Authorization', who.auditor).expect(200);
      expect(lines.length - 1).toBe((json.body.items as unknown[]).length);
      expect(lines.find((l) => l.startsWith('ot-1,'))).toBe(`ot-1,${BODY},${ORIGIN_TO_A},city:origin-city,city:a-city,100.00,CNY,money,,,,settled,30.00`);
    });

    it('is not for coordinators or city officers', async () => {
      await g.http().get('/obligations.csv').set('Authorization', who.coordinator).expect(403);
      await g.http().get('/transfers.csv').set('Authorization', await who.officerOf('a-city')).expect(403);
    });
  });

  it('describes every compensation route in OpenAPI, with a summary, bearer auth and its answers', async () => {
    const spec = await g.http().get('/openapi.json').expect(200);
    const paths = spec.body.paths as Record<string, Record<string, { summary?: string; tags?: string[]; security?: unknown[]; responses: Record<string, unknown> }>>;
    const compensation = Object.entries(paths).filter(([path]) => /^\/(incidents|funds|obligations|transfers|balances|settlements)/.test(path));
    const operations = compensation.flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => [path, method, operation] as const));
    expect(operations).toHaveLength(27);
    for (const [path, method, operation] of operations) {
      expect(operation.summary?.length).toBeGreaterThan(0);
      expect(operation.tags?.length).toBe(1);
      expect(operation.security).toEqual([{ bearer: [] }]);
      const expected = method === 'post' ? ['201', '400', '403', '404', '409', '422'] : path.endsWith('.csv') ? ['200', '403'] : ['200', '400', '404'];
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(expected));
    }
  });
});
