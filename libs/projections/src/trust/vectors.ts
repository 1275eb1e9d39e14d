/**
 * The public trust vectors (shared/spec/trust-compensation-vectors.json, section "trust") speak a neutral vocabulary.
 * This module translates them into the ledger's own governance events, so the vectors test the real read model, and a
 * later end-to-end run can drive the same scenarios through commands and the log.
 */
import type {
  CommitmentClosedShort,
  CommitmentDefaulted,
  CommitmentFulfilled,
  CommitmentMade,
  CommitmentWaived,
  FindingKind,
  FindingRecorded,
  FindingRevoked,
  Obligee,
} from '../../../domain/src/governance/events.js';
import { streams } from '../../../domain/src/governance/events.js';
import { money } from '../../../domain/src/shared/money.js';
import type { EventMetadata, RecordedEvent } from '../../../event-store/src/port.js';
import type { TrustBasis } from './evidence.js';
import { COORDINATOR } from './evidence.js';
import type { TrustAnswer, TrustReadModel } from './trust-read-model.js';

interface VectorEventBase {
  id: string;
  at: string;
}

export type TrustVectorEvent =
  | (VectorEventBase & { type: 'commitment_made'; commitment_id: string; obligor: string; obligee: string; due_at: string; value: number })
  | (VectorEventBase & { type: 'commitment_fulfilled'; commitment_id: string })
  | (VectorEventBase & { type: 'commitment_partially_fulfilled'; commitment_id: string; fraction: number })
  | (VectorEventBase & { type: 'commitment_defaulted'; commitment_id: string })
  | (VectorEventBase & { type: 'commitment_waived'; commitment_id: string })
  | (VectorEventBase & { type: 'accountability_finding'; city: string; counterparty: string | null; kind: FindingKind; severity?: number })
  | (VectorEventBase & { type: 'finding_revoked'; finding_event_id: string });

export type TrustVectorQuery =
  | { kind: 'city'; city: string; as_of: string }
  | { kind: 'city_without_findings_for_comparison'; city: string; as_of: string }
  | { kind: 'pair'; truster: string; trustee: string; as_of: string };

export interface TrustVector {
  name: string;
  description: string;
  events: TrustVectorEvent[];
  queries: TrustVectorQuery[];
  expected: Record<string, unknown>[];
}

/** Body and currency the vectors' commitments are made under; the vectors do not name them. */
export const VECTOR_BODY_ID = 'vector-body';
export const VECTOR_AGREEMENT_ID = 'vector-agreement';
export const VECTOR_CURRENCY = 'CNY';

const METADATA: EventMetadata = { actor: 'system:trust-vectors', role: 'system', correlationId: 'trust-vectors', schemaVersion: 1 };

/**
 * Vector events → recorded governance events, in the vectors' order (which is the log order). Both the business
 * instants and recordedAt are the vector's single `at`, so either basis must reproduce the expected numbers. The hash is
 * empty: these events feed read models directly and never enter a hash chain.
 */
export function vectorEventsToRecorded(events: readonly TrustVectorEvent[]): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  const made = new Map<string, Extract<TrustVectorEvent, { type: 'commitment_made' }>>();
  return events.map((e, position) => {
    const { stream, type, data } = translate(e, made);
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    return { id: e.id, type, stream, revision, position: BigInt(position), recordedAt: e.at, data, metadata: { ...METADATA, correlationId: e.id }, hash: '' };
  });
}

