/**
 * What a ledger holds, as its read models see it: commitment statuses, trust per city, fund balances, open
 * obligations and the settlement each body could execute. Built by replaying the log into fresh read models, so it
 * shows what the API would serve. For the demo command's output and the generator's tests; bounded to small ledgers.
 */
import type { Clock } from '../../../event-store/src/clock.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { CommitmentsReadModel } from '../../../projections/src/commitments/commitments.read-model.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { proposeBodySettlement } from '../../../projections/src/settlement/settlement.queries.js';
import { CFBT_1, TrustReadModel } from '../../../projections/src/trust/index.js';

/** Largest log summarized: beyond it the summary would take longer than loading. */
export const MAX_SUMMARY_EVENTS = 200_000;

export interface LedgerSummary {
  events: number;
  cities: string[];
  bodies: { bodyId: string; members: string[] }[];
  commitments: Record<string, number>;
  /** Every city's expected trust and confidence, highest trust first. */
  trust: { cityId: string; trust: number; confidence: number }[];
  funds: { fundId: string; balance: string; available: string; currency: string }[];
  openObligations: number;
  /** Per body: the parties with a net position and the transfers a settlement would make now. */
  settlements: { bodyId: string; parties: number; transfers: number }[];
}

/** Replays `store` into fresh read models; `clock` is "now" for statuses and trust. */
export async function summarizeLedger(store: EventStore, clock: Clock): Promise<LedgerSummary> {
  const commitments = new CommitmentsReadModel();
  const balances = new BalancesReadModel();
  const trust = new TrustReadModel(CFBT_1, clock);
  const models: ReadModel[] = [commitments, balances, trust];
  const cities: string[] = [];
  const bodies = new Map<string, string[]>();
  let after: bigint | 'start' = 'start';
  let events = 0;
  for (let pages = 0; pages <= MAX_SUMMARY_EVENTS / store.limits.maxReadCount + 1; pages++) {
    const page = await store.readAll({ after, maxCount: store.limits.maxReadCount });
    for (const e of page.events) {
      events++;
      if (events > MAX_SUMMARY_EVENTS) throw new RangeError(`the log holds more than ${MAX_SUMMARY_EVENTS} events; summaries are for small ledgers`);
      for (const m of models) m.apply(e);
      if (e.type === 'CityRegistered') cities.push((e.data as { cityId: string }).cityId);
      if (e.type === 'BodyEstablished') bodies.set((e.data as { bodyId: string }).bodyId, [...(e.data as { members: string[] }).members]);
      if (e.type === 'MemberAdmitted') bodies.get((e.data as { bodyId: string }).bodyId)?.push((e.data as { cityId: string }).cityId);
    }
    if (page.isEnd || page.nextAfter === null) break;
    after = page.nextAfter;
  }
  const statuses: Record<string, number> = {};
  for (const view of commitments.matching({}, clock.nowMs())) statuses[view.status] = (statuses[view.status] ?? 0) + 1;
  const funds = [...bodies.keys()].flatMap((bodyId) => {
    const f = balances.fundBalance(bodyId);
    return f === null ? [] : [{ fundId: f.fundId, balance: f.balance, available: f.available, currency: f.currency }];
  });
  return {
    events,
    cities,
    bodies: [...bodies.entries()].map(([bodyId, members]) => ({ bodyId, members })),
    commitments: statuses,
    trust: cities
      .map((cityId) => {
        const t = trust.cityTrust(cityId);
        return { cityId, trust: t.trust, confidence: t.confidence };
      })
      .sort((a, b) => b.trust - a.trust || (a.cityId < b.cityId ? -1 : 1)),
    funds,
    openObligations: balances.openObligations({ limit: 500 }).items.length,
    settlements: [...bodies.keys()].map((bodyId) => {
      const p = proposeBodySettlement(balances, bodyId, 'CNY');
      return { bodyId, parties: p.parties, transfers: p.transfers.length };
    }),
  };
}
