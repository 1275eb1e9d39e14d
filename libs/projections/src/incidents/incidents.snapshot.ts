/**
 * The snapshot of the incidents read model: one row per incident, then one row per incident id that findings name,
 * both in insertion order (claims and findings keep theirs, which the views show). Rows are tuples and the claims and
 * findings within them flat lists, built as the writer reaches them from rows the model no longer changes once
 * captured (it changes a copy; see `incidentsSnapshot`). What events carried whole (scenario derivation, obligations)
 * is immutable and shared.
 *
 *   ["incident", id, agreementId, bodyId, riskCategory, scenario, description, status, currency, originCities,
 *    affectedCities, openedAt, claims (CLAIM_WIDTH values each), avertedLoss | null, assessment | null]
 *   ["findings", incidentId, findings (FINDING_WIDTH values each)]
 *
 * The finding → incident index is not written: it follows from the findings rows.
 *
 * The model writes these rows in groups of JSON text in binary rows (snapshot-rows.ts `deferredGroups`), which a
 * restore keeps as bytes and decodes when the incidents are first needed, or in the background once the runner has
 * caught up.
 */
import { INCIDENT_SCENARIOS, type AssessmentDerivation, type Obligation } from '../../../domain/src/compensation/events.js';
import { FINDING_KINDS, RISK_CATEGORIES } from '../../../domain/src/governance/events.js';
import type { Money } from '../../../domain/src/shared/money.js';
import type { DeferredSnapshotBytes } from '../read-model.js';
import { lazyGroups, SnapshotShapeError } from '../governance/snapshot-rows.js';
import type { ClaimView, IncidentFindingView, IncidentRow, IncidentStatus } from './incidents.read-model.js';

const INCIDENT = 'incident';
const FINDINGS = 'findings';
const INCIDENT_WIDTH = 15;
const CLAIM_WIDTH = 10;
const FINDING_WIDTH = 8;
const STATUSES: readonly IncidentStatus[] = ['open', 'assessed'];
const CLAIM_STATUSES: readonly ClaimView['status'][] = ['pending', 'verified', 'rejected'];

function claimsOut(claims: Map<string, ClaimView>): unknown[] {
  const out: unknown[] = [];
  for (const c of claims.values()) {
    out.push(c.claimId, c.cityId, c.amount, c.currency, c.evidenceRef, CLAIM_STATUSES.indexOf(c.status), c.verifiedAmount, c.decisionNote, c.claimedAt, c.decidedAt);
  }
  return out;
}

function findingsOut(tied: Map<string, IncidentFindingView>): unknown[] {
  const out: unknown[] = [];
  for (const f of tied.values()) {
    out.push(f.findingId, f.cityId, f.kind, f.severity, f.penalty === null ? null : [f.penalty.amount, f.penalty.currency], f.recordedAt, f.revoked ? 1 : 0, f.afterAssessment ? 1 : 0);
  }
  return out;
}

function incidentOut(i: IncidentRow): unknown[] {
  const a = i.avertedLoss;
  const assessment = i.assessment;
  return [
    INCIDENT,
    i.incidentId,
    i.agreementId,
    i.bodyId,
    i.riskCategory,
    i.scenario,
    i.description,
    STATUSES.indexOf(i.status),
    i.currency,
    [...i.originCities],
    [...i.affectedCities],
    i.openedAt,
    claimsOut(i.claims),
    a === null ? null : [a.assessor, a.avertedLoss, a.currency, a.reportRef, a.assessedAt],
    assessment === null ? null : [assessment.assessedAt, assessment.fundId, assessment.derivation, assessment.obligations],
  ];
}

/**
 * The snapshot, in groups of `perGroup` rows: the capture (between two events) copies only the lists of incidents and
 * of findings maps, by reference; each group's tuples are built when the writer reaches it. That is exact only if the
 * captured rows, claims, cities and findings are not changed afterwards: the model copies a row (or a findings map)
 * before its first change after a capture (copy on write), so the captured ones stay as they were.
 */
export function incidentsSnapshot(incidents: Map<string, IncidentRow>, findings: Map<string, Map<string, IncidentFindingView>>, perGroup: number): DeferredSnapshotBytes[] {
  const rows = [...incidents.values()];
  const findingIds = [...findings.keys()];
  const findingMaps = [...findings.values()];
  return lazyGroups(rows.length + findingIds.length, perGroup, (r) => {
    if (r < rows.length) return incidentOut(rows[r]);
    const f = r - rows.length;
    return [FINDINGS, findingIds[f], findingsOut(findingMaps[f])];
  });
}

