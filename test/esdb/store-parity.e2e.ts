/**
 * CONCORDAT_STORE=memory|sqlite|esdb answer alike: one ledger history written through the API on each store — the
 * in-memory log, a temporary SQLite file, and the EventStoreDB adapter on the gRPC test server — then the same
 * queries asked of each. Positions are left out of the comparison (EventStoreDB's are commit offsets with gaps, by
 * design); revisions, states, trust numbers, balances and the audit history are compared whole. The command line's
 * `replay`, `export`, `digest` and `verify` are run in-process against the stores another process can open (SQLite,
 * EventStoreDB); an EventStoreDB export says on every line that its hash chains are per stream.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../apps/cli/src/program.js';
import type { CliIo } from '../../apps/cli/src/io.js';
import { loadConfig, type LedgerConfig } from '../../libs/ledger/src/config.js';
import { AGREEMENT, BODY, CITIES, enc } from '../compensation/support.js';
import { officials, realisticHistory, startAudited, tempDir, testConfig, type AuditApp, type Officials } from '../audit/support.js';
import { SECRET } from '../http/support.js';
import { testServerTarget, type EsdbTarget } from './fixture.js';

type StoreKind = 'memory' | 'sqlite' | 'esdb';
const KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'esdb'];
const HOUR_MS = 3_600_000;
const ORIGIN_TO_A = 'flood-2025:origin:origin-city:a-city';

/** Everything that names a place in the log rather than a fact of the ledger: it differs between stores by design. */
const POSITIONAL = /position|checkpoint|cursor|^hash$|^prevHash$|^headHash$/i;

/** A JSON answer with positional members removed, at every depth. */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !POSITIONAL.test(key))
      .map(([key, inner]) => [key, withoutPositions(inner)]),
  );
}

interface HistoryItem {
  type: string;
  stream: string;
  revision: string;
  recordedAt: string;
  occurredAt: string | null;
  data: unknown;
  metadata: { actor: string; role: string; scope: string };
}

/** The audit history as facts: what happened, on which stream at which revision, when, by whom. */
const historyFacts = (body: unknown): unknown =>
  ((body as { items: HistoryItem[] }).items ?? []).map((e) => ({
    type: e.type,
    stream: e.stream,
    revision: e.revision,
    recordedAt: e.recordedAt,
    occurredAt: e.occurredAt,
    data: e.data,
    who: [e.metadata.actor, e.metadata.role, e.metadata.scope],
  }));

/**
 * Read models whose state holds event ids, correlation ids or hashes: random per write, so two ledgers written
 * alike still digest differently. They are compared with a replay of the same store instead (below).
 */
const HOLDS_EVENT_IDENTITIES = new Set(['trust', 'audit.correlations', 'audit.merkle']);

const identityFreeDigests = (body: unknown): unknown =>
  (body as { readModels: { name: string; version: number; digest: string }[] }).readModels.filter((m) => !HOLDS_EVENT_IDENTITIES.has(m.name));

interface Query {
  name: string;
  path: string;
  /** Defaults to dropping positional members. */
  facts?: (body: unknown) => unknown;
}

const QUERIES: readonly Query[] = [
  { name: 'every commitment', path: '/commitments?limit=500' },
  { name: 'the delivered commitment', path: '/commitments/sandbags-1' },
  { name: 'the defaulted commitment', path: '/commitments/pumps-2' },
  { name: 'the assessed incident', path: '/incidents/flood-2025' },
  { name: 'the penalty finding', path: '/findings/late-pumps-penalty' },
  { name: 'every obligation', path: '/obligations?limit=500' },
  { name: 'the obligation paid in part', path: `/obligations/${enc(ORIGIN_TO_A)}` },
  { name: 'every transfer', path: '/transfers?limit=500' },
  { name: 'the settled transfer', path: '/transfers/origin-pays-a-1' },
  ...CITIES.map((city) => ({ name: `balances of ${city}`, path: `/balances/cities/${city}` })),
  { name: 'the balance between origin and a-city', path: '/balances/pair?payer=city:origin-city&payee=city:a-city&currency=CNY' },
  ...CITIES.map((city) => ({ name: `trust in ${city}`, path: `/trust/cities/${city}` })),
  { name: 'the committee trust matrix', path: `/trust/bodies/${BODY}/matrix` },
  { name: 'the committee trust ranking', path: `/trust/bodies/${BODY}/ranking` },
  { name: 'the audit history', path: '/audit/events?limit=500', facts: historyFacts },
  { name: 'the audit history of one commitment', path: '/audit/streams/commitment-pumps-2/events?limit=500', facts: historyFacts },
  { name: 'the state digests of the read models that hold no event identities', path: '/audit/state-digests', facts: identityFreeDigests },
];

