/**
 * A small ledger of the Yangtze River Delta, written through the API as its officials would: five cities, their
 * committee, a flood agreement, commitments kept on time, kept late, defaulted, one still open and one overdue, a
 * finding with a penalty, the special fund with a contribution, and a flood incident with verified claims, an averted
 * loss and its assessment. Business instants are months in the past, so trust has a history to show.
 */
import type request from 'supertest';
import { bearer } from '../http/support.js';

export const BODY = 'yrd';
export const FUND_PARTY = `fund:${BODY}`;
export const CITIES = [
  { cityId: 'shanghai', name: '上海 Shanghai', level: 'municipality' },
  { cityId: 'hangzhou', name: '杭州 Hangzhou', level: 'sub_provincial' },
  { cityId: 'suzhou', name: '苏州 Suzhou', level: 'prefecture_level' },
  { cityId: 'jiaxing', name: '嘉兴 Jiaxing', level: 'prefecture_level' },
  { cityId: 'huzhou', name: '湖州 Huzhou', level: 'prefecture_level' },
] as const;
export const AGREEMENT = 'taihu-basin-flood';
export const INCIDENT = 'taihu-flood-2026';
export const CURRENCY = 'CNY';

export interface Officials {
  admin: string;
  coordinator: string;
  auditor: string;
  /** Finance officer of the committee's special fund. */
  fundFinance: string;
  officerOf: (city: string) => Promise<string>;
}

export async function officials(): Promise<Officials> {
  return {
    admin: await bearer({ sub: 'admin-1', role: 'admin' }),
    coordinator: await bearer({ sub: 'yrd-coordinator', role: 'coordinator', body: BODY }),
    auditor: await bearer({ sub: 'auditor-1', role: 'auditor' }),
    fundFinance: await bearer({ sub: 'yrd-treasurer', role: 'finance-officer', fund: BODY }),
    officerOf: (city) => bearer({ sub: `officer-${city}`, role: 'city-officer', city }),
  };
}

type Http = () => ReturnType<typeof request>;
const DAY_MS = 86_400_000;

interface CommitmentPlan {
  id: string;
  obligor: string;
  obligee: string;
  kind: string;
  description: string;
  monthsAgo: number;
  /** Days after due the delivery came (negative: early); null: never delivered. */
  deliveredDaysLate: number | null;
  /** Declared defaulted by the committee after its due date. */
  defaulted?: boolean;
  /** Due this many days from now instead of in the past. */
  dueInDays?: number;
}

/** Shanghai's monthly hydrology reports, each on time: enough kept promises for the trusted band (and the alliance). */
const SHANGHAI_REPORTS: readonly CommitmentPlan[] = [2, 4, 5, 7, 8, 10, 11, 13, 15, 17].map((monthsAgo) => ({
  id: `sh-hydrology-${monthsAgo}`,
  obligor: 'shanghai',
  obligee: monthsAgo % 2 === 0 ? 'huzhou' : 'suzhou',
  kind: 'information_report',
  description: 'Huangpu and Taihu hydrology bulletin',
  monthsAgo,
  deliveredDaysLate: -1,
}));

