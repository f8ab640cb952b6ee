/**
 * Tenant authentication for integrator routes: an API key in `Authorization: Bearer`. The
 * tenant scope it resolves to is the only one the route can use, so a caller of tenant A
 * can never address tenant B's data.
 */
import type { RequestHandler, Response } from 'express';
import { authenticateApiKey, type ApiKeyPrincipal } from '../../auth/api-keys';
import type { Feature } from '../../auth/permissions';
import type { TenantAccess, TenantScope } from '../../db/tenant-access';
import { HttpError, unauthorized } from '../errors';

/** What an authenticated request carries. */
export interface TenantLocals {
  principal: ApiKeyPrincipal;
  tenant: TenantScope;
}

/** The authenticated principal and tenant scope of a request. */
export const tenantOf = (res: Response) => res.locals as TenantLocals;

/** Requires a valid API key and resolves its tenant. */
export function requireApiKey(tenants: TenantAccess): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const principal = match?.[1] ? await authenticateApiKey(tenants.control, match[1]) : undefined;
    if (!principal) return next(unauthorized('a valid API key is required'));
    res.locals.principal = principal;
    res.locals.tenant = await tenants.forTenant(principal.tenantId);
    next();
  };
}

/** Requires the key to carry a feature permission. */
export function requireScope(feature: Feature): RequestHandler {
  return (_req, res, next) => {
    if (!tenantOf(res).principal.scopes.includes(feature)) {
      return next(new HttpError(403, 'forbidden', `this key lacks the ${feature} permission`));
    }
    next();
  };
}
