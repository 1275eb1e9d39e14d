/**
 * Who may do what, over HTTP: every compensation command route against every kind of caller. A route answers 2xx to
 * exactly the callers the table names and 403 (problem+json) to everyone else; each case runs on fresh targets.
 * Reads are open to every authenticated caller, auditors included.
 */
import { arranged, type RouteCase as SharedRouteCase } from '../support/role-matrix.js';
import { bearer } from '../http/support.js';
import { AGREEMENT, BODY, officials, runIncident, seed, startCompensation, testConfig, type CompensationApp, type Officials } from './support.js';

type Caller = 'admin' | 'own coordinator' | 'other coordinator' | 'own city officer' | 'other city officer' | 'own finance officer' | 'other finance officer' | 'fund finance officer' | 'auditor';
const CALLERS: readonly Caller[] = ['admin', 'own coordinator', 'other coordinator', 'own city officer', 'other city officer', 'own finance officer', 'other finance officer', 'fund finance officer', 'auditor'];

type RouteCase = SharedRouteCase<CompensationApp, Officials, Caller>;

async function openIncident(g: CompensationApp, who: Officials, id: string): Promise<void> {
  await arranged(
    g
      .http()
      .post('/incidents')
      .set('Authorization', who.coordinator)
      .send({ incidentId: id, agreementId: AGREEMENT, riskCategory: 'natural_disaster', scenario: 'spreads_from_one_city', originCities: ['origin-city'], affectedCities: ['a-city'], description: 'flood' }),
  );
}

async function claim(g: CompensationApp, who: Officials, id: string): Promise<string> {
  await openIncident(g, who, id);
  await arranged(g.http().post(`/incidents/${id}/claims`).set('Authorization', await who.officerOf('a-city')).send({ claimId: `${id}-c`, cityId: 'a-city', amount: '100.00', evidenceRef: 'invoice' }));
  return `${id}-c`;
}

async function pendingTransfer(g: CompensationApp, who: Officials, id: string): Promise<string> {
  await runIncident(g, who, { incidentId: id, origin: 'origin-city', costs: { 'a-city': '100.00' } });
  await arranged(g.http().post('/transfers').set('Authorization', await who.financeOf('origin-city')).send({ transferId: `${id}-t`, obligationId: `${id}:origin:origin-city:a-city`, amount: '10.00' }));
  return `${id}-t`;
}

