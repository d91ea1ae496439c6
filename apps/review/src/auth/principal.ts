import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ReviewRole } from '@kyoyu/persistence';

/** Who is calling, as the guard established it. */
export interface Principal {
  accountId: string;
  role: ReviewRole;
  /** Customer ids whose items this principal may see. */
  clearances: ReadonlySet<string>;
  via: 'session' | 'bearer';
}

export interface AuthedRequest extends Request {
  principal?: Principal;
}

export const ROLES_KEY = 'kyoyu:roles';
export const PUBLIC_KEY = 'kyoyu:public';

/** The roles allowed on a route (checked by AuthGuard). */
export const Roles = (...roles: ReviewRole[]) => SetMetadata(ROLES_KEY, roles);
/** A route reachable without credentials (login, the console's static files, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!p) throw new Error('route without AuthGuard');
  return p;
});
