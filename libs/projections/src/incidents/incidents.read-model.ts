/**
 * Incidents: origin and affected cities, claims with their status, the averted loss, the findings tied to the incident
 * (FindingRecorded.incidentId, minus FindingRevoked) and, once closed, the assessment with its full derivation.
 *
 * Findings may name an incident before it is opened (the governance log is independent), so they are kept by incident
 * id on their own and joined when an incident is read.
 */
import type { RecordedEvent } from '../../../event-store/src/port.js';
import type { FindingKind, GovernanceEvent, RiskCategory } from '../../../domain/src/governance/events.js';
import type { Money } from '../../../domain/src/shared/money.js';
import type { AssessmentDerivation, CompensationEvent, IncidentScenario, Obligation } from '../../../domain/src/compensation/events.js';
import type { IncidentFinding } from '../../../domain/src/compensation/assessment.js';
import type { BackgroundWork, ReadModel } from '../read-model.js';
import { DeferredGroups, DeferredRestore, SnapshotShapeError } from '../governance/snapshot-rows.js';
import { incidentsSnapshot, restoreIncidents } from './incidents.snapshot.js';

export type IncidentStatus = 'open' | 'assessed';

export interface ClaimView {
  claimId: string;
  cityId: string;
  amount: string;
  currency: string;
  evidenceRef: string;
  status: 'pending' | 'verified' | 'rejected';
  verifiedAmount: string | null;
  /** The coordinator's note on verifying, or the reason for rejecting. */
  decisionNote: string | null;
  claimedAt: string;
  decidedAt: string | null;
}

export interface IncidentFindingView {
  findingId: string;
  cityId: string;
  kind: FindingKind;
  severity: number;
  penalty: Money | null;
  recordedAt: string;
  revoked: boolean;
  /**
   * Recorded (in the log) after the incident was assessed, so its assessment did not count it. Findings live on their
   * own streams, so a finding and the closing can cross; this makes any such finding visible rather than silent.
   */
  afterAssessment: boolean;
}

export interface IncidentView {
  incidentId: string;
  agreementId: string;
  bodyId: string;
  riskCategory: RiskCategory;
  scenario: IncidentScenario;
  description: string;
  status: IncidentStatus;
  currency: string;
  originCities: string[];
  affectedCities: string[];
  openedAt: string;
  claims: ClaimView[];
  avertedLoss: { assessor: string; avertedLoss: string; currency: string; reportRef: string; assessedAt: string } | null;
  /** Findings tied to the incident, revoked ones included and marked. */
  findings: IncidentFindingView[];
  assessment: { assessedAt: string; fundId: string; derivation: AssessmentDerivation; obligations: Obligation[] } | null;
}

export interface IncidentSummary {
  incidentId: string;
  bodyId: string;
  agreementId: string;
  riskCategory: RiskCategory;
  status: IncidentStatus;
  openedAt: string;
  claims: number;
}

export interface IncidentListFilter {
  bodyId?: string;
  status?: IncidentStatus;
}

/** A finding names one incident; no incident shows more findings than this (far above any real one). */
export const MAX_FINDINGS_PER_INCIDENT = 1000;

export interface IncidentRow extends Omit<IncidentView, 'claims' | 'findings'> {
  claims: Map<string, ClaimView>;
}

type Known = CompensationEvent | GovernanceEvent;

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Snapshot rows (incidents, findings of an incident) per group kept as bytes by a restore: few enough that a group's
 * text (some 5 KB a row) stays below V8's large-object size (128 KiB), so a round's groups die young.
 */
const ROWS_PER_GROUP = 16;
/** The events `apply` reads: any other leaves the state as it is, so it needs no deferred group decoded. */
const INCIDENT_EVENTS: ReadonlySet<string> = new Set([
  'IncidentOpened',
  'AffectedCityAdded',
  'ResponseCostClaimed',
  'ClaimVerified',
  'ClaimRejected',
  'AvertedLossAssessed',
  'IncidentAssessed',
  'FindingRecorded',
  'FindingRevoked',
]);

export class IncidentsReadModel implements ReadModel {
  readonly name = 'incidents';
  /** 2: snapshot rows in groups kept as bytes until needed; 3: groups of 16 rows (restore numbers rows by group). */
  readonly version = 3;

  private readonly incidents = new Map<string, IncidentRow>();
  /** incidentId → findingId → finding. */
  private readonly findings = new Map<string, Map<string, IncidentFindingView>>();
  /** findingId → the incident it names, so a revocation finds it. */
  private readonly findingIncident = new Map<string, string>();
  /** The groups of a restored snapshot not decoded yet (none once every one is, or when nothing was restored). */
  private readonly deferred = new DeferredGroups();
  /**
   * Rows and findings maps made or copied since the last snapshot's capture, which the model may change in place; any
   * other may be held by a snapshot being written, so it is copied before its first change. Null before any capture.
   */
  private owned: WeakSet<object> | null = null;

