/**
 * The public trust vectors end to end (issue 4 §3): each scenario is built with the ledger's own commands over HTTP —
 * cities registered, a body and an agreement, each commitment made with the vector's due date and value at the
 * vector's instant (occurredAt), a completing delivery at the fulfilment instant, a delivery and a short close for a
 * partial fulfilment, declared defaults, findings — on a memory store and on a temporary SQLite file, with the ledger
 * clock after every vector instant. Then trust is read over HTTP on the occurred basis at the vector's as_of and every
 * field, contributions included, is compared with the vector to 1e-6 (ids mapped to the ledger's).
 *
 * What the domain makes the scenario add, without changing any number: a body needs two members, so a vector with a
 * single city gets a second member with no history; a commitment needs a promise, so each promises 1,000,000 lots and
 * a partial fulfilment delivers fraction × 1,000,000 of them before the close (the domain records delivered / promised).
 */
import { join } from 'node:path';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { Ledger } from '../../libs/ledger/src/ledger.service.js';
import { LedgerTrustReadModel } from '../../libs/ledger/src/trust/trust.read-model.js';
import { CFBT_1 } from '../../libs/projections/src/trust/parameters.js';
import { TrustReadModel } from '../../libs/projections/src/trust/trust-read-model.js';
import { readWholeStream } from '../../libs/ledger/src/execute-command.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { streams } from '../../libs/domain/src/governance/events.js';
import { COORDINATOR } from '../../libs/projections/src/trust/evidence.js';
import type { TrustVector, TrustVectorEvent, TrustVectorQuery } from '../../libs/projections/src/trust/vectors.js';
import { bearer, expectClose, loadTrustVectors, startTrust, tempDir, testConfig, type TrustApp } from './support.js';

const PROMISED = 1_000_000;
const AGREEMENT_FROM = '2020-01-01T00:00:00Z';

/** Vector field → the wire answer's field. */
function answerField(answer: Record<string, unknown>, field: string): unknown {
  const interval = answer.interval as { lower: number; upper: number };
  switch (field) {
    case 'base_rate':
      return answer.baseRate;
    case 'trust_lower':
      return interval.lower;
    case 'trust_upper':
      return interval.upper;
    case 'score_0_100':
      return answer.score;
    default:
      return answer[field];
  }
}

const CONTRIBUTION_FIELDS: Record<string, string> = { commitment_id: 'commitmentId', lateness_ratio: 'latenessRatio', event_id: 'eventId' };

/** One vector's names in the ledger: its own cities, body, agreement, commitments and findings, so vectors never mix. */
class Names {
  readonly eventIds = new Map<string, string>();

  constructor(readonly prefix: string) {}

  city = (name: string): string => (name === COORDINATOR ? COORDINATOR : `${this.prefix}-${name.toLowerCase()}`);
  commitment = (id: string): string => `${this.prefix}-${id.toLowerCase()}`;
  finding = (eventId: string): string => `${this.prefix}-${eventId.toLowerCase()}`;
  get body(): string {
    return `${this.prefix}-body`;
  }
  get agreement(): string {
    return `${this.prefix}-agreement`;
  }
}

function citiesOf(vector: TrustVector): string[] {
  const names = new Set<string>();
  for (const e of vector.events) {
    if (e.type === 'commitment_made') [e.obligor, e.obligee].forEach((c) => names.add(c));
    if (e.type === 'accountability_finding') [e.city, e.counterparty].forEach((c) => c !== null && names.add(c));
  }
  for (const q of vector.queries) (q.kind === 'pair' ? [q.truster, q.trustee] : [q.city]).forEach((c) => names.add(c));
  names.delete(COORDINATOR);
  return [...names].sort();
}

interface Officials {
  admin: string;
  reader: string;
}

