/** Builds the API with the governance context on a fake ledger clock, and the officials who act on it. */
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { LedgerConfig } from '../../libs/ledger/src/config.js';
import { bearer, startLedgerApi, type LedgerApi } from '../http/support.js';

export { bearer, tempDir, testConfig } from '../http/support.js';

/** The ledger clock's start in these tests: every business instant below is relative to it. */
export const START = '2025-03-01T00:00:00.000Z';
export const HOUR_MS = 3_600_000;
export const at = (hours: number): string => new Date(Date.parse(START) + hours * HOUR_MS).toISOString();

export type GovernanceApp = LedgerApi;

/** The deadline manager is off unless asked for: tests that move the clock drive it themselves. */
export function startGovernance(config: LedgerConfig, options: { clock?: FakeClock; deadlines?: boolean; sweepIntervalMs?: number } = {}): Promise<GovernanceApp> {
  const deadlines = { enabled: options.deadlines ?? false, sweepIntervalMs: options.sweepIntervalMs };
  return startLedgerApi(config, [GovernanceApiModule.register({ deadlines })], options.clock ?? new FakeClock(Date.parse(START)));
}

export interface Officials {
  admin: string;
  auditor: string;
  finance: string;
  coordinator: string;
  otherCoordinator: string;
  officerOf: (city: string) => Promise<string>;
}

export const BODY = 'yrd-committee';
export const OTHER_BODY = 'jjj-committee';
export const CITIES = ['hangzhou', 'suzhou', 'jiaxing', 'beijing', 'tianjin'] as const;
export const AGREEMENT = 'taihu-flood';

export async function officials(): Promise<Officials> {
  return {
    admin: await bearer({ sub: 'admin-1', role: 'admin' }),
    auditor: await bearer({ sub: 'auditor-1', role: 'auditor' }),
    finance: await bearer({ sub: 'treasurer-1', role: 'finance-officer', city: 'hangzhou' }),
    coordinator: await bearer({ sub: 'yrd-officer', role: 'coordinator', body: BODY }),
    otherCoordinator: await bearer({ sub: 'jjj-officer', role: 'coordinator', body: OTHER_BODY }),
    officerOf: (city) => bearer({ sub: `officer-${city}`, role: 'city-officer', city }),
  };
}

export const termsBody = (over: Record<string, unknown> = {}) => ({
  riskCategories: ['natural_disaster'],
  responsibilities: [
    { cityId: 'hangzhou', duties: ['report river levels every 6 hours'], incidentRole: 'origin_leads' },
    { cityId: 'suzhou', duties: ['send pumping teams'], incidentRole: 'affected_assists' },
  ],
  overdueGraceSeconds: 3600,
  defaultAfterSeconds: 7 * 86_400,
  validFrom: '2025-01-01T00:00:00Z',
  validUntil: '2027-01-01T00:00:00Z',
  ...over,
});

export const commitmentBody = (commitmentId: string, over: Record<string, unknown> = {}) => ({
  commitmentId,
  agreementId: AGREEMENT,
  obligor: 'suzhou',
  obligee: { kind: 'city', id: 'hangzhou' },
  kind: 'supplies',
  description: 'sandbags for the Taihu embankment',
  promise: { kind: 'quantity', quantity: '100', unit: 'tonne' },
  value: { amount: '50000.00', currency: 'CNY' },
  dueAt: at(48),
  ...over,
});

/**
 * Five cities, the Yangtze River Delta committee (hangzhou, suzhou, jiaxing) and the Jing-Jin-Ji committee (beijing,
 * tianjin), and the Taihu flood agreement between hangzhou and suzhou. Returns the last write's position.
 */
export async function seed(g: GovernanceApp, who: Officials): Promise<string> {
  for (const cityId of CITIES) {
    await g.http().post('/cities').set('Authorization', who.admin).send({ cityId, name: cityId, level: 'prefecture_level', region: 'east' }).expect(201);
  }
  const offices = [{ riskCategory: 'natural_disaster', name: 'flood office' }];
  await g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: BODY, name: 'YRD committee', members: ['hangzhou', 'suzhou', 'jiaxing'], offices }).expect(201);
  await g.http().post('/bodies').set('Authorization', who.admin).send({ bodyId: OTHER_BODY, name: 'JJJ committee', members: ['beijing', 'tianjin'], offices }).expect(201);
  const concluded = await g
    .http()
    .post('/agreements')
    .set('Authorization', who.coordinator)
    .send({ agreementId: AGREEMENT, bodyId: BODY, title: 'Taihu flood mutual aid', parties: ['hangzhou', 'suzhou'], terms: termsBody() })
    .expect(201);
  return concluded.body.position as string;
}
