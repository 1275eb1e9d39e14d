import type { Actor } from './context.js';
import { actsFor, assertActsFor, OutOfScopeError, partiesTarget } from './scope.js';

const officerOfLyon: Actor = { id: 'o1', role: 'city-officer', scope: { kind: 'city', id: 'lyon' } };
const coordinatorOfDelta: Actor = { id: 'c1', role: 'coordinator', scope: { kind: 'body', id: 'delta' } };
const admin: Actor = { id: 'a1', role: 'admin', scope: null };
const auditor: Actor = { id: 'u1', role: 'auditor', scope: null };

describe('acting within one\'s scope', () => {
  it('lets a city officer act for its own city only', () => {
    expect(actsFor(officerOfLyon, { cities: ['lyon'] })).toBe(true);
    expect(actsFor(officerOfLyon, { cities: ['nice'] })).toBe(false);
    expect(actsFor(officerOfLyon, { bodies: ['lyon'] })).toBe(false);
  });

  it('lets a coordinator act within its body, whatever cities are involved', () => {
    expect(actsFor(coordinatorOfDelta, { cities: ['lyon'], bodies: ['delta'] })).toBe(true);
    expect(actsFor(coordinatorOfDelta, { bodies: ['other'] })).toBe(false);
  });

  it('lets an admin act for everything and an auditor for nothing, unless told otherwise', () => {
    expect(actsFor(admin, { cities: ['lyon'] })).toBe(true);
    expect(actsFor(auditor, { cities: ['lyon'] })).toBe(false);
    expect(actsFor(admin, { bodies: ['delta'] }, [])).toBe(false);
  });

  it('refuses with a 403 problem naming the target', () => {
    expect(() => assertActsFor(officerOfLyon, { cities: ['nice'] })).toThrow(OutOfScopeError);
    expect(() => assertActsFor(officerOfLyon, { cities: ['nice'] })).toThrow(/may not act for this city nice/);
  });

  it('lets a finance officer move money only as one of its parties: its own city or its own fund', () => {
    const financeOfNice: Actor = { id: 'f1', role: 'finance-officer', scope: { kind: 'city', id: 'nice' } };
    const financeOfDeltaFund: Actor = { id: 'f2', role: 'finance-officer', scope: { kind: 'fund', id: 'delta' } };
    const cityToFund = partiesTarget([{ kind: 'city', id: 'nice' }, { kind: 'fund', id: 'delta' }]);
    expect(cityToFund).toEqual({ cities: ['nice'], funds: ['delta'] });
    expect(actsFor(financeOfNice, cityToFund, [])).toBe(true);
    expect(actsFor(financeOfDeltaFund, cityToFund, [])).toBe(true);
    expect(actsFor(financeOfNice, partiesTarget([{ kind: 'city', id: 'lyon' }]), [])).toBe(false);
    // A fund and a city may share an id; the kind decides.
    expect(actsFor(financeOfDeltaFund, partiesTarget([{ kind: 'city', id: 'delta' }]), [])).toBe(false);
  });
});
