/**
 * A decider (Chassaing / Emmett style): the whole business logic of one aggregate as three pure functions.
 * No I/O, no framework, no clock: the command carries every instant it needs.
 */
export interface Decider<Command, Event, State> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /** The events the command produces, or a thrown DomainError. Never mutates `state`. */
  decide(command: Command, state: State): Event[];
}

/** A domain event as the domain sees it: a discriminated union member. The log adds the envelope. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

/** Fold a history into state. */
export function fold<C, E, S>(decider: Decider<C, E, S>, events: readonly E[]): S {
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e);
  return state;
}
