/**
 * The scale-out design on one EventStoreDB node (the gRPC test server): API replicas that each keep their read
 * models by catching up from `$all`, take any command under optimistic concurrency, race for deadlines without
 * writing one twice, and report their lag and readiness honestly while a replica starts from zero under writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import esdb from '@eventstore/db-client';
import { CommandBus } from '@nestjs/cqrs';
import request from 'supertest';
import { HealthController, type HealthReport } from '../../apps/api/src/health/health.controller.js';
import { ProblemError } from '../../apps/api/src/http/problem.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { loadConfig, type LedgerConfig } from '../../libs/ledger/src/config.js';
import { DeadlineManager } from '../../libs/ledger/src/governance/deadline-manager.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/commitments.read-model.js';
import { at, commitmentBody, HOUR_MS, officials, seed, startGovernance, type GovernanceApp, type Officials } from '../governance/support.js';
import { SECRET } from '../http/support.js';
import { testServerTarget, type EsdbTarget } from './fixture.js';

const DAY_MS = 24 * HOUR_MS;
/** Bounded polling for a replica to become ready: each try is one request; the bound is generous for a busy machine. */
const READY_TRIES = 300;
const READY_PAUSE_MS = 100;

let target: EsdbTarget;
let config: LedgerConfig;
let a: GovernanceApp;
let b: GovernanceApp;
let who: Officials;
const started: GovernanceApp[] = [];

beforeAll(async () => {
  target = await testServerTarget();
  config = loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: target.connectionString, CONCORDAT_JWT_SECRET: SECRET });
  a = await startGovernance(config);
  b = await startGovernance(config);
  started.push(a, b);
  who = await officials();
  await seed(a, who);
}, 60_000);

afterAll(async () => {
  for (const g of started) await g.app.close();
  await target.stop();
});

const storeOf = (g: GovernanceApp): EventStore => g.app.get<EventStore>(EVENT_STORE);
const eventsOf = (commitmentId: string): Promise<RecordedEvent[]> => storeOf(a).readStream(`commitment-${commitmentId}`);

async function caughtUp(...replicas: GovernanceApp[]): Promise<void> {
  const head = await storeOf(a).headPosition();
  if (head === null) return;
  for (const g of replicas) expect(await g.app.get(ProjectionRunner).waitFor(head, 20_000)).toBe(true);
}

async function makeCommitment(id: string, over: Record<string, unknown> = {}): Promise<void> {
  await a.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody(id, over)).expect(201);
  await caughtUp(a, b);
}

describe('optimistic concurrency: any replica takes any command', () => {
  it('records concurrent deliveries from both replicas on one commitment at distinct revisions; a loser retries or is answered 409', async () => {
    await makeCommitment('sandbags-race');
    const officer = await who.officerOf('suzhou');
    const deliveries = Array.from({ length: 16 }, (_, i) => ({ replica: i % 2 === 0 ? a : b, deliveryId: `d${i}` }));
    const answers = await Promise.all(
      deliveries.map(async ({ replica, deliveryId }) => {
        const response = await replica.http().post('/commitments/sandbags-race/deliveries').set('Authorization', officer).send({ deliveryId, quantity: '1', evidenceRef: `waybill/${deliveryId}` });
        return { deliveryId, status: response.status, body: response.body as { revision?: string; code?: string } };
      }),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const accepted = answers.filter((x) => x.status === 201);
    const refused = answers.filter((x) => x.status === 409);
    expect(accepted.length).toBeGreaterThan(0);
    for (const loser of refused) expect(loser.body.code).toBe('concurrent_modification');

    const stream = await eventsOf('sandbags-race');
    expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => BigInt(i)));
    const recorded = stream.filter((e) => e.type === 'DeliveryRecorded').map((e) => (e.data as { deliveryId: string }).deliveryId);
    expect([...recorded].sort()).toEqual(accepted.map((x) => x.deliveryId).sort());
    expect(new Set(accepted.map((x) => x.body.revision)).size).toBe(accepted.length);
    expect((await storeOf(b).verify()).ok).toBe(true);
  });
});

