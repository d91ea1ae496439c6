import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ReviewRole } from '@kyoyu/persistence';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { ReviewConfig } from '../config';
import { AccountsRepository, type AccountRow } from './accounts.repository';
import { PUBLIC_KEY, ROLES_KEY, type AuthedRequest, type Principal } from './principal';
import { constantTimeEqual, readCookie } from './tokens';

export const OPERATOR_AUTOMATION_ID = 'operator-automation';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookieName(config: ReviewConfig): string {
  // `__Host-` binds the cookie to this origin over HTTPS (production); plain HTTP in development.
  return config.NODE_ENV === 'production' ? '__Host-kyoyu_session' : 'kyoyu_session';
}

function principalOf(a: AccountRow, via: Principal['via']): Principal {
  return { accountId: a.id, role: a.role, clearances: new Set(a.clearances), via };
}

/**
 * Every route goes through here. Bearer tokens (automation) or a session cookie (the console); a
 * cookie-authenticated request that changes state must also echo the session's CSRF token in a header,
 * which a cross-site form or script cannot read. Then the route's roles are checked.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly cookie: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
  ) {
    this.cookie = sessionCookieName(config);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    // Kafka handlers have no HTTP caller; health probes stay open for the orchestrator.
    if (ctx.getType() !== 'http' || ctx.getClass().name === 'HealthController') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = await this.authenticate(req);
    if (!principal)
      throw new UnauthorizedException({
        code: 'AUTH.REQUIRED',
        message: 'log in or send a valid bearer token',
      });
    req.principal = principal;
    const roles = this.reflector.getAllAndOverride<ReviewRole[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new ForbiddenException({ code: 'AUTH.FORBIDDEN', message: 'your role may not use this route' });
    }
    return true;
  }

  private async authenticate(req: AuthedRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!token) return null;
      if (constantTimeEqual(token, this.config.REVIEW_API_TOKEN)) {
        return { accountId: OPERATOR_AUTOMATION_ID, role: 'admin', clearances: new Set(), via: 'bearer' };
      }
      const account = await this.accounts.byApiToken(token);
      return account ? principalOf(account, 'bearer') : null;
    }
    const session = readCookie(req.headers.cookie, this.cookie);
    if (!session) return null;
    const found = await this.accounts.bySession(session);
    if (!found) return null;
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !constantTimeEqual(given, found.csrf)) {
        throw new ForbiddenException({ code: 'AUTH.CSRF', message: 'missing or wrong CSRF token' });
      }
    }
    return principalOf(found.account, 'session');
  }
}