/** Reads what `incidentsSnapshot` wrote; throws SnapshotShapeError on anything else. */
class Reader {
  constructor(private readonly model: string) {}

  fail(what: string): never {
    throw new SnapshotShapeError(this.model, what);
  }

  text(v: unknown, what: string): string {
    return typeof v === 'string' ? v : this.fail(`${what} is not text`);
  }

  textOrNull(v: unknown, what: string): string | null {
    return v === null ? null : this.text(v, what);
  }

  oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
    const found = allowed.find((a) => a === v);
    return found ?? this.fail(`${what} is not one of ${allowed.join(', ')}`);
  }

  code<T>(v: unknown, codes: readonly T[], what: string): T {
    const c = typeof v === 'number' && Number.isInteger(v) ? codes[v] : undefined;
    return c ?? this.fail(`${what} is not a known code`);
  }

  flag(v: unknown, what: string): boolean {
    return v === 1 ? true : v === 0 ? false : this.fail(`${what} is not 0 or 1`);
  }

  tuple(v: unknown, width: number, what: string): unknown[] {
    return Array.isArray(v) && v.length === width ? (v as unknown[]) : this.fail(`${what} is not a tuple of ${width}`);
  }

  texts(v: unknown, what: string): string[] {
    if (!Array.isArray(v)) this.fail(`${what} is not a list`);
    return (v as unknown[]).map((s) => this.text(s, what));
  }

  flat(v: unknown, width: number, what: string): unknown[] {
    if (!Array.isArray(v) || v.length % width !== 0) this.fail(`${what} is not a list of ${width}-value entries`);
    return v as unknown[];
  }

  object<T>(v: unknown, what: string): T {
    // Written from the event that carried it, unchanged: its shape is the event's.
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : this.fail(`${what} is not an object`);
  }

  claims(v: unknown, id: string): Map<string, ClaimView> {
    const flat = this.flat(v, CLAIM_WIDTH, `claims of ${id}`);
    const claims = new Map<string, ClaimView>();
    for (let i = 0; i < flat.length; i += CLAIM_WIDTH) {
      const claimId = this.text(flat[i], `a claim of ${id}`);
      if (claims.has(claimId)) this.fail(`claim ${claimId} of ${id} is written twice`);
      claims.set(claimId, {
        claimId,
        cityId: this.text(flat[i + 1], `claim ${claimId} of ${id}`),
        amount: this.text(flat[i + 2], `claim ${claimId} of ${id}`),
        currency: this.text(flat[i + 3], `claim ${claimId} of ${id}`),
        evidenceRef: this.text(flat[i + 4], `claim ${claimId} of ${id}`),
        status: this.code(flat[i + 5], CLAIM_STATUSES, `status of claim ${claimId} of ${id}`),
        verifiedAmount: this.textOrNull(flat[i + 6], `claim ${claimId} of ${id}`),
        decisionNote: this.textOrNull(flat[i + 7], `claim ${claimId} of ${id}`),
        claimedAt: this.text(flat[i + 8], `claim ${claimId} of ${id}`),
        decidedAt: this.textOrNull(flat[i + 9], `claim ${claimId} of ${id}`),
      });
    }
    return claims;
  }

  incident(row: unknown[], r: number): IncidentRow {
    const [, rawId, agreementId, bodyId, riskCategory, scenario, description, status, currency, origins, affected, openedAt, claims, averted, assessment] = this.tuple(row, INCIDENT_WIDTH, `row ${r}`);
    const id = this.text(rawId, `incident id in row ${r}`);
    let avertedLoss: IncidentRow['avertedLoss'] = null;
    if (averted !== null) {
      const [assessor, amount, lossCurrency, reportRef, assessedAt] = this.tuple(averted, 5, `averted loss of ${id}`);
      avertedLoss = {
        assessor: this.text(assessor, `averted loss of ${id}`),
        avertedLoss: this.text(amount, `averted loss of ${id}`),
        currency: this.text(lossCurrency, `averted loss of ${id}`),
        reportRef: this.text(reportRef, `averted loss of ${id}`),
        assessedAt: this.text(assessedAt, `averted loss of ${id}`),
      };
    }
    let assessed: IncidentRow['assessment'] = null;
    if (assessment !== null) {
      const [assessedAt, fundId, derivation, obligations] = this.tuple(assessment, 4, `assessment of ${id}`);
      if (!Array.isArray(obligations)) this.fail(`obligations of ${id} are not a list`);
      assessed = {
        assessedAt: this.text(assessedAt, `assessment of ${id}`),
        fundId: this.text(fundId, `assessment of ${id}`),
        derivation: this.object<AssessmentDerivation>(derivation, `derivation of ${id}`),
        obligations: (obligations as unknown[]).map((o) => this.object<Obligation>(o, `an obligation of ${id}`)),
      };
    }
    const restoredStatus = this.code(status, STATUSES, `status of ${id}`);
    if ((restoredStatus === 'assessed') !== (assessed !== null)) this.fail(`status of ${id} disagrees with its assessment`);
    return {
      incidentId: id,
      agreementId: this.text(agreementId, `agreement of ${id}`),
      bodyId: this.text(bodyId, `body of ${id}`),
      riskCategory: this.oneOf(riskCategory, RISK_CATEGORIES, `risk category of ${id}`),
      scenario: this.oneOf(scenario, INCIDENT_SCENARIOS, `scenario of ${id}`),
      description: this.text(description, `description of ${id}`),
      status: restoredStatus,
      currency: this.text(currency, `currency of ${id}`),
      originCities: this.texts(origins, `origin cities of ${id}`),
      affectedCities: this.texts(affected, `affected cities of ${id}`),
      openedAt: this.text(openedAt, `openedAt of ${id}`),
      claims: this.claims(claims, id),
      avertedLoss,
      assessment: assessed,
    };
  }

  findings(row: unknown[], r: number): [string, Map<string, IncidentFindingView>] {
    const [, rawId, values] = this.tuple(row, 3, `row ${r}`);
    const incidentId = this.text(rawId, `incident id in row ${r}`);
    const flat = this.flat(values, FINDING_WIDTH, `findings of ${incidentId}`);
    const tied = new Map<string, IncidentFindingView>();
    for (let i = 0; i < flat.length; i += FINDING_WIDTH) {
      const findingId = this.text(flat[i], `a finding of ${incidentId}`);
      if (tied.has(findingId)) this.fail(`finding ${findingId} of ${incidentId} is written twice`);
      const severity = flat[i + 3];
      if (typeof severity !== 'number' || !Number.isFinite(severity)) this.fail(`severity of finding ${findingId} is not a number`);
      const rawPenalty = flat[i + 4];
      let penalty: Money | null = null;
      if (rawPenalty !== null) {
        const [amount, currency] = this.tuple(rawPenalty, 2, `penalty of finding ${findingId}`);
        penalty = { amount: this.text(amount, `penalty of finding ${findingId}`), currency: this.text(currency, `penalty of finding ${findingId}`) };
      }
      tied.set(findingId, {
        findingId,
        cityId: this.text(flat[i + 1], `finding ${findingId}`),
        kind: this.oneOf(flat[i + 2], FINDING_KINDS, `kind of finding ${findingId}`),
        severity: severity as number,
        penalty,
        recordedAt: this.text(flat[i + 5], `finding ${findingId}`),
        revoked: this.flag(flat[i + 6], `revoked mark of finding ${findingId}`),
        afterAssessment: this.flag(flat[i + 7], `after-assessment mark of finding ${findingId}`),
      });
    }
    return [incidentId, tied];
  }
}