describe('deadlines with several replicas', () => {
  /** A deadline manager on a replica's own store, clock, command path and read model, driven by hand. */
  const managerOf = (g: GovernanceApp): DeadlineManager =>
    new DeadlineManager(storeOf(g), g.clock, g.app.get(CommandBus), g.app.get(CommitmentsReadModel), g.app.get(ProjectionRunner), { enabled: false });

  it('records each deadline once when both replicas’ deadline managers reach it together', async () => {
    await makeCommitment('pumps-race', { dueAt: at(2) });
    const [ma, mb] = [managerOf(a), managerOf(b)];
    for (const g of [a, b]) g.clock.set(Date.parse(at(3)) + 1);
    const overdue = await Promise.all([ma.sweep(), mb.sweep()]);
    expect(overdue.map((r) => r.failed)).toEqual([0, 0]);
    // The racing replica's append of the same derived id is an idempotent repeat: acknowledged, never written twice.
    expect((await eventsOf('pumps-race')).map((e) => e.type)).toEqual(['CommitmentMade', 'CommitmentOverdue']);

    await caughtUp(a, b);
    for (const g of [a, b]) g.clock.set(Date.parse(at(2)) + 7 * DAY_MS + 1);
    const defaulted = await Promise.all([ma.sweep(), mb.sweep(), ma.sweep()]);
    expect(defaulted.map((r) => r.failed)).toEqual([0, 0, 0]);
    await caughtUp(a, b);
    expect(await Promise.all([ma.sweep(), mb.sweep()])).toEqual([
      { examined: 0, recorded: 0, failed: 0 },
      { examined: 0, recorded: 0, failed: 0 },
    ]);
    expect((await eventsOf('pumps-race')).map((e) => e.type)).toEqual(['CommitmentMade', 'CommitmentOverdue', 'CommitmentDefaulted']);
  });
});

describe('lag and readiness on EventStoreDB', () => {
  const response = (): { status(code: number): unknown } => ({ status: () => undefined });

  it('counts the events a replica still has to apply, and is not ready until it has applied them', async () => {
    const store = storeOf(a);
    const ledgerEvents = (await store.readAll({ maxCount: store.limits.maxReadCount })).events;
    const runner = new ProjectionRunner(store);
    const health = new HealthController(store, runner);
    try {
      const before: HealthReport = await health.health(response());
      expect(before).toMatchObject({ status: 'catching-up', ready: false, projections: { behind: true, checkpoint: null, lag: null, lagEvents: String(ledgerEvents.length) } });
      expect(before.store.headPosition).toBe(String(ledgerEvents[ledgerEvents.length - 1].position));
      const refusal = await health.ready().catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ProblemError);
      expect((refusal as ProblemError).problem).toMatchObject({ status: 503, code: 'not_ready' });

      runner.start();
      expect(await runner.waitFor(ledgerEvents[ledgerEvents.length - 1].position, 20_000)).toBe(true);
      const after = await health.ready();
      expect(after).toMatchObject({ status: 'ok', ready: true, projections: { behind: false, lagEvents: '0', checkpoint: after.store.headPosition } });
    } finally {
      await runner.stop();
    }
  });

  it('brings a replica started from zero while another writes up to the same answers, ready once caught up', async () => {
    const writes = Array.from({ length: 24 }, (_, i) => `levels-${i}`);
    let last = '';
    let c: GovernanceApp | null = null;
    for (const [i, id] of writes.entries()) {
      const made = await a.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody(id, { dueAt: at(500 + i) })).expect(201);
      last = String(made.body.position);
      if (i === 8) {
        c = await startGovernance(config);
        started.push(c);
      }
    }
    if (c === null) throw new Error('the third replica never started');
    const replica = c;
    let ready: request.Response | null = null;
    for (let tries = 0; tries < READY_TRIES && ready === null; tries += 1) {
      const answer = await replica.http().get('/health/ready');
      if (answer.status === 200) ready = answer;
      else {
        expect(answer.status).toBe(503);
        expect(answer.body.code).toBe('not_ready');
        await sleep(READY_PAUSE_MS);
      }
    }
    expect(ready?.body).toMatchObject({ status: 'ok', ready: true, store: { kind: 'esdb', headPosition: last }, projections: { behind: false, checkpoint: last, lagEvents: '0' } });

    const list = async (g: GovernanceApp): Promise<unknown> => (await g.http().get(`/commitments?limit=500&atLeast=${last}`).set('Authorization', who.auditor).expect(200)).body;
    const [onWriter, onNewcomer] = [await list(a), await list(replica)];
    expect(onNewcomer).toEqual(onWriter);
    expect((onNewcomer as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(writes.length);
  });

  it('keeps serving and ready when another application writes to the same node: its events are stepped over', async () => {
    const other = esdb.EventStoreDBClient.connectionString(target.connectionString);
    try {
      await other.appendToStream('warehouse-orders', [esdb.jsonEvent({ type: 'OrderPlaced', data: { sku: 'pump-7' } })]);
    } finally {
      await other.dispose();
    }
    const made = await a.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody('after-foreign', { dueAt: at(900) })).expect(201);
    await b.http().get(`/commitments/after-foreign?atLeast=${made.body.position}`).set('Authorization', who.auditor).expect(200);
    const health = await b.http().get('/health/ready').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', store: { headPosition: String(made.body.position) }, projections: { state: 'running', behind: false } });
  });
});
