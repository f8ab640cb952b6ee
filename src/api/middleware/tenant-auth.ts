/**
 * Tenant authentication: resolves the caller to a Principal and its tenant scope. The
 * tenant scope it resolves to is the only one the route can use, so a caller of tenant A
 * can never address tenant B's data. Today the caller presents an API key in
 * `Authorization: Bearer`; console sessions resolve to the same Principal.
 */
import type { RequestHandler, Response } from 'express';
import { authenticateApiKeyCached } from '../../auth/api-key-cache';
import type { Feature } from '../../auth/permissions';
import type { Principal } from '../../auth/principal';
import type { TenantAccess, TenantScope } from '../../db/tenant-access';
import { HttpError, unauthorized } from '../errors';

/** What an authenticated request carries. */
export interface TenantLocals {
  principal: Principal;
  tenant: TenantScope;
}

/** The authenticated principal and tenant scope of a request. */
export const tenantOf = (res: Response) => res.locals as TenantLocals;

/** Requires an authenticated tenant caller and resolves its tenant. */
export function requireTenantAuth(tenants: TenantAccess): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const principal = match?.[1]
      ? await authenticateApiKeyCached(tenants.control, match[1])
      : undefined;
    if (!principal) return next(unauthorized('a valid API key is required'));
    res.locals.principal = principal;
    res.locals.tenant = await tenants.forTenant(principal.tenantId);
    next();
  };
}

/** Requires the caller to hold a feature permission. */
export function requireFeature(feature: Feature): RequestHandler {
  return (_req, res, next) => {
    if (!tenantOf(res).principal.permissions.features.includes(feature)) {
      return next(new HttpError(403, 'forbidden', `the ${feature} permission is required`));
    }
    next();
  };
}
