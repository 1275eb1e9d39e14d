import { AssertionError } from 'node:assert';
import type { Decider } from './decider.js';
import { DomainError } from './errors.js';
import { given } from './given-when-then.js';

type Counted = { type: 'Counted'; data: { by: number } };
type Count = { type: 'Count'; by: number };
interface Tally {
  total: number;
  seen: number[];
}

const counter: Decider<Count, Counted, Tally> = {
  initialState: () => ({ total: 0, seen: [] }),
  evolve: (s, e) => ({ total: s.total + e.data.by, seen: [...s.seen, e.data.by] }),
  decide(c, s) {
    if (c.by <= 0) throw new DomainError('non_positive_count', 'count up only', { by: c.by });
    if (s.total + c.by > 10) throw new DomainError('tally_full', 'at most 10', { total: s.total }, 409);
    return [{ type: 'Counted', data: { by: c.by } }];
  },
};

/** Breaks the rule "decide never mutates state" on purpose, before accepting or refusing. */
const mutating: Decider<Count, Counted, Tally> = {
  ...counter,
  decide(c, s) {
    s.seen.push(c.by);
    return counter.decide(c, s);
  },
};

const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });

describe('given / when / then', () => {
  it('passes when the command emits exactly the expected events', () => {
    given(counter, [counted(3)]).when({ type: 'Count', by: 2 }).then([counted(2)]);
  });

  it('fails when the command emits other events', () => {
    expect(() => given(counter, []).when({ type: 'Count', by: 2 }).then([counted(3)])).toThrow(AssertionError);
  });

  it('returns the refusal when the command is refused with the expected code and status', () => {
    const error = given(counter, [counted(9)]).when({ type: 'Count', by: 2 }).thenThrows('tally_full', 409);
    expect(error.details).toEqual({ total: 9 });
  });

  it('fails when the refusal has another code or status', () => {
    expect(() => given(counter, []).when({ type: 'Count', by: 0 }).thenThrows('tally_full')).toThrow(AssertionError);
    expect(() => given(counter, []).when({ type: 'Count', by: 0 }).thenThrows('non_positive_count', 409)).toThrow(AssertionError);
  });

  it('fails when a command expected to be refused is accepted', () => {
    expect(() => given(counter, []).when({ type: 'Count', by: 1 }).thenThrows('tally_full')).toThrow(/expected the command to be refused with tally_full/);
  });

  it('catches a decider that mutates the state it was given, whether it accepts or refuses', () => {
    expect(() => given(mutating, [counted(1)]).when({ type: 'Count', by: 1 }).then([counted(1)])).toThrow(/mutated the state/);
    expect(() => given(mutating, [counted(1)]).when({ type: 'Count', by: 0 }).thenThrows('non_positive_count')).toThrow(/mutated the state/);
  });
});
