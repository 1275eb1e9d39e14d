import { Module } from '@nestjs/common';
import request from 'supertest';
import type { RecordedEvent } from '../../libs/event-store/src/port.js';
import { LedgerModule } from '../../libs/ledger/src/ledger.module.js';
import { ProjectionInvariantError, type ReadModel } from '../../libs/projections/src/read-model.js';
import { CounterContextModule } from './counter-context.js';
import { bearer, startApp, testConfig } from './support.js';

/** A read model whose invariant the second counter event violates. */
class AtMostOneIncrement implements ReadModel {
  readonly name = 'test.at-most-one-increment';
  readonly version = 1;
  private seen = 0;
  apply(event: RecordedEvent): void {
    if (event.type !== 'counter.incremented') return;
    this.seen++;
    if (this.seen > 1) throw new ProjectionInvariantError(this.name, event.position, 'a second increment');
  }
  canonicalState(): unknown {
    return { seen: this.seen };
  }
}

@Module({ imports: [LedgerModule.forFeature({ readModels: [AtMostOneIncrement] })] })
class FragileModule {}

describe('a read model that finds the history inconsistent', () => {
  it('stops the runner loudly: health answers 503 naming the model and position, and waiting reads fail with 503', async () => {
    const app = await startApp(testConfig('memory'), [CounterContextModule, FragileModule]);
    try {
      const admin = await bearer({ sub: 'admin-1', role: 'admin' });
      const http = () => request(app.getHttpServer());
      await http().post('/cities/lyon/counters/a/increments').set('Authorization', admin).send({ by: 1 }).expect(201);
      const second = await http().post('/cities/lyon/counters/a/increments').set('Authorization', admin).send({ by: 1 }).expect(201);

      const read = await http().get(`/cities/lyon/counters/a?atLeast=${second.body.position}`).set('Authorization', admin).expect(503);
      expect(read.body.code).toBe('read_models_unavailable');
      const health = await http().get('/health').expect(503);
      expect(health.body).toMatchObject({
        status: 'failing',
        projections: { state: 'failed', failure: { readModel: 'test.at-most-one-increment', position: second.body.position } },
      });
    } finally {
      await app.close();
    }
  });
});
