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
  /** Requests to the app listening on a loopback port (supertest would otherwise open a server per request). */
  http: () => ReturnType<typeof request>;
  who: Officials;
  /** The log's head position after the seed: nothing a refused request does may move it. */
  head: () => Promise<string | null>;
  close: () => Promise<void>;
}

export async function startFuzzLedger(config: LedgerConfig): Promise<FuzzLedger> {
  const g = await startAudited(config);
  const who = await officials();
  await realisticHistory(g, who);
  await g.app.listen(0, '127.0.0.1');
  const url = await g.app.getUrl();
  const http = (): ReturnType<typeof request> => request(url);
  const head = async (): Promise<string | null> => {
    const res = await http().get('/health');
    return (res.body as { store: { headPosition: string | null } }).store.headPosition;
  };
  return { g, http, who, head, close: () => g.app.close() };
}
