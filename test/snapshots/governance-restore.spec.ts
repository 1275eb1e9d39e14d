/**
 * A governance read model refuses a snapshot it does not recognise before changing anything, so the runner can
 * rebuild it from the log instead.
 */
import { CommitmentsReadModel } from '../../libs/projections/src/commitments/index.js';
import { CitiesReadModel } from '../../libs/projections/src/governance/index.js';

const city = ['city-suzhou', { city: { cityId: 'city-suzhou', name: 'Suzhou', level: 'prefecture', region: 'Jiangsu' }, lastOccurredAtMs: 0 }, '0', '3'];

describe('restoring governance read models', () => {
  it('gives back the cities of a snapshot, in id order', () => {
    const cities = new CitiesReadModel();
    cities.restore([city]);
    expect(cities.get('city-suzhou')).toMatchObject({ cityId: 'city-suzhou', name: 'Suzhou', revision: '0', position: '3' });
    expect(cities.snapshot()).toEqual([city]);
  });

  it('refuses a city row of another shape and keeps no city of that snapshot', () => {
    const cities = new CitiesReadModel();
    expect(() => cities.restore([city, ['city-wuxi', { city: null }, 'zero', '4']])).toThrow('revision is not a decimal integer');
    expect(cities.get('city-suzhou')).toBeNull();
    expect(() => cities.restore({ 'city-suzhou': city })).toThrow('is not a list of rows');
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
    cities.restore([city]);
    expect(() => cities.restore([city])).toThrow('restored into a model that already has rows');
  });
});