/** Builds the vector's scenario with commands; returns the global position of the last write. */
async function play(t: TrustApp, who: Officials, vector: TrustVector, n: Names): Promise<string> {
  const coordinator = await bearer({ sub: `${n.body}-officer`, role: 'coordinator', body: n.body });
  let position = '0';
  const post = async (path: string, token: string, body: object): Promise<void> => {
    const res = await t.http().post(path).set('Authorization', token).send(body);
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    position = res.body.position as string;
  };
  const names = citiesOf(vector);
  const cities = names.map(n.city);
  // A body has at least two members: a lone city gets a peer with no history, which changes none of its numbers.
  if (cities.length < 2) cities.push(`${n.prefix}-peer`);
  for (const cityId of cities) await post('/cities', who.admin, { cityId, name: cityId, level: 'prefecture_level', region: 'east' });
  await post('/bodies', who.admin, { bodyId: n.body, name: `body of ${vector.name}`, members: cities, offices: [{ riskCategory: 'natural_disaster', name: 'office' }] });
  const hasCommitments = vector.events.some((e) => e.type === 'commitment_made');
  if (hasCommitments) {
    await post('/agreements', coordinator, {
      agreementId: n.agreement,
      bodyId: n.body,
      title: `agreement of ${vector.name}`,
      parties: cities,
      terms: {
        riskCategories: ['natural_disaster'],
        responsibilities: [],
        // The agreement's own deadlines never reach trust (cfbt-1 has its own grace); the deadline manager is off.
        overdueGraceSeconds: 3_600,
        defaultAfterSeconds: 30 * 86_400,
        validFrom: AGREEMENT_FROM,
        validUntil: null,
      },
      occurredAt: AGREEMENT_FROM,
    });
  }
  const made = new Map<string, Extract<TrustVectorEvent, { type: 'commitment_made' }>>();
  for (const e of vector.events) {
    const occurredAt = e.at;
    switch (e.type) {
      case 'commitment_made':
        made.set(e.commitment_id, e);
        await post('/commitments', coordinator, {
          commitmentId: n.commitment(e.commitment_id),
          agreementId: n.agreement,
          obligor: n.city(e.obligor),
          obligee: e.obligee === COORDINATOR ? { kind: 'body', id: n.body } : { kind: 'city', id: n.city(e.obligee) },
          kind: 'supplies',
          description: `vector commitment ${e.commitment_id}`,
          promise: { kind: 'quantity', quantity: String(PROMISED), unit: 'lot' },
          value: { amount: String(e.value), currency: 'CNY' },
          dueAt: e.due_at,
          occurredAt,
        });
        break;
      case 'commitment_fulfilled':
        // The delivery that completes the promise: the fulfilment counts at its instant.
        await post(`/commitments/${n.commitment(e.commitment_id)}/deliveries`, coordinator, { deliveryId: `${n.commitment(e.commitment_id)}-all`, quantity: String(PROMISED), evidenceRef: `waybill ${e.id}`, occurredAt });
        break;
      case 'commitment_partially_fulfilled':
        await post(`/commitments/${n.commitment(e.commitment_id)}/deliveries`, coordinator, {
          deliveryId: `${n.commitment(e.commitment_id)}-part`,
          quantity: (e.fraction * PROMISED).toFixed(0),
          evidenceRef: `waybill ${e.id}`,
          occurredAt,
        });
        await post(`/commitments/${n.commitment(e.commitment_id)}/close-short`, coordinator, { reason: 'accepted as final', occurredAt });
        break;
      case 'commitment_defaulted':
        await post(`/commitments/${n.commitment(e.commitment_id)}/default`, coordinator, { note: 'declared by the body', occurredAt });
        break;
      case 'commitment_waived':
        await post(`/commitments/${n.commitment(e.commitment_id)}/waiver`, coordinator, { reason: 'released by the body', occurredAt });
        break;
      case 'accountability_finding':
        await post('/findings', coordinator, {
          findingId: n.finding(e.id),
          bodyId: n.body,
          cityId: n.city(e.city),
          counterpartyCityId: e.counterparty === null ? null : n.city(e.counterparty),
          kind: e.kind,
          severity: e.severity ?? 1,
          description: `vector finding ${e.id}`,
          occurredAt,
        });
        break;
      case 'finding_revoked':
        await post(`/findings/${n.finding(e.finding_event_id)}/revocation`, coordinator, { reason: 'overturned on appeal', occurredAt });
        break;
    }
  }
  await mapEventIds(t.app.get<symbol, EventStore>(EVENT_STORE), vector, n);
  return position;
}

/** The ledger's id of each vector event a contribution may name: the event that carries the evidence. */
async function mapEventIds(store: EventStore, vector: TrustVector, n: Names): Promise<void> {
  const typeOf: Partial<Record<TrustVectorEvent['type'], string>> = {
    commitment_fulfilled: 'CommitmentFulfilled',
    commitment_partially_fulfilled: 'CommitmentClosedShort',
    commitment_defaulted: 'CommitmentDefaulted',
    accountability_finding: 'FindingRecorded',
  };
  for (const e of vector.events) {
    const type = typeOf[e.type];
    if (type === undefined) continue;
    const stream = e.type === 'accountability_finding' ? streams.finding(n.finding(e.id)) : streams.commitment(n.commitment('commitment_id' in e ? e.commitment_id : ''));
    const found = (await readWholeStream(store, stream)).find((r) => r.type === type);
    if (found === undefined) throw new Error(`no ${type} in ${stream}`);
    n.eventIds.set(e.id, found.id);
  }
}

