/** The API with governance and trust on a fake ledger clock, and helpers to drive a trust scenario through it. */
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { TrustApiModule } from '../../apps/api/src/trust/trust-api.module.js';
import { readSpecVectors } from '../../libs/domain/src/shared/spec-vectors.fixtures.js';
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

export function loadTrustVectors(): TrustVector[] {
  return readSpecVectors<TrustVector>('trust');
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
