/** `GET /api/v1/dkim`: the DNS TXT record the tenant publishes for the key that signs its mail. */
import { Router } from 'express';
import type { DkimKeys } from '../../mail/dkim-keys';
import { tenantOf } from '../middleware/tenant-auth';

/** Builds the DKIM route (mounted behind tenant authentication). */
export function dkimRoutes(dkim: DkimKeys): Router {
  return Router().get('/api/v1/dkim', async (_req, res) => {
    const key = await dkim.ensure(tenantOf(res).tenant.tenantId);
    res.json({
      domain: key.domain,
      selector: key.selector,
      name: `${key.selector}._domainkey.${key.domain}`,
      txt: key.txt,
    });
  });
}
