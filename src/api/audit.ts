/**
 * The access log's floor: what every route leaves in it without writing a line for it. A
 * route that logs its own, more telling entry (`recordAccess`: an export with its count, a
 * permissions change) marks the response, and this adds nothing more.
 *
 * - a read of personal data (a route declared `readsPersonalData`): `personal_data.read`;
 * - every change a tenant's user or key makes (any method but GET/HEAD): `data.changed`;
 * - every call of the platform operator: `platform.action`, on the tenant it concerns.
 *
 * Each entry names the route (its pattern, never a filled-in path or query, which may hold an
 * address) and the opaque ids of its path parameters; the IP is encrypted as always.
 */
import type { Request, Response } from 'express';
import type { AccessLog } from '../auth/access-log';
import type { Principal } from '../auth/principal';
import type { AccessEvent } from '../db/models/access-log';
import { clientIp } from './middleware/authenticate';
import type { RouteDefinition } from './route';

/** Marks the response as logged by the route itself (recordAccess does). */
export const markLogged = (res: Response) => {
  res.locals.accessLogged = true;
};

/** Writes the floor entry for a route that succeeded, if one is due. */
export async function auditRoute(route: RouteDefinition, req: Request, res: Response) {
  if (route.auth === 'none' || res.locals.accessLogged || res.statusCode >= 400) return;
  const accessLog = res.app.locals.accessLog as AccessLog | undefined;
  if (!accessLog) return;
  const reads = route.method === 'get';
  const details = {
    route: `${route.method.toUpperCase()} ${route.path}`,
    ...(Object.keys(req.params).length > 0 ? { ids: { ...req.params } } : {}),
  };
  if (route.auth === 'platform') {
    // Platform routes about one tenant name it `:id` under /api/v1/tenants.
    const tenantId = route.path.startsWith('/api/v1/tenants/:id') ? String(req.params.id) : '';
    const entry = {
      event: 'platform.action' as const,
      actor: { kind: 'platform' as const, id: 'platform' },
      ip: clientIp(req),
      details,
    };
    if (!tenantId) return accessLog.record(entry);
    // A deleted tenant's key is gone (its IPs cannot be encrypted under it): the platform's
    // own log keeps the entry, naming the tenant.
    await accessLog
      .record({ ...entry, tenantId })
      .catch(() => accessLog.record({ ...entry, details: { ...details, tenantId } }));
    return;
  }
  const event: AccessEvent | undefined = reads
    ? route.readsPersonalData
      ? 'personal_data.read'
      : undefined
    : 'data.changed';
  const principal = res.locals.principal as Principal | undefined;
  if (!event || !principal) return;
  await accessLog.record({
    tenantId: principal.tenantId,
    event,
    actor: { kind: principal.kind, id: principal.id },
    ip: clientIp(req),
    details: principal.grantId ? { ...details, grantId: principal.grantId } : details,
  });
}

/**
 * Holds the route's answer until its floor entry is written: a read of personal data reaches
 * the caller only once the log has it. If the log cannot be written, the caller gets 503
 * instead of the data. Set up before the handler runs; a no-op for routes without callers.
 */
export function auditBeforeAnswer(route: RouteDefinition, req: Request, res: Response): void {
  if (route.auth === 'none') return;
  let answered = false;
  for (const name of ['send', 'end'] as const) {
    const original = res[name].bind(res) as (...args: unknown[]) => Response;
    res[name] = ((...args: unknown[]) => {
      if (answered) return original(...args);
      answered = true; // `send` ends through `end`: one entry per answer
      auditRoute(route, req, res).then(
        () => original(...args),
        () => {
          res.status(503).type('json');
          original(
            JSON.stringify({
              error: {
                id: 'access_log_unavailable',
                message: 'the access log cannot be written; try again',
              },
            }),
          );
        },
      );
      return res;
    }) as never;
  }
}
