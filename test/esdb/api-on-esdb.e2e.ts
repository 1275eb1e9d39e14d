import request from 'supertest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { issueToken } from '../../apps/api/src/auth/tokens.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { loadConfig } from '../../libs/ledger/src/config.js';
import { testServerTarget } from './fixture.js';

const SECRET = 'a-test-secret-long-enough-for-hs256-tokens';

/**
 * Two API replicas booted with CONCORDAT_STORE=esdb on one EventStoreDB node (the gRPC test server): the scale-out
 * wiring end to end. Either replica takes any command; each catches its read models up from `$all`.
 */
describe('two API replicas on one EventStoreDB', () => {
  let target: Awaited<ReturnType<typeof testServerTarget>>;
  let replicaA: NestFastifyApplication;
  let replicaB: NestFastifyApplication;
  let admin: string;

  beforeAll(async () => {
    target = await testServerTarget();
    const config = loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: target.connectionString, CONCORDAT_JWT_SECRET: SECRET });
    replicaA = await createApp(config, { clock: new FakeClock(), logger: false });
    replicaB = await createApp(config, { clock: new FakeClock(), logger: false });
    admin = `Bearer ${await issueToken(SECRET, { sub: 'admin-1', role: 'admin' }, 3600)}`;
  });

  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
    await target.stop();
  });

  it('reports the EventStoreDB store and an empty log on /health', async () => {
    const response = await request(replicaA.getHttpServer()).get('/health').expect(200);
    expect(response.body).toMatchObject({ store: { kind: 'esdb', headPosition: null } });
  });

  it('reads on one replica, at the position it returned, what the other replica wrote, and refuses the same write twice', async () => {
    const city = { cityId: 'hangzhou', name: 'Hangzhou', level: 'sub_provincial', region: 'Yangtze River Delta' };
    const written = await request(replicaA.getHttpServer()).post('/cities').set('Authorization', admin).send(city).expect(201);
    const position = String(written.body.position);

    const read = await request(replicaB.getHttpServer()).get(`/cities/hangzhou?atLeast=${position}`).set('Authorization', admin).expect(200);
    expect(read.body).toMatchObject({ cityId: 'hangzhou', name: 'Hangzhou' });

    await request(replicaB.getHttpServer()).post('/cities').set('Authorization', admin).send(city).expect(409);
    const health = await request(replicaB.getHttpServer()).get('/health').expect(200);
    expect(health.body.store).toEqual({ kind: 'esdb', headPosition: position });
  });
});
