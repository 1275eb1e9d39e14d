import { CommandBus } from '@nestjs/cqrs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { DeadlineManager } from '../../libs/ledger/src/governance/deadline-manager.js';
import { ProjectionRunner } from '../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/commitments.read-model.js';
import { at, commitmentBody, HOUR_MS, officials, seed, START, startGovernance, tempDir, testConfig, type GovernanceApp, type Officials } from './support.js';

const DAY_MS = 24 * HOUR_MS;

/** A manager of its own on the app's store, clock and command path: a second replica, or the same one restarted. */
function replica(g: GovernanceApp): DeadlineManager {
  return new DeadlineManager(
    g.app.get<EventStore>(EVENT_STORE),
    g.clock,
    g.app.get(CommandBus),
    g.app.get(CommitmentsReadModel),
    g.app.get(ProjectionRunner),
    { enabled: false },
  );
}

const eventsOf = async (g: GovernanceApp, commitmentId: string): Promise<RecordedEvent[]> => g.app.get<EventStore>(EVENT_STORE).readStream(`commitment-${commitmentId}`);
const typesOf = async (g: GovernanceApp, commitmentId: string): Promise<string[]> => (await eventsOf(g, commitmentId)).map((e) => e.type);

describe('the deadline process manager', () => {
  let g: GovernanceApp;
  let who: Officials;

  beforeEach(async () => {
    g = await startGovernance(testConfig('memory'));
    who = await officials();
    await seed(g, who);
  });
  afterEach(async () => {
    await g.app.close();
  });

  async function commitmentDueIn(hours: number, id: string): Promise<void> {
    const made = await g.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody(id, { dueAt: at(hours) })).expect(201);
    await g.app.get(ProjectionRunner).waitFor(BigInt(made.body.position), 5_000);
  }

  async function caughtUp(): Promise<void> {
    const head = await g.app.get<EventStore>(EVENT_STORE).headPosition();
    if (head !== null) await g.app.get(ProjectionRunner).waitFor(head, 5_000);
  }

  it('records overdue at due + grace and the default, reason "deadline", at due + the default period', async () => {
    await commitmentDueIn(2, 'pumps-1');
    const manager = replica(g);
    expect(await manager.sweep()).toEqual({ examined: 0, recorded: 0, failed: 0 });

    g.clock.set(Date.parse(at(3)) + 1);
    expect(await manager.sweep()).toMatchObject({ recorded: 1, failed: 0 });
    const [, overdue] = await eventsOf(g, 'pumps-1');
    expect(overdue).toMatchObject({ type: 'CommitmentOverdue', data: { occurredAt: at(3), dueAt: at(2) }, metadata: { actor: 'system:deadlines', role: 'system' } });
    const read = await g.http().get(`/commitments/pumps-1?atLeast=${overdue.position}`).set('Authorization', who.auditor).expect(200);
    expect(read.body).toMatchObject({ status: 'overdue', overdueMarked: true });

    g.clock.set(Date.parse(at(2)) + 7 * DAY_MS);
    await caughtUp();
    expect(await manager.sweep()).toMatchObject({ recorded: 1, failed: 0 });
    const defaulted = (await eventsOf(g, 'pumps-1'))[2];
    expect(defaulted).toMatchObject({ type: 'CommitmentDefaulted', data: { reason: 'deadline', occurredAt: new Date(Date.parse(at(2)) + 7 * DAY_MS).toISOString() } });
    const final = await g.http().get(`/commitments/pumps-1?atLeast=${defaulted.position}`).set('Authorization', who.auditor).expect(200);
    expect(final.body.status).toBe('defaulted');
    expect(g.app.get(CommitmentsReadModel).nextDeadlineMs()).toBeNull();
  });

  it('records a deadline once when two replicas race for it, and nothing more after a restart', async () => {
    await commitmentDueIn(2, 'race-1');
    await commitmentDueIn(4, 'race-2');
    const [a, b] = [replica(g), replica(g)];
    g.clock.set(Date.parse(at(2)) + 7 * DAY_MS + 1);

    await Promise.all([a.sweep(), b.sweep()]);
    await caughtUp();
    await Promise.all([a.sweep(), b.sweep()]);
    expect(await typesOf(g, 'race-1')).toEqual(['CommitmentMade', 'CommitmentOverdue', 'CommitmentDefaulted']);
    expect(await typesOf(g, 'race-2')).toEqual(['CommitmentMade', 'CommitmentOverdue']);

    g.clock.set(Date.parse(at(4)) + 7 * DAY_MS);
    await caughtUp();
    await Promise.all([a.sweep(), b.sweep(), a.sweep()]);
    await caughtUp();
    const restarted = replica(g);
    expect(await restarted.sweep()).toEqual({ examined: 0, recorded: 0, failed: 0 });
    expect(await typesOf(g, 'race-2')).toEqual(['CommitmentMade', 'CommitmentOverdue', 'CommitmentDefaulted']);
    expect(await typesOf(g, 'race-1')).toHaveLength(3);
  });

  it('leaves a fulfilled commitment alone after its deadlines pass', async () => {
    await commitmentDueIn(2, 'kept-1');
    const delivered = await g
      .http()
      .post('/commitments/kept-1/deliveries')
      .set('Authorization', await who.officerOf('suzhou'))
      .send({ deliveryId: 'd1', quantity: '100', evidenceRef: 'waybill' })
      .expect(201);
    await g.app.get(ProjectionRunner).waitFor(BigInt(delivered.body.position), 5_000);
    g.clock.set(Date.parse(at(2)) + 30 * DAY_MS);
    expect(await replica(g).sweep()).toEqual({ examined: 0, recorded: 0, failed: 0 });
    expect(await typesOf(g, 'kept-1')).toEqual(['CommitmentMade', 'DeliveryRecorded', 'CommitmentFulfilled']);
  });
});

