/**
 * What the API answers, as far as the page reads it. Kept here (not imported from the server's sources) so the page
 * builds on its own; the e2e test holds the two together by comparing what is shown with what the API says.
 */

export type Band = 'trusted' | 'watch' | 'low' | 'unrated';

export interface TrustAnswer {
  trust: number;
  confidence: number;
  band: Band;
  interval?: readonly [number, number] | { lower: number; upper: number };
  r?: number;
  s?: number;
  asOf?: string;
  subject?: { kind: 'city'; city: string } | { kind: 'pair'; truster: string; trustee: string };
  contributions?: Contribution[];
  omittedContributions?: number;
  anomalies?: { eventId: string; subject: string; at: string; reason: string }[];
}

export interface RankedCity extends TrustAnswer {
  rank: number;
  city?: string;
  cityId?: string;
}

export interface SeriesPoint {
  asOf: string;
  trust: number;
  confidence: number;
  band: Band;
}

export interface MatrixCell extends TrustAnswer {
  truster: string;
  trustee: string;
}

export type Contribution =
  | { source: 'commitment'; eventId: string; at: string; commitmentId: string; outcome: string; weight: number; quality: number | null; decay: number; r: number; s: number }
  | { source: 'finding'; eventId: string; at: string; findingId: string; finding: string; severity: number; decay: number; r: number; s: number };

export interface Party {
  kind: 'city' | 'fund';
  id: string;
}

export interface PairBalance {
  payer: Party;
  payee: Party;
  currency: string;
  obligated: string;
  settled: string;
  pending: string;
  outstanding: string;
}

export interface FundView {
  fundId: string;
  currency: string;
  established: boolean;
  balance: string;
  moneyIn: string;
  moneyOut: string;
  pendingOut: string;
  available: string;
}

export interface TransferView {
  transferId: string;
  obligationId: string;
  payer: Party;
  payee: Party;
  amount: string;
  currency: string;
  form: string;
  status: string;
}

export interface Proposal {
  bodyId: string;
  currency: string;
  fingerprint: string;
  method: string;
  parties: number;
  transfers: { payer: Party; payee: Party; amount: string }[];
  positions?: Record<string, string>;
  /** Open obligations the proposal would replace, and whether executing needs fewer transfers than that. */
  obligationsReplaced: number;
  worthExecuting: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The trust interval, whichever of its two shapes the API uses. */
export function intervalOf(answer: TrustAnswer): [number, number] | null {
  const interval = answer.interval;
  if (interval === undefined) return null;
  if (Array.isArray(interval)) return [interval[0], interval[1]];
  const bounds = interval as { lower: number; upper: number };
  return [bounds.lower, bounds.upper];
}

/** A list that may come bare or wrapped as { items } / { <name>: [...] }. */
export function listOf<T>(answer: unknown, ...names: string[]): T[] {
  if (Array.isArray(answer)) return answer as T[];
  if (typeof answer === 'object' && answer !== null) {
    const record = answer as Record<string, unknown>;
    for (const name of ['items', ...names]) if (Array.isArray(record[name])) return record[name] as T[];
  }
  return [];
}

/** The city a ranking row is about. */
export const rankedCityId = (row: RankedCity): string => row.city ?? row.cityId ?? (row.subject?.kind === 'city' ? row.subject.city : '?');

/** Truster and trustee of a matrix cell, from a flat cell or a pair answer. */
export function cellOf(raw: TrustAnswer & Partial<MatrixCell>): MatrixCell | null {
  if (typeof raw.truster === 'string' && typeof raw.trustee === 'string') return { ...raw, truster: raw.truster, trustee: raw.trustee };
  if (raw.subject?.kind === 'pair') return { ...raw, truster: raw.subject.truster, trustee: raw.subject.trustee };
  return null;
}
