/**
 * The public compensation vectors end to end: a real incident over HTTP (cities, body, agreement, fund, claims,
 * verification, the origin's and the affected city's findings tied to the incident, closing), then the obligations
 * read back from the API compared with the vector's expected values exactly. Then a finance officer settles.
 */
import { compensationVectors, type CostSharingVector } from '../../libs/domain/src/shared/spec-vectors.fixtures.js';
import { toMinor } from '../../libs/domain/src/shared/money.js';
import { BODY, enc, officials, runIncident, seed, startCompensation, testConfig, type CompensationApp, type Officials } from './support.js';

/** The vectors name cities O, A, B, C; the delta's cities stand in for them. */
const CITY_OF: Record<string, string> = { O: 'origin-city', A: 'a-city', B: 'b-city', C: 'c-city' };
const city = (name: string): string => {
  const id = CITY_OF[name];
  if (id === undefined) throw new Error(`vector city ${name} has no stand-in`);
  return id;
};
const renamed = (record: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(record).map(([k, v]) => [city(k), v]));
const NON_DEFAULT = (v: CostSharingVector): boolean => v.input.theta_base !== '0.50' || v.input.theta_cap !== '1.00' || v.input.fund_cover !== '0.50';

interface ObligationJson {
  obligationId: string;
  payer: { kind: string; id: string };
  payee: { kind: string; id: string };
  reason: string;
  obligated: string;
  outstanding: string;
}

const vectors = compensationVectors().costSharing;

