/**
 * `recordAccess(res, …)`: how a route writes the access log on behalf of its caller, e.g.
 * a bulk read of personal data (`personal_data.read` with a count and the list id). The
 * writer is set on `app.locals` by createApp; the actor, tenant and IP come from the request.
 */
import type { Response } from 'express';
import type { AccessLog } from '../auth/access-log';
import type { Principal } from '../auth/principal';
import type { AccessEvent } from '../db/models/access-log';
import { markLogged } from './audit';
import { clientIp } from './middleware/authenticate';

/** Records an event by the request's authenticated caller. */
export async function recordAccess(
  res: Response,
  entry: { event: AccessEvent; subjectId?: string; details?: Record<string, unknown> },
): Promise<void> {
  const accessLog = res.app.locals.accessLog as AccessLog;
  markLogged(res);
  const principal = res.locals.principal as Principal;
  await accessLog.record({
    ...entry,
    // Made under a support grant: the tenant sees which grant each access came under.
    ...(principal.grantId ? { details: { ...entry.details, grantId: principal.grantId } } : {}),
    tenantId: principal.tenantId,
    actor: { kind: principal.kind, id: principal.id },
    ip: clientIp(res.req),
  });
}
