/** Shared facts for the governance specifications: a Yangtze River Delta body, three member cities, one agreement. */
import type { Actor } from './common.js';
import type { AgreementContext, AgreementTermsInput } from './agreement.js';
import type { CommitmentMade } from './events.js';
import type { MakeCommitment } from './commitment.js';

export const T0 = '2025-03-01T00:00:00.000Z';
export const T0_MS = Date.parse(T0);
export const HOUR_MS = 3_600_000;
/** The ledger clock in the specs: well after every business instant used. */
export const NOW_MS = Date.parse('2025-12-31T00:00:00.000Z');
export const at = (hours: number): string => new Date(T0_MS + hours * HOUR_MS).toISOString();

export const BODY = 'yrd-committee';
export const admin: Actor = { kind: 'admin', id: 'root' };
export const bodyOfficer: Actor = { kind: 'body', id: BODY };
export const otherBody: Actor = { kind: 'body', id: 'jjj-committee' };
export const officerOf = (cityId: string): Actor => ({ kind: 'city', id: cityId });
export const deadlineProcess: Actor = { kind: 'process', id: 'deadlines' };

export const MEMBERS = ['hangzhou', 'suzhou', 'jiaxing', 'huzhou'];
export const PARTIES = ['hangzhou', 'suzhou', 'jiaxing'];

export const termsInput = (over: Partial<AgreementTermsInput> = {}): AgreementTermsInput => ({
  riskCategories: ['natural_disaster', 'public_health'],
  responsibilities: [
    { cityId: 'hangzhou', duties: ['report river levels every 6 hours'], incidentRole: 'origin_leads' },
    { cityId: 'suzhou', duties: ['send pumping teams'], incidentRole: 'affected_assists' },
  ],
  overdueGraceSeconds: 3600,
  defaultAfterSeconds: 7 * 86_400,
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  ...over,
});

export const agreementContext = (over: Partial<AgreementContext> = {}): AgreementContext => ({
  agreementId: 'taihu-flood',
  bodyId: BODY,
  status: 'in_force',
  parties: [...PARTIES],
  currency: 'CNY',
  overdueGraceSeconds: 3600,
  defaultAfterSeconds: 7 * 86_400,
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  ...over,
});

/** Due 48 h after T0: overdue from 49 h, defaulted from 48 h + 7 days. */
export const DUE_HOURS = 48;

type CommitmentTerms = Pick<CommitmentMade['data'], 'commitmentId' | 'agreementId' | 'obligor' | 'obligee' | 'kind' | 'description' | 'promise' | 'value' | 'dueAt' | 'incidentId'>;

/** What the commitment in these specs promises, alike in the command that makes it and the event it makes (fresh each time). */
const sandbags = (): CommitmentTerms => ({
  commitmentId: 'sandbags-1',
  agreementId: 'taihu-flood',
  obligor: 'suzhou',
  obligee: { kind: 'city', id: 'hangzhou' },
  kind: 'supplies',
  description: 'sandbags for the Taihu embankment',
  promise: { kind: 'quantity', quantity: '100', unit: 'tonne' },
  value: { amount: '50000.00', currency: 'CNY' },
  dueAt: at(DUE_HOURS),
  incidentId: null,
});

export const makeCommitment = (over: Partial<MakeCommitment> = {}): MakeCommitment => ({
  type: 'MakeCommitment',
  ...sandbags(),
  agreement: agreementContext(),
  obligeeFund: null,
  occurredAt: T0,
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});

export const made = (over: Partial<CommitmentMade['data']> = {}): CommitmentMade => ({
  type: 'CommitmentMade',
  data: {
    ...sandbags(),
    bodyId: BODY,
    allowOverDelivery: false,
    overdueGraceSeconds: 3600,
    defaultAfterSeconds: 7 * 86_400,
    occurredAt: T0,
    ...over,
  },
});
