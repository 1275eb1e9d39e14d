/**
 * Given / when / then specifications for deciders:
 *
 *   given(cityDecider, [registered]).when(rename).then([renamed]);
 *   given(cityDecider, []).when(rename).thenThrows('city_not_found');
 *
 * Both outcomes also check that `decide` left the folded state exactly as it found it: a decider that mutates its
 * state would corrupt every later command of a cached aggregate. Uses node:assert, so it runs under any test runner.
 */
import { deepStrictEqual, fail } from 'node:assert/strict';
import { fold, type Decider } from './decider.js';
import { DomainError } from './errors.js';

export interface Then<E> {
  /** The command is accepted and emits exactly these events, in this order. */
  then(expected: readonly E[]): void;
  /** The command is refused with a DomainError of this code (and status, when given). Returns the error for further checks. */
  thenThrows(code: string, status?: DomainError['status']): DomainError;
}

export interface When<C, E> {
  when(command: C): Then<E>;
}

/**
 * A deep copy made of this realm's arrays and objects (structuredClone would build them from another realm's
 * prototypes under test runners that sandbox globals, and deepStrictEqual compares prototypes).
 */
function snapshot<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => snapshot(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snapshot(v)])) as T;
  }
  return value;
}

export function given<C, E, S>(decider: Decider<C, E, S>, past: readonly E[]): When<C, E> {
  return {
    when(command: C): Then<E> {
      const state = fold(decider, past);
      const before = snapshot(state);
      const unchanged = (): void => deepStrictEqual(state, before, 'decide mutated the state it was given');
      return {
        then(expected: readonly E[]): void {
          const events = decider.decide(command, state);
          unchanged();
          deepStrictEqual(events, expected);
        },
        thenThrows(code: string, status?: DomainError['status']): DomainError {
          let events: E[];
          try {
            events = decider.decide(command, state);
          } catch (error) {
            unchanged();
            if (!(error instanceof DomainError)) throw error;
            deepStrictEqual({ code: error.code, status: error.status }, { code, status: status ?? error.status }, error.message);
            return error;
          }
          return fail(`expected the command to be refused with ${code}; it emitted ${JSON.stringify(events)}`);
        },
      };
    },
  };
}
