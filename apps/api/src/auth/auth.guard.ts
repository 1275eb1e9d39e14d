import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../../../../libs/domain/src/shared/errors.js';
import type { LedgerConfig } from '../../../../libs/ledger/src/config.js';
import type { Role } from '../../../../libs/ledger/src/context.js';
import { LEDGER_CONFIG } from '../../../../libs/ledger/src/tokens.js';
import type { LedgerRequest } from '../http/request.js';
import { PUBLIC_ROUTE, ROLES } from './decorators.js';
import { TokenRejectedError, verifyToken } from './tokens.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class RoleForbiddenError extends DomainError {
  constructor(role: string, allowed: readonly Role[]) {
    super(
      'role_forbidden',
      allowed.length === 0 ? 'no role may call this endpoint' : `role ${role} may not call this endpoint; allowed: ${allowed.join(', ')}`,
      { role, allowed },
      403,
    );
  }
}

/** Authenticates every route that is not @Public, then applies @Roles (writes without @Roles fail closed). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true) return true;

    const request = context.switchToHttp().getRequest<LedgerRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (match === null) throw new TokenRejectedError('missing_token', 'a bearer token is required (Authorization: Bearer <token>)');
    const actor = await verifyToken(this.config.jwtSecret, match[1]);
    request.actor = actor;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles === undefined) {
      if (READ_METHODS.has(request.method)) return true;
      throw new RoleForbiddenError(actor.role, []);
    }
    if (actor.role === 'system' || !roles.includes(actor.role)) throw new RoleForbiddenError(actor.role, roles);
    return true;
  }
}
