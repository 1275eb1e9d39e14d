import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { lastValueFrom, of } from 'rxjs';
import { createMemoryEventStore } from '../../../../libs/event-store/src/memory/index.js';
import type { EventMetadata } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { ProblemError } from './problem.js';
import { ReadConsistencyInterceptor } from './read-consistency.interceptor.js';

const metadata: EventMetadata = { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1 };

const httpContext = (query: Record<string, unknown>): ExecutionContext => new ExecutionContextHost([{ method: 'GET', query }, {}]);

describe('reads with ?atLeast=', () => {
  it('answers 503 with Retry-After when the read models do not reach the position in time', async () => {
    const store = createMemoryEventStore();
    await store.appendToStream('counter-a', [{ id: crypto.randomUUID(), type: 'counter.incremented', data: {}, metadata }], 'any');
    // A runner that was never started stands for one that is far behind: the position is in the log, not yet applied.
    const runner = new ProjectionRunner(store);
    runner.waitFor = (position, _timeoutMs) => Promise.resolve(position < 0n);
    const interceptor = new ReadConsistencyInterceptor(runner, store);
    const next: CallHandler = { handle: () => of('read') };

    const error: unknown = await lastValueFrom(interceptor.intercept(httpContext({ atLeast: '0' }), next)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ problem: { status: 503, code: 'read_model_behind', atLeast: '0' }, headers: { 'Retry-After': '1' } });
  });

  it('reads at once when no position is asked for', async () => {
    const store = createMemoryEventStore();
    const interceptor = new ReadConsistencyInterceptor(new ProjectionRunner(store), store);
    await expect(lastValueFrom(interceptor.intercept(httpContext({}), { handle: () => of('read') }))).resolves.toBe('read');
  });
});