/** Who kept what: hangzhou and shanghai keep their word, jiaxing is late, huzhou defaults. */
const COMMITMENTS: readonly CommitmentPlan[] = [
  ...SHANGHAI_REPORTS,
  { id: 'hz-levels-1', obligor: 'hangzhou', obligee: 'suzhou', kind: 'information_report', description: 'river levels every 6 hours', monthsAgo: 18, deliveredDaysLate: -1 },
  { id: 'hz-levels-2', obligor: 'hangzhou', obligee: 'jiaxing', kind: 'information_report', description: 'river levels every 6 hours', monthsAgo: 12, deliveredDaysLate: -1 },
  { id: 'hz-pumps-1', obligor: 'hangzhou', obligee: 'huzhou', kind: 'equipment', description: 'mobile pumps for the Taihu shore', monthsAgo: 6, deliveredDaysLate: -2 },
  { id: 'sh-sandbags-1', obligor: 'shanghai', obligee: 'suzhou', kind: 'supplies', description: 'sandbags for the embankment', monthsAgo: 16, deliveredDaysLate: 0 },
  { id: 'sh-teams-1', obligor: 'shanghai', obligee: 'hangzhou', kind: 'personnel', description: 'rescue teams on standby', monthsAgo: 9, deliveredDaysLate: -1 },
  { id: 'sh-drill-1', obligor: 'shanghai', obligee: 'jiaxing', kind: 'drill', description: 'joint flood drill', monthsAgo: 3, deliveredDaysLate: 0 },
  { id: 'sz-training-1', obligor: 'suzhou', obligee: 'hangzhou', kind: 'training', description: 'flood-rescue training', monthsAgo: 14, deliveredDaysLate: 0 },
  { id: 'jx-supplies-1', obligor: 'jiaxing', obligee: 'shanghai', kind: 'supplies', description: 'drinking water', monthsAgo: 15, deliveredDaysLate: 10 },
  { id: 'jx-report-1', obligor: 'jiaxing', obligee: 'hangzhou', kind: 'information_report', description: 'water quality reports', monthsAgo: 7, deliveredDaysLate: 20 },
  { id: 'hu-pumps-1', obligor: 'huzhou', obligee: 'shanghai', kind: 'equipment', description: 'pumping station support', monthsAgo: 13, deliveredDaysLate: null, defaulted: true },
  { id: 'hu-report-1', obligor: 'huzhou', obligee: 'suzhou', kind: 'information_report', description: 'upstream warnings', monthsAgo: 5, deliveredDaysLate: null, defaulted: true },
  { id: 'hu-platform-1', obligor: 'huzhou', obligee: 'hangzhou', kind: 'platform', description: 'shared warning platform', monthsAgo: 1, deliveredDaysLate: null },
  { id: 'sz-funding-1', obligor: 'suzhou', obligee: 'jiaxing', kind: 'funding', description: 'dike repair contribution', monthsAgo: 0, deliveredDaysLate: null, dueInDays: 30 },
];

export interface Scenario {
  /** The ledger clock's now (the FakeClock's instant). */
  now: string;
  /** Position of the last write: reads pass it as ?atLeast= to see everything. */
  lastPosition: string;
}

async function write(http: Http, token: string, path: string, body: unknown): Promise<string> {
  const response = await http().post(path).set('Authorization', token).send(body as object);
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return String((response.body as { position: string }).position);
}

