import type { FindingKind } from '../../../domain/src/governance/events.js';
import { commitmentWeight, timeliness } from './opinion.js';
import type { TrustParameterSet } from './parameters.js';

/** `recorded`: what the ledger knew then (envelope recordedAt). `occurred`: as it happened (business instants). */
export type TrustBasis = 'recorded' | 'occurred';
export const TRUST_BASES: readonly TrustBasis[] = ['recorded', 'occurred'];

export const DAY_MS = 86_400_000;

/** The obligee as the model sees it: a city, or `coordinator` for a body or fund (vertical evidence). */
export const COORDINATOR = 'coordinator';

export type LifecycleKind = 'made' | 'fulfilled' | 'closed_short' | 'defaulted' | 'waived' | 'reopened' | 'finding' | 'revoked';

/** One event in the life of a commitment or finding, with its instant on both time lines. */
export interface LifecycleFact {
  kind: LifecycleKind;
  /** Envelope recordedAt (ms): the recorded basis filters and orders on it. */
  recordedMs: number;
  /** Business instant (ms): the occurred basis filters and orders on it; lateness and decay are scored from it. */
  businessMs: number;
  /** Order within the stream: breaks ties between events of one commitment at the same instant. */
  seq: number;
  eventId: string;
  /** Delivered / promised, for closed short. */
  fraction: number;
}

export const keyOn = (fact: LifecycleFact, basis: TrustBasis): number => (basis === 'recorded' ? fact.recordedMs : fact.businessMs);

/** The facts in canonical order on a basis: instant, then stream order. */
export function inCanonicalOrder(facts: readonly LifecycleFact[], basis: TrustBasis): readonly LifecycleFact[] {
  if (facts.length < 2) return facts;
  return [...facts].sort((x, y) => keyOn(x, basis) - keyOn(y, basis) || x.seq - y.seq);
}

export type CommitmentOutcome =
  | 'fulfilled_on_time'
  | 'fulfilled_late'
  | 'partially_fulfilled'
  | 'partially_fulfilled_late'
  | 'defaulted'
  | 'open_overdue_provisional';

/** What CommitmentMade tells the model. */
export interface CommitmentTerms {
  commitmentId: string;
  obligor: string;
  /** A city id, or COORDINATOR. */
  obligee: string;
  /** The obligee city, or null when vertical. */
  obligeeCity: string | null;
  /** CommitmentMade.value.amount, as recorded (decimal string). */
  value: string;
  weight: number;
  dueMs: number;
  madeMs: number;
  leadMs: number;
}

/** w of a commitment from its recorded value (a decimal string). */
export function valueWeight(valueAmount: string, p: TrustParameterSet): number {
  // The value only weighs the commitment through a logarithm: a binary float is ample here, no money arithmetic happens.
  const value = Number(valueAmount);
  return commitmentWeight(Number.isFinite(value) ? value : 0, p);
}

/** A piece of evidence, valid on the basis' time line from `from` (inclusive) until `until` (exclusive). */
export interface EvidenceSegment {
  from: number;
  until: number;
  /** Instant the evidence decays from. */
  decayFrom: number;
  eventId: string;
  outcome: CommitmentOutcome;
  latenessRatio: number | null;
  quality: number;
  /** Undecayed r and s. */
  r0: number;
  s0: number;
}

/** Span during which a commitment is open (made, not terminated) on the basis' time line. */
export interface OpenSpan {
  from: number;
  until: number;
  /** The event that opened the commitment (made, or reopened): names the provisional contribution. */
  eventId: string;
}

export interface Anomaly {
  eventId: string;
  subject: string;
  /** Basis instant from which the anomaly is part of the history. */
  key: number;
  reason: string;
}

export interface CommitmentResolution {
  evidence: EvidenceSegment[];
  open: OpenSpan[];
  anomalies: Anomaly[];
}

const TERMINALS: ReadonlySet<LifecycleKind> = new Set(['fulfilled', 'closed_short', 'defaulted', 'waived']);

/**
 * Rules 2 and 3 on one basis: walk the commitment's events in canonical order; the first terminal wins, a reopening
 * withdraws a fulfilment and opens the commitment again, anything else is an anomaly. Because the walk is in the same
 * order as the as-of filter, the result restricted to any instant equals the walk of the history cut at that instant.
 */