function pathOf(query: TrustVectorQuery, n: Names): string {
  const common = `asOf=${encodeURIComponent(query.as_of)}&basis=occurred&explain=true`;
  switch (query.kind) {
    case 'city':
      return `/trust/cities/${n.city(query.city)}?${common}`;
    case 'city_without_findings_for_comparison':
      return `/trust/cities/${n.city(query.city)}?${common}&withoutFindings=true`;
    case 'pair':
      return `/trust/pairs/${n.city(query.truster)}/${n.city(query.trustee)}?${common}`;
  }
}

/** A vector's expected contribution row, in the ledger's names. */
function expectedRow(row: Record<string, unknown>, n: Names): Record<string, unknown> {
  const mapped: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(row)) {
    const key = CONTRIBUTION_FIELDS[field] ?? field;
    if (field === 'commitment_id') mapped[key] = n.commitment(String(value));
    else if (field === 'obligor' || field === 'obligee' || (field === 'counterparty' && value !== null)) mapped[key] = n.city(String(value));
    else if (field === 'event_id') mapped[key] = n.eventIds.get(String(value));
    else mapped[key] = value;
  }
  return mapped;
}

const vectors = loadTrustVectors();

describe.each(['memory', 'sqlite'] as const)('the public trust vectors through real commands and the real log (%s store)', (store) => {
  let t: TrustApp;
  let who: Officials;
  let dir: ReturnType<typeof tempDir> | null = null;

  beforeAll(async () => {
    dir = store === 'sqlite' ? tempDir() : null;
    t = await startTrust(testConfig(store, dir === null ? undefined : join(dir.dir, 'ledger.sqlite')));
    who = { admin: await bearer({ sub: 'admin-1', role: 'admin' }), reader: await bearer({ sub: 'auditor-1', role: 'auditor' }) };
  }, 60_000);

  afterAll(async () => {
    await t.app.close();
    dir?.cleanup();
  });

  it('covers every public trust vector', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
  });


  it.each(vectors.map((v, i) => [v.name, v, i] as const))(
    '%s: the scenario built with commands scores as the vector says on the occurred basis',
    async (_name, vector, index) => {
      const n = new Names(`v${index}`);
      const position = await play(t, who, vector, n);
      expect(vector.queries).toHaveLength(vector.expected.length);
      for (const [q, query] of vector.queries.entries()) {
        const res = await t.http().get(`${pathOf(query, n)}&atLeast=${position}`).set('Authorization', who.reader).expect(200);
        const answer = res.body as Record<string, unknown>;
        const expected = vector.expected[q];
        expect(answer.parameterSet).toBe('cfbt-1');
        expect(answer.basis).toBe('occurred');
        expect(answer.asOf).toBe(new Date(query.as_of).toISOString());
        for (const [field, value] of Object.entries(expected)) {
          if (field === 'contributions' || field === 'anomalies') continue;
          expectClose(answerField(answer, field), value, `${vector.name} query ${q} ${field}`);
        }
        expect(answer.anomalies).toEqual([]);
        const rows = expected.contributions as Record<string, unknown>[] | undefined;
        if (rows === undefined) continue;
        const actual = (answer.contributions as Record<string, unknown>[] | undefined) ?? [];
        expect(actual).toHaveLength(rows.length);
        // Canonical order is (instant, event id). Rows at one instant follow the ledger's event ids, which are not the
        // vector's, so each expected row is found by its event id, and the order is checked to be canonical.
        const byEventId = new Map(actual.map((row) => [row.eventId, row]));
        rows.forEach((row, i) => {
          const wanted = expectedRow(row, n);
          const got = byEventId.get(wanted.eventId);
          if (got === undefined) throw new Error(`${vector.name} query ${q}: no contribution from event ${String(wanted.eventId)} (vector row ${i})`);
          for (const [field, value] of Object.entries(wanted)) expectClose(got[field], value, `${vector.name} query ${q} contribution ${i} ${field}`);
        });
        const order = actual.map((row) => `${String(row.at)} ${String(row.eventId)}`);
        expect(order).toEqual([...order].sort());
      }
    },
    60_000,
  );

  it('gives, replayed from the log the vectors wrote into a fresh model, the live model’s state digest', async () => {
    // What the audit's replay compares; runs after the vectors above have written their scenarios.
    const live = t.app.get(LedgerTrustReadModel);
    const head = await t.app.get<symbol, EventStore>(EVENT_STORE).headPosition();
    const { readModels, position } = await t.app.get(Ledger).buildAsOf([new TrustReadModel(CFBT_1, t.clock)] as const, { untilHead: true });
    expect(position).toBe(head);
    const made = vectors.flatMap((v) => v.events).filter((e) => e.type === 'commitment_made').length;
    expect(live.canonicalState().commitments.count).toBe(made);
    expect(readModels[0].canonicalState()).toEqual(live.canonicalState());
  });
});
