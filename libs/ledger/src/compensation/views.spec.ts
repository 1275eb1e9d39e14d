import { DomainError } from '../../../domain/src/shared/errors.js';
import { createMemoryEventStore } from '../../../event-store/src/memory/memory-event-store.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { IncidentsReadModel } from '../../../projections/src/incidents/incidents.read-model.js';
import { ProjectionRunner } from '../projection-runner.js';
import { STALE_VIEW_ATTEMPTS, CompensationViews } from './views.js';

describe('fresh views for compensation commands', () => {
  let store: EventStore;
  let runner: ProjectionRunner;
  let views: CompensationViews;

  beforeEach(async () => {
    store = createMemoryEventStore();
    runner = new ProjectionRunner(store);
    const balances = new BalancesReadModel();
    runner.register(balances);
    runner.start();
    views = new CompensationViews(store, runner, balances, new IncidentsReadModel());
    await store.appendToStream('fund-delta', [{ id: '6f1c2a4e-0000-4000-8000-000000000001', type: 'FundEstablished', data: { fundId: 'delta', bodyId: 'delta', currency: 'CNY', occurredAt: '2026-03-01T00:00:00.000Z' }, metadata: { actor: 'spec', role: 'system', correlationId: 'spec', schemaVersion: 1 } }], 'no_stream');
  });
  afterEach(async () => {
    await runner.stop();
    await store.close();
  });

  const stale = (): DomainError => new DomainError('payer_view_stale', 'read again', {}, 409);

  it('read the balances only once they include the head of the log', async () => {
    const seen = await views.fresh(async () => views.balances.fundBalance('delta')?.established ?? false);
    expect(seen).toBe(true);
  });

  it('retry a decision refused as stale, reading again, and answer the first accepted one', async () => {
    let calls = 0;
    const answer = await views.fresh(async () => {
      calls++;
      if (calls < 3) throw stale();
      return 'accepted';
    });
    expect(answer).toBe('accepted');
    expect(calls).toBe(3);
  });

  it('give up after a bounded number of stale refusals, answering the last one', async () => {
    let calls = 0;
    await expect(
      views.fresh(async () => {
        calls++;
        throw stale();
      }),
    ).rejects.toMatchObject({ code: 'payer_view_stale', status: 409 });
    expect(calls).toBe(STALE_VIEW_ATTEMPTS);
  });

  it('after a stale refusal, wait until what the command saw is durable before reading again, however slow the disk', async () => {
    // A store whose last commit is in the streams (the decider saw it) but not yet in the log the read models follow:
    // SQLite's group commit under FULL, between COMMIT and the WAL sync. Its sync here takes longer than all the
    // retries' pauses together.
    const lake = { id: '6f1c2a4e-0000-4000-8000-000000000002', type: 'FundEstablished', data: { fundId: 'lake', bodyId: 'lake', currency: 'CNY', occurredAt: '2026-03-02T00:00:00.000Z' }, metadata: { actor: 'spec', role: 'system', correlationId: 'spec', schemaVersion: 1 } };
    let unsynced = true;
    const slowDisk: EventStore = Object.assign(Object.create(store) as EventStore, {
      async waitUntilCommittedDurable(): Promise<void> {
        if (!unsynced) return;
        await new Promise((resolve) => setTimeout(resolve, 400));
        await store.appendToStream('fund-lake', [lake], 'no_stream');
        unsynced = false;
      },
    });
    const onSlowDisk = new CompensationViews(slowDisk, runner, views.balances, views.incidents);
    let calls = 0;
    const answer = await onSlowDisk.fresh(async () => {
      calls++;
      if (onSlowDisk.balances.fundBalance('lake') === null) throw stale();
      return 'accepted';
    });
    expect(answer).toBe('accepted');
    expect(calls).toBe(2);
  });

  it('never retry any other refusal', async () => {
    let calls = 0;
    await expect(
      views.fresh(async () => {
        calls++;
        throw new DomainError('obligation_overpaid', 'too much');
      }),
    ).rejects.toMatchObject({ code: 'obligation_overpaid' });
    expect(calls).toBe(1);
  });
});