describe('the public compensation vectors through real incidents over HTTP', () => {
  let g: CompensationApp;
  let who: Officials;

  beforeAll(async () => {
    g = await startCompensation(testConfig('memory'));
    who = await officials();
    await seed(g, who);
  });
  afterAll(async () => {
    await g.app.close();
  });

  it('the vectors use the default rules the seeded agreement carries', () => {
    expect(vectors.length).toBeGreaterThan(0);
    expect(vectors.filter(NON_DEFAULT)).toEqual([]);
  });

  describe.each(vectors.map((v, i) => [v.name, v, i] as const))('%s', (_name, vector, index) => {
    const incidentId = `vector-${index}`;
    let position: string;
    beforeAll(async () => {
      position = await runIncident(g, who, {
        incidentId,
        origin: city(vector.input.origin),
        costs: renamed(vector.input.verified_costs),
        originFindings: vector.input.origin_findings,
        affectedFindings: Object.fromEntries(Object.entries(vector.input.affected_findings).map(([k, v]) => [city(k), v])),
      });
    });

    it('the assessment derives θ, eligible costs, origin and fund shares and what each city bears exactly', async () => {
      const res = await g.http().get(`/incidents/${incidentId}?atLeast=${position}`).set('Authorization', who.auditor).expect(200);
      const { derivation } = res.body.assessment as { derivation: Record<string, unknown> };
      expect(res.body.status).toBe('assessed');
      expect(derivation.theta).toBe(vector.expected.theta);
      expect(derivation.eligibleCosts).toEqual(renamed(vector.expected.eligible_cost));
      expect(derivation.originLiabilityTotal).toBe(vector.expected.origin_liability_total);
      expect(derivation.originPays).toEqual(renamed(vector.expected.origin_pays));
      expect(derivation.fundPaysTotal).toBe(vector.expected.fund_pays_total);
      expect(derivation.fundPays).toEqual(renamed(vector.expected.fund_pays));
      expect(derivation.cityBears).toEqual(renamed(vector.expected.city_bears));
      expect((res.body.findings as unknown[]).length).toBe(vector.input.origin_findings.length + Object.values(vector.input.affected_findings).flat().length);
    });

    it('the obligations listed by the API are the vector’s: origin → each city, fund → each city', async () => {
      const res = await g.http().get(`/obligations?bodyId=${BODY}&limit=500&atLeast=${position}`).set('Authorization', who.auditor).expect(200);
      const mine = (res.body.items as ObligationJson[]).filter((o) => o.obligationId.startsWith(`${incidentId}:`));
      const owed = (reason: string): Record<string, string> => Object.fromEntries(mine.filter((o) => o.reason === reason).map((o) => [o.payee.id, o.obligated]));
      expect(owed('cost_sharing_origin')).toEqual(renamed(vector.expected.origin_pays));
      expect(owed('cost_sharing_fund')).toEqual(Object.fromEntries(Object.entries(renamed(vector.expected.fund_pays)).filter(([, a]) => !/^0(\.0+)?$/.test(a))));
      expect(mine.filter((o) => o.reason === 'cost_sharing_origin').every((o) => o.payer.id === city(vector.input.origin))).toBe(true);
      expect(mine.filter((o) => o.reason === 'cost_sharing_fund').every((o) => o.payer.kind === 'fund' && o.payer.id === BODY)).toBe(true);
      const one = mine[0];
      if (one === undefined) throw new Error('the incident created no obligation');
      const single = await g.http().get(`/obligations/${enc(one.obligationId)}`).set('Authorization', who.auditor).expect(200);
      expect(single.body).toMatchObject({ obligationId: one.obligationId, obligated: one.obligated });
    });
  });

  it('a finance officer executes the settlement proposal of the body: positions are kept and at most k − 1 obligations remain', async () => {
    const proposal = await g.http().get(`/settlements/${BODY}/proposal?currency=CNY`).set('Authorization', who.auditor).expect(200);
    const k = Object.keys(proposal.body.positions as Record<string, string>).length;
    expect(k).toBeGreaterThan(1);
    expect((proposal.body.transfers as unknown[]).length).toBeLessThanOrEqual(k - 1);
    const before = await Promise.all(['origin-city', 'a-city'].map(async (c) => (await g.http().get(`/balances/cities/${c}`).set('Authorization', who.auditor).expect(200)).body.netPositions.CNY as string));

    const executed = await g
      .http()
      .post(`/settlements/${BODY}/executions`)
      .set('Authorization', who.fundFinance)
      .send({ settlementId: 'vectors-netting', currency: 'CNY', fingerprint: proposal.body.fingerprint })
      .expect(201);
    expect(executed.body).toMatchObject({ stream: `treasury-${BODY}`, revision: '0' });
    expect(executed.body.position).toMatch(/^\d+$/);

    const after = await Promise.all(
      ['origin-city', 'a-city'].map(async (c) => (await g.http().get(`/balances/cities/${c}?atLeast=${executed.body.position}`).set('Authorization', who.auditor).expect(200)).body.netPositions.CNY as string),
    );
    expect(after).toEqual(before);
    const open = await g.http().get(`/obligations?bodyId=${BODY}&status=open&limit=500`).set('Authorization', who.auditor).expect(200);
    const unencumbered = (open.body.items as (ObligationJson & { unencumbered: string })[]).filter((o) => o.unencumbered !== '0.00');
    expect(unencumbered.length).toBeLessThanOrEqual(k - 1);
    expect(unencumbered.every((o) => o.reason === 'settlement')).toBe(true);

    // The same proposal again: positions are unchanged by netting, so it is recognised as the same settlement.
    await g.http().post(`/settlements/${BODY}/executions`).set('Authorization', who.fundFinance).send({ settlementId: 'vectors-netting', currency: 'CNY', fingerprint: proposal.body.fingerprint }).expect(201);
    // Netting once is enough: the net obligations are already the fewest, so the proposal is not worth executing again.
    const again = await g.http().get(`/settlements/${BODY}/proposal?currency=CNY&atLeast=${executed.body.position}`).set('Authorization', who.auditor).expect(200);
    expect(again.body).toMatchObject({ fingerprint: proposal.body.fingerprint, worthExecuting: false, obligationsReplaced: unencumbered.length });
    const churn = await g.http().post(`/settlements/${BODY}/executions`).set('Authorization', who.fundFinance).send({ settlementId: 'churn', currency: 'CNY', fingerprint: again.body.fingerprint }).expect(409);
    expect(churn.body.type).toMatch(/nothing_to_settle$/);
    // A stale fingerprint under a new id is refused: the positions it approved are not the ones there now.
    const stale = await g.http().post(`/settlements/${BODY}/executions`).set('Authorization', who.fundFinance).send({ settlementId: 'another', currency: 'CNY', fingerprint: '0'.repeat(64) }).expect(409);
    expect(stale.body.type).toMatch(/settlement_positions_changed$/);
  });

  it('a finance officer pays a netted obligation and the pair balance moves from pending to settled', async () => {
    const open = await g.http().get(`/obligations?bodyId=${BODY}&status=open&reason=settlement&limit=500`).set('Authorization', who.auditor).expect(200);
    const target = (open.body.items as (ObligationJson & { unencumbered: string })[]).find((o) => o.payer.kind === 'city');
    if (target === undefined) throw new Error('no city owes anything after netting');
    const finance = await who.financeOf(target.payer.id);
    const pair = `/balances/pair?payer=${target.payer.kind}:${target.payer.id}&payee=${target.payee.kind}:${target.payee.id}&currency=CNY`;
    const before = (await g.http().get(pair).set('Authorization', who.auditor).expect(200)).body as { settled: string; outstanding: string };

    const initiated = await g.http().post('/transfers').set('Authorization', finance).send({ transferId: 'net-pay-1', obligationId: target.obligationId, amount: target.unencumbered }).expect(201);
    const pending = (await g.http().get(`${pair}&atLeast=${initiated.body.position}`).set('Authorization', who.auditor).expect(200)).body as { pending: string };
    expect(pending.pending).toBe(target.unencumbered);
    const settled = await g.http().post('/transfers/net-pay-1/settlement').set('Authorization', finance).send({}).expect(201);
    const after = (await g.http().get(`${pair}&atLeast=${settled.body.position}`).set('Authorization', who.auditor).expect(200)).body as { settled: string; outstanding: string; pending: string };
    expect(after.pending).toBe('0.00');
    expect(toMinor(after.outstanding, 'CNY')).toBe(toMinor(before.outstanding, 'CNY') - toMinor(target.unencumbered, 'CNY'));
    expect(toMinor(after.settled, 'CNY')).toBe(toMinor(before.settled, 'CNY') + toMinor(target.unencumbered, 'CNY'));
  });
});