export function resolveCommitment(
  commitmentId: string,
  terms: CommitmentTerms | null,
  facts: readonly LifecycleFact[],
  basis: TrustBasis,
  p: TrustParameterSet,
): CommitmentResolution {
  const out: CommitmentResolution = { evidence: [], open: [], anomalies: [] };
  let state: 'unknown' | 'open' | 'fulfilled' | 'closed' = 'unknown';
  let openFrom = 0;
  let openedBy = '';
  let fulfilment: EvidenceSegment | null = null;
  for (const entry of inCanonicalOrder(facts, basis)) {
    const key = keyOn(entry, basis);
    if (entry.kind === 'made') {
      if (state !== 'unknown' || terms === null) {
        out.anomalies.push({ eventId: entry.eventId, subject: commitmentId, key, reason: 'commitment made twice' });
        continue;
      }
      state = 'open';
      openFrom = key;
      openedBy = entry.eventId;
    } else if (TERMINALS.has(entry.kind)) {
      if (state !== 'open' || terms === null) {
        const reason = state === 'unknown' ? 'terminal event for an unknown commitment' : 'terminal event after the commitment was already terminated';
        out.anomalies.push({ eventId: entry.eventId, subject: commitmentId, key, reason });
        continue;
      }
      out.open.push({ from: openFrom, until: key, eventId: openedBy });
      if (entry.kind === 'waived') {
        state = 'closed';
        continue;
      }
      const segment = scoreTerminal(terms, entry, key, p);
      out.evidence.push(segment);
      if (entry.kind === 'fulfilled') {
        state = 'fulfilled';
        fulfilment = segment;
      } else {
        state = 'closed';
      }
    } else if (entry.kind === 'reopened') {
      if (state !== 'fulfilled' || fulfilment === null) {
        out.anomalies.push({ eventId: entry.eventId, subject: commitmentId, key, reason: 'reopening of a commitment that is not fulfilled' });
        continue;
      }
      fulfilment.until = key;
      fulfilment = null;
      state = 'open';
      openFrom = key;
      openedBy = entry.eventId;
    }
  }
  if (state === 'open') out.open.push({ from: openFrom, until: Number.POSITIVE_INFINITY, eventId: openedBy });
  return out;
}

function scoreTerminal(terms: CommitmentTerms, entry: LifecycleFact, key: number, p: TrustParameterSet): EvidenceSegment {
  // In the recorded basis the evidence cannot be younger than its recording, so decay never exceeds 1.
  const decayFrom = Math.min(entry.businessMs, key);
  if (entry.kind === 'defaulted') {
    const s0 = p.breachMultiplier * terms.weight;
    return { from: key, until: Number.POSITIVE_INFINITY, decayFrom, eventId: entry.eventId, outcome: 'defaulted', latenessRatio: null, quality: 0, r0: 0, s0 };
  }
  // The model's own grace (0 in cfbt-1), never the agreement's overdueGraceSeconds: see TrustParameterSet.graceSeconds.
  const rho = Math.max(0, entry.businessMs - terms.dueMs - p.graceSeconds * 1000) / terms.leadMs;
  const f = entry.kind === 'closed_short' ? entry.fraction : 1;
  const quality = f * timeliness(rho, p);
  const late = rho > 0;
  const outcome: CommitmentOutcome =
    entry.kind === 'closed_short' ? (late ? 'partially_fulfilled_late' : 'partially_fulfilled') : late ? 'fulfilled_late' : 'fulfilled_on_time';
  return {
    from: key,
    until: Number.POSITIVE_INFINITY,
    decayFrom,
    eventId: entry.eventId,
    outcome,
    latenessRatio: rho,
    quality,
    r0: terms.weight * quality,
    s0: p.breachMultiplier * terms.weight * (1 - quality),
  };
}

export interface FindingFacts {
  findingId: string;
  cityId: string;
  counterparty: string | null;
  kind: FindingKind;
  severity: number;
}

export interface FindingResolution {
  /** Valid from the finding until its revocation (or forever). */
  segment: { from: number; until: number; decayFrom: number; eventId: string; s0: number } | null;
  anomalies: Anomaly[];
}

export function resolveFinding(
  findingId: string,
  finding: FindingFacts | null,
  facts: readonly LifecycleFact[],
  basis: TrustBasis,
  p: TrustParameterSet,
): FindingResolution {
  const out: FindingResolution = { segment: null, anomalies: [] };
  let state: 'unknown' | 'standing' | 'revoked' = 'unknown';
  for (const entry of inCanonicalOrder(facts, basis)) {
    const key = keyOn(entry, basis);
    if (entry.kind === 'finding' && state === 'unknown' && finding !== null) {
      state = 'standing';
      out.segment = {
        from: key,
        until: Number.POSITIVE_INFINITY,
        decayFrom: Math.min(entry.businessMs, key),
        eventId: entry.eventId,
        s0: p.findingWeights[finding.kind] * finding.severity,
      };
    } else if (entry.kind === 'revoked' && state === 'standing' && out.segment !== null) {
      state = 'revoked';
      out.segment.until = key;
    } else {
      out.anomalies.push({ eventId: entry.eventId, subject: findingId, key, reason: entry.kind === 'revoked' ? 'revocation of a finding that does not stand' : 'finding recorded twice' });
    }
  }
  return out;
}
