/**
 * The whole API (governance, compensation, trust, audit) on a fake ledger clock over a small realistic ledger:
 * cities, two bodies, an agreement, a fund, an incident run to closure, a commitment made and delivered.
 */
import request from 'supertest';
import type { LedgerConfig } from '../../libs/ledger/src/config.js';
import { officials, realisticHistory, startAudited, type AuditApp, type Officials } from '../audit/support.js';

export { bearer, SECRET, tempDir, testConfig } from '../http/support.js';
export type { Officials } from '../audit/support.js';

export interface FuzzLedger {
  g: AuditApp;
  who: Officials;
  /** The log's head position after the seed: nothing a refused request does may move it. */
  head: () => Promise<string | null>;
  close: () => Promise<void>;
}

export async function startFuzzLedger(config: LedgerConfig): Promise<FuzzLedger> {
  const g = await startAudited(config);
  const who = await officials();
  await realisticHistory(g, who);
  const head = async (): Promise<string | null> => {
    const res = await request(g.app.getHttpServer()).get('/health');
    return (res.body as { store: { headPosition: string | null } }).store.headPosition;
  };
  return { g, who, head, close: () => g.app.close() };
}