const ROUTES: readonly RouteCase[] = [
  {
    route: 'POST /incidents',
    ownCity: 'origin-city',
    allowed: ['own coordinator'],
    arrange: async (_g, _w, id) => ({
      path: '/incidents',
      body: { incidentId: id, agreementId: AGREEMENT, riskCategory: 'natural_disaster', scenario: 'spreads_from_one_city', originCities: ['origin-city'], affectedCities: ['a-city'], description: 'flood' },
    }),
  },
  {
    route: 'POST /incidents/:id/affected-cities',
    ownCity: 'b-city',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await openIncident(g, who, id);
      return { path: `/incidents/${id}/affected-cities`, body: { cityId: 'b-city' } };
    },
  },
  {
    route: 'POST /incidents/:id/claims',
    ownCity: 'a-city',
    allowed: ['own city officer'],
    arrange: async (g, who, id) => {
      await openIncident(g, who, id);
      return { path: `/incidents/${id}/claims`, body: { claimId: `${id}-c`, cityId: 'a-city', amount: '100.00', evidenceRef: 'invoice' } };
    },
  },
  {
    route: 'POST /incidents/:id/claims/:claim/verification',
    ownCity: 'a-city',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => ({ path: `/incidents/${id}/claims/${await claim(g, who, id)}/verification`, body: { verifiedAmount: '90.00', note: 'one invoice twice' } }),
  },
  {
    route: 'POST /incidents/:id/claims/:claim/rejection',
    ownCity: 'a-city',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => ({ path: `/incidents/${id}/claims/${await claim(g, who, id)}/rejection`, body: { reason: 'outside the period' } }),
  },
  {
    route: 'POST /incidents/:id/averted-loss',
    ownCity: 'origin-city',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await openIncident(g, who, id);
      return { path: `/incidents/${id}/averted-loss`, body: { assessor: 'institute', avertedLoss: '10000.00', reportRef: 'r-1' } };
    },
  },
  {
    route: 'POST /incidents/:id/closure',
    ownCity: 'origin-city',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      const claimId = await claim(g, who, id);
      await arranged(g.http().post(`/incidents/${id}/claims/${claimId}/verification`).set('Authorization', who.coordinator).send({ verifiedAmount: '100.00', note: 'ok' }));
      return { path: `/incidents/${id}/closure`, body: {} };
    },
  },
  {
    route: 'POST /funds',
    ownCity: 'origin-city',
    allowed: ['own coordinator', 'fund finance officer'],
    arrange: async () => ({ path: '/funds', body: { bodyId: BODY, currency: 'CNY' } }),
  },
  {
    route: 'POST /funds/:id/contributions',
    ownCity: 'a-city',
    allowed: ['own coordinator', 'fund finance officer'],
    arrange: async (_g, _w, id) => ({ path: `/funds/${BODY}/contributions`, body: { contributionId: id, cityId: 'a-city', amount: '10.00', reference: 'bank' } }),
  },
  {
    route: 'POST /funds/:id/incentives',
    ownCity: 'a-city',
    allowed: ['own coordinator', 'fund finance officer'],
    arrange: async (_g, _w, id) => ({ path: `/funds/${BODY}/incentives`, body: { incentiveId: id, source: 'province', amount: '10.00', reference: 'grant' } }),
  },
  {
    route: 'POST /transfers',
    ownCity: 'origin-city',
    allowed: ['own finance officer'],
    arrange: async (g, who, id) => {
      await runIncident(g, who, { incidentId: id, origin: 'origin-city', costs: { 'a-city': '100.00' } });
      return { path: '/transfers', body: { transferId: `${id}-t`, obligationId: `${id}:origin:origin-city:a-city`, amount: '10.00' } };
    },
  },
  {
    route: 'POST /transfers/:id/settlement',
    ownCity: 'origin-city',
    allowed: ['own finance officer'],
    arrange: async (g, who, id) => ({ path: `/transfers/${await pendingTransfer(g, who, id)}/settlement`, body: {} }),
  },
  {
    route: 'POST /transfers/:id/void',
    ownCity: 'origin-city',
    allowed: ['own finance officer'],
    arrange: async (g, who, id) => ({ path: `/transfers/${await pendingTransfer(g, who, id)}/void`, body: { reason: 'typo' } }),
  },
  {
    route: 'POST /settlements/:body/executions',
    ownCity: 'origin-city',
    allowed: ['own finance officer', 'fund finance officer'],
    arrange: async (g, who, id) => {
      await runIncident(g, who, { incidentId: id, origin: 'origin-city', costs: { 'a-city': '100.00' } });
      const proposal = await g.http().get(`/settlements/${BODY}/proposal?currency=CNY`).set('Authorization', who.auditor);
      return { path: `/settlements/${BODY}/executions`, body: { settlementId: id, currency: 'CNY', fingerprint: proposal.body.fingerprint as string } };
    },
  },
];

describe('compensation roles and scopes', () => {
  let g: CompensationApp;
  let who: Officials;
  let tokens: Record<Caller, (ownCity: string) => Promise<string>>;

  beforeAll(async () => {
    g = await startCompensation(testConfig('memory'));
    who = await officials();
    await seed(g, who);
    tokens = {
      admin: async () => who.admin,
      'own coordinator': async () => who.coordinator,
      'other coordinator': async () => who.otherCoordinator,
      'own city officer': (city) => who.officerOf(city),
      'other city officer': () => who.officerOf('north-city'),
      'own finance officer': (city) => who.financeOf(city),
      'other finance officer': () => who.financeOf('north-city'),
      'fund finance officer': async () => who.fundFinance,
      auditor: async () => who.auditor,
    };
  });
  afterAll(async () => {
    await g.app.close();
  });

  let serial = 0;
  describe.each(ROUTES.map((r) => [r.route, r] as const))('%s', (_route, route) => {
    it.each(CALLERS.map((c) => [c, route.allowed.includes(c)] as const))('%s → allowed: %s', async (caller, allowed) => {
      const id = `rm-${serial++}`;
      const target = await route.arrange(g, who, id);
      const res = await g.http().post(target.path).set('Authorization', await tokens[caller](route.ownCity)).send(target.body);
      if (allowed) {
        expect(res.status).toBe(201);
      } else {
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });
  });

  it('every authenticated caller reads; without a token nothing is read', async () => {
    for (const path of ['/obligations', '/transfers', `/funds/${BODY}`, '/balances/pairs', '/balances/cities/a-city', `/settlements/${BODY}/proposal?currency=CNY`, '/incidents']) {
      for (const caller of CALLERS) await g.http().get(path).set('Authorization', await tokens[caller]('a-city')).expect(200);
      await g.http().get(path).expect(401);
    }
    const expired = await bearer({ sub: 'auditor-1', role: 'auditor' }, -10);
    await g.http().get('/obligations').set('Authorization', expired).expect(401);
  });
});