/** Incidents and the findings tied to them by incident id, as the model keeps them. */
export interface IncidentMaps {
  incidents: Map<string, IncidentRow>;
  findings: Map<string, Map<string, IncidentFindingView>>;
}

/**
 * Decodes snapshot rows into `into` (fresh maps by default), appending in their order; `firstRow` numbers the rows in
 * refusals when they are one group of a longer snapshot. Throws SnapshotShapeError on a row it did not write, after
 * the rows before it were added.
 */
export function restoreIncidents(model: string, state: unknown, into: IncidentMaps = { incidents: new Map(), findings: new Map() }, firstRow = 0): IncidentMaps {
  const reader = new Reader(model);
  if (!Array.isArray(state)) reader.fail('is not a list of rows');
  const { incidents, findings } = into;
  (state as unknown[]).forEach((row, at) => {
    const r = firstRow + at;
    if (!Array.isArray(row)) reader.fail(`row ${r} is not a tuple`);
    const tuple = row as unknown[];
    if (tuple[0] === INCIDENT) {
      const incident = reader.incident(tuple, r);
      if (incidents.has(incident.incidentId)) reader.fail(`incident ${incident.incidentId} is written twice`);
      incidents.set(incident.incidentId, incident);
    } else if (tuple[0] === FINDINGS) {
      const [incidentId, tied] = reader.findings(tuple, r);
      if (findings.has(incidentId)) reader.fail(`findings of ${incidentId} are written twice`);
      findings.set(incidentId, tied);
    } else {
      reader.fail(`row ${r} is of an unknown kind`);
    }
  });
  return into;
}
