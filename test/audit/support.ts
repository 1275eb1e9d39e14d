/**
 * The API with governance, compensation and the audit context on a fake ledger clock, and a realistic history:
 * the delta committee's cities, agreement and fund, an incident run to closure with claims and findings, and a
 * commitment made and delivered.
 */
import { AuditApiModule } from '../../apps/api/src/audit/audit-api.module.js';
import { CompensationApiModule } from '../../apps/api/src/compensation/compensation-api.module.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { TrustApiModule } from '../../apps/api/src/trust/trust-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { LedgerConfig } from '../../libs/ledger/src/config.js';
import request from 'supertest';
import { AGREEMENT, CITIES, runIncident, seed, START, type CompensationApp, type Officials } from '../compensation/support.js';

export { officials, type Officials } from '../compensation/support.js';
export { bearer, tempDir, testConfig } from '../http/support.js';

export type AuditApp = CompensationApp;

/** The contexts `serve` mounts (so `concordat replay` discovers the same read models), deadlines left to the tests. */
export async function startAudited(config: LedgerConfig, clock: FakeClock = new FakeClock(Date.parse(START))): Promise<AuditApp> {
  const contexts = [GovernanceApiModule.register({ deadlines: { enabled: false } }), CompensationApiModule.register(), TrustApiModule.register(), AuditApiModule.register()];
  const app = await createApp(config, { clock, contexts, logger: false });
  return { app, clock, http: () => request(app.getHttpServer()) };
}

const HOUR_MS = 3_600_000;

/** Governance and compensation commands over HTTP, the clock moving an hour between steps. Returns the last position. */
export async function realisticHistory(g: AuditApp, who: Officials): Promise<string> {
  await seed(g, who);
  g.clock.advance(HOUR_MS);
  await runIncident(g, who, {
    incidentId: 'flood-2025',
    origin: 'origin-city',
    costs: { 'a-city': '120000.00', 'b-city': '80000.50' },
    originFindings: ['late_report'],
    affectedFindings: { 'a-city': ['slow_response'] },
  });
  g.clock.advance(HOUR_MS);
  const dueAt = new Date(g.clock.nowMs() + 48 * HOUR_MS).toISOString();
  await g
    .http()
    .post('/commitments')
    .set('Authorization', who.coordinator)
    .send({
      commitmentId: 'sandbags-1',
      agreementId: AGREEMENT,
      obligor: 'a-city',
      obligee: { kind: 'city', id: CITIES[0] },
      kind: 'supplies',
      description: 'sandbags for the embankment',
      promise: { kind: 'quantity', quantity: '100', unit: 'tonne' },
      value: { amount: '50000.00', currency: 'CNY' },
      dueAt,
    })
    .expect(201);
  g.clock.advance(HOUR_MS);
  const delivered = await g
    .http()
    .post('/commitments/sandbags-1/deliveries')
    .set('Authorization', await who.officerOf('a-city'))
    .send({ deliveryId: 'd1', quantity: '100', evidenceRef: 'receipts/1' })
    .expect(201);
  return delivered.body.position as string;
}
