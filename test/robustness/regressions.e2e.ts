/**
 * Bad input gets a precise error (problem+json, 4xx) and changes nothing: one focused case per defect the API fuzzer
 * found, each named after the rule it broke.
 */
import { instantMs } from '../../libs/domain/src/shared/time.js';
import { expectRefusal } from './problem-assertions.js';
import { startFuzzLedger, testConfig, type FuzzLedger } from './support.js';

let ledger: FuzzLedger;

beforeAll(async () => {
  ledger = await startFuzzLedger(testConfig('memory'));
}, 60_000);

afterAll(async () => {
  await ledger.close();
});

/** Sends a write and expects a 400 validation_failed naming `field`, with the log's head unmoved. */
async function expectFieldRefused(path: string, token: string, body: object, field: string): Promise<void> {
  const before = await ledger.head();
  const res = await ledger.http().post(path).set('Authorization', token).send(body);
  expect(expectRefusal(res, 400)).toBeNull();
  expect((res.body as { errors?: { field: string }[] }).errors?.map((e) => e.field)).toContain(field);
  expect(await ledger.head()).toBe(before);
}

const commitment = (over: Record<string, unknown>): Record<string, unknown> => ({
  commitmentId: 'robust-1',
  agreementId: 'delta-aid',
  obligor: 'a-city',
  obligee: { kind: 'city', id: 'b-city' },
  kind: 'supplies',
  description: 'pumps',
  promise: { kind: 'quantity', quantity: '4', unit: 'pump' },
  value: { amount: '1000.00', currency: 'CNY' },
  dueAt: '2025-07-01T00:00:00Z',
  ...over,
});

describe('a required nested object that is missing is a validation error, not a crash', () => {
  test.each(['obligee', 'promise', 'value'])('a commitment without its %s is refused with 400', async (field) => {
    const body = commitment({});
    delete body[field];
    await expectFieldRefused('/commitments', ledger.who.coordinator, body, field);
  });

  test('an amendment without terms is refused with 400', async () => {
    await expectFieldRefused('/agreements/delta-aid/amendments', ledger.who.coordinator, { effectiveFrom: '2025-07-01T00:00:00Z', reason: 'new duties' }, 'terms');
  });
});

describe('an instant names a real moment of the calendar within the ledger’s range', () => {
  test.each(['2025-02-30T00:00:00Z', '2025-04-31T12:00:00Z', '2025-01-01T24:00:00Z', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '3000-01-01T00:00:00Z'])(
    'a write dated %s is refused with 400',
    async (occurredAt) => {
      await expectFieldRefused('/cities', ledger.who.admin, { cityId: 'robust-city', name: 'Robust', level: 'municipality', region: 'delta', occurredAt }, 'occurredAt');
    },
  );

  test.each(['/trust/cities/a-city', '/trust/pairs/a-city/b-city', '/trust/bodies/delta/matrix', '/trust/bodies/delta/ranking', '/trust/bodies/delta/alliance'])(
    'a trust read as of an impossible date is refused with 400: %s',
    async (path) => {
      for (const asOf of ['2025-13-45T99:99:99Z', '0000-00-00T00:00:00Z', '2025-02-30T00:00:00Z']) {
        const res = await ledger.http().get(path).query({ asOf }).set('Authorization', ledger.who.auditor);
        expect(expectRefusal(res, 400)).toBeNull();
      }
    },
  );

  test('a commitment list due from an impossible date is refused with 400', async () => {
    for (const query of [{ dueFrom: '2025-13-45T00:00:00Z' }, { dueTo: '0000-00-00T00:00:00Z' }]) {
      const res = await ledger.http().get('/commitments').query(query).set('Authorization', ledger.who.auditor);
      expect(expectRefusal(res, 400)).toBeNull();
    }
  });

  test('the boundary check refuses rolled-over and out-of-range instants, and keeps milliseconds', () => {
    for (const value of ['2025-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2025-01-01T00:00:60Z']) expect(instantMs(value)).toBeNaN();
    expect(instantMs('2024-02-29T00:00:00.5Z')).toBe(Date.parse('2024-02-29T00:00:00.500Z'));
  });
});

