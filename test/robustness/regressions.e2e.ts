/**
 * Bad input gets a precise error (problem+json, 4xx) and changes nothing: one focused case per defect the API fuzzer
 * found, each named after the rule it broke.
 */
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
  const res = await ledger.g.http().post(path).set('Authorization', token).send(body);
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