interface Ledger {
  kind: StoreKind;
  g: AuditApp;
  config: LedgerConfig;
  lastPosition: string;
  close(): Promise<void>;
}

async function openConfig(kind: StoreKind, dir: string): Promise<{ config: LedgerConfig; target: EsdbTarget | null }> {
  if (kind === 'memory') return { config: testConfig('memory'), target: null };
  if (kind === 'sqlite') return { config: testConfig('sqlite', join(dir, 'ledger.db')), target: null };
  const target = await testServerTarget();
  return { config: loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: target.connectionString, CONCORDAT_JWT_SECRET: SECRET }), target };
}

/**
 * The history every store gets: the delta's cities, committee, agreement and fund, a flood incident claimed,
 * verified, tied to findings and closed; a commitment delivered, another defaulted after its due date; a finding
 * with a penalty; a transfer from the origin city to an affected one, paid and settled.
 */
async function writeHistory(g: AuditApp, who: Officials): Promise<string> {
  await realisticHistory(g, who);
  g.clock.advance(HOUR_MS);
  const dueAt = new Date(g.clock.nowMs() + 2 * HOUR_MS).toISOString();
  await g
    .http()
    .post('/commitments')
    .set('Authorization', who.coordinator)
    .send({
      commitmentId: 'pumps-2',
      agreementId: AGREEMENT,
      obligor: 'b-city',
      obligee: { kind: 'city', id: 'c-city' },
      kind: 'equipment',
      description: 'mobile pumps',
      promise: { kind: 'quantity', quantity: '4', unit: 'pump' },
      value: { amount: '80000.00', currency: 'CNY' },
      dueAt,
    })
    .expect(201);
  g.clock.advance(8 * 24 * HOUR_MS);
  await g.http().post('/commitments/pumps-2/default').set('Authorization', who.coordinator).send({ note: 'no pumps after three reminders' }).expect(201);
  await g
    .http()
    .post('/findings')
    .set('Authorization', who.coordinator)
    .send({ findingId: 'late-pumps-penalty', bodyId: BODY, cityId: 'b-city', kind: 'non_cooperation', severity: 2, penalty: { amount: '5000.00', currency: 'CNY' }, description: 'pumps never sent' })
    .expect(201);
  g.clock.advance(HOUR_MS);
  const originFinance = await who.financeOf('origin-city');
  await g.http().post('/transfers').set('Authorization', originFinance).send({ transferId: 'origin-pays-a-1', obligationId: ORIGIN_TO_A, amount: '100.00' }).expect(201);
  const settled = await g.http().post('/transfers/origin-pays-a-1/settlement').set('Authorization', await who.financeOf('a-city')).send({}).expect(201);
  return String(settled.body.position);
}

function cliIo(config: LedgerConfig): CliIo & { stdout: string[]; stderr: string[] } {
  const env: Record<string, string> = { CONCORDAT_STORE: config.store, CONCORDAT_JWT_SECRET: SECRET };
  if (config.store === 'sqlite') env.CONCORDAT_SQLITE_PATH = config.sqlitePath;
  if (config.store === 'esdb' && config.esdbUrl !== null) env.CONCORDAT_ESDB_URL = config.esdbUrl;
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

const temp = tempDir();
const ledgers = new Map<StoreKind, Ledger>();
const answers = new Map<StoreKind, Map<string, unknown>>();

beforeAll(async () => {
  const who = await officials();
  for (const kind of KINDS) {
    const { config, target } = await openConfig(kind, temp.dir);
    const g = await startAudited(config);
    const ledger: Ledger = {
      kind,
      g,
      config,
      lastPosition: '',
      close: async () => {
        await g.app.close();
        await target?.stop();
      },
    };
    ledgers.set(kind, ledger);
    ledger.lastPosition = await writeHistory(g, who);
    const byQuery = new Map<string, unknown>();
    for (const query of QUERIES) {
      const separator = query.path.includes('?') ? '&' : '?';
      const response = await g.http().get(`${query.path}${separator}atLeast=${ledger.lastPosition}`).set('Authorization', who.auditor);
      if (response.status !== 200) throw new Error(`${kind}: GET ${query.path} answered ${response.status}: ${JSON.stringify(response.body)}`);
      byQuery.set(query.name, (query.facts ?? withoutPositions)(response.body));
    }
    answers.set(kind, byQuery);
  }
}, 180_000);

afterAll(async () => {
  for (const ledger of ledgers.values()) await ledger.close();
  temp.cleanup();
});

const answerOf = (kind: StoreKind, query: string): unknown => answers.get(kind)?.get(query);

describe('the API answers the same on every store', () => {
  it.each(QUERIES.map((q) => q.name))('%s', (name) => {
    const memory = answerOf('memory', name);
    expect(memory).toBeDefined();
    expect(answerOf('sqlite', name)).toEqual(memory);
    expect(answerOf('esdb', name)).toEqual(memory);
  });

  it('holds a ledger worth comparing: a default, a penalty, a settled transfer and trust below full', () => {
    expect(answerOf('memory', 'the defaulted commitment')).toMatchObject({ status: 'defaulted' });
    expect(answerOf('memory', 'the settled transfer')).toMatchObject({ status: 'settled', amount: '100.00' });
    expect(answerOf('memory', 'the obligation paid in part')).toMatchObject({ settled: '100.00' });
    const history = answerOf('memory', 'the audit history') as { type: string }[];
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['CommitmentDefaulted', 'FindingRecorded', 'TransferSettled', 'IncidentAssessed']));
    const trustIn = (city: string): number => (answerOf('memory', `trust in ${city}`) as { trust: number }).trust;
    expect(trustIn('b-city')).toBeLessThan(trustIn('a-city'));
  });

  it('reports positions as each store assigns them: gapless on the embedded stores, commit offsets on EventStoreDB', async () => {
    const positionsOf = async (kind: StoreKind): Promise<bigint[]> => {
      const ledger = ledgers.get(kind);
      if (ledger === undefined) throw new Error(`no ${kind} ledger`);
      const page = await ledger.g.http().get('/audit/events?limit=500').set('Authorization', (await officials()).auditor).expect(200);
      return (page.body.items as { position: string }[]).map((e) => BigInt(e.position));
    };
    const [memory, esdb] = [await positionsOf('memory'), await positionsOf('esdb')];
    expect(memory).toEqual(memory.map((_, i) => BigInt(i)));
    expect(esdb).toHaveLength(memory.length);
    for (let i = 1; i < esdb.length; i += 1) expect(esdb[i]).toBeGreaterThan(esdb[i - 1]);
    expect(esdb.some((p, i) => p !== BigInt(i))).toBe(true);
  });
});

