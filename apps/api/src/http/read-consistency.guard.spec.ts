import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { createMemoryEventStore } from '../../../../libs/event-store/src/memory/index.js';
import type { EventMetadata } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { ProblemError } from './problem.js';
import { ReadConsistencyGuard } from './read-consistency.guard.js';

const metadata: EventMetadata = { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1 };

const httpContext = (query: Record<string, unknown>): ExecutionContext => new ExecutionContextHost([{ method: 'GET', query }, {}]);

describe('reads with ?atLeast=', () => {
  it('answers 503 with Retry-After when the read models do not reach the position in time', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('counter-a', [{ id: crypto.randomUUID(), type: 'counter.incremented', data: {}, metadata }], 'any');
    // A runner that was never started stands for one that is far behind: the position is in the log, not yet applied.
    const runner = new ProjectionRunner(store);
    runner.waitFor = (position, _timeoutMs) => Promise.resolve(position < 0n);
    const guard = new ReadConsistencyGuard(runner, store);

    const error: unknown = await Promise.resolve(guard.canActivate(httpContext({ atLeast: '0' }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ problem: { status: 503, code: 'read_model_behind', atLeast: '0' }, headers: { 'Retry-After': '1' } });
  });

  it('reads at once when no position is asked for', () => {
    const store = createMemoryEventStore();
    const guard = new ReadConsistencyGuard(new ProjectionRunner(store), store);
    expect(guard.canActivate(httpContext({}))).toBe(true);
  });

  it('lets the read through once the read models have applied the position', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('counter-a', [{ id: crypto.randomUUID(), type: 'counter.incremented', data: {}, metadata }], 'any');
    const runner = new ProjectionRunner(store);
    runner.waitFor = (position, _timeoutMs) => Promise.resolve(position <= 0n);
    await expect(Promise.resolve(new ReadConsistencyGuard(runner, store).canActivate(httpContext({ atLeast: '0' })))).resolves.toBe(true);
  });
});
