/**
 * A tenant's own sending domains (`campaigns.send`, as `GET /api/v1/dkim`: whoever sends the
 * tenant's mail sets up where it is sent from): add one (its DKIM key pair is made and the
 * TXT record to publish shown), list and read them, verify the published record through the
 * configured resolver, delete one. A campaign may send from a verified domain only.
 */
import { z } from 'zod';
import { isSendingDomainName } from '../../domain/sending-domain-name';
import type { SendingDomains, SendingDomainView } from '../../mail/sending-domains';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const addBody = z.strictObject({
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .refine(isSendingDomainName, 'a fully qualified domain name (mail.example.com)')
    .meta({ description: 'the domain mail will be sent from', format: 'hostname' }),
});
const domainId = z.strictObject({
  id: z.string().regex(/^sd[0-9a-f]{24}$/, 'not a sending domain id'),
});
const sendingDomainSchema = z
  .strictObject({
    id: z.string(),
    domain: z.string(),
    selector: z.string(),
    name: z.string().meta({ description: 'where to publish: `<selector>._domainkey.<domain>`' }),
    txt: z.string().meta({ description: 'the TXT record value (`v=DKIM1; k=rsa; p=...`)' }),
    status: z.enum(['pending', 'verified']),
    createdAt: z.iso.datetime(),
    verifiedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'SendingDomain' });
const listSchema = z.strictObject({ domains: z.array(sendingDomainSchema) });

const present = (d: SendingDomainView) => ({
  ...d,
  createdAt: d.createdAt.toISOString(),
  verifiedAt: d.verifiedAt?.toISOString() ?? null,
});
const common = { tag: 'mail', auth: 'tenant', feature: 'campaigns.send' } as const;

/** The sending domain routes. */
export function sendingDomainRoutes(domains: SendingDomains) {
  return [
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/sending-domains',
      summary: 'Add a sending domain',
      description:
        'Makes the domain’s own DKIM key pair (the private key never leaves the server) and answers with the TXT record to publish at `<selector>._domainkey.<domain>`; the domain is `pending` until verified. 409 `sending_domain_exists` when this tenant added it already.',
      request: { body: addBody },
      responses: {
        201: { description: 'the domain and its record', schema: sendingDomainSchema },
        409: { description: 'the domain was added already' },
      },
      async handler({ body }, _req, res) {
        const added = await domains.add(tenantOf(res).tenant.tenantId, body.domain);
        res.status(201).json(present(added));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/sending-domains',
      summary: 'List the sending domains',
      description: 'Oldest first, each with its record and status.',
      responses: { 200: { description: 'the domains', schema: listSchema } },
      async handler(_input, _req, res) {
        const list = await domains.list(tenantOf(res).tenant.tenantId);
        res.json({ domains: list.map(present) });
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/sending-domains/:id',
      summary: 'Read a sending domain',
      description: 'Its record to publish and whether it is verified.',
      request: { params: domainId },
      responses: { 200: { description: 'the domain', schema: sendingDomainSchema } },
      async handler({ params }, _req, res) {
        res.json(present(await domains.get(tenantOf(res).tenant.tenantId, params.id)));
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/sending-domains/:id/verify',
      summary: 'Verify a sending domain’s DKIM record',
      description:
        'Looks up the TXT record at `<selector>._domainkey.<domain>` (through `CONSENTFLOW_DNS_SERVERS`, else the system resolver) and marks the domain verified when it carries the domain’s key. 422 `dkim_record_missing` when no DKIM record is found, 422 `dkim_record_mismatch` when none carries this key (nothing changes then); 503 `dns_unavailable` when the lookup fails.',
      request: { params: domainId },
      responses: {
        200: { description: 'the domain, verified', schema: sendingDomainSchema },
        422: { description: 'the record is missing or does not carry the key' },
        503: { description: 'the DNS lookup failed' },
      },
      async handler({ params }, _req, res) {
        res.json(present(await domains.verify(tenantOf(res).tenant.tenantId, params.id)));
      },
    }),

    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/sending-domains/:id',
      summary: 'Delete a sending domain',
      description: 'Its key pair is deleted with it; campaigns naming it can no longer be sent.',
      request: { params: domainId },
      responses: { 204: { description: 'deleted' } },
      async handler({ params }, _req, res) {
        await domains.remove(tenantOf(res).tenant.tenantId, params.id);
        res.status(204).end();
      },
    }),
  ];
}
