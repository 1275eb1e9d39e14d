import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { issueToken } from '../../apps/api/src/auth/tokens.js';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { bearer, SECRET, startApp, testConfig } from './support.js';

const PROBLEM = /^application\/problem\+json/;

describe('the HTTP shell on the in-memory store', () => {
  let app: NestFastifyApplication;
  let officerOfLyon: string;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    app = await startApp(testConfig('memory'));
    officerOfLyon = await bearer({ sub: 'officer-lyon', role: 'city-officer', city: 'lyon' });
    admin = await bearer({ sub: 'admin-1', role: 'admin' });
    auditor = await bearer({ sub: 'auditor-1', role: 'auditor' });
  });
  afterAll(async () => {
    await app.close();
  });

  const http = () => request(app.getHttpServer());

  describe('health', () => {
    it('answers without a token with the store kind, head position and projection checkpoint', async () => {
      await http().post('/cities/lyon/counters/a/increments').set('Authorization', admin).send({ by: 1 }).expect(201);
      const res = await http().get('/health?').expect(200);
      expect(res.body).toMatchObject({ store: { kind: 'memory' }, projections: { state: 'running' } });
      expect(res.body.store.headPosition).toMatch(/^\d+$/);
      expect(res.body.projections.readModels).toEqual(expect.arrayContaining(['ledger.idempotency-keys', 'test.counter-totals']));
    });
  });

  describe('authentication', () => {
    it('refuses a request without a token with 401 problem+json and a Bearer challenge', async () => {
      const res = await http().get('/cities/lyon/counters').expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ type: 'https://concordat.dev/problems/missing_token', status: 401, code: 'missing_token', instance: '/cities/lyon/counters' });
    });

    it('refuses a token signed with another secret', async () => {
      const forged = await issueToken('another-secret-that-is-also-long-enough', { sub: 'x', role: 'admin' }, 3600);
      const res = await http().get('/cities/lyon/counters').set('Authorization', `Bearer ${forged}`).expect(401);
      expect(res.body.code).toBe('invalid_token');
    });

    it('refuses an expired token', async () => {
      const oneDayAgo = Math.floor(Date.now() / 1000) - 86_400;
      const expired = await issueToken(SECRET, { sub: 'x', role: 'admin' }, 60, oneDayAgo);
      const res = await http().get('/cities/lyon/counters').set('Authorization', `Bearer ${expired}`).expect(401);
      expect(res.body).toMatchObject({ code: 'token_expired', type: 'https://concordat.dev/problems/token_expired' });
    });

    it('refuses a token whose role lacks its scope', async () => {
      const { SignJWT } = await import('jose');
      const scopeless = await new SignJWT({ role: 'city-officer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('o')
        .setIssuer('concordat')
        .setAudience('concordat-api')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
      const res = await http().get('/cities/lyon/counters').set('Authorization', `Bearer ${scopeless}`).expect(401);
      expect(res.body.detail).toMatch(/needs a city scope/);
    });
  });

  describe('roles and scope', () => {
    it('forbids a write to a role the route does not name (an auditor writes nothing)', async () => {
      const res = await http().post('/cities/lyon/counters/a/increments').set('Authorization', auditor).send({ by: 1 }).expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ code: 'role_forbidden', role: 'auditor', allowed: ['admin', 'city-officer'] });
    });

    it('refuses every write on a route without @Roles', async () => {
      const res = await http().post('/cities/lyon/counters/a/resets').set('Authorization', admin).send({}).expect(403);
      expect(res.body.code).toBe('role_forbidden');
    });

    it('lets a city officer act for its own city only', async () => {
      await http().post('/cities/lyon/counters/b/increments').set('Authorization', officerOfLyon).send({ by: 2 }).expect(201);
      const res = await http().post('/cities/nice/counters/b/increments').set('Authorization', officerOfLyon).send({ by: 2 }).expect(403);
      expect(res.body).toMatchObject({ code: 'out_of_scope', type: 'https://concordat.dev/problems/out_of_scope' });
    });

    it('records actor, role and scope in the events', async () => {
      const res = await http().post('/cities/lyon/counters/c/increments').set('Authorization', officerOfLyon).set('X-Correlation-Id', 'corr-42').send({ by: 1 }).expect(201);
      expect(res.headers['x-correlation-id']).toBe('corr-42');
      const read = await http().get(`/cities/lyon/counters/c?atLeast=${res.body.position}`).set('Authorization', auditor).expect(200);
      expect(read.body).toEqual({ stream: 'counter-lyon.c', total: 1 });
      const [event] = await app.get<EventStore>(EVENT_STORE).readStream('counter-lyon.c');
      expect(event.metadata).toMatchObject({ actor: 'officer-lyon', role: 'city-officer', scope: 'city:lyon', correlationId: 'corr-42', schemaVersion: 1 });
    });
  });

  describe('validation and problems', () => {
    it('refuses unknown fields and wrong types with 400 and the field errors', async () => {
      const res = await http().post('/cities/lyon/counters/a/increments').set('Authorization', admin).send({ by: 'two', colour: 'red' }).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('validation_failed');
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['by', 'colour']);
    });

    it('answers a domain refusal with its status and stable type, without a stack trace', async () => {
      await http().post('/cities/lyon/counters/big/increments').set('Authorization', admin).send({ by: 100 }).expect(201);
      for (let i = 0; i < 9; i++) await http().post('/cities/lyon/counters/big/increments').set('Authorization', admin).send({ by: 100 });
      const res = await http().post('/cities/lyon/counters/big/increments').set('Authorization', admin).send({ by: 1 }).expect(422);
      expect(res.body).toMatchObject({ type: 'https://concordat.dev/problems/counter_limit_exceeded', status: 422, limit: 1000 });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    });

    it('answers malformed JSON with 400 problem+json', async () => {
      const res = await http().post('/cities/lyon/counters/a/increments').set('Authorization', admin).set('Content-Type', 'application/json').send('{"by": ').expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    it('answers a body over the limit with 413 problem+json', async () => {
      const res = await http()
        .post('/cities/lyon/counters/a/increments')
        .set('Authorization', admin)
        .send({ by: 1, padding: 'x'.repeat(300 * 1024) })
        .expect(413);
      expect(res.body.code).toBe('payload_too_large');
    });

    it('answers an unknown route with 404 problem+json', async () => {
      const res = await http().get('/nowhere').set('Authorization', admin).expect(404);
      expect(res.body).toMatchObject({ code: 'not_found', status: 404 });
    });

    it('caps list pages at 500 and pages with a cursor', async () => {
      for (const name of ['p1', 'p2', 'p3']) await http().post(`/cities/paris/counters/${name}/increments`).set('Authorization', admin).send({ by: 1 }).expect(201);
      const head = (await http().get('/health')).body.store.headPosition as string;
      await http().get('/cities/paris/counters?limit=501').set('Authorization', admin).expect(400);
      const first = await http().get(`/cities/paris/counters?limit=2&atLeast=${head}`).set('Authorization', admin).expect(200);
      expect(first.body.items.map((r: { stream: string }) => r.stream)).toEqual(['counter-paris.p1', 'counter-paris.p2']);
      const second = await http().get(`/cities/paris/counters?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', admin).expect(200);
      expect(second.body).toEqual({ items: [{ stream: 'counter-paris.p3', total: 1 }], nextCursor: null });
    });
  });

  describe('reading one\'s own writes', () => {
    it('answers a write with revision and position, and a read with atLeast sees it', async () => {
      const write = await http().post('/cities/lyon/counters/d/increments').set('Authorization', admin).send({ by: 5 }).expect(201);
      expect(write.body).toEqual({ stream: 'counter-lyon.d', revision: '0', position: expect.stringMatching(/^\d+$/) });
      const read = await http().get(`/cities/lyon/counters/d?atLeast=${write.body.position}`).set('Authorization', admin).expect(200);
      expect(read.body.total).toBe(5);
    });

    it('answers bigints (revisions, positions) as decimal strings', async () => {
      const res = await http().get('/cities/lyon/counters/d/revision').set('Authorization', admin).expect(200);
      expect(res.body).toEqual({ revision: '0' });
    });

    it('answers a position beyond the head with 409', async () => {
      const res = await http().get('/cities/lyon/counters/d?atLeast=999999').set('Authorization', admin).expect(409);
      expect(res.body).toMatchObject({ code: 'position_not_reached', atLeast: '999999' });
    });

    it('refuses an atLeast that is not a position', async () => {
      const res = await http().get('/cities/lyon/counters/d?atLeast=-1').set('Authorization', admin).expect(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('Idempotency-Key', () => {
    it('answers the same request under the same key with the first answer, writing once', async () => {
      const send = () => http().post('/cities/lyon/counters/e/increments').set('Authorization', admin).set('Idempotency-Key', 'inc-e-1').send({ by: 3 });
      const first = await send().expect(201);
      const again = await send().expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const read = await http().get(`/cities/lyon/counters/e?atLeast=${first.body.position}`).set('Authorization', admin).expect(200);
      expect(read.body.total).toBe(3);
    });

    it('refuses the key reused with a different body with 422 naming the key', async () => {
      await http().post('/cities/lyon/counters/f/increments').set('Authorization', admin).set('Idempotency-Key', 'inc-f-1').send({ by: 3 }).expect(201);
      const res = await http().post('/cities/lyon/counters/f/increments').set('Authorization', admin).set('Idempotency-Key', 'inc-f-1').send({ by: 4 }).expect(422);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ code: 'idempotency_key_reused', idempotencyKey: 'inc-f-1' });
    });

    it('refuses the key reused by another actor or on another path', async () => {
      await http().post('/cities/lyon/counters/g/increments').set('Authorization', admin).set('Idempotency-Key', 'inc-g-1').send({ by: 1 }).expect(201);
      await http().post('/cities/lyon/counters/g/increments').set('Authorization', officerOfLyon).set('Idempotency-Key', 'inc-g-1').send({ by: 1 }).expect(422);
      await http().post('/cities/lyon/counters/h/increments').set('Authorization', admin).set('Idempotency-Key', 'inc-g-1').send({ by: 1 }).expect(422);
    });

    it('answers a repeated no-op consistently', async () => {
      const touch = () => http().post('/cities/lyon/counters/e/touches').set('Authorization', admin).set('Idempotency-Key', 'touch-e-1').send({});
      const first = await touch().expect(201);
      expect(first.body).toMatchObject({ stream: 'counter-lyon.e', revision: '0' });
      const again = await touch().expect(201);
      expect(again.body).toEqual(first.body);
    });

    it('writes once when the same keyed request arrives twice at the same time', async () => {
      const send = () => http().post('/cities/lyon/counters/race/increments').set('Authorization', admin).set('Idempotency-Key', 'race-1').send({ by: 2 });
      const [a, b] = await Promise.all([send(), send()]);
      expect(a.status).toBe(201);
      expect(b.body).toEqual(a.body);
      expect(await app.get<EventStore>(EVENT_STORE).streamRevision('counter-lyon.race')).toBe(0n);
    });

    it('asks who is asking first: without a token, a malformed key or a position beyond the head is a 401', async () => {
      const write = await http().post('/cities/lyon/counters/e/increments').set('Idempotency-Key', 'with space').send({ by: 1 }).expect(401);
      expect(write.body.code).toBe('missing_token');
      const read = await http().get('/cities/lyon/counters/d?atLeast=999999').expect(401);
      expect(read.body.code).toBe('missing_token');
    });

    it('refuses a malformed key', async () => {
      const res = await http().post('/cities/lyon/counters/e/increments').set('Authorization', admin).set('Idempotency-Key', 'with space').send({ by: 1 }).expect(400);
      expect(res.body.code).toBe('invalid_idempotency_key');
    });
  });

  describe('the API description', () => {
    it('serves OpenAPI at /openapi.json and its UI at /docs without a token', async () => {
      const spec = await http().get('/openapi.json').expect(200);
      expect(spec.body.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/health', '/cities/{city}/counters/{counter}/increments']));
      expect(spec.body.security).toEqual([{ bearer: [] }]);
      expect(spec.body.paths['/health'].get.security).toEqual([]);
      const ui = await http().get('/docs').redirects(1).expect(200);
      expect(ui.text).toMatch(/swagger/i);
    });
  });
});
