/**
 * Tenant authentication: requires the Principal that `authenticate` (mounted once on
 * /api/v1, src/api/middleware/authenticate.ts) resolved from an API key or a console
 * session, and resolves its tenant scope. The tenant scope it resolves to is the only one
 * the route can use, so a caller of tenant A can never address tenant B's data.
 */
import type { RequestHandler, Response } from 'express';
import type { Feature } from '../../auth/permissions';
import { canSeeList, type Principal } from '../../auth/principal';
import { readableStatuses } from '../../db/models/tenant';
import { UnknownTenantError, type TenantAccess, type TenantScope } from '../../db/tenant-access';
import { forbidden, notFound, unauthorized } from '../../errors';

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
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next(unauthorized('a valid API key or session is required'));
    res.locals.tenant = await scopeFor(tenants, principal.tenantId, readOnly(req.method, res));
    next();
  };
}

/** Whether the request only reads (or is a route callable anyway while frozen). */
const readOnly = (method: string, res: Response) =>
  READS.has(method) || res.locals.whileFrozen === true;

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller's tenant scope. A tenant whose contract has ended (`frozen`) can still be read
 * during its export window (that is what the window is for), and its users can still change
 * their own password and second factor (`whileFrozen` routes); anything else it asks gets 403
 * `tenant_frozen`.
 */
async function scopeFor(tenants: TenantAccess, tenantId: string, reads: boolean) {
  if (reads) return tenants.forTenant(tenantId, readableStatuses);
  try {
    return await tenants.forTenant(tenantId);
  } catch (err) {
    if (!(err instanceof UnknownTenantError)) throw err;
    const tenant = await tenants.control.Tenant.findById(tenantId, { status: 1 }).lean();
    if (tenant?.status === 'frozen')
      throw forbidden(
        'tenant_frozen',
        'the contract has ended: the tenant can be read, not changed, until its deletion',
      );
    throw err;
  }
}

/** Requires the caller to hold a feature permission. */
export function requireFeature(feature: Feature): RequestHandler {
  return (_req, res, next) => {
    if (!tenantOf(res).principal.permissions.features.includes(feature)) {
      return next(forbidden('forbidden', `the ${feature} permission is required`));
    }
    next();
  };
}

/**
 * Requires a console session (not an API key) and resolves its tenant: account management
 * and the session's own account are done by people, so a key never reaches these routes.
 */
export function requireSessionAuth(tenants: TenantAccess): RequestHandler {
  return async (req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next(unauthorized('a console session is required'));
    if (principal.kind !== 'user')
      return next(forbidden('session_required', 'this route needs a console session'));
    res.locals.tenant = await scopeFor(tenants, principal.tenantId, readOnly(req.method, res));
    next();
  };
}

/**
 * Ensures the list exists and the caller may see it. Both cases answer the same 404, so a
 * list outside the caller's set cannot be told apart from a list that does not exist.
 */
export async function assertVisibleList(res: Response, listId: string): Promise<void> {
  const { tenant, principal } = tenantOf(res);
  const visible =
    canSeeList(principal.permissions, listId) &&
    (await tenant.models.List.exists({ _id: listId })) !== null;
  if (!visible) throw notFound('list');
}
