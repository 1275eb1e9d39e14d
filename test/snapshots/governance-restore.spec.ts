/**
 * A governance read model refuses a snapshot it does not recognise before changing anything, so the runner can
 * rebuild it from the log instead.
 */
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/index.js';
import { CitiesReadModel } from '../../libs/projections/src/governance/index.js';
import { DeferredSnapshotBytes } from '../../libs/projections/src/read-model.js';
import { captureStepByStep } from '../../libs/projections/src/capture-steps.fixtures.js';

/** Rows as one group of bytes, as the runner gives a snapshot's binary row back. */
const group = (...rows: unknown[]): Buffer => Buffer.from(JSON.stringify(rows));

const city = ['city-suzhou', { city: { cityId: 'city-suzhou', name: 'Suzhou', level: 'prefecture', region: 'Jiangsu' }, lastOccurredAtMs: 0 }, '0', '3'];

describe('restoring governance read models', () => {
  it('gives back the cities of a snapshot, in id order', () => {
    const cities = new CitiesReadModel();
    cities.restore([group(city)]);
    expect(cities.get('city-suzhou')).toMatchObject({ cityId: 'city-suzhou', name: 'Suzhou', revision: '0', position: '3' });
    const written = cities.snapshot() as unknown[];
    expect(written).toHaveLength(1);
    const text = (written[0] as DeferredSnapshotBytes).produce();
    expect(typeof text === 'string' ? JSON.parse(text) : null).toEqual([city]);
  });

  it('captured in slices, with questions answered between two slices, writes what a capture in one go writes', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => {
      const id = `city-${String(i).padStart(5, '0')}`;
      return [id, { city: { cityId: id, name: `City ${i}`, level: 'county', region: 'Jiangsu' }, lastOccurredAtMs: 0 }, '0', String(i)];
    });
    const cities = new CitiesReadModel();
    cities.restore([group(...many)]);
    const produce = (rows: unknown): unknown[] => (rows as DeferredSnapshotBytes[]).map((row) => row.produce());
    const inOneGo = produce(cities.snapshot());
    const captured = captureStepByStep(cities.snapshotInSlices(), () => {
      expect(cities.get('city-00042')).toMatchObject({ name: 'City 42' });
    });
    // Steps every 4,096 rows, both while the ids are copied and while the rows are.
    expect(captured.steps).toBeGreaterThanOrEqual(4);
    expect(produce(captured.value)).toEqual(inOneGo);
  });

  it('refuses rows that are not groups of bytes at once, and keeps no city of that snapshot', () => {
    const cities = new CitiesReadModel();
    expect(() => cities.restore([city])).toThrow('row 0 is not a group of rows as bytes');
    expect(() => cities.restore({ 'city-suzhou': city })).toThrow('is not a list of rows');
    expect(cities.get('city-suzhou')).toBeNull();
    expect([...cities.matching({})]).toEqual([]);
  });

  it('refuses to answer from a group of city rows of another shape, rather than answer without it', () => {
    for (const [rows, reason] of [
      [[group(city, ['city-wuxi', { city: null }, 'zero', '4'])], 'revision is not a decimal integer'],
      [[group(city), group(city)], 'city-suzhou is written twice'],
      [[Buffer.from('[["city-suzhou"')], 'group 0 is not JSON'],
    ] as [unknown[], string][]) {
      const cities = new CitiesReadModel();
      cities.restore(rows);
      expect(() => cities.get('city-suzhou')).toThrow(reason);
      expect(() => [...cities.matching({})]).toThrow(reason);
      expect(() => cities.canonicalState()).toThrow(reason);
    }
  });

  it('decodes its groups in the background once the runner has caught up', async () => {
    const cities = new CitiesReadModel();
    cities.restore([group(city), group(['city-wuxi', { city: { cityId: 'city-wuxi', name: 'Wuxi', level: 'prefecture', region: 'Jiangsu' }, lastOccurredAtMs: 0 }, '1', '5'])]);
    expect(cities.undecoded()).toBe(2);
    cities.caughtUp();
    for (let turn = 0; turn < 1_000 && cities.undecoded() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(cities.undecoded()).toBe(0);
    expect([...cities.matching({})].map((c) => c.cityId)).toEqual(['city-suzhou', 'city-wuxi']);
  });

  it('refuses commitment rows of another shape, such as those of version 1 with timelines or version 2 without an index', () => {
    const commitments = new CommitmentsReadModel();
    expect(() => commitments.restore([['c-1', { commitment: null }, [], '2026|c-1', '0', '9']])).toThrow('is not a list of chunks');
    expect(() => commitments.restore([[0, [], 'c-1'], Buffer.from('[]')])).toThrow("row 0 is not a chunk's index");
    expect(() => commitments.restore([[0, [], ['2026|c-1'], []], [0, [], 'c-1']])).toThrow("row 1 is not a chunk's records");
    expect(commitments.get('c-1', 0)).toBeNull();
    expect(commitments.nextDeadlineMs()).toBeNull();
  });

  it('refuses to restore into a model that already has rows', () => {
    const cities = new CitiesReadModel();
    cities.restore([group(city)]);
    expect(() => cities.restore([group(city)])).toThrow('restored into a model that already has rows');
    cities.get('city-suzhou');
    expect(() => cities.restore([group(city)])).toThrow('restored into a model that already has rows');
  });
});