function translate(
  e: TrustVectorEvent,
  made: Map<string, Extract<TrustVectorEvent, { type: 'commitment_made' }>>,
): { stream: string; type: string; data: unknown } {
  switch (e.type) {
    case 'commitment_made': {
      made.set(e.commitment_id, e);
      const value = money(String(e.value), VECTOR_CURRENCY);
      const obligee: Obligee = e.obligee === COORDINATOR ? { kind: 'body', id: VECTOR_BODY_ID } : { kind: 'city', id: e.obligee };
      const data: CommitmentMade['data'] = {
        commitmentId: e.commitment_id,
        agreementId: VECTOR_AGREEMENT_ID,
        bodyId: VECTOR_BODY_ID,
        obligor: e.obligor,
        obligee,
        kind: 'funding',
        description: `vector commitment ${e.commitment_id}`,
        promise: { kind: 'money', amount: value.amount, currency: value.currency },
        value,
        dueAt: e.due_at,
        incidentId: null,
        allowOverDelivery: false,
        overdueGraceSeconds: 0,
        defaultAfterSeconds: 0,
        occurredAt: e.at,
      };
      return { stream: streams.commitment(e.commitment_id), type: 'CommitmentMade', data };
    }
    case 'commitment_fulfilled': {
      const terms = made.get(e.commitment_id);
      const promised = terms === undefined ? '0.00' : money(String(terms.value), VECTOR_CURRENCY).amount;
      const data: CommitmentFulfilled['data'] = {
        commitmentId: e.commitment_id,
        completingDeliveryId: `${e.id}-delivery`,
        delivered: promised,
        onTime: terms === undefined || Date.parse(e.at) <= Date.parse(terms.due_at),
        fulfilledAt: e.at,
        occurredAt: e.at,
      };
      return { stream: streams.commitment(e.commitment_id), type: 'CommitmentFulfilled', data };
    }
    case 'commitment_partially_fulfilled': {
      const data: CommitmentClosedShort['data'] = {
        commitmentId: e.commitment_id,
        delivered: String(e.fraction),
        promised: '1',
        fraction: String(e.fraction),
        reason: 'closed short by the body',
        occurredAt: e.at,
      };
      return { stream: streams.commitment(e.commitment_id), type: 'CommitmentClosedShort', data };
    }
    case 'commitment_defaulted': {
      const data: CommitmentDefaulted['data'] = { commitmentId: e.commitment_id, reason: 'declared', note: 'vector default', occurredAt: e.at };
      return { stream: streams.commitment(e.commitment_id), type: 'CommitmentDefaulted', data };
    }
    case 'commitment_waived': {
      const data: CommitmentWaived['data'] = { commitmentId: e.commitment_id, waivedBy: { kind: 'body', id: VECTOR_BODY_ID }, reason: 'vector waiver', occurredAt: e.at };
      return { stream: streams.commitment(e.commitment_id), type: 'CommitmentWaived', data };
    }
    case 'accountability_finding': {
      // The vectors name a finding by the id of the event that recorded it: that id is the finding id.
      const data: FindingRecorded['data'] = {
        findingId: e.id,
        bodyId: VECTOR_BODY_ID,
        cityId: e.city,
        counterpartyCityId: e.counterparty,
        kind: e.kind,
        severity: e.severity ?? 1,
        incidentId: null,
        penalty: null,
        description: `vector finding ${e.id}`,
        occurredAt: e.at,
      };
      return { stream: streams.finding(e.id), type: 'FindingRecorded', data };
    }
    case 'finding_revoked': {
      const findingId = e.finding_event_id;
      const data: FindingRevoked['data'] = { findingId, reason: 'overturned on appeal', occurredAt: e.at };
      return { stream: streams.finding(findingId), type: 'FindingRevoked', data };
    }
  }
}

/** Asks the read model the vector's question, with contributions, on the given basis. */
export function answerVectorQuery(model: TrustReadModel, query: TrustVectorQuery, basis: TrustBasis): TrustAnswer {
  switch (query.kind) {
    case 'city':
      return model.cityTrust(query.city, { asOf: query.as_of, basis, explain: true });
    case 'city_without_findings_for_comparison':
      return model.cityTrust(query.city, { asOf: query.as_of, basis, explain: true, withoutFindings: true });
    case 'pair':
      return model.pairTrust(query.truster, query.trustee, { asOf: query.as_of, basis, explain: true });
  }
}
