import { given } from '../shared/given-when-then.js';
import { findingDecider, type RecordFinding, type RevokeFinding } from './finding.js';
import type { FindingEvent, FindingRecorded } from './events.js';
import { at, BODY, bodyOfficer, MEMBERS, NOW_MS, officerOf, otherBody, T0 } from './testing.fixtures.js';

const record = (over: Partial<RecordFinding> = {}): RecordFinding => ({
  type: 'RecordFinding',
  findingId: 'f-2025-07',
  bodyId: BODY,
  cityId: 'hangzhou',
  counterpartyCityId: 'suzhou',
  kind: 'concealment',
  severity: 2,
  incidentId: 'taihu-flood-2025',
  penalty: { amount: '30000', currency: 'CNY' },
  description: 'withheld the sluice-gate schedule from Suzhou for 18 hours',
  body: { bodyId: BODY, members: [...MEMBERS] },
  occurredAt: T0,
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});
const recorded: FindingRecorded = {
  type: 'FindingRecorded',
  data: {
    findingId: 'f-2025-07',
    bodyId: BODY,
    cityId: 'hangzhou',
    counterpartyCityId: 'suzhou',
    kind: 'concealment',
    severity: 2,
    incidentId: 'taihu-flood-2025',
    penalty: { amount: '30000.00', currency: 'CNY' },
    description: 'withheld the sluice-gate schedule from Suzhou for 18 hours',
    occurredAt: T0,
  },
};
const revoke = (over: Partial<RevokeFinding> = {}): RevokeFinding => ({
  type: 'RevokeFinding',
  findingId: 'f-2025-07',
  reason: 'appeal granted: the schedule was sent by fax',
  occurredAt: at(24),
  nowMs: NOW_MS,
  by: bodyOfficer,
  ...over,
});
const revoked: FindingEvent = { type: 'FindingRevoked', data: { findingId: 'f-2025-07', reason: 'appeal granted: the schedule was sent by fax', occurredAt: at(24) } };

describe('accountability finding', () => {
  it('the body records a finding against a member city, with a penalty payable to its fund', () => {
    given(findingDecider, []).when(record()).then([recorded]);
  });

  it('a finding may have no counterparty, no incident and no penalty', () => {
    given(findingDecider, [])
      .when(record({ counterpartyCityId: null, incidentId: null, penalty: null, kind: 'slow_response', severity: 0.5 }))
      .then([{ ...recorded, data: { ...recorded.data, counterpartyCityId: null, incidentId: null, penalty: null, kind: 'slow_response', severity: 0.5 } }]);
  });

  it('severity lies between 0.5 and 3', () => {
    given(findingDecider, []).when(record({ severity: 3 })).then([{ ...recorded, data: { ...recorded.data, severity: 3 } }]);
    given(findingDecider, []).when(record({ severity: 0.49 })).thenThrows('severity_out_of_range');
    given(findingDecider, []).when(record({ severity: 3.01 })).thenThrows('severity_out_of_range');
    given(findingDecider, []).when(record({ severity: Number.NaN })).thenThrows('severity_out_of_range');
  });

  it('a finding is recorded once, by its own body, against one of its members', () => {
    given(findingDecider, [recorded]).when(record({ occurredAt: at(1) })).thenThrows('finding_already_recorded', 409);
    given(findingDecider, []).when(record({ by: otherBody })).thenThrows('actor_not_permitted', 403);
    given(findingDecider, []).when(record({ by: officerOf('suzhou') })).thenThrows('actor_not_permitted', 403);
    given(findingDecider, []).when(record({ body: null })).thenThrows('body_not_found', 404);
    given(findingDecider, []).when(record({ cityId: 'ningbo' })).thenThrows('city_not_member');
  });

  it('the counterparty is another member city', () => {
    given(findingDecider, []).when(record({ counterpartyCityId: 'hangzhou' })).thenThrows('counterparty_is_subject');
    given(findingDecider, []).when(record({ counterpartyCityId: 'ningbo' })).thenThrows('city_not_member');
  });

  it('the kind is one the seed names', () => {
    given(findingDecider, []).when(record({ kind: 'rudeness' as 'concealment' })).thenThrows('invalid_finding_kind');
  });

  it('a penalty is a positive amount in a known currency and its scale', () => {
    given(findingDecider, []).when(record({ penalty: { amount: '0', currency: 'CNY' } })).thenThrows('non_positive_penalty');
    given(findingDecider, []).when(record({ penalty: { amount: '10.005', currency: 'CNY' } })).thenThrows('amount_scale_exceeded');
    given(findingDecider, []).when(record({ penalty: { amount: '10', currency: 'XAU' } })).thenThrows('unknown_currency');
  });

  it('a finding is revoked on appeal, once, by its body', () => {
    given(findingDecider, [recorded]).when(revoke()).then([revoked]);
    given(findingDecider, [recorded, revoked]).when(revoke({ occurredAt: at(25) })).thenThrows('finding_already_revoked', 409);
    given(findingDecider, [recorded]).when(revoke({ by: officerOf('hangzhou') })).thenThrows('actor_not_permitted', 403);
    given(findingDecider, []).when(revoke()).thenThrows('finding_not_found', 404);
    given(findingDecider, [recorded]).when(revoke({ reason: '' })).thenThrows('empty_text');
  });

  it('a revocation cannot predate the finding', () => {
    given(findingDecider, [recorded]).when(revoke({ occurredAt: at(-1) })).thenThrows('out_of_order', 409);
  });
});
