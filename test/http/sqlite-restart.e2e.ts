import { join } from 'node:path';
import request from 'supertest';
import { bearer, startApp, tempDir, testConfig } from './support.js';

describe('the HTTP shell on a SQLite file, across a restart', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('keeps idempotency keys and read models: a repeat after a restart gets the first answer, a reuse is refused', async () => {
    const config = testConfig('sqlite', join(temp.dir, 'ledger.sqlite'));
    const admin = await bearer({ sub: 'admin-1', role: 'admin' });
    const increment = (app: Awaited<ReturnType<typeof startApp>>, by: number) =>
      request(app.getHttpServer()).post('/cities/lyon/counters/a/increments').set('Authorization', admin).set('Idempotency-Key', 'restart-1').send({ by });

    const before = await startApp(config);
    const first = await increment(before, 7).expect(201);
    const touched = await request(before.getHttpServer()).post('/cities/lyon/counters/a/touches').set('Authorization', admin).set('Idempotency-Key', 'restart-touch').send({}).expect(201);
    await before.close();

    const after = await startApp(config);
    try {
      const health = await request(after.getHttpServer()).get('/health').expect(200);
      expect(health.body.store).toEqual({ kind: 'sqlite', headPosition: touched.body.position });

      const again = await increment(after, 7).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const touchedAgain = await request(after.getHttpServer()).post('/cities/lyon/counters/a/touches').set('Authorization', admin).set('Idempotency-Key', 'restart-touch').send({}).expect(201);
      expect(touchedAgain.body).toEqual(touched.body);

      const reuse = await increment(after, 8).expect(422);
      expect(reuse.body).toMatchObject({ code: 'idempotency_key_reused', idempotencyKey: 'restart-1' });

      const read = await request(after.getHttpServer()).get(`/cities/lyon/counters/a?atLeast=${touched.body.position}`).set('Authorization', admin).expect(200);
      expect(read.body.total).toBe(7);
    } finally {
      await after.close();
    }
  });
});
