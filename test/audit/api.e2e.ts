/** The audit API over a realistic history: history and its filters, past state, state digests and replay, Merkle proofs, export. */
import { checkConsistencyProof, checkInclusionProof, verifyExport, type DigestFile } from '../../libs/event-store/src/audit/index.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { canonicalJson } from '../../libs/event-store/src/integrity.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { digestOfCanonicalState } from '../../libs/ledger/src/audit/state-digest.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { BalancesReadModel } from '../../libs/projections/src/balances/balances.read-model.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/commitments.read-model.js';
import { START } from '../compensation/support.js';
import { officials, realisticHistory, startAudited, tempDir, testConfig, type AuditApp, type Officials } from './support.js';

interface Item {
  position: string;
  type: string;
  stream: string;
  revision: string;
  recordedAt: string;
  occurredAt: string | null;
  metadata: { correlationId: string };
}

const temp = tempDir();
let g: AuditApp;
let who: Officials;
let last: string;
let store: EventStore;
let log: RecordedEvent[];

beforeAll(async () => {
  g = await startAudited(testConfig('sqlite', `${temp.dir}/ledger.db`));
  who = await officials();
  last = await realisticHistory(g, who);
  store = g.app.get<EventStore>(EVENT_STORE);
  log = (await store.readAll({ maxCount: 1000 })).events;
});

afterAll(async () => {
  await g.app.close();
  temp.cleanup();
});

const get = (path: string, token = who.auditor) => g.http().get(path).set('Authorization', token);

