import type { Decider } from '../../../domain/src/shared/decider.js';
import { DomainError } from '../../../domain/src/shared/errors.js';

/**
 * A deliberately tiny bounded context for exercising the plumbing in tests (the command path, the runner, the HTTP
 * shell) without depending on any real domain. Not registered by the application.
 */
export type CounterCommand = { type: 'increment'; by: number } | { type: 'decrement'; by: number } | { type: 'touch' };
export type CounterEvent = { type: 'counter.incremented'; data: { by: number; total: number } };
export interface CounterState {
  total: number;
}

export const COUNTER_LIMIT = 1000;

export const counterDecider: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: event.data.total }),
  decide: (command, state) => {
    switch (command.type) {
      case 'touch':
        return [];
      case 'increment': {
        const total = state.total + command.by;
        if (total > COUNTER_LIMIT) {
          throw new DomainError('counter_limit_exceeded', `the counter may not exceed ${COUNTER_LIMIT}`, { total, limit: COUNTER_LIMIT });
        }
        return [{ type: 'counter.incremented', data: { by: command.by, total } }];
      }
      case 'decrement': {
        const total = state.total - command.by;
        if (total < 0) throw new DomainError('counter_below_zero', 'the counter may not go below zero', { total });
        return [{ type: 'counter.incremented', data: { by: -command.by, total } }];
      }
    }
  },
};
