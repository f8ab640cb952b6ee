/**
 * `GET /api/v1/dkim`: the DNS TXT record the tenant publishes for the key that signs its
 * mail. It needs `campaigns.send`: whoever may send the tenant's mail is who sets up its
 * sending domain (the record holds no personal data, but it is the tenant's configuration).
 */
import { z } from 'zod';
import type { DkimKeys } from '../../mail/dkim-keys';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const dkimRecord = z
  .strictObject({
    domain: z.string().meta({ description: 'the sending domain' }),
    selector: z.string(),
    name: z.string().meta({ description: 'where to publish: `<selector>._domainkey.<domain>`' }),
    txt: z.string().meta({ description: 'the TXT record value (`v=DKIM1; k=rsa; p=...`)' }),
  })
  .meta({ id: 'DkimRecord' });

/** The DKIM route. */
export const dkimRoutes = (dkim: DkimKeys) => [
  defineRoute({
    method: 'get',
    path: '/api/v1/dkim',
    tag: 'mail',
    summary: 'The DNS record of the key that signs the tenant’s mail',
    description:
      'The key pair is generated on first need; the private key never leaves the server.',
    auth: 'tenant',
    feature: 'campaigns.send',
    responses: { 200: { description: 'the record to publish', schema: dkimRecord } },
    async handler(_input, _req, res) {
      const key = await dkim.ensure(tenantOf(res).tenant.tenantId);
      res.json({
        domain: key.domain,
        selector: key.selector,
        name: `${key.selector}._domainkey.${key.domain}`,
        txt: key.txt,
      });
    },
  }),
];
