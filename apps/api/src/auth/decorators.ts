import { createParamDecorator, SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor, CommandContext, Role } from '../../../../libs/ledger/src/context.js';
import { contextOf, type LedgerRequest } from '../http/request.js';

export const PUBLIC_ROUTE = 'concordat:public';
export const ROLES = 'concordat:roles';

/** The route needs no token (health, the API description). */
export const Public = (): CustomDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The roles that may call the route. Reads without @Roles are open to every authenticated role; writes
 * (POST, PUT, PATCH, DELETE) without @Roles are refused to everyone, so a forgotten decorator fails closed.
 */
export const Roles = (...roles: Role[]): CustomDecorator => SetMetadata(ROLES, roles);

function requestOf(context: ExecutionContext): LedgerRequest {
  return context.switchToHttp().getRequest<LedgerRequest>();
}

/** The authenticated actor of the request. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = requestOf(context).actor;
  if (actor === undefined) throw new Error('CurrentActor used on a public route');
  return actor;
});

/** Everything a command handler needs to stamp its events: actor, role, scope, correlation and idempotency. */
export const RequestContext = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => contextOf(requestOf(context)));
