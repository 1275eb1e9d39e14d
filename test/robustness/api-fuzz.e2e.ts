/**
 * Bad input never hurts the ledger: every operation the API publishes in /openapi.json is sent malformed bodies,
 * queries, paths and tokens. Each must be refused with a precise RFC 9457 problem (4xx, never 5xx, nothing internal)
 * and leave the log's head where it was.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../apps/api/src/auth/tokens.js';
import { BAD_PATH_SEGMENTS, bodyCases, queryCases, queryShapeCases } from './cases.js';
import { operationsOf, propertiesOf, type OpenApiDocument, type Operation } from './openapi.js';
import { expectRefusal, type Refusal } from './problem-assertions.js';
import { SECRET, startFuzzLedger, tempDir, testConfig, type FuzzLedger } from './support.js';

/** Ids of the seeded ledger, so that a request with a malformed body reaches the route it is aimed at. */
const PATH_VALUES: Record<string, string> = {
  cityId: 'a-city',
  bodyId: 'delta',
  agreementId: 'delta-aid',
  commitmentId: 'sandbags-1',
  incidentId: 'flood-2025',
  claimId: 'flood-2025-a-city',
  findingId: 'flood-2025-f0',
  disputeId: 'dispute-1',
  transferId: 'transfer-1',
  obligationId: 'flood-2025:origin:origin-city:a-city',
  truster: 'a-city',
  trustee: 'b-city',
  stream: 'commitment-sandbags-1',
  correlationId: 'correlation-1',
  readModel: 'balances',
};

const pathOf = (op: Operation, override: Record<string, string> = {}): string =>
  op.template.replace(/\{(\w+)\}/g, (_m, name: string) => override[name] ?? encodeURIComponent(PATH_VALUES[name] ?? 'fuzz-id'));

interface Run {
  ledger: FuzzLedger;
  doc: OpenApiDocument;
  ops: Operation[];
  /** For each write, a token of a role allowed to call it (found by asking the API itself). */
  callers: Map<string, string>;
  /** For each write, a token of a role refused by it, when one exists. */
  refused: Map<string, string>;
}

async function openRun(config: Parameters<typeof startFuzzLedger>[0]): Promise<Run> {
  const ledger = await startFuzzLedger(config);
  const doc = (await ledger.http().get('/openapi.json').expect(200)).body as OpenApiDocument;
  const ops = operationsOf(doc);
  const { who } = ledger;
  const tokens = [who.admin, who.coordinator, who.fundFinance, await who.officerOf('a-city'), await who.financeOf('a-city'), who.auditor];
  const callers = new Map<string, string>();
  const refused = new Map<string, string>();
  for (const op of ops.filter((o) => o.method === 'post' && o.body !== null)) {
    for (const token of tokens) {
      // An unknown field is refused by validation, which runs only after the role guard let the caller through.
      const res = await ledger.http().post(pathOf(op)).set('Authorization', token).send({ probeField: 1 });
      const forbidden = res.status === 403 && (res.body as { code?: string }).code === 'role_forbidden';
      if (forbidden) refused.set(op.template, token);
      else if (!callers.has(op.template)) callers.set(op.template, token);
    }
  }
  return { ledger, doc, ops, callers, refused };
}

const key = (op: Operation): string => `${op.method.toUpperCase()} ${op.template}`;

/** Requests sent at once: enough to keep the server busy, few enough to keep the failures readable. */
const IN_FLIGHT = 8;

interface Attempt {
  label: string;
  send: () => Promise<Response>;
  status?: number;
  /** The problem's code, when the refusal must name one. */
  code?: string;
}

/**
 * Sends one operation's malformed requests and checks each refusal; the log's head is read before and after the
 * batch (a refused request appends nothing, so neither may a batch of them). Returns what went wrong.
 */