  apply(event: RecordedEvent): void {
    if (this.deferred.pending && INCIDENT_EVENTS.has(event.type)) this.deferred.ready();
    // Only the events named below are read; their data has the shape their union declares.
    const e = { type: event.type, data: event.data } as Known;
    switch (e.type) {
      case 'IncidentOpened': {
        const d = e.data;
        const row: IncidentRow = {
          incidentId: d.incidentId,
          agreementId: d.agreementId,
          bodyId: d.bodyId,
          riskCategory: d.riskCategory,
          scenario: d.scenario,
          description: d.description,
          status: 'open',
          currency: d.rules.currency,
          originCities: [...d.originCities],
          affectedCities: [...d.affectedCities],
          openedAt: d.occurredAt,
          claims: new Map(),
          avertedLoss: null,
          assessment: null,
        };
        this.incidents.set(d.incidentId, row);
        this.owned?.add(row);
        return;
      }
      case 'AffectedCityAdded': {
        const row = this.incidents.get(e.data.incidentId);
        if (row !== undefined && !row.affectedCities.includes(e.data.cityId)) this.writable(row).affectedCities.push(e.data.cityId);
        return;
      }
      case 'ResponseCostClaimed': {
        const d = e.data;
        const row = this.incidents.get(d.incidentId);
        if (row === undefined) return;
        this.writable(row).claims.set(d.claimId, {
          claimId: d.claimId,
          cityId: d.cityId,
          amount: d.amount,
          currency: d.currency,
          evidenceRef: d.evidenceRef,
          status: 'pending',
          verifiedAmount: null,
          decisionNote: null,
          claimedAt: d.occurredAt,
          decidedAt: null,
        });
        return;
      }
      case 'ClaimVerified':
      case 'ClaimRejected': {
        const row = this.incidents.get(e.data.incidentId);
        if (row?.claims.has(e.data.claimId) !== true) return;
        const claim = this.writable(row).claims.get(e.data.claimId);
        if (claim === undefined) return;
        claim.decidedAt = e.data.occurredAt;
        if (e.type === 'ClaimVerified') {
          claim.status = 'verified';
          claim.verifiedAmount = e.data.verifiedAmount;
          claim.decisionNote = e.data.note;
        } else {
          claim.status = 'rejected';
          claim.decisionNote = e.data.reason;
        }
        return;
      }
      case 'AvertedLossAssessed': {
        const row = this.incidents.get(e.data.incidentId);
        if (row !== undefined) this.writable(row).avertedLoss = { assessor: e.data.assessor, avertedLoss: e.data.avertedLoss, currency: e.data.currency, reportRef: e.data.reportRef, assessedAt: e.data.occurredAt };
        return;
      }
      case 'IncidentAssessed': {
        const found = this.incidents.get(e.data.incidentId);
        if (found === undefined) return;
        const row = this.writable(found);
        row.status = 'assessed';
        row.assessment = { assessedAt: e.data.occurredAt, fundId: e.data.fundId, derivation: e.data.derivation, obligations: e.data.obligations };
        return;
      }
      case 'FindingRecorded': {
        const d = e.data;
        if (d.incidentId === null) return;
        let tied = this.writableFindings(d.incidentId);
        if (tied === undefined) {
          tied = new Map();
          this.findings.set(d.incidentId, tied);
          this.owned?.add(tied);
        }
        const afterAssessment = this.incidents.get(d.incidentId)?.status === 'assessed';
        tied.set(d.findingId, { findingId: d.findingId, cityId: d.cityId, kind: d.kind, severity: d.severity, penalty: d.penalty, recordedAt: d.occurredAt, revoked: false, afterAssessment });
        this.findingIncident.set(d.findingId, d.incidentId);
        return;
      }
      case 'FindingRevoked': {
        const incidentId = this.findingIncident.get(e.data.findingId);
        if (incidentId === undefined || this.findings.get(incidentId)?.has(e.data.findingId) !== true) return;
        const finding = this.writableFindings(incidentId)?.get(e.data.findingId);
        if (finding !== undefined) finding.revoked = true;
        return;
      }
      default:
        return;
    }
  }

  /** The row itself when the model owns it, else (held by a snapshot) a copy put in its place, claims and all. */
  private writable(row: IncidentRow): IncidentRow {
    const owned = this.owned;
    if (owned === null || owned.has(row)) return row;
    const copy: IncidentRow = {
      ...row,
      originCities: [...row.originCities],
      affectedCities: [...row.affectedCities],
      claims: new Map([...row.claims].map(([id, claim]) => [id, { ...claim }])),
    };
    // Same key: the incident keeps its place in the insertion order.
    this.incidents.set(row.incidentId, copy);
    owned.add(copy);
    return copy;
  }

