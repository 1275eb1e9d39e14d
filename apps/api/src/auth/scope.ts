import { DomainError } from '../../../../libs/domain/src/shared/errors.js';
import type { Actor, Role, Scope } from '../../../../libs/ledger/src/context.js';

/** What a command acts on, as far as scope is concerned: any of its city, body or fund. */
export interface ScopeTarget {
  /** Cities the command acts for (e.g. the obligor reporting a delivery). */
  cities?: readonly string[];
  bodies?: readonly string[];
  funds?: readonly string[];
}

export class OutOfScopeError extends DomainError {
  constructor(actor: Actor, target: ScopeTarget) {
    const scope = actor.scope === null ? 'no scope' : `${actor.scope.kind} ${actor.scope.id}`;
    super('out_of_scope', `${actor.role} ${actor.id} (${scope}) may not act for this ${describe(target)}`, { role: actor.role, target }, 403);
  }
}

const describe = (target: ScopeTarget): string =>
  [
    ...(target.cities ?? []).map((id) => `city ${id}`),
    ...(target.bodies ?? []).map((id) => `body ${id}`),
    ...(target.funds ?? []).map((id) => `fund ${id}`),
  ].join(', ') || 'target';

function covers(scope: Scope, target: ScopeTarget): boolean {
  switch (scope.kind) {
    case 'city':
      return (target.cities ?? []).includes(scope.id);
    case 'body':
      return (target.bodies ?? []).includes(scope.id);
    case 'fund':
      return (target.funds ?? []).includes(scope.id);
  }
}

/** True when the actor's scope covers the target; roles in `unscoped` (default: admin) act for everything. */
export function actsFor(actor: Actor, target: ScopeTarget, unscoped: readonly Role[] = ['admin']): boolean {
  // Process managers act for the ledger itself; their commands are checked by the deciders, not by scope.
  if (actor.role === 'system' || unscoped.includes(actor.role)) return true;
  return actor.scope !== null && covers(actor.scope, target);
}

/** Refuses with 403 (problem type out_of_scope) unless the actor acts for the target: a city officer for its own city only. */
export function assertActsFor(actor: Actor, target: ScopeTarget, unscoped: readonly Role[] = ['admin']): void {
  if (!actsFor(actor, target, unscoped)) throw new OutOfScopeError(actor, target);
}