export async function buildScenario(http: Http, who: Officials, nowMs: number): Promise<Scenario> {
  const at = (daysFromNow: number): string => new Date(nowMs + daysFromNow * DAY_MS).toISOString();
  const months = (n: number): number => -Math.round(n * 30.4);
  let last = '';
  for (const city of CITIES) {
    last = await write(http, who.admin, '/cities', { ...city, region: '长三角 Yangtze River Delta', occurredAt: at(months(22)) });
  }
  const members = CITIES.map((c) => c.cityId);
  last = await write(http, who.admin, '/bodies', {
    bodyId: BODY,
    name: '长三角应急协同委员会 YRD Emergency Committee',
    members,
    offices: [{ riskCategory: 'natural_disaster', name: '防汛办公室 flood office' }],
    occurredAt: at(months(21)),
  });
  last = await write(http, who.coordinator, '/agreements', {
    agreementId: AGREEMENT,
    bodyId: BODY,
    title: '太湖流域防汛互助协议 Taihu basin flood mutual aid',
    parties: members,
    terms: {
      riskCategories: ['natural_disaster'],
      responsibilities: members.map((cityId) => ({ cityId, duties: ['report river levels', 'send pumping teams'], incidentRole: 'either' })),
      overdueGraceSeconds: 3600,
      defaultAfterSeconds: 30 * 86_400,
      validFrom: at(months(21)),
      validUntil: at(365 * 3),
    },
    occurredAt: at(months(21)),
  });

  for (const plan of COMMITMENTS) {
    const madeAt = plan.dueInDays === undefined ? months(plan.monthsAgo) - 20 : -1;
    const dueAt = plan.dueInDays === undefined ? months(plan.monthsAgo) : plan.dueInDays;
    last = await write(http, who.coordinator, '/commitments', {
      commitmentId: plan.id,
      agreementId: AGREEMENT,
      obligor: plan.obligor,
      obligee: { kind: 'city', id: plan.obligee },
      kind: plan.kind,
      description: plan.description,
      promise: { kind: 'quantity', quantity: '10', unit: 'lot' },
      value: { amount: '200000.00', currency: CURRENCY },
      dueAt: at(dueAt),
      occurredAt: at(madeAt),
    });
    if (plan.deliveredDaysLate !== null) {
      last = await write(http, who.coordinator, `/commitments/${plan.id}/deliveries`, {
        deliveryId: `${plan.id}-d1`,
        quantity: '10',
        evidenceRef: `receipts/${plan.id}`,
        occurredAt: at(dueAt + plan.deliveredDaysLate),
      });
    }
    if (plan.defaulted === true) {
      last = await write(http, who.coordinator, `/commitments/${plan.id}/default`, { note: 'nothing delivered after reminders', occurredAt: at(dueAt + 3) });
    }
  }

  last = await write(http, who.coordinator, '/findings', {
    findingId: 'hu-noncoop-1',
    bodyId: BODY,
    cityId: 'huzhou',
    kind: 'non_cooperation',
    severity: 3,
    penalty: { amount: '50000.00', currency: CURRENCY },
    description: 'refused to open the sluice as agreed',
    occurredAt: at(months(4)),
  });

  last = await write(http, who.fundFinance, '/funds', { bodyId: BODY, currency: CURRENCY, occurredAt: at(months(20)) });
  last = await write(http, who.fundFinance, `/funds/${BODY}/contributions`, {
    contributionId: 'shanghai-2025',
    cityId: 'shanghai',
    amount: '300000.00',
    reference: 'bank/2025/0001',
    occurredAt: at(months(19)),
  });

  last = await write(http, who.coordinator, '/incidents', {
    incidentId: INCIDENT,
    agreementId: AGREEMENT,
    riskCategory: 'natural_disaster',
    scenario: 'spreads_from_one_city',
    originCities: ['hangzhou'],
    affectedCities: ['suzhou', 'jiaxing'],
    description: '太湖东岸堤防渗漏 seepage on the Taihu east embankment',
    occurredAt: at(months(2)),
  });
  const claims = [
    { claimId: 'suzhou-pumps', cityId: 'suzhou', amount: '120000.00', verified: '115000.00' },
    { claimId: 'jiaxing-teams', cityId: 'jiaxing', amount: '80000.00', verified: '80000.00' },
  ];
  for (const claim of claims) {
    last = await write(http, await who.officerOf(claim.cityId), `/incidents/${INCIDENT}/claims`, {
      claimId: claim.claimId,
      cityId: claim.cityId,
      amount: claim.amount,
      evidenceRef: `invoices/${claim.claimId}`,
      occurredAt: at(months(2) + 5),
    });
    last = await write(http, who.coordinator, `/incidents/${INCIDENT}/claims/${claim.claimId}/verification`, {
      verifiedAmount: claim.verified,
      note: 'checked against invoices',
      occurredAt: at(months(2) + 10),
    });
  }
  last = await write(http, who.coordinator, `/incidents/${INCIDENT}/averted-loss`, {
    assessor: '长江水文研究所 Yangtze Institute of Hydrology',
    avertedLoss: '2000000.00',
    reportRef: 'reports/yih-2026-07',
    occurredAt: at(months(2) + 12),
  });
  last = await write(http, who.coordinator, `/incidents/${INCIDENT}/closure`, { occurredAt: at(months(2) + 14) });
  return { now: new Date(nowMs).toISOString(), lastPosition: last };
}