  /** The findings tied to an incident, copied (findings and all) first when a snapshot may hold them; see `writable`. */
  private writableFindings(incidentId: string): Map<string, IncidentFindingView> | undefined {
    const tied = this.findings.get(incidentId);
    const owned = this.owned;
    if (tied === undefined || owned === null || owned.has(tied)) return tied;
    const copy = new Map([...tied].map(([id, finding]) => [id, { ...finding }]));
    this.findings.set(incidentId, copy);
    owned.add(copy);
    return copy;
  }

  incident(incidentId: string): IncidentView | null {
    this.deferred.ready();
    const row = this.incidents.get(incidentId);
    if (row === undefined) return null;
    return {
      ...row,
      originCities: [...row.originCities],
      affectedCities: [...row.affectedCities],
      claims: [...row.claims.values()].map((c) => ({ ...c })),
      findings: this.findingsOf(incidentId).map((f) => ({ ...f })),
    };
  }

  /** The standing findings tied to the incident: what CloseIncident's context carries. */
  standingFindings(incidentId: string): IncidentFinding[] {
    this.deferred.ready();
    return this.findingsOf(incidentId)
      .filter((f) => !f.revoked)
      .map((f) => ({ findingId: f.findingId, cityId: f.cityId, kind: f.kind }));
  }

  /** Summaries in incident-id order; the caller pages them. */
  *summaries(filter: IncidentListFilter = {}): Generator<IncidentSummary> {
    this.deferred.ready();
    const ids = [...this.incidents.keys()].sort(byKey);
    for (const id of ids) {
      const row = this.incidents.get(id);
      if (row === undefined) continue;
      if (filter.bodyId !== undefined && row.bodyId !== filter.bodyId) continue;
      if (filter.status !== undefined && row.status !== filter.status) continue;
      yield { incidentId: id, bodyId: row.bodyId, agreementId: row.agreementId, riskCategory: row.riskCategory, status: row.status, openedAt: row.openedAt, claims: row.claims.size };
    }
  }

  private findingsOf(incidentId: string): IncidentFindingView[] {
    const tied = this.findings.get(incidentId);
    if (tied === undefined) return [];
    return [...tied.values()].sort((a, b) => byKey(a.findingId, b.findingId)).slice(0, MAX_FINDINGS_PER_INCIDENT);
  }

  /**
   * The rows as they are now, by reference, written in groups of JSON text that a restore keeps as bytes; from here on
   * a row or findings map is copied before it changes (see `writable`), so the snapshot is this moment's state.
   */
  snapshot(): unknown {
    this.deferred.ready();
    const groups = incidentsSnapshot(this.incidents, this.findings, ROWS_PER_GROUP);
    this.owned = new WeakSet();
    return groups;
  }

  /**
   * Keeps the snapshot's groups as bytes: they are decoded when an incident event or a question first needs the
   * state, or in the background once the runner has caught up (`caughtUp`), so a restart serves without decoding
   * them first.
   */
  restore(state: unknown): void {
    if (this.incidents.size > 0 || this.findings.size > 0 || this.deferred.pending) throw new SnapshotShapeError(this.name, 'restored into a model that already has rows');
    const deferred = new DeferredRestore(this.name, state, (rows, group) => {
      // Decoded whole before any of it is added, each group in the order written (insertion order is the views').
      const part = restoreIncidents(this.name, rows, undefined, group * ROWS_PER_GROUP);
      for (const id of part.incidents.keys()) if (this.incidents.has(id)) throw new SnapshotShapeError(this.name, `incident ${id} is written twice`);
      for (const id of part.findings.keys()) if (this.findings.has(id)) throw new SnapshotShapeError(this.name, `findings of ${id} are written twice`);
      for (const [id, row] of part.incidents) this.incidents.set(id, row);
      for (const [incidentId, tied] of part.findings) {
        this.findings.set(incidentId, tied);
        for (const findingId of tied.keys()) this.findingIncident.set(findingId, incidentId);
      }
    });
    this.deferred.hold(deferred);
  }

  /** The runner reached the head: groups no event or question has needed yet are decoded in the background. */
  caughtUp(background?: BackgroundWork): void {
    this.deferred.inBackground(background);
  }

  /** Groups of the restored snapshot not decoded yet. */
  undecoded(): number {
    return this.deferred.left;
  }


  canonicalState(): unknown {
    this.deferred.ready();
    return {
      incidents: [...this.incidents.keys()].sort(byKey).map((id) => this.incident(id)),
      findings: [...this.findings.keys()].sort(byKey).map((id) => [id, this.findingsOf(id)]),
    };
  }
}