describe('the command line reads every store it can open alike', () => {
  it.each(['sqlite', 'esdb'] as const)('concordat replay on %s rebuilds, from zero, the digests that store’s API holds live', async (kind) => {
    const ledger = ledgers.get(kind);
    if (ledger === undefined) throw new Error(`no ${kind} ledger`);
    const live = await ledger.g.http().get('/audit/state-digests').set('Authorization', (await officials()).auditor).expect(200);
    const io = cliIo(ledger.config);
    expect(await run(['replay'], io)).toBe(0);
    const rebuilt = JSON.parse(io.stdout.join('\n')) as { eventsApplied: number; readModels: { name: string; version: number; digest: string }[] };
    expect(rebuilt.eventsApplied).toBe((answerOf('memory', 'the audit history') as unknown[]).length);
    const liveModels = live.body.readModels as { name: string; version: number; digest: string }[];
    expect(liveModels.length).toBeGreaterThan(HOLDS_EVENT_IDENTITIES.size);
    expect(rebuilt.readModels).toEqual(liveModels);
  });

  it.each(['sqlite', 'esdb'] as const)('concordat export, digest and verify on %s: every event exported once, verified against the digest', async (kind) => {
    const ledger = ledgers.get(kind);
    if (ledger === undefined) throw new Error(`no ${kind} ledger`);
    const exportFile = join(temp.dir, `${kind}-export.ndjson`);
    const digestFile = join(temp.dir, `${kind}-digest.json`);
    expect(await run(['export', '--out', exportFile], cliIo(ledger.config))).toBe(0);
    expect(await run(['digest', '--out', digestFile], cliIo(ledger.config))).toBe(0);
    const io = cliIo(ledger.config);
    expect(await run(['verify', '--export', exportFile, '--digest', digestFile], io)).toBe(0);
    const events = (answerOf('memory', 'the audit history') as unknown[]).length;
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ ok: true, eventsVerified: events, digestMatched: true });
    const chains = new Set(readFileSync(exportFile, 'utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { chain?: string }).chain ?? 'global'));
    expect([...chains]).toEqual([kind === 'esdb' ? 'stream' : 'global']);
  });

  it('concordat replay answers the same, models holding event identities aside, on SQLite and on EventStoreDB', async () => {
    const replayed = async (kind: StoreKind): Promise<unknown> => {
      const ledger = ledgers.get(kind);
      if (ledger === undefined) throw new Error(`no ${kind} ledger`);
      const io = cliIo(ledger.config);
      expect(await run(['replay'], io)).toBe(0);
      return identityFreeDigests(JSON.parse(io.stdout.join('\n')));
    };
    const sqlite = await replayed('sqlite');
    expect(await replayed('esdb')).toEqual(sqlite);
    expect(sqlite).toEqual(answerOf('memory', 'the state digests of the read models that hold no event identities'));
  });
});
