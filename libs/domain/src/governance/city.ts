/** City: a jurisdiction registered in the ledger by an administrator. Stream `city-<id>`. */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { ADMINISTRATIVE_LEVELS, type AdministrativeLevel, type CityEvent } from './events.js';
import { checkOccurredAt, requireAdmin, requireExists, requireId, requireOneOf, requireText, type CommandBase } from './common.js';

export type RegisterCity = CommandBase & { type: 'RegisterCity'; cityId: string; name: string; level: AdministrativeLevel; region: string };
export type RenameCity = CommandBase & { type: 'RenameCity'; cityId: string; name: string };
export type CityCommand = RegisterCity | RenameCity;

export interface CityState {
  city: { cityId: string; name: string; level: AdministrativeLevel; region: string } | null;
  lastOccurredAtMs: number | null;
}

export const cityDecider: Decider<CityCommand, CityEvent, CityState> = {
  initialState: () => ({ city: null, lastOccurredAtMs: null }),

  evolve(state, event) {
    const lastOccurredAtMs = Date.parse(event.data.occurredAt);
    switch (event.type) {
      case 'CityRegistered': {
        const { cityId, name, level, region } = event.data;
        return { city: { cityId, name, level, region }, lastOccurredAtMs };
      }
      case 'CityRenamed':
        return { city: state.city && { ...state.city, name: event.data.name }, lastOccurredAtMs };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterCity': {
        requireAdmin(command.by, 'register a city');
        const cityId = requireId(command.cityId, 'cityId');
        if (state.city !== null) {
          throw new DomainError('city_already_registered', `city ${cityId} is already registered`, { cityId }, 409);
        }
        const name = requireText(command.name, 'name', 'name');
        const level = requireOneOf(command.level, ADMINISTRATIVE_LEVELS, 'invalid_administrative_level', 'level');
        const region = requireText(command.region, 'region', 'name');
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'CityRegistered', data: { cityId, name, level, region, occurredAt: at } }];
      }
      case 'RenameCity': {
        requireAdmin(command.by, 'rename a city');
        const city = requireExists(state.city, 'city', command.cityId);
        const name = requireText(command.name, 'name', 'name');
        if (name === city.name) {
          throw new DomainError('city_name_unchanged', `city ${city.cityId} is already named ${name}`, { cityId: city.cityId, name }, 409);
        }
        const { at } = checkOccurredAt(command, state.lastOccurredAtMs);
        return [{ type: 'CityRenamed', data: { cityId: city.cityId, name, previousName: city.name, occurredAt: at } }];
      }
    }
  },
};