/** Every page of a paged history, following nextCursor as `after` (bounded by the log's length). */
async function allPages(path: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let after: string | null = null;
  for (let pages = 0; pages <= log.length; pages += 1) {
    const separator = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${separator}limit=${limit}${after === null ? '' : `&after=${after}`}`).expect(200);
    items.push(...(page.body.items as Item[]));
    after = page.body.nextCursor as string | null;
    if (after === null) return items;
  }
  throw new Error('the history never ended');
}

describe('history', () => {
  it('pages through the whole log by global position, every event once', async () => {
    const items = await allPages(`/audit/events?atLeast=${last}`, 4);
    expect(items.map((e) => e.position)).toEqual(log.map((e) => String(e.position)));
  });

  it('filters on a type prefix', async () => {
    const items = await allPages('/audit/events?type=Claim', 2);
    const expected = log.filter((e) => e.type.startsWith('Claim')).map((e) => String(e.position));
    expect(expected.length).toBeGreaterThan(1);
    expect(items.map((e) => e.position)).toEqual(expected);
  });

  it('filters on the recorded instant and on the occurred instant', async () => {
    const firstHour = await allPages(`/audit/events?from=${START}&to=${new Date(Date.parse(START) + 30 * 60_000).toISOString()}`, 500);
    const expected = log.filter((e) => Date.parse(e.recordedAt) <= Date.parse(START) + 30 * 60_000);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(log.length);
    expect(firstHour.map((e) => e.position)).toEqual(expected.map((e) => String(e.position)));

    const laterFrom = new Date(Date.parse(START) + 90 * 60_000).toISOString();
    const occurred = await allPages(`/audit/events?occurredFrom=${laterFrom}`, 500);
    expect(occurred.length).toBeGreaterThan(0);
    for (const e of occurred) expect(Date.parse(e.occurredAt ?? '')).toBeGreaterThanOrEqual(Date.parse(laterFrom));
  });

  it('reads one stream by revision, in pages', async () => {
    const items = await allPages('/audit/streams/incident-flood-2025/events', 2);
    const expected = log.filter((e) => e.stream === 'incident-flood-2025');
    expect(items.map((e) => e.revision)).toEqual(expected.map((e) => String(e.revision)));
    await get('/audit/streams/incident-none/events').expect(404);
  });

  it('finds every event one request appended by its correlation id', async () => {
    const correlationId = 'audit-trail-test-1';
    const registered = await g
      .http()
      .post('/cities')
      .set('Authorization', who.admin)
      .set('X-Correlation-Id', correlationId)
      .send({ cityId: 'audit-city', name: 'audit-city', level: 'prefecture_level', region: 'delta' })
      .expect(201);
    const items = await allPages(`/audit/correlations/${correlationId}/events?atLeast=${registered.body.position}`, 500);
    expect(items.map((e) => [e.position, e.type, e.metadata.correlationId])).toEqual([[registered.body.position, 'CityRegistered', correlationId]]);
    const seeded = log[0].metadata.correlationId;
    const page = await get(`/audit/correlations/${seeded}/events`).expect(200);
    expect(page.body).toMatchObject({ complete: true, indexedFrom: '0' });
    expect((page.body.items as Item[]).every((e) => e.metadata.correlationId === seeded)).toBe(true);
    await get('/audit/correlations/nobody-sent-this/events').expect(200, { items: [], nextCursor: null, complete: true, indexedFrom: '0' });
  });

  it('refuses pages over 500 and positions that are not integers', async () => {
    await get('/audit/events?limit=501').expect(400);
    await get('/audit/events?after=-1').expect(400);
    await get('/audit/events?from=yesterday').expect(400);
  });

  it('is readable by every authenticated role and by nobody without a token', async () => {
    await get('/audit/events?limit=1', await who.officerOf('b-city')).expect(200);
    await get('/audit/events?limit=1', who.fundFinance).expect(200);
    await g.http().get('/audit/events').expect(401);
  });
});

describe('past state', () => {
  it('as of a position, equals a fresh read model fed the log up to it', async () => {
    const at = log.find((e) => e.type === 'ClaimVerified')?.position ?? 0n;
    for (const [name, fresh] of [
      ['balances', new BalancesReadModel()],
      ['governance.commitments', new CommitmentsReadModel()],
    ] as const) {
      for (const e of log) if (e.position <= at) fresh.apply(e);
      const past = await get(`/audit/state/${name}?position=${at}`).expect(200);
      expect(past.body).toMatchObject({ readModel: name, basis: 'position', position: String(at), eventsApplied: Number(at) + 1, truncated: false });
      expect(canonicalJson(past.body.state)).toBe(canonicalJson(fresh.canonicalState()));
      expect(past.body.digest).toBe(digestOfCanonicalState(fresh.canonicalState()));
    }
  });

  it('as of a recorded instant, equals the state at the last position recorded by then', async () => {
    const instant = new Date(Date.parse(START) + 90 * 60_000).toISOString();
    const lastBefore = [...log].reverse().find((e) => Date.parse(e.recordedAt) <= Date.parse(instant));
    const byInstant = await get(`/audit/state/incidents?asOf=${instant}`).expect(200);
    const byPosition = await get(`/audit/state/incidents?position=${lastBefore?.position}`).expect(200);
    expect(byInstant.body).toMatchObject({ basis: 'recorded', position: String(lastBefore?.position) });
    expect(byInstant.body.digest).toBe(byPosition.body.digest);
  });

  it('answers one section of a large state, and names what exists', async () => {
    const whole = await get('/audit/state/balances').expect(200);
    const section = await get('/audit/state/balances?section=obligations').expect(200);
    expect(section.body.state).toEqual(whole.body.state.obligations);
    expect(section.body.digest).toBe(whole.body.digest);
    const missing = await get('/audit/state/balances?section=nothing').expect(404);
    expect(missing.body.sections).toEqual(expect.arrayContaining(['obligations', 'transfers']));
  });

  it('refuses an unknown read model and position with asOf together', async () => {
    const unknown = await get('/audit/state/weather').expect(404);
    expect(unknown.body.known).toEqual(expect.arrayContaining(['balances', 'trust', 'governance.commitments']));
    await get('/audit/state/balances?position=1&asOf=2025-06-01T00:00:00Z').expect(400);
  });
});

describe('state digests and replay', () => {
  it('rebuilds every registered read model from zero to the live checkpoint with equal digests', async () => {
    const live = await get(`/audit/state-digests?atLeast=${last}`).expect(200);
    const names = (live.body.readModels as { name: string }[]).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['balances', 'incidents', 'governance.commitments', 'trust', 'audit.merkle', 'audit.correlations']));
    const replayed = await g.http().post('/audit/replay').set('Authorization', who.auditor).expect(200);
    expect(replayed.body.equal).toBe(true);
    expect((replayed.body.readModels as { name: string }[]).map((m) => m.name)).toEqual(names);
    for (const m of replayed.body.readModels as { live: string; rebuilt: string; equal: boolean; position: string }[]) {
      expect(m.rebuilt).toBe(m.live);
      expect(m.equal).toBe(true);
      expect(BigInt(m.position)).toBeGreaterThanOrEqual(BigInt(last));
    }
  });

  it('lets auditors and admins replay and verify, not city officers', async () => {
    await g.http().post('/audit/replay').set('Authorization', await who.officerOf('a-city')).expect(403);
    await g.http().post('/audit/verify').set('Authorization', await who.officerOf('a-city')).expect(403);
    const verified = await g.http().post('/audit/verify').set('Authorization', who.admin).expect(200);
    expect(verified.body).toMatchObject({ ok: true, firstBadPosition: null, reason: null });
    expect(verified.body.checked).toBeGreaterThanOrEqual(log.length);
  });
});

describe('Merkle digests, proofs and the export', () => {
  it('proves an event is in a digest the auditor took earlier', async () => {
    const digest = (await get('/audit/digest?position=12').expect(200)).body as DigestFile;
    expect(digest).toMatchObject({ treeSize: '13', headPosition: '12', headHash: log[12].hash });
    const proof = await get('/audit/proofs/inclusion?position=5&treeSize=13').expect(200);
    expect(proof.body.eventHash).toBe(log[5].hash);
    expect(checkInclusionProof(proof.body, digest)).toBe(true);
    expect(checkInclusionProof({ ...proof.body, eventHash: log[6].hash }, digest)).toBe(false);
    await get('/audit/proofs/inclusion?position=13&treeSize=13').expect(422);
  });

  it('shows over HTTP that a later digest extends an earlier one, and that a rewritten history does not', async () => {
    const early = (await get('/audit/digest?position=6').expect(200)).body as DigestFile;
    const later = (await get('/audit/digest').expect(200)).body as DigestFile;
    const proof = await get(`/audit/proofs/consistency?from=${early.treeSize}&to=${later.treeSize}`).expect(200);
    expect(checkConsistencyProof(proof.body, early, later)).toBe(true);

    const other = tempDir();
    const rewritten = await startAudited(testConfig('sqlite', `${other.dir}/rewritten.db`), new FakeClock(Date.parse(START) + 60_000));
    try {
      await realisticHistory(rewritten, who);
      const theirs = (await rewritten.http().get('/audit/digest').set('Authorization', who.auditor).expect(200)).body as DigestFile;
      const theirProof = await rewritten.http().get(`/audit/proofs/consistency?from=${early.treeSize}&to=${theirs.treeSize}`).set('Authorization', who.auditor).expect(200);
      expect(checkConsistencyProof(theirProof.body, early, theirs)).toBe(false);
    } finally {
      await rewritten.app.close();
      other.cleanup();
    }
  });

  it('streams an NDJSON export that verifies against the digest, and a range of it', async () => {
    const digest = (await get('/audit/digest').expect(200)).body as DigestFile;
    const exported = await get(`/audit/export.ndjson?to=${BigInt(digest.treeSize) - 1n}`).expect(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = (exported.text as string).trimEnd().split('\n');
    expect(lines).toHaveLength(Number(digest.treeSize));
    const verified = await verifyExport(lines, digest);
    expect(verified).toMatchObject({ ok: true, digestMatched: true });
    const range = await get('/audit/export.ndjson?from=2&to=4').expect(200);
    expect((range.text as string).trimEnd().split('\n')).toEqual(lines.slice(2, 5));
    await get('/audit/export.ndjson?from=4&to=2').expect(422);
  });
});