async function refuseAll(run: Run, operation: string, attempts: readonly Attempt[]): Promise<string[]> {
  const before = await run.ledger.head();
  const failures: string[] = [];
  for (let i = 0; i < attempts.length; i += IN_FLIGHT) {
    const batch = attempts.slice(i, i + IN_FLIGHT);
    const answers = await Promise.all(batch.map((attempt) => attempt.send()));
    answers.forEach((res, j) => {
      const code = (res.body as { code?: unknown }).code;
      const failure: Refusal = expectRefusal(res, batch[j].status) ?? (batch[j].code === undefined || code === batch[j].code ? null : `expected code ${batch[j].code}, got ${String(code)}`);
      if (failure !== null) failures.push(`${operation} with ${batch[j].label}: ${failure}`);
    });
  }
  const after = await run.ledger.head();
  if (after !== before) failures.push(`${operation}: the head moved from ${before} to ${after}`);
  return failures;
}

/**
 * The memory run sends every case; the SQLite run, which checks that the durable store refuses alike, every n-th
 * one (and fewer random bodies) so that the file stays well under a minute.
 */
const RUNS = { memory: { every: 1, randomBodies: 12 }, sqlite: { every: 5, randomBodies: 3 } } as const;

const sample = <T>(items: readonly T[], every: number): T[] => items.filter((_item, i) => i % every === 0);

/** Path parameters that name free-form lookups: a correlation id is recorded as a client sent it, so any is a fair question. */
const FREE_FORM_PATH_PARAMS = new Set(['correlationId']);

