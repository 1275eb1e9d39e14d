import { randomUUID } from 'node:crypto';
import { createMemoryEventStore } from '../../../../libs/event-store/src/memory/index.js';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner, type RunnerStatus } from '../../../../libs/ledger/src/projection-runner.js';
import { ProblemError } from '../http/problem.js';
import { HealthController } from './health.controller.js';

/** A runner whose state the test sets: health reads nothing else from it. */
class RunnerAt extends ProjectionRunner {
  current: Pick<RunnerStatus, 'state' | 'checkpoint' | 'failure'> = { state: 'running', checkpoint: null, failure: null };

  override status(): RunnerStatus {
    return { ...super.status(), ...this.current };
  }
}

const record = (store: EventStore, stream: string) =>
  store.appendToStream(stream, [{ id: randomUUID(), type: 'CounterIncremented', data: { by: 1 }, metadata: { actor: 'a', role: 'admin', correlationId: randomUUID(), schemaVersion: 1 } }], 'any');

/** The reply /health sets its status on, as Fastify's does. */
const response = (): { statusCode: number; status(code: number): unknown } => ({
  statusCode: 200,
  status(code: number) {
    this.statusCode = code;
    return this;
  },
});

async function refusal(health: HealthController): Promise<ProblemError> {
  const error = await health.ready().catch((e: unknown) => e);
  if (!(error instanceof ProblemError)) throw new Error(`ready() did not refuse with a problem: ${String(error)}`);
  return error;
}

describe('health and readiness of a replica', () => {
  let store: EventStore;
  let runner: RunnerAt;
  let health: HealthController;

  beforeEach(() => {
    store = createMemoryEventStore();
    runner = new RunnerAt(store);
    health = new HealthController(store, runner);
  });

  afterEach(async () => {
    await store.close();
  });

  it('is ready on an empty log, nothing being behind', async () => {
    expect(await health.ready()).toMatchObject({ status: 'ok', ready: true, store: { headPosition: null }, projections: { behind: false, lagEvents: '0', lag: '0' } });
  });

  it('names, per read model, where it stands and which snapshot it was restored from', async () => {
    const withSnapshots = new (class extends RunnerAt {
      override status(): RunnerStatus {
        return {
          ...super.status(),
          checkpoints: [
            { name: 'governance.commitments', checkpoint: 41n, restoredFrom: 40n },
            { name: 'trust', checkpoint: 41n, restoredFrom: null },
          ],
          snapshots: {
            location: '/data/concordat.sqlite.snapshots',
            restoring: false,
            restoreMs: 12,
            restored: ['governance.commitments'],
            rebuilt: ['trust'],
            lastRound: { position: 41n, readModels: ['governance.commitments'], captureMs: 3, maxCaptureMs: 2, writeMs: 9, bytes: 1024 },
          },
        };
      }
    })(store);
    const report = await new HealthController(store, withSnapshots).health(response());
    expect(report.projections.checkpoints).toEqual([
      { name: 'governance.commitments', checkpoint: '41', restoredFrom: '40' },
      { name: 'trust', checkpoint: '41', restoredFrom: null },
    ]);
    expect(report.projections.snapshots).toEqual({
      location: '/data/concordat.sqlite.snapshots',
      restoring: false,
      restoreMs: 12,
      restored: ['governance.commitments'],
      rebuilt: ['trust'],
      lastRound: { position: '41', readModels: ['governance.commitments'], bytes: 1024, writeMs: 9, maxCaptureMs: 2 },
    });
    expect((await health.health(response())).projections.snapshots).toBeNull();
  });

  it('is not ready while its read models are behind the log, and says by how many events', async () => {
    for (const stream of ['counter-a', 'counter-b', 'counter-a']) await record(store, stream);
    runner.current = { state: 'running', checkpoint: 0n, failure: null };
    expect(await health.health(response())).toMatchObject({ status: 'catching-up', ready: false, projections: { behind: true, checkpoint: '0', lag: '2', lagEvents: '2' } });
    const notReady = await refusal(health);
    expect(notReady.problem).toMatchObject({ status: 503, code: 'not_ready' });
    expect(notReady.headers).toEqual({ 'Retry-After': '5' });
  });

  it('stays ready once caught up while other replicas’ writes leave it briefly behind', async () => {
    await record(store, 'counter-a');
    runner.current = { state: 'running', checkpoint: 0n, failure: null };
    expect(await health.ready()).toMatchObject({ status: 'ok', ready: true });
    await record(store, 'counter-b');
    expect(await health.ready()).toMatchObject({ status: 'catching-up', ready: true, projections: { behind: true, lagEvents: '1' } });
  });

  it('answers 503 on both endpoints once the read models have stopped, even after being ready', async () => {
    await record(store, 'counter-a');
    runner.current = { state: 'running', checkpoint: 0n, failure: null };
    await health.ready();
    runner.current = { state: 'failed', checkpoint: 0n, failure: { readModel: 'test.counters', position: 1n, message: 'invariant broken' } };
    const answer = response();
    expect(await health.health(answer)).toMatchObject({ status: 'failing', ready: false, projections: { failure: { readModel: 'test.counters', position: '1' } } });
    expect(answer.statusCode).toBe(503);
    expect((await refusal(health)).problem).toMatchObject({ status: 503, code: 'read_models_unavailable' });
  });
});
