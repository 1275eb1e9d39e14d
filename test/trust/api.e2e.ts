/**
 * The trust resources over HTTP on a small delta: suzhou keeps four valuable commitments to hangzhou, jiaxing breaks one
 * and is released from another, and a finding against jiaxing is recorded and then revoked. Every event is recorded at
 * the ledger's now (2026-01-01) with business instants weeks earlier, so the two bases tell different stories.
 */
import { bearer, NOW, startTrust, testConfig, type TrustApp } from './support.js';

const PROBLEM = /^application\/problem\+json/;
const BODY = 'yrd';
const CITIES = ['hangzhou', 'suzhou', 'jiaxing'] as const;

interface Answer {
  subject: { kind: string; city?: string; truster?: string; trustee?: string };
  asOf: string;
  basis: string;
  r: number;
  s: number;
  baseRate: number;
  trust: number;
  confidence: number;
  interval: { lower: number; upper: number };
  band: string;
  score: number;
  parameterSet: string;
  contributions?: { source: string; commitmentId?: string; findingId?: string; value?: unknown; outcome?: string }[];
  anomalies?: unknown[];
}

describe('the trust API', () => {
  let t: TrustApp;
  let admin: string;
  let coordinator: string;
  let auditor: string;
  let position = '0';

  const post = async (path: string, token: string, body: object): Promise<void> => {
    const res = await t.http().post(path).set('Authorization', token).send(body);
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    position = res.body.position as string;
  };
  const get = (path: string, token = auditor) => t.http().get(`${path}${path.includes('?') ? '&' : '?'}atLeast=${position}`).set('Authorization', token);
  const commitment = (commitmentId: string, obligor: string, dueAt: string, occurredAt: string) =>
    post('/commitments', coordinator, {
      commitmentId,
      agreementId: 'yrd-aid',
      obligor,
      obligee: { kind: 'city', id: 'hangzhou' },
      kind: 'supplies',
      description: 'pumps for the Taihu embankment',
      promise: { kind: 'quantity', quantity: '10', unit: 'pump' },
      value: { amount: '3000000.00', currency: 'CNY' },
      dueAt,
      occurredAt,
    });

  beforeAll(async () => {
    t = await startTrust(testConfig('memory'));
    admin = await bearer({ sub: 'admin-1', role: 'admin' });
    coordinator = await bearer({ sub: 'yrd-officer', role: 'coordinator', body: BODY });
    auditor = await bearer({ sub: 'auditor-1', role: 'auditor' });
    for (const cityId of [...CITIES, 'ningbo']) await post('/cities', admin, { cityId, name: cityId, level: 'prefecture_level', region: 'east' });
    await post('/bodies', admin, { bodyId: BODY, name: 'YRD committee', members: [...CITIES], offices: [{ riskCategory: 'natural_disaster', name: 'flood office' }] });
    await post('/agreements', coordinator, {
      agreementId: 'yrd-aid',
      bodyId: BODY,
      title: 'mutual aid',
      parties: [...CITIES],
      terms: { riskCategories: ['natural_disaster'], responsibilities: [], overdueGraceSeconds: 3600, defaultAfterSeconds: 30 * 86_400, validFrom: '2025-01-01T00:00:00Z', validUntil: null },
      occurredAt: '2025-01-01T00:00:00Z',
    });
    for (const n of [1, 2, 3, 4]) {
      await commitment(`s${n}`, 'suzhou', '2025-12-01T00:00:00Z', '2025-11-01T00:00:00Z');
      await post(`/commitments/s${n}/deliveries`, coordinator, { deliveryId: `s${n}-d`, quantity: '10', evidenceRef: `waybill s${n}`, occurredAt: '2025-11-20T00:00:00Z' });
    }
    await commitment('j1', 'jiaxing', '2025-12-01T00:00:00Z', '2025-11-01T00:00:00Z');
    await post('/commitments/j1/default', coordinator, { note: 'nothing delivered', occurredAt: '2025-12-10T00:00:00Z' });
    await commitment('j2', 'jiaxing', '2025-12-01T00:00:00Z', '2025-11-01T00:00:00Z');
    await post('/commitments/j2/waiver', coordinator, { reason: 'the flood receded', occurredAt: '2025-11-15T00:00:00Z' });
    await post('/findings', coordinator, {
      findingId: 'jx-concealment',
      bodyId: BODY,
      cityId: 'jiaxing',
      counterpartyCityId: 'hangzhou',
      kind: 'concealment',
      severity: 1,
      description: 'river levels withheld',
      occurredAt: '2025-12-01T00:00:00Z',
    });
    await post('/findings/jx-concealment/revocation', coordinator, { reason: 'overturned on appeal', occurredAt: '2025-12-20T00:00:00Z' });
  }, 60_000);

  afterAll(async () => {
    await t.app.close();
  });

  it('answers a city’s trust now, naming the parameter set, with the interval and the display score', async () => {
    const res = await get('/trust/cities/suzhou').expect(200);
    const answer = res.body as Answer;
    expect(answer).toMatchObject({ subject: { kind: 'city', city: 'suzhou' }, asOf: NOW, basis: 'recorded', parameterSet: 'cfbt-1', band: 'trusted' });
    // Four fulfilments of weight 3, decayed from their business instant (2025-11-20), 42 days before now.
    const r = 12 * 2 ** (-42 / 365);
    expect(answer.r).toBeCloseTo(r, 9);
    expect(answer.interval.lower).toBeCloseTo(r / (r + 2), 9);
    expect(answer.interval.upper).toBeCloseTo(1, 9);
    expect(answer.score).toBeCloseTo(100 * answer.trust, 9);
    expect(answer.contributions).toBeUndefined();
  });

  it('tells what the ledger knew then apart from what had happened by then', async () => {
    const recorded = (await get('/trust/cities/suzhou?asOf=2025-12-15T00:00:00Z').expect(200)).body as Answer;
    const occurred = (await get('/trust/cities/suzhou?asOf=2025-12-15T00:00:00Z&basis=occurred').expect(200)).body as Answer;
    expect(recorded).toMatchObject({ r: 0, s: 0, trust: 0.5, band: 'unrated', basis: 'recorded' });
    expect(occurred.basis).toBe('occurred');
    expect(occurred.r).toBeGreaterThan(11);
  });

  it('explains an answer: the rows sum to the totals, values stay decimal strings, a waived commitment is not there', async () => {
    const answer = (await get('/trust/cities/jiaxing?explain=true').expect(200)).body as Answer;
    const rows = answer.contributions ?? [];
    expect(rows.map((c) => c.commitmentId ?? c.findingId)).toEqual(['j1']);
    expect(rows[0]).toMatchObject({ source: 'commitment', outcome: 'defaulted', value: '3000000.00' });
    expect(answer.s).toBeCloseTo(rows.reduce((sum, c) => sum + (c as unknown as { s: number }).s, 0), 9);
    expect(answer.anomalies).toEqual([]);
  });

  it('counts a finding until it is revoked, and leaves findings out when asked', async () => {
    const standing = (await get('/trust/cities/jiaxing?asOf=2025-12-15T00:00:00Z&basis=occurred&explain=true').expect(200)).body as Answer;
    const revoked = (await get('/trust/cities/jiaxing?asOf=2025-12-25T00:00:00Z&basis=occurred&explain=true').expect(200)).body as Answer;
    const without = (await get('/trust/cities/jiaxing?asOf=2025-12-15T00:00:00Z&basis=occurred&withoutFindings=true').expect(200)).body as Answer;
    expect((standing.contributions ?? []).some((c) => c.findingId === 'jx-concealment')).toBe(true);
    expect((revoked.contributions ?? []).some((c) => c.findingId === 'jx-concealment')).toBe(false);
    expect(standing.s - without.s).toBeGreaterThan(5.9);
    expect(without.trust).toBeGreaterThan(standing.trust);
  });

  it('answers pair trust with the trustee’s standing without the truster’s own evidence as base rate', async () => {
    const direct = (await get('/trust/pairs/hangzhou/suzhou?explain=true').expect(200)).body as Answer;
    const stranger = (await get('/trust/pairs/jiaxing/suzhou').expect(200)).body as Answer;
    const city = (await get('/trust/cities/suzhou').expect(200)).body as Answer;
    expect(direct).toMatchObject({ subject: { kind: 'pair', truster: 'hangzhou', trustee: 'suzhou' }, baseRate: 0.5 });
    expect(direct.contributions).toHaveLength(4);
    expect(stranger.r).toBe(0);
    expect(stranger.baseRate).toBeCloseTo(city.trust, 12);
  });

  it('gives a body’s matrix over every ordered pair of its members', async () => {
    const res = await get(`/trust/bodies/${BODY}/matrix`).expect(200);
    expect(res.body).toMatchObject({ bodyId: BODY, members: ['hangzhou', 'jiaxing', 'suzhou'], parameterSet: 'cfbt-1', basis: 'recorded' });
    const cells = res.body.cells as (Answer & { truster: string; trustee: string })[];
    expect(cells.map((c) => `${c.truster}>${c.trustee}`)).toEqual(['hangzhou>jiaxing', 'hangzhou>suzhou', 'jiaxing>hangzhou', 'jiaxing>suzhou', 'suzhou>hangzhou', 'suzhou>jiaxing']);
    expect(cells.every((c) => c.parameterSet === 'cfbt-1' && typeof c.interval.lower === 'number')).toBe(true);
  });

  it('ranks the members with their bands and names the trust alliance', async () => {
    const ranking = await get(`/trust/bodies/${BODY}/ranking`).expect(200);
    const items = ranking.body.items as (Answer & { rank: number; cityId: string })[];
    expect(items.map((c) => [c.rank, c.cityId, c.band])).toEqual([
      [1, 'suzhou', 'trusted'],
      [2, 'hangzhou', 'unrated'],
      [3, 'jiaxing', 'low'],
    ]);
    expect(ranking.body.parameterSet).toBe('cfbt-1');
    const alliance = await get(`/trust/bodies/${BODY}/alliance`).expect(200);
    expect(alliance.body).toEqual({ bodyId: BODY, asOf: NOW, basis: 'recorded', parameterSet: 'cfbt-1', members: ['suzhou'] });
    const before = await get(`/trust/bodies/${BODY}/alliance?asOf=2025-10-01T00:00:00Z&basis=occurred`).expect(200);
    expect(before.body.members).toEqual([]);
  });

  it('draws a 24-month series for a sparkline, on either basis', async () => {
    const res = await get('/trust/cities/suzhou/series?from=2024-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=month&basis=occurred').expect(200);
    const points = res.body.points as { asOf: string; trust: number; band: string }[];
    expect(res.body).toMatchObject({ cityId: 'suzhou', step: 'month', basis: 'occurred', parameterSet: 'cfbt-1' });
    expect(points).toHaveLength(24);
    expect(points[0]).toMatchObject({ asOf: '2024-02-01T00:00:00.000Z', trust: 0.5, band: 'unrated' });
    expect(points[23]).toMatchObject({ asOf: NOW, band: 'trusted' });
    const byDefault = await get('/trust/cities/suzhou/series').expect(200);
    expect(byDefault.body.points).toHaveLength(24);
    expect(byDefault.body.points[23].asOf).toBe(NOW);
    const weeks = await get('/trust/cities/suzhou/series?from=2025-11-01T00:00:00Z&to=2025-12-01T00:00:00Z&step=week').expect(200);
    expect(weeks.body.points.map((p: { asOf: string }) => p.asOf.slice(0, 10))).toEqual(['2025-11-01', '2025-11-08', '2025-11-15', '2025-11-22', '2025-11-29']);
  });

  it('refuses a series of more than 120 points, or one that ends before it starts', async () => {
    const long = await get('/trust/cities/suzhou/series?from=2010-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=month').expect(422);
    expect(long.headers['content-type']).toMatch(PROBLEM);
    expect(long.body.code).toBe('series_too_long');
    const backwards = await get('/trust/cities/suzhou/series?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z').expect(422);
    expect(backwards.body.code).toBe('invalid_series_range');
  });

  it('answers 404 problem+json for a city or body the ledger does not know', async () => {
    for (const path of ['/trust/cities/atlantis', '/trust/cities/atlantis/series', '/trust/pairs/hangzhou/atlantis', '/trust/pairs/atlantis/hangzhou']) {
      const res = await get(path).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('city_not_found');
    }
    for (const path of ['matrix', 'ranking', 'alliance']) {
      const res = await get(`/trust/bodies/nowhere/${path}`).expect(404);
      expect(res.body.code).toBe('body_not_found');
    }
  });

  it('refuses malformed questions with 400 problem+json', async () => {
    for (const query of ['asOf=yesterday', 'basis=both', 'explain=yes', 'withoutFindings=1', 'unknown=1']) {
      const res = await get(`/trust/cities/suzhou?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    }
    await get('/trust/cities/suzhou/series?step=year').expect(400);
    await get('/trust/cities/Not_A_Slug').expect(400);
  });

  it('is readable by every authenticated role, and by nobody else', async () => {
    const roles = [
      admin,
      coordinator,
      auditor,
      await bearer({ sub: 'officer-ningbo', role: 'city-officer', city: 'ningbo' }),
      await bearer({ sub: 'treasurer-1', role: 'finance-officer', city: 'hangzhou' }),
    ];
    for (const token of roles) {
      await get('/trust/cities/suzhou', token).expect(200);
      await get(`/trust/bodies/${BODY}/matrix`, token).expect(200);
    }
    await t.http().get('/trust/cities/suzhou').expect(401);
  });

  it('documents every trust route in OpenAPI, with bearer auth and problem responses', async () => {
    const spec = await t.http().get('/openapi.json').expect(200);
    const paths = spec.body.paths as Record<string, Record<string, { tags?: string[]; security?: unknown[]; parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
    const trust = Object.entries(paths).filter(([path]) => path.startsWith('/trust/'));
    expect(trust.map(([path]) => path).sort()).toEqual([
      '/trust/bodies/{bodyId}/alliance',
      '/trust/bodies/{bodyId}/matrix',
      '/trust/bodies/{bodyId}/ranking',
      '/trust/cities/{cityId}',
      '/trust/cities/{cityId}/series',
      '/trust/pairs/{truster}/{trustee}',
    ]);
    for (const [path, methods] of trust) {
      const operation = methods.get;
      expect(operation.tags).toEqual(['trust']);
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
      const names = (operation.parameters ?? []).map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(path.endsWith('/series') ? ['from', 'to', 'step', 'basis', 'atLeast'] : ['asOf', 'basis', 'atLeast']));
    }
  });
});
