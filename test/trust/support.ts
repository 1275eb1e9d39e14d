/** The API with governance and trust on a fake ledger clock, and helpers to drive a trust scenario through it. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { TrustApiModule } from '../../apps/api/src/trust/trust-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { LedgerConfig } from '../../libs/ledger/src/config.js';
import type { TrustVector } from '../../libs/projections/src/trust/vectors.js';

import { startLedgerApi, type LedgerApi } from '../http/support.js';

export { bearer, tempDir, testConfig } from '../http/support.js';

/** The ledger's now in these tests: after every instant the vectors speak of, so every one of them is in the past. */
export const NOW = '2026-01-01T00:00:00.000Z';

export type TrustApp = LedgerApi;

/** Deadlines stay off: a commitment defaults only when a scenario says so. */
export function startTrust(config: LedgerConfig): Promise<TrustApp> {
  const contexts = [GovernanceApiModule.register({ deadlines: { enabled: false } }), TrustApiModule.register()];
  return startLedgerApi(config, contexts, new FakeClock(Date.parse(NOW)));
}

/** The shared spec lives beside the repository (../shared/spec); CONCORDAT_VECTORS points elsewhere when needed. */
export function loadTrustVectors(): TrustVector[] {
  const candidates = [process.env.CONCORDAT_VECTORS, resolve(process.cwd(), '../shared/spec/trust-compensation-vectors.json'), resolve(process.cwd(), 'spec/trust-compensation-vectors.json')].filter(
    (p): p is string => p !== undefined,
  );
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`trust vectors not found; looked in ${candidates.join(', ')}`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { trust: TrustVector[] }).trust;
}

export const TOLERANCE = 1e-6;

/** Compares numbers to the tolerance (decimal strings read as numbers), anything else exactly; names the field that differs. */
export function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    const value = typeof actual === 'string' ? Number(actual) : actual;
    if (typeof value !== 'number' || !(Math.abs(value - expected) <= TOLERANCE)) throw new Error(`${where}: expected ${expected}, got ${JSON.stringify(actual)}`);
  } else if (actual !== expected) {
    throw new Error(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}