describe('a cursor is one the API issued, and a list that takes one honours it', () => {
  test.each(['/obligations.csv', '/transfers.csv'])('%s refuses a cursor it never issued with 422 invalid_cursor', async (path) => {
    for (const cursor of ['garbage', Buffer.from('{"a":1}').toString('base64url')]) {
      const res = await ledger.http().get(path).query({ cursor }).set('Authorization', ledger.who.auditor);
      expect(expectRefusal(res, 422)).toBeNull();
      expect((res.body as { code: string }).code).toBe('invalid_cursor');
    }
  });

  test('the obligations export resumes after the cursor of the JSON list', async () => {
    const first = await ledger.http().get('/obligations').query({ limit: 1 }).set('Authorization', ledger.who.auditor).expect(200);
    const page = first.body as { items: { obligationId: string }[]; nextCursor: string | null };
    expect(page.nextCursor).not.toBeNull();
    const all = await ledger.http().get('/obligations.csv').set('Authorization', ledger.who.auditor).expect(200);
    const rest = await ledger.http().get('/obligations.csv').query({ cursor: page.nextCursor }).set('Authorization', ledger.who.auditor).expect(200);
    const ids = (csv: string): string[] => csv.trim().split('\r\n').slice(1).map((row) => row.split(',')[0]);
    expect(ids(rest.text)).toEqual(ids(all.text).filter((id) => id !== page.items[0].obligationId));
    expect(ids(rest.text).length).toBeGreaterThan(0);
  });
});

describe('a read takes only the parameters it acts on', () => {
  test('a fund view, which is not paged, refuses a cursor with 400 rather than ignoring it', async () => {
    const res = await ledger.http().get('/funds/delta').query({ cursor: 'garbage' }).set('Authorization', ledger.who.auditor);
    expect(expectRefusal(res, 400)).toBeNull();
    await ledger.http().get('/funds/delta').query({ limit: 1 }).set('Authorization', ledger.who.auditor).expect(200);
  });
});

describe('a body is JSON of the shape a DTO can have, or it is refused before anything runs', () => {
  const deep = (levels: number): string => `{"name":${'['.repeat(levels)}1${']'.repeat(levels)}}`;

  test.each([40, 10_000])('a body nested %i deep is refused with 400 body_too_deep, with or without an Idempotency-Key', async (levels) => {
    const before = await ledger.head();
    for (const key of [null, `deep-${levels}`]) {
      const request = ledger.http().post('/cities').set('Authorization', ledger.who.admin).set('Content-Type', 'application/json');
      if (key !== null) request.set('Idempotency-Key', key);
      const res = await request.send(deep(levels));
      expect(expectRefusal(res, 400)).toBeNull();
      expect((res.body as { type: string }).type).toMatch(/body_too_deep$/);
    }
    expect(await ledger.head()).toBe(before);
  });

  test.each(['__proto__', 'constructor', 'hasOwnProperty'])('a body with an inherited property name (%s) is refused with 400, even nested', async (name) => {
    const before = await ledger.head();
    const body = `{"cityId":"robust-proto","name":"Robust","level":"municipality","region":"delta","extra":{"${name}":{"polluted":true}}}`;
    const res = await ledger.http().post('/cities').set('Authorization', ledger.who.admin).set('Content-Type', 'application/json').send(body);
    expect(expectRefusal(res, 400)).toBeNull();
    expect((res.body as { type: string; property: string }).property).toBe(`extra.${name}`);
    expect(await ledger.head()).toBe(before);
  });

  test('a write whose body is not JSON is refused with 415 rather than run with its body ignored', async () => {
    const before = await ledger.head();
    const res = await ledger.http().post('/cities').set('Authorization', ledger.who.admin).set('Content-Type', 'text/plain').send('{"cityId":"robust-text"}');
    expect(expectRefusal(res, 415)).toBeNull();
    expect(await ledger.head()).toBe(before);
  });
});