describe('the deadline process manager running on its own', () => {
  it('notices on its next wake that the ledger clock has passed a deadline', async () => {
    const clock = new FakeClock(Date.parse(START));
    const g = await startGovernance(testConfig('memory'), { clock, deadlines: true, sweepIntervalMs: 250 });
    try {
      const who = await officials();
      await seed(g, who);
      await g.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody('drill-1', { kind: 'drill', dueAt: at(1) })).expect(201);
      clock.set(Date.parse(at(2)));
      let types: string[] = [];
      for (let attempt = 0; attempt < 200 && !types.includes('CommitmentOverdue'); attempt++) {
        await sleep(25);
        types = await typesOf(g, 'drill-1');
      }
      expect(types).toEqual(['CommitmentMade', 'CommitmentOverdue']);
    } finally {
      await g.app.close();
    }
  });
});

describe('the deadline process manager across restarts of the ledger', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('catches up on deadlines that passed while the ledger was down, once', async () => {
    const config = testConfig('sqlite', join(temp.dir, 'deadlines.sqlite'));
    const who = await officials();
    const clock = new FakeClock(Date.parse(START));

    const first = await startGovernance(config, { clock, deadlines: true });
    try {
      await seed(first, who);
      await first.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody('levels-1', { kind: 'information_report', dueAt: at(6) })).expect(201);
    } finally {
      await first.app.close();
    }

    clock.set(Date.parse(at(7)) + 1);
    for (let restart = 0; restart < 2; restart++) {
      const again = await startGovernance(config, { clock, deadlines: true });
      try {
        let types: string[] = [];
        for (let attempt = 0; attempt < 200 && !types.includes('CommitmentOverdue'); attempt++) {
          types = await typesOf(again, 'levels-1');
          if (!types.includes('CommitmentOverdue')) await sleep(25);
        }
        expect(types).toEqual(['CommitmentMade', 'CommitmentOverdue']);
      } finally {
        await again.app.close();
      }
    }
    // Closing waited for each manager's sweep in progress: what the file holds now is all the restarts wrote.
    const reader = await startGovernance(config, { clock });
    try {
      expect(await typesOf(reader, 'levels-1')).toEqual(['CommitmentMade', 'CommitmentOverdue']);
    } finally {
      await reader.app.close();
    }
  });
});