describe.each([['memory'], ['sqlite']] as const)('bad input never hurts the ledger (%s store)', (kind) => {
  let run: Run;
  let cleanup: () => void = () => undefined;
  const every = RUNS[kind].every;

  beforeAll(async () => {
    if (kind === 'sqlite') {
      const temp = tempDir();
      cleanup = temp.cleanup;
      run = await openRun(testConfig('sqlite', `${temp.dir}/ledger.db`));
    } else {
      run = await openRun(testConfig('memory'));
    }
  }, 60_000);

  afterAll(async () => {
    await run.ledger.close();
    cleanup();
  });

  const writes = (): Operation[] => run.ops.filter((o) => o.method === 'post');
  const bodyWrites = (): Operation[] => writes().filter((o) => o.body !== null);
  const reads = (): Operation[] => run.ops.filter((o) => o.method === 'get');
  const post = (op: Operation, token: string, path = pathOf(op)) => run.ledger.http().post(path).set('Authorization', token);

  test('the seeded ids name what exists, so a malformed request reaches the route it aims at', async () => {
    for (const path of ['/cities/a-city', '/bodies/delta', '/agreements/delta-aid', '/commitments/sandbags-1', '/incidents/flood-2025', '/funds/delta', '/audit/state/balances']) {
      await run.ledger.http().get(path).set('Authorization', run.ledger.who.auditor).expect(200);
    }
  });

  test('the OpenAPI document names every operation, and every write has a role allowed to call it', () => {
    expect(run.ops.length).toBeGreaterThanOrEqual(70);
    expect(bodyWrites().length).toBeGreaterThanOrEqual(30);
    expect(bodyWrites().filter((op) => !run.callers.has(op.template)).map(key)).toEqual([]);
  });

  test('every write refuses a malformed body with a problem and appends nothing', async () => {
    const failures: string[] = [];
    for (const op of bodyWrites()) {
      const token = run.callers.get(op.template) ?? '';
      const attempts = sample(bodyCases(run.doc, op.body ?? {}), every).map((c) => ({ label: c.label, send: () => post(op, token).set('Content-Type', 'application/json').send(c.json) }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every write refuses what is not a JSON object: invalid JSON, other JSON values, another content type, an oversized body', async () => {
    const failures: string[] = [];
    const oversized = JSON.stringify({ description: 'x'.repeat(300 * 1024) });
    for (const op of writes()) {
      const token = run.callers.get(op.template) ?? run.ledger.who.admin;
      const raw: [string, string, string, number | undefined][] = [
        ['invalid JSON', '{"reason": "x",', 'application/json', 400],
        ['a truncated unicode escape', '{"reason": "\\u12"}', 'application/json', 400],
        ['an oversized body', oversized, 'application/json', 413],
      ];
      if (op.body !== null) {
        raw.push(['a JSON array', '[]', 'application/json', 400], ['JSON null', 'null', 'application/json', 400], ['a JSON string', '"x"', 'application/json', 400]);
        // Not parsed, so read as no body at all: a write whose fields are all optional then meets the ledger's state.
        raw.push(['JSON sent as text/plain', '{"reason":"x"}', 'text/plain', undefined], ['a form', 'reason=x', 'application/x-www-form-urlencoded', undefined]);
      }
      const attempts = raw.map(([label, body, type, status]) => ({ label, status, send: () => post(op, token).set('Content-Type', type).send(body) }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every write refuses path ids that are not slugs, encoded traversal included', async () => {
    const failures: string[] = [];
    for (const op of writes().filter((o) => o.pathParams.length > 0)) {
      const token = run.callers.get(op.template) ?? run.ledger.who.admin;
      const attempts = op.pathParams.flatMap((param) =>
        sample(BAD_PATH_SEGMENTS, every).map((segment) => ({ label: `${param}=${segment.slice(0, 30)}`, send: () => post(op, token, pathOf(op, { [param]: segment })).send({}) })),
      );
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every read refuses malformed query parameters (limit, cursor, atLeast, instants, positions, enums)', async () => {
    const failures: string[] = [];
    for (const op of reads()) {
      const attempts = sample(queryCases(op), every).map((c) => ({ label: c.label, send: () => run.ledger.http().get(pathOf(op)).query(c.query).set('Authorization', run.ledger.who.auditor) }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every read refuses a query parameter that arrives as an array or an object', async () => {
    const failures: string[] = [];
    for (const op of reads()) {
      const attempts = sample(queryShapeCases(op), every).map((c) => ({ label: c.label, send: () => run.ledger.http().get(`${pathOf(op)}?${c.query}`).set('Authorization', run.ledger.who.auditor) }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every write refuses an Idempotency-Key that is not 1 to 255 visible ASCII characters, before it runs', async () => {
    const failures: string[] = [];
    for (const op of bodyWrites()) {
      const token = run.callers.get(op.template) ?? '';
      const keys = sample(['', ' ', 'x'.repeat(256), 'x'.repeat(10_000), 'key\twith\ttabs', 'clé-\u00ff'], every);
      const attempts: Attempt[] = keys.map((k) => ({
        label: `Idempotency-Key ${JSON.stringify(k.slice(0, 20))}`,
        status: 400,
        code: 'invalid_idempotency_key',
        send: () => post(op, token).set('Idempotency-Key', k).send({}),
      }));
      // A correlation id that is not well formed is replaced, never refused: the request meets its DTO as usual.
      attempts.push({ label: 'a huge correlation id', status: 400, code: 'validation_failed', send: () => post(op, token).set('X-Correlation-Id', 'c'.repeat(10_000)).send({ probeField: 1 }) });
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('every read refuses a path id that is not an id, and a free-form lookup answers it without a crash', async () => {
    const failures: string[] = [];
    for (const op of reads().filter((o) => o.pathParams.length > 0)) {
      const get = (param: string, segment: string) => run.ledger.http().get(pathOf(op, { [param]: segment })).set('Authorization', run.ledger.who.auditor);
      const strict = op.pathParams.filter((p) => !FREE_FORM_PATH_PARAMS.has(p));
      const attempts = strict.flatMap((param) => sample(BAD_PATH_SEGMENTS, every).map((segment) => ({ label: `${param}=${segment.slice(0, 30)}`, send: () => get(param, segment) })));
      failures.push(...(await refuseAll(run, key(op), attempts)));
      for (const param of op.pathParams.filter((p) => FREE_FORM_PATH_PARAMS.has(p))) {
        for (const segment of BAD_PATH_SEGMENTS) {
          const res = await get(param, segment);
          const empty = res.status === 200 && Array.isArray((res.body as { items?: unknown[] }).items) && (res.body as { items: unknown[] }).items.length === 0;
          const failure = empty ? null : expectRefusal(res);
          if (failure !== null) failures.push(`${key(op)} with ${param}=${segment.slice(0, 30)}: ${failure}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('random bodies that break the shape of a write are refused, whatever else they carry', async () => {
    const nonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 5 }));
    const failures: string[] = [];
    for (const op of bodyWrites()) {
      const fields = propertiesOf(run.doc, op.body ?? {});
      const strings = fields.filter((f) => f.required && f.schema.type === 'string');
      if (strings.length === 0) continue;
      const token = run.callers.get(op.template) ?? '';
      // Any value for any field, but one required text field holds something that is not a string: never valid.
      const bodies = fc
        .record({
          rest: fc.dictionary(fc.constantFrom(...fields.map((f) => f.name)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
          broken: fc.constantFrom(...strings.map((f) => f.name)),
          value: nonString,
        })
        .map(({ rest, broken, value }): Record<string, fc.JsonValue> => ({ ...rest, [broken]: value }));
      const samples = fc.sample(bodies, { numRuns: RUNS[kind].randomBodies, seed: 20_261_128 });
      const attempts = samples.map((b) => ({ label: JSON.stringify(b).slice(0, 200), send: () => post(op, token).send(b) }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('a method or a route the API does not serve is a 404 problem', async () => {
    const attempts: Attempt[] = sample(run.ops, every).flatMap((op) =>
      (['put', 'patch', 'delete'] as const).map((method) => ({ label: `${method.toUpperCase()} ${op.template}`, status: 404, send: () => run.ledger.http()[method](pathOf(op)).set('Authorization', run.ledger.who.admin).send({}) })),
    );
    attempts.push({ label: 'an unknown route', status: 404, send: () => run.ledger.http().get('/no-such-thing').set('Authorization', run.ledger.who.admin) });
    expect(await refuseAll(run, 'every route', attempts)).toEqual([]);
  });

  test('every route that is not public refuses a request without a token with 401', async () => {
    const attempts = run.ops
      .filter((o) => !o.public)
      .map((op) => ({ label: `${key(op)} without a token`, status: 401, send: () => (op.method === 'get' ? run.ledger.http().get(pathOf(op)) : run.ledger.http().post(pathOf(op)).send({})) }));
    expect(run.ops.filter((o) => o.public).map(key)).toEqual(['GET /health', 'GET /health/ready']);
    expect(await refuseAll(run, 'every route', attempts)).toEqual([]);
  });

  test('forged, expired, unsigned or role-less tokens are refused with 401 on every route that is not public', async () => {
    const secret = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>, alg = 'HS256', signingKey: Uint8Array = secret, exp = now + 3600): Promise<string> =>
      new SignJWT(claims).setProtectedHeader({ alg }).setSubject('admin-1').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt(now - 10).setExpirationTime(exp).sign(signingKey);
    const unsigned = (claims: Record<string, unknown>): string => {
      const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'admin-1', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: now + 3600, ...claims })}.`;
    };
    const tokens: [string, string][] = [
      ['a bad signature', await sign({ role: 'admin' }, 'HS256', new TextEncoder().encode('another-secret-that-is-long-enough-for-hs256'))],
      ['an expired token', await sign({ role: 'admin' }, 'HS256', secret, now - 60)],
      ['alg none', unsigned({ role: 'admin' })],
      ['another HMAC algorithm', await sign({ role: 'admin' }, 'HS512')],
      ['no role', await sign({})],
      ['an unknown role', await sign({ role: 'root' })],
      ['the system role', await sign({ role: 'system' })],
      ['its signature stripped off', `${(await sign({ role: 'admin' })).split('.').slice(0, 2).join('.')}.`],
      ['garbage', 'not.a.token'],
    ];
    const failures: string[] = [];
    for (const op of run.ops.filter((o) => !o.public)) {
      const attempts = sample(tokens, kind === 'memory' ? 1 : 3).map(([label, token]) => ({
        label,
        status: 401,
        send: () => (op.method === 'get' ? run.ledger.http().get(pathOf(op)) : run.ledger.http().post(pathOf(op))).set('Authorization', `Bearer ${token}`).send(op.method === 'get' ? undefined : {}),
      }));
      failures.push(...(await refuseAll(run, key(op), attempts)));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('a valid token of a role a write does not allow is refused with 403', async () => {
    const attempts = writes()
      .filter((op) => run.refused.has(op.template))
      .map((op) => ({ label: `${key(op)} by a refused role`, status: 403, send: () => post(op, run.refused.get(op.template) ?? '').send({}) }));
    // The auditor only reads: every write with a body refuses at least one role.
    expect(bodyWrites().filter((op) => !run.refused.has(op.template)).map(key)).toEqual([]);
    expect(await refuseAll(run, 'every write', attempts)).toEqual([]);
  });
});
