import { given } from '../shared/given-when-then.js';
import { bodyDecider, MAX_BODY_MEMBERS, type AdmitMember, type EstablishBody, type RemoveMember } from './body.js';
import type { BodyEstablished } from './events.js';
import { admin, at, BODY, bodyOfficer, NOW_MS, T0 } from './testing.fixtures.js';

const establish = (over: Partial<EstablishBody> = {}): EstablishBody => ({
  type: 'EstablishBody',
  bodyId: BODY,
  name: 'Yangtze River Delta joint emergency committee',
  members: ['hangzhou', 'suzhou'],
  offices: [{ riskCategory: 'natural_disaster', name: 'Flood office' }],
  registeredCityIds: ['hangzhou', 'suzhou', 'jiaxing'],
  occurredAt: T0,
  nowMs: NOW_MS,
  by: admin,
  ...over,
});
const established: BodyEstablished = {
  type: 'BodyEstablished',
  data: {
    bodyId: BODY,
    name: 'Yangtze River Delta joint emergency committee',
    members: ['hangzhou', 'suzhou'],
    offices: [{ riskCategory: 'natural_disaster', name: 'Flood office' }],
    occurredAt: T0,
  },
};
const admit = (over: Partial<AdmitMember> = {}): AdmitMember => ({ type: 'AdmitMember', bodyId: BODY, cityId: 'jiaxing', cityRegistered: true, occurredAt: at(1), nowMs: NOW_MS, by: admin, ...over });
const remove = (over: Partial<RemoveMember> = {}): RemoveMember => ({ type: 'RemoveMember', bodyId: BODY, cityId: 'suzhou', reason: 'left the delta compact', occurredAt: at(2), nowMs: NOW_MS, by: admin, ...over });
const admitted = { type: 'MemberAdmitted', data: { bodyId: BODY, cityId: 'jiaxing', occurredAt: at(1) } } as const;

describe('coordination body', () => {
  it('is established with its member cities and an office per risk category', () => {
    given(bodyDecider, []).when(establish()).then([established]);
  });

  it('is established once', () => {
    given(bodyDecider, [established]).when(establish({ occurredAt: at(1) })).thenThrows('body_already_established', 409);
  });

  it('is established by an administrator, not by its own officers', () => {
    given(bodyDecider, []).when(establish({ by: bodyOfficer })).thenThrows('actor_not_permitted', 403);
  });

  it('needs at least two registered member cities, each listed once', () => {
    given(bodyDecider, []).when(establish({ members: ['hangzhou'] })).thenThrows('too_few_members');
    given(bodyDecider, []).when(establish({ members: ['hangzhou', 'hangzhou'] })).thenThrows('duplicate_member');
    given(bodyDecider, []).when(establish({ members: ['hangzhou', 'ningbo'] })).thenThrows('city_not_found', 404);
    given(bodyDecider, []).when(establish({ members: ['hangzhou', 'Suzhou'] })).thenThrows('invalid_id');
  });

  it('has a bounded list of members', () => {
    const many = Array.from({ length: MAX_BODY_MEMBERS + 1 }, (_, i) => `city-${i}`);
    given(bodyDecider, []).when(establish({ members: many, registeredCityIds: many })).thenThrows('list_too_long');
  });

  it('keeps one office per risk category', () => {
    given(bodyDecider, [])
      .when(establish({ offices: [{ riskCategory: 'public_health', name: 'Epidemic office' }, { riskCategory: 'public_health', name: 'Second' }] }))
      .thenThrows('duplicate_office');
    given(bodyDecider, [])
      .when(establish({ offices: [{ riskCategory: 'volcanic' as 'accident', name: 'Ash office' }] }))
      .thenThrows('invalid_risk_category');
  });

  it('admits a registered city', () => {
    given(bodyDecider, [established]).when(admit()).then([admitted]);
  });

  it('does not admit an unregistered city or a member twice', () => {
    given(bodyDecider, [established]).when(admit({ cityRegistered: false })).thenThrows('city_not_found', 404);
    given(bodyDecider, [established]).when(admit({ cityId: 'hangzhou' })).thenThrows('already_a_member', 409);
  });

  it('cannot admit to a body that does not exist', () => {
    given(bodyDecider, []).when(admit()).thenThrows('body_not_found', 404);
  });

  it('removes a member with a reason', () => {
    given(bodyDecider, [established, admitted])
      .when(remove())
      .then([{ type: 'MemberRemoved', data: { bodyId: BODY, cityId: 'suzhou', reason: 'left the delta compact', occurredAt: at(2) } }]);
  });

  it('cannot remove a city that is not a member, nor shrink below two members', () => {
    given(bodyDecider, [established, admitted]).when(remove({ cityId: 'ningbo' })).thenThrows('not_a_member', 409);
    given(bodyDecider, [established]).when(remove()).thenThrows('too_few_members', 409);
    given(bodyDecider, [established, admitted]).when(remove({ reason: '' })).thenThrows('empty_text');
  });

  it('refuses a membership change dated before the last one', () => {
    given(bodyDecider, [established, admitted]).when(remove({ occurredAt: T0 })).thenThrows('out_of_order', 409);
  });
});
