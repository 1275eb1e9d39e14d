/**
 * Who may do what, over HTTP: every governance command route against every kind of caller. A route answers 2xx to
 * exactly the callers the table names and 403 (problem+json) to everyone else; each case runs on fresh targets.
 */
import { arranged, type RouteCase as SharedRouteCase } from '../support/role-matrix.js';
import { at, BODY, commitmentBody, officials, seed, startGovernance, termsBody, testConfig, type GovernanceApp, type Officials } from './support.js';

type Caller = 'admin' | 'own coordinator' | 'other coordinator' | 'own city officer' | 'other city officer' | 'finance officer' | 'auditor';
const CALLERS: readonly Caller[] = ['admin', 'own coordinator', 'other coordinator', 'own city officer', 'other city officer', 'finance officer', 'auditor'];

/** A route's own city is the obligor's for deliveries and the obligee's for waivers. */
type RouteCase = SharedRouteCase<GovernanceApp, Officials, Caller>;

async function commitment(g: GovernanceApp, who: Officials, id: string, deliveries = 0, disputed = false): Promise<void> {
  await arranged(g.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody(id)));
  if (deliveries > 0) await arranged(g.http().post(`/commitments/${id}/deliveries`).set('Authorization', who.coordinator).send({ deliveryId: 'd1', quantity: '10', evidenceRef: 'waybill' }));
  if (disputed) await arranged(g.http().post(`/commitments/${id}/disputes`).set('Authorization', await who.officerOf('hangzhou')).send({ deliveryId: 'd1', disputeId: 'p1', reason: 'short weight' }));
}

async function agreement(g: GovernanceApp, who: Officials, id: string): Promise<void> {
  await arranged(g.http().post('/agreements').set('Authorization', who.coordinator).send({ agreementId: id, bodyId: BODY, title: 'drills', parties: ['hangzhou', 'suzhou'], terms: termsBody() }));
}

