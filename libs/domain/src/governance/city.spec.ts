import { given } from '../shared/given-when-then.js';
import { cityDecider, type RegisterCity, type RenameCity } from './city.js';
import type { CityRegistered } from './events.js';
import { MAX_CLOCK_SKEW_MS } from './common.js';
import { admin, at, bodyOfficer, NOW_MS, T0 } from './testing.fixtures.js';

const register = (over: Partial<RegisterCity> = {}): RegisterCity => ({
  type: 'RegisterCity',
  cityId: 'hangzhou',
  name: 'Hangzhou',
  level: 'sub_provincial',
  region: 'Yangtze River Delta',
  occurredAt: T0,
  nowMs: NOW_MS,
  by: admin,
  ...over,
});
const rename = (over: Partial<RenameCity> = {}): RenameCity => ({ type: 'RenameCity', cityId: 'hangzhou', name: 'Hangzhou City', occurredAt: at(1), nowMs: NOW_MS, by: admin, ...over });
const registered: CityRegistered = { type: 'CityRegistered', data: { cityId: 'hangzhou', name: 'Hangzhou', level: 'sub_provincial', region: 'Yangtze River Delta', occurredAt: T0 } };

describe('city', () => {
  it('an administrator registers a city with its level and region', () => {
    given(cityDecider, []).when(register()).then([registered]);
  });

  it('a city is registered once', () => {
    given(cityDecider, [registered]).when(register({ occurredAt: at(1) })).thenThrows('city_already_registered', 409);
  });

  it('only an administrator registers cities', () => {
    given(cityDecider, []).when(register({ by: bodyOfficer })).thenThrows('actor_not_permitted', 403);
  });

  it('a city id is a slug', () => {
    given(cityDecider, []).when(register({ cityId: 'Hang Zhou' })).thenThrows('invalid_id', 422);
  });

  it('a city has a name and a region', () => {
    given(cityDecider, []).when(register({ name: '   ' })).thenThrows('empty_text');
    given(cityDecider, []).when(register({ region: '' })).thenThrows('empty_text');
    given(cityDecider, []).when(register({ name: 'x'.repeat(201) })).thenThrows('text_too_long');
  });

  it('the administrative level is one the ledger knows', () => {
    given(cityDecider, []).when(register({ level: 'village' as RegisterCity['level'] })).thenThrows('invalid_administrative_level');
  });

  it('a registration cannot claim to happen in the future beyond the clock skew', () => {
    given(cityDecider, []).when(register({ occurredAt: new Date(NOW_MS + MAX_CLOCK_SKEW_MS + 1000).toISOString() })).thenThrows('occurred_in_future');
    given(cityDecider, [])
      .when(register({ occurredAt: new Date(NOW_MS + MAX_CLOCK_SKEW_MS).toISOString() }))
      .then([{ ...registered, data: { ...registered.data, occurredAt: new Date(NOW_MS + MAX_CLOCK_SKEW_MS).toISOString() } }]);
  });

  it('an instant that is not ISO-8601 UTC is refused', () => {
    given(cityDecider, []).when(register({ occurredAt: '2025-03-01 08:00' })).thenThrows('invalid_instant');
  });

  it('a rename records the previous name', () => {
    given(cityDecider, [registered])
      .when(rename())
      .then([{ type: 'CityRenamed', data: { cityId: 'hangzhou', name: 'Hangzhou City', previousName: 'Hangzhou', occurredAt: at(1) } }]);
  });

  it('an unknown city cannot be renamed', () => {
    given(cityDecider, []).when(rename()).thenThrows('city_not_found', 404);
  });

  it('renaming to the same name is a conflict', () => {
    given(cityDecider, [registered]).when(rename({ name: 'Hangzhou' })).thenThrows('city_name_unchanged', 409);
  });

  it('a rename before the registration is out of order', () => {
    given(cityDecider, [registered]).when(rename({ occurredAt: at(-1) })).thenThrows('out_of_order', 409);
  });
});
