import type { EventStore } from '../../libs/event-store/src/port.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { AGREEMENT, at, BODY, commitmentBody, HOUR_MS, officials, seed, START, startGovernance, termsBody, testConfig, type GovernanceApp, type Officials } from './support.js';

const PROBLEM = /^application\/problem\+json/;

describe('the governance API', () => {
  let g: GovernanceApp;
  let who: Officials;
  let suzhou: string;
  let hangzhou: string;

  beforeAll(async () => {
    g = await startGovernance(testConfig('memory'));
    who = await officials();
    suzhou = await who.officerOf('suzhou');
    hangzhou = await who.officerOf('hangzhou');
    await seed(g, who);
  });
  afterAll(async () => {
    await g.app.close();
  });

  const head = async (): Promise<string | null> => {
    const position = await g.app.get<EventStore>(EVENT_STORE).headPosition();
    return position === null ? null : position.toString();
  };
  const make = (id: string, over: Record<string, unknown> = {}) => g.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody(id, over));

  describe('domain refusals as problem+json with a stable type, changing nothing', () => {
    const refusals: { name: string; send: () => Promise<{ status: number; body: { code: string; type: string }; headers: Record<string, string> }>; status: number; code: string }[] = [
      { name: 'a commitment by a city that is not a party', send: () => make('np-1', { obligor: 'jiaxing' }), status: 422, code: 'city_not_party' },
      { name: 'a due instant before the commitment', send: () => make('early-1', { dueAt: '2025-02-01T00:00:00Z' }), status: 422, code: 'due_before_commitment' },
      { name: 'a value in another currency than the agreement', send: () => make('usd-1', { value: { amount: '10.00', currency: 'USD' } }), status: 422, code: 'currency_mismatch' },
      { name: 'an instant in the future', send: () => make('future-1', { occurredAt: at(24), dueAt: at(48) }), status: 422, code: 'occurred_in_future' },
      { name: 'a commitment under an unknown agreement', send: () => make('ua-1', { agreementId: 'no-such-agreement' }), status: 404, code: 'agreement_not_found' },
      {
        name: 'a delivery on an unknown commitment',
        send: () => g.http().post('/commitments/nothing-here/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd1', quantity: '1', evidenceRef: 'x' }),
        status: 404,
        code: 'commitment_not_found',
      },
      {
        name: 'a body of unregistered cities',
        send: () => g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: 'ghosts', name: 'Ghosts', members: ['atlantis', 'hangzhou'], offices: [] }),
        status: 404,
        code: 'city_not_found',
      },
    ];

    it.each(refusals)('refuses $name', async ({ send, status, code }) => {
      const before = await head();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ code, type: `https://concordat.dev/problems/${code}` });
      expect(await head()).toBe(before);
    });

    it('refuses a delivery beyond the promise and a waiver by the obligor', async () => {
      await make('over-1').expect(201);
      const over = await g.http().post('/commitments/over-1/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd1', quantity: '100.5', evidenceRef: 'waybill' }).expect(422);
      expect(over.body).toMatchObject({ code: 'delivery_exceeds_promise', promised: '100' });
      const waiver = await g.http().post('/commitments/over-1/waiver').set('Authorization', suzhou).send({ reason: 'we would rather not' }).expect(403);
      expect(waiver.body.code).toBe('waiver_by_obligor');
    });
  });

  describe('request validation', () => {
    const invalid: { name: string; body: Record<string, unknown>; field: string }[] = [
      { name: 'an amount with more decimals than CNY has', body: commitmentBody('v-1', { value: { amount: '10.005', currency: 'CNY' } }), field: 'value.amount' },
      { name: 'a JPY amount with decimals', body: commitmentBody('v-2', { promise: { kind: 'money', amount: '10.5', currency: 'JPY' } }), field: 'promise.amount' },
      { name: 'an instant that is not UTC', body: commitmentBody('v-3', { dueAt: '2025-03-03T08:00:00+08:00' }), field: 'dueAt' },
      { name: 'an id that is not a slug', body: commitmentBody('Not A Slug'), field: 'commitmentId' },
      { name: 'an unknown property', body: { ...commitmentBody('v-4'), priority: 'high' }, field: 'priority' },
      { name: 'a quantity promise without its unit', body: commitmentBody('v-5', { promise: { kind: 'quantity', quantity: '5' } }), field: 'promise.unit' },
    ];

    it.each(invalid)('answers 400 naming the field for $name', async ({ body, field }) => {
      const res = await g.http().post('/commitments').set('Authorization', who.coordinator).send(body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses an id in the path that is not a slug', async () => {
      const res = await g.http().get('/commitments/..%2Fcity-hangzhou').set('Authorization', who.auditor).expect(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('Idempotency-Key on a governance POST', () => {
    it('answers a repeat with the first answer and records the commitment once; a reuse for another body is 422', async () => {
      const send = (description: string) =>
        g.http().post('/commitments').set('Authorization', who.coordinator).set('Idempotency-Key', 'make-idem-1').send(commitmentBody('idem-1', { description }));
      const first = await send('pumps').expect(201);
      const again = await send('pumps').expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await g.app.get<EventStore>(EVENT_STORE).readStream('commitment-idem-1')).toHaveLength(1);
      const reuse = await send('generators').expect(422);
      expect(reuse.headers['content-type']).toMatch(PROBLEM);
      expect(reuse.body).toMatchObject({ code: 'idempotency_key_reused', idempotencyKey: 'make-idem-1' });
    });
  });

  describe('reads', () => {
    it('lists commitments by obligor, obligee, kind, agreement, body and due range, a page at a time', async () => {
      await make('list-a', { dueAt: at(10), kind: 'personnel' }).expect(201);
      await make('list-b', { dueAt: at(20), obligor: 'hangzhou', obligee: { kind: 'city', id: 'suzhou' } }).expect(201);
      const last = await make('list-c', { dueAt: at(30), obligee: { kind: 'body', id: BODY } }).expect(201);
      const read = (query: string) => g.http().get(`/commitments?${query}&atLeast=${last.body.position}`).set('Authorization', who.auditor).expect(200);
      const ids = (res: { body: { items: { commitmentId: string }[] } }) => res.body.items.map((c) => c.commitmentId);

      expect(ids(await read(`dueTo=${at(25)}`))).toEqual(['list-a', 'list-b']);
      expect(ids(await read('obligor=hangzhou'))).toEqual(['list-b']);
      expect(ids(await read('obligee=yrd-committee&obligeeKind=body'))).toEqual(['list-c']);
      expect(ids(await read('kind=personnel'))).toEqual(['list-a']);
      expect(ids(await read(`agreement=${AGREEMENT}&body=${BODY}&dueFrom=2025-03-01T05:00:00Z&dueTo=2025-03-02T06:00:00Z`))).toEqual(['list-a', 'list-b', 'list-c']);

      const firstPage = await read('limit=2&dueTo=2025-03-02T06:00:00Z');
      expect(ids(firstPage)).toEqual(['list-a', 'list-b']);
      const secondPage = await read(`limit=2&dueTo=2025-03-02T06:00:00Z&cursor=${firstPage.body.nextCursor}`);
      expect(ids(secondPage)).toEqual(['list-c']);
      expect(secondPage.body.nextCursor).toBeNull();
      await g.http().get('/commitments?limit=501').set('Authorization', who.auditor).expect(400);
    });

    it('shows a commitment overdue once the ledger clock passes due + grace, before any event says so', async () => {
      const made = await make('late-1', { dueAt: at(2) }).expect(201);
      const status = async () => (await g.http().get(`/commitments/late-1?atLeast=${made.body.position}`).set('Authorization', hangzhou).expect(200)).body.status as string;
      expect(await status()).toBe('open');
      g.clock.advance(3 * HOUR_MS + 1);
      try {
        expect(await status()).toBe('overdue');
        const overdue = await g.http().get('/commitments?status=overdue&obligor=suzhou&limit=500').set('Authorization', who.auditor).expect(200);
        expect(overdue.body.items.map((c: { commitmentId: string }) => c.commitmentId)).toContain('late-1');
        expect(await g.app.get<EventStore>(EVENT_STORE).readStream('commitment-late-1')).toHaveLength(1);
      } finally {
        g.clock.advance(-(3 * HOUR_MS + 1));
      }
    });

    it('keeps the terms history of an amended agreement and shows the terms in force', async () => {
      await g.http().post('/agreements').set('Authorization', who.coordinator).send({ agreementId: 'drills-2025', bodyId: BODY, title: 'Joint drills', parties: ['hangzhou', 'jiaxing'], terms: termsBody({ responsibilities: [] }) }).expect(201);
      const amended = await g
        .http()
        .post('/agreements/drills-2025/amendments')
        .set('Authorization', who.coordinator)
        .send({ effectiveFrom: at(24), terms: termsBody({ responsibilities: [], overdueGraceSeconds: 7200 }), reason: 'longer grace for drills' })
        .expect(201);
      const before = await g.http().get(`/agreements/drills-2025?atLeast=${amended.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(before.body.termsHistory.map((v: { effectiveFrom: string }) => v.effectiveFrom)).toEqual(['2025-01-01T00:00:00.000Z', at(24)]);
      expect(before.body.currentTerms.overdueGraceSeconds).toBe(3600);
      g.clock.advance(25 * HOUR_MS);
      try {
        const after = await g.http().get('/agreements/drills-2025').set('Authorization', who.auditor).expect(200);
        expect(after.body.currentTerms.overdueGraceSeconds).toBe(7200);
      } finally {
        g.clock.advance(-25 * HOUR_MS);
      }
      const listed = await g.http().get(`/agreements?party=jiaxing`).set('Authorization', who.auditor).expect(200);
      expect(listed.body.items.map((a: { agreementId: string }) => a.agreementId)).toEqual(['drills-2025']);
    });

    it('copies into a commitment the terms in force when it was made, not those in force today', async () => {
      await g.http().post('/agreements').set('Authorization', who.coordinator).send({ agreementId: 'pumps-2025', bodyId: BODY, title: 'Pumps', parties: ['hangzhou', 'suzhou'], terms: termsBody() }).expect(201);
      await g
        .http()
        .post('/agreements/pumps-2025/amendments')
        .set('Authorization', who.coordinator)
        .send({ effectiveFrom: at(24), terms: termsBody({ overdueGraceSeconds: 7200 }), reason: 'longer grace' })
        .expect(201);
      g.clock.advance(30 * HOUR_MS);
      try {
        const before = await make('pumps-before', { agreementId: 'pumps-2025', occurredAt: at(12), dueAt: at(48) }).expect(201);
        const after = await make('pumps-after', { agreementId: 'pumps-2025', occurredAt: at(26), dueAt: at(48) }).expect(201);
        const read = (id: string, position: string) => g.http().get(`/commitments/${id}?atLeast=${position}`).set('Authorization', who.auditor).expect(200);
        expect((await read('pumps-before', before.body.position)).body.overdueAt).toBe(at(49));
        expect((await read('pumps-after', after.body.position)).body.overdueAt).toBe(at(50));
      } finally {
        g.clock.advance(-30 * HOUR_MS);
      }
    });

    it("owes a commitment to the body's fund once the fund is established, and not before", async () => {
      const owed = { obligee: { kind: 'fund', id: BODY }, kind: 'funding', promise: { kind: 'money', amount: '20000.00', currency: 'CNY' }, value: { amount: '20000.00', currency: 'CNY' } };
      const missing = await make('fund-1', owed).expect(404);
      expect(missing.body.code).toBe('fund_not_found');
      // The compensation context opens the fund; here the log is given its first event directly.
      await g.app
        .get<EventStore>(EVENT_STORE)
        .appendToStream(`fund-${BODY}`, [{ id: '5b0e8c1e-4f7a-4c1e-9a51-3d1f0c2b7e10', type: 'FundEstablished', data: { fundId: BODY, bodyId: BODY, currency: 'CNY', occurredAt: START }, metadata: { actor: 'admin-1', role: 'admin', correlationId: 'fund', schemaVersion: 1 } }], 'no_stream');
      const made = await make('fund-1', owed).expect(201);
      const read = await g.http().get(`/commitments?obligee=${BODY}&obligeeKind=fund&atLeast=${made.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(read.body.items).toEqual([expect.objectContaining({ commitmentId: 'fund-1', promise: { kind: 'money', amount: '20000.00', currency: 'CNY' } })]);
    });

    it('reads cities, bodies and findings, and answers an unknown one with 404', async () => {
      const renamed = await g.http().post('/cities/jiaxing/renames').set('Authorization', who.admin).send({ name: 'Jiaxing' }).expect(201);
      const city = await g.http().get(`/cities/jiaxing?atLeast=${renamed.body.position}`).set('Authorization', suzhou).expect(200);
      expect(city.body).toMatchObject({ cityId: 'jiaxing', name: 'Jiaxing', level: 'prefecture_level', revision: '1' });
      const cities = await g.http().get('/cities?limit=2').set('Authorization', suzhou).expect(200);
      expect(cities.body.items.map((c: { cityId: string }) => c.cityId)).toEqual(['beijing', 'hangzhou']);

      const bodies = await g.http().get('/bodies?member=tianjin').set('Authorization', who.auditor).expect(200);
      expect(bodies.body.items.map((b: { bodyId: string; members: string[] }) => [b.bodyId, b.members])).toEqual([['jjj-committee', ['beijing', 'tianjin']]]);

      const recorded = await g
        .http()
        .post('/findings')
        .set('Authorization', who.coordinator)
        .send({ findingId: 'late-levels', bodyId: BODY, cityId: 'hangzhou', counterpartyCityId: 'suzhou', kind: 'late_report', severity: 1.5, penalty: { amount: '2000.00', currency: 'CNY' }, description: 'river levels reported 9 hours late' })
        .expect(201);
      const finding = await g.http().get(`/findings/late-levels?atLeast=${recorded.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(finding.body).toMatchObject({ finding: { cityId: 'hangzhou', severity: 1.5, penalty: { amount: '2000.00', currency: 'CNY' } }, revoked: null });
      const revoked = await g.http().post('/findings/late-levels/revocation').set('Authorization', who.coordinator).send({ reason: 'appeal granted' }).expect(201);
      const listed = await g.http().get(`/findings?city=hangzhou&revoked=true&atLeast=${revoked.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(listed.body.items.map((f: { finding: { findingId: string } }) => f.finding.findingId)).toEqual(['late-levels']);

      for (const path of ['/cities/atlantis', '/bodies/atlantis', '/agreements/atlantis', '/commitments/atlantis', '/findings/atlantis']) {
        const res = await g.http().get(path).set('Authorization', who.auditor).expect(404);
        expect(res.body.code).toMatch(/_not_found$/);
      }
    });
  });

  it('describes every governance route in OpenAPI, with bearer auth and problem responses', async () => {
    const spec = await g.http().get('/openapi.json').expect(200);
    const paths = spec.body.paths as Record<string, Record<string, { tags?: string[]; security?: unknown[]; responses: Record<string, unknown> }>>;
    const governance = Object.entries(paths).filter(([path]) => /^\/(cities|bodies|agreements|commitments|findings)/.test(path));
    const operations = governance.flatMap(([, methods]) => Object.entries(methods));
    expect(operations).toHaveLength(27);
    for (const [method, operation] of operations) {
      expect(operation.tags?.length).toBe(1);
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(method === 'post' ? ['201', '400', '403', '422'] : ['200', '404']));
    }
  });
});