const ROUTES: readonly RouteCase[] = [
  {
    route: 'POST /cities',
    ownCity: 'hangzhou',
    allowed: ['admin'],
    arrange: async (_g, _w, id) => ({ path: '/cities', body: { cityId: id, name: 'New city', level: 'county_level', region: 'east' } }),
  },
  {
    route: 'POST /cities/:id/renames',
    ownCity: 'hangzhou',
    allowed: ['admin'],
    arrange: async (g, who, id) => {
      await arranged(g.http().post('/cities').set('Authorization', who.admin).send({ cityId: id, name: 'Old name', level: 'county_level', region: 'east' }));
      return { path: `/cities/${id}/renames`, body: { name: 'New name' } };
    },
  },
  {
    route: 'POST /bodies',
    ownCity: 'hangzhou',
    allowed: ['admin'],
    arrange: async (_g, _w, id) => ({ path: '/bodies', body: { bodyId: id, name: 'Body', members: ['hangzhou', 'suzhou'], offices: [] } }),
  },
  {
    route: 'POST /bodies/:id/members',
    ownCity: 'jiaxing',
    allowed: ['admin'],
    arrange: async (g, who, id) => {
      await arranged(g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: id, name: 'Body', members: ['hangzhou', 'suzhou'], offices: [] }));
      return { path: `/bodies/${id}/members`, body: { cityId: 'jiaxing' } };
    },
  },
  {
    route: 'POST /bodies/:id/members/:city/removal',
    ownCity: 'jiaxing',
    allowed: ['admin'],
    arrange: async (g, who, id) => {
      await arranged(g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: id, name: 'Body', members: ['hangzhou', 'suzhou', 'jiaxing'], offices: [] }));
      return { path: `/bodies/${id}/members/jiaxing/removal`, body: { reason: 'left the cluster' } };
    },
  },
  {
    route: 'POST /agreements',
    ownCity: 'hangzhou',
    allowed: ['own coordinator'],
    arrange: async (_g, _w, id) => ({ path: '/agreements', body: { agreementId: id, bodyId: BODY, title: 'drills', parties: ['hangzhou', 'suzhou'], terms: termsBody() } }),
  },
  {
    route: 'POST /agreements/:id/amendments',
    ownCity: 'hangzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await agreement(g, who, id);
      return { path: `/agreements/${id}/amendments`, body: { effectiveFrom: at(24), terms: termsBody({ overdueGraceSeconds: 7200 }), reason: 'longer grace' } };
    },
  },
  {
    route: 'POST /agreements/:id/termination',
    ownCity: 'hangzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await agreement(g, who, id);
      return { path: `/agreements/${id}/termination`, body: { reason: 'superseded' } };
    },
  },
  {
    route: 'POST /commitments',
    ownCity: 'suzhou',
    allowed: ['own coordinator'],
    arrange: async (_g, _w, id) => ({ path: '/commitments', body: commitmentBody(id) }),
  },
  {
    route: 'POST /commitments/:id/deliveries',
    ownCity: 'suzhou',
    allowed: ['own coordinator', 'own city officer'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id);
      return { path: `/commitments/${id}/deliveries`, body: { deliveryId: 'd1', quantity: '10', evidenceRef: 'waybill' } };
    },
  },
  {
    route: 'POST /commitments/:id/default',
    ownCity: 'suzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id);
      return { path: `/commitments/${id}/default`, body: { note: 'refused to deliver' } };
    },
  },
  {
    route: 'POST /commitments/:id/waiver',
    ownCity: 'hangzhou',
    allowed: ['own coordinator', 'own city officer'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id);
      return { path: `/commitments/${id}/waiver`, body: { reason: 'no longer needed' } };
    },
  },
  {
    route: 'POST /commitments/:id/close-short',
    ownCity: 'suzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id, 1);
      return { path: `/commitments/${id}/close-short`, body: { reason: 'enough was delivered' } };
    },
  },
  {
    // Owed to a city, a delivery is disputed by that city alone; the body disputes only what it or its fund is owed.
    route: 'POST /commitments/:id/disputes',
    ownCity: 'hangzhou',
    allowed: ['own city officer'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id, 1);
      return { path: `/commitments/${id}/disputes`, body: { deliveryId: 'd1', disputeId: 'p1', reason: 'short weight' } };
    },
  },
  {
    route: 'POST /commitments/:id/disputes/:dispute/resolution',
    ownCity: 'hangzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await commitment(g, who, id, 1, true);
      return { path: `/commitments/${id}/disputes/p1/resolution`, body: { outcome: 'rejected', note: 'weights checked' } };
    },
  },
  {
    route: 'POST /findings',
    ownCity: 'suzhou',
    allowed: ['own coordinator'],
    arrange: async (_g, _w, id) => ({ path: '/findings', body: { findingId: id, bodyId: BODY, cityId: 'suzhou', kind: 'late_report', severity: 1, description: 'report 6 hours late' } }),
  },
  {
    route: 'POST /findings/:id/revocation',
    ownCity: 'suzhou',
    allowed: ['own coordinator'],
    arrange: async (g, who, id) => {
      await arranged(g.http().post('/findings').set('Authorization', who.coordinator).send({ findingId: id, bodyId: BODY, cityId: 'suzhou', kind: 'late_report', severity: 1, description: 'late' }));
      return { path: `/findings/${id}/revocation`, body: { reason: 'appeal granted' } };
    },
  },
];

describe('who may issue which governance command', () => {
  let g: GovernanceApp;
  let who: Officials;

  beforeAll(async () => {
    g = await startGovernance(testConfig('memory'));
    who = await officials();
    await seed(g, who);
  });
  afterAll(async () => {
    await g.app.close();
  });

  const tokenOf = async (caller: Caller, ownCity: string): Promise<string> => {
    switch (caller) {
      case 'admin':
        return who.admin;
      case 'own coordinator':
        return who.coordinator;
      case 'other coordinator':
        return who.otherCoordinator;
      case 'own city officer':
        return who.officerOf(ownCity);
      case 'other city officer':
        return who.officerOf('jiaxing');
      case 'finance officer':
        return who.finance;
      case 'auditor':
        return who.auditor;
    }
  };

  const cases = ROUTES.flatMap((r, i) => CALLERS.map((caller, j) => ({ ...r, caller, id: `m${i}-${j}`, expected: r.allowed.includes(caller) ? 'allowed' : 'forbidden' })));

  it('covers every command route and every caller', () => {
    expect(new Set(cases.map((c) => c.route)).size).toBe(17);
    expect(cases).toHaveLength(17 * CALLERS.length);
  });

  it.each(cases)('$route by $caller is $expected', async ({ arrange, caller, ownCity, id, expected }) => {
    const target = await arrange(g, who, id);
    const res = await g.http().post(target.path).set('Authorization', await tokenOf(caller, ownCity)).send(target.body);
    if (expected === 'allowed') {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ revision: expect.stringMatching(/^\d+$/), position: expect.stringMatching(/^\d+$/) });
    } else {
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(['role_forbidden', 'out_of_scope', 'actor_not_permitted']).toContain(res.body.code);
    }
  });
});
