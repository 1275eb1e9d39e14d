import { DomainError } from '../../domain/src/shared/errors.js';
import type { Actor, Role, Scope } from './context.js';

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

/** The scope target of cities and funds named as parties of money (a payer, a payee). */
export function partiesTarget(parties: readonly { kind: 'city' | 'fund'; id: string }[]): ScopeTarget {
  return { cities: parties.filter((p) => p.kind === 'city').map((p) => p.id), funds: parties.filter((p) => p.kind === 'fund').map((p) => p.id) };
}

/**
 * Refuses with 403 (problem type out_of_scope) unless the actor acts for the target: a city officer for its own city
 * only. The one scope rule of the ledger: the HTTP layer checks it where the route names the target, the command
 * handlers where only the ledger knows it (the payer of an obligation, the members of a body).
 */
export function assertActsFor(actor: Actor, target: ScopeTarget, unscoped: readonly Role[] = ['admin']): void {
  if (!actsFor(actor, target, unscoped)) throw new OutOfScopeError(actor, target);
}
