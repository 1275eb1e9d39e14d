/**
 * The API with governance and compensation on a fake ledger clock, the officials who act on it, and a seeded delta:
 * four cities, the delta committee (all four members), a mutual-aid agreement between them, and the committee's fund.
 */
import { CompensationApiModule } from '../../apps/api/src/compensation/compensation-api.module.js';
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { LedgerConfig } from '../../libs/ledger/src/config.js';
import { bearer, startLedgerApi, type LedgerApi } from '../http/support.js';

export { bearer, tempDir, testConfig } from '../http/support.js';

export const START = '2025-06-01T00:00:00.000Z';
export const BODY = 'delta';
export const OTHER_BODY = 'north';
export const AGREEMENT = 'delta-aid';
export const CITIES = ['origin-city', 'a-city', 'b-city', 'c-city'] as const;
export const OTHER_CITIES = ['north-city', 'south-city'] as const;

export type CompensationApp = LedgerApi;

export function startCompensation(config: LedgerConfig): Promise<CompensationApp> {
  const contexts = [GovernanceApiModule.register({ deadlines: { enabled: false } }), CompensationApiModule.register()];
  return startLedgerApi(config, contexts, new FakeClock(Date.parse(START)));
}

export interface Officials {
  admin: string;
  auditor: string;
  coordinator: string;
  otherCoordinator: string;
  fundFinance: string;
  officerOf: (city: string) => Promise<string>;
  financeOf: (city: string) => Promise<string>;
}

export async function officials(): Promise<Officials> {
  return {
    admin: await bearer({ sub: 'admin-1', role: 'admin' }),
    auditor: await bearer({ sub: 'auditor-1', role: 'auditor' }),
    coordinator: await bearer({ sub: 'delta-coordinator', role: 'coordinator', body: BODY }),
    otherCoordinator: await bearer({ sub: 'north-coordinator', role: 'coordinator', body: OTHER_BODY }),
    fundFinance: await bearer({ sub: 'delta-treasurer', role: 'finance-officer', fund: BODY }),
    officerOf: (city) => bearer({ sub: `officer-${city}`, role: 'city-officer', city }),
    financeOf: (city) => bearer({ sub: `finance-${city}`, role: 'finance-officer', city }),
  };
}

/** Cities, the two bodies, the delta agreement (default compensation rules) and the delta fund in CNY. */
export async function seed(g: CompensationApp, who: Officials): Promise<void> {
  for (const cityId of [...CITIES, ...OTHER_CITIES]) {
    await g.http().post('/cities').set('Authorization', who.admin).send({ cityId, name: cityId, level: 'prefecture_level', region: 'delta' }).expect(201);
  }
  const offices = [{ riskCategory: 'natural_disaster', name: 'flood office' }];
  await g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: BODY, name: 'Delta committee', members: [...CITIES], offices }).expect(201);
  await g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: OTHER_BODY, name: 'North committee', members: [...OTHER_CITIES], offices }).expect(201);
  await g
    .http()
    .post('/agreements')
    .set('Authorization', who.coordinator)
    .send({
      agreementId: AGREEMENT,
      bodyId: BODY,
      title: 'Delta flood mutual aid',
      parties: [...CITIES],
      terms: {
        riskCategories: ['natural_disaster'],
        responsibilities: CITIES.map((cityId) => ({ cityId, duties: ['report river levels'], incidentRole: 'either' })),
        overdueGraceSeconds: 3600,
        defaultAfterSeconds: 7 * 86_400,
        validFrom: '2025-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
      },
    })
    .expect(201);
  await g.http().post('/funds').set('Authorization', who.coordinator).send({ bodyId: BODY, currency: 'CNY' }).expect(201);
}

export interface IncidentPlan {
  incidentId: string;
  origin: string;
  /** Affected city → verified cost. */
  costs: Record<string, string>;
  originFindings?: string[];
  affectedFindings?: Record<string, string[]>;
  avertedLoss?: string;
}

/** Open, claim, verify, tie findings, close: the whole life of an incident over HTTP. Returns the closing's position. */
export async function runIncident(g: CompensationApp, who: Officials, plan: IncidentPlan): Promise<string> {
  const affected = Object.keys(plan.costs);
  await g
    .http()
    .post('/incidents')
    .set('Authorization', who.coordinator)
    .send({ incidentId: plan.incidentId, agreementId: AGREEMENT, riskCategory: 'natural_disaster', scenario: 'spreads_from_one_city', originCities: [plan.origin], affectedCities: affected, description: 'river flood' })
    .expect(201);
  for (const [cityId, amount] of Object.entries(plan.costs)) {
    const claimId = `${plan.incidentId}-${cityId}`;
    await g.http().post(`/incidents/${plan.incidentId}/claims`).set('Authorization', await who.officerOf(cityId)).send({ claimId, cityId, amount, evidenceRef: `invoices/${cityId}` }).expect(201);
    await g.http().post(`/incidents/${plan.incidentId}/claims/${claimId}/verification`).set('Authorization', who.coordinator).send({ verifiedAmount: amount, note: 'invoices checked' }).expect(201);
  }
  const findings: [string, string][] = [
    ...(plan.originFindings ?? []).map((kind): [string, string] => [plan.origin, kind]),
    ...Object.entries(plan.affectedFindings ?? {}).flatMap(([cityId, kinds]) => kinds.map((kind): [string, string] => [cityId, kind])),
  ];
  for (const [i, [cityId, kind]] of findings.entries()) {
    await g
      .http()
      .post('/findings')
      .set('Authorization', who.coordinator)
      .send({ findingId: `${plan.incidentId}-f${i}`, bodyId: BODY, cityId, kind, severity: 1, incidentId: plan.incidentId, description: `${kind} during the incident` })
      .expect(201);
  }
  if (plan.avertedLoss !== undefined) {
    await g.http().post(`/incidents/${plan.incidentId}/averted-loss`).set('Authorization', who.coordinator).send({ assessor: 'hydrology institute', avertedLoss: plan.avertedLoss, reportRef: 'report-1' }).expect(201);
  }
  const closed = await g.http().post(`/incidents/${plan.incidentId}/closure`).set('Authorization', who.coordinator).send({}).expect(201);
  return closed.body.position as string;
}

export const enc = encodeURIComponent;
