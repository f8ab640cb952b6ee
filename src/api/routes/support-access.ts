/**
 * Support access: platform staff ask for a time-boxed look at one tenant's personal data
 * (platform token); the tenant's admins list the requests and approve, deny or revoke them
 * (console session with users.manage: a key, which the platform may have minted, never
 * decides on the platform's own access).
 */
import { z } from 'zod';
import type { ControlModels } from '../../db/tenant-access';
import { tenantIdPattern } from '../../db/names';
import { supportGrantStatuses } from '../../db/models/support-grant';
import { notFound } from '../../errors';
import type { WorkflowGateway } from '../../temporal/workflows';
import {
  createSupportAccess,
  grantableFeatures,
  MAX_GRANT_HOURS,
  presentGrant,
} from '../../tenants/support-access';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const requestBody = z.strictObject({
  reason: z.string().trim().min(10, 'say why, in at least 10 characters').max(500),
  hours: z.number().int().min(1).max(MAX_GRANT_HOURS),
  requestedBy: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a staff handle: letters, digits, . _ - (not an address)'),
  scopes: z.array(z.enum(grantableFeatures)).min(1).optional().meta({
    description: 'what the grant allows (default contacts.view); read-only features only',
  }),
});

const grantSchema = z
  .strictObject({
    id: z.string(),
    tenantId: z.string(),
    status: z.enum(supportGrantStatuses),
    reason: z.string(),
    requestedBy: z.string(),
    hours: z.number(),
    scopes: z.array(z.string()),
    requestedAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    approvedUntil: z.string().nullable(),
    endedAt: z.string().nullable(),
  })
  .meta({ id: 'SupportAccess' });

const tenantSide = { tag: 'support access', auth: 'session', feature: 'users.manage' } as const;

/** Builds the support-access routes. */
export function supportAccessRoutes(deps: { control: ControlModels; workflows: WorkflowGateway }) {
  const access = createSupportAccess(deps);
  const servedTenant = async (id: string) => {
    const tenant = tenantIdPattern.test(id) ? await deps.control.Tenant.findById(id).lean() : null;
    if (!tenant || !['active', 'ending', 'frozen'].includes(tenant.status))
      throw notFound('tenant');
    return tenant;
  };
  const decision = (verb: 'approve' | 'deny' | 'revoke', summary: string, description: string) =>
    defineRoute({
      ...tenantSide,
      method: 'post',
      path: `/api/v1/support-access/:id/${verb}`,
      summary,
      description: `${description} 409 \`support_access_decided\` when the request is not in a state this applies to.`,
      responses: { 200: { description: 'the request as it now stands', schema: grantSchema } },
      async handler({ params }, _req, res) {
        const { principal } = tenantOf(res);
        const grant = await access.decide(principal.tenantId, params.id, {
          decision: verb,
          by: principal.id,
        });
        res.json(presentGrant(grant));
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/support-access',
      tag: 'platform',
      auth: 'platform',
      summary: 'Ask a tenant for access to its personal data',
      description: `The tenant’s admins are mailed the request and decide on it; until one approves, keys the platform mints for the tenant see every personal field masked. An approved grant lasts \`hours\` (at most ${MAX_GRANT_HOURS}) and can be revoked sooner; a request nobody decides expires after 7 days.`,
      request: { body: requestBody },
      responses: {
        202: {
          description: 'asked',
          schema: z.strictObject({ id: z.string(), status: z.literal('pending') }),
        },
      },
      async handler({ params, body }, _req, res) {
        const tenant = await servedTenant(params.id);
        const grant = await access.request(tenant._id, body);
        res.status(202).json({ id: grant._id, status: 'pending' as const });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id/support-access',
      tag: 'platform',
      auth: 'platform',
      summary: 'The platform’s support-access requests to a tenant',
      responses: {
        200: {
          description: 'newest first',
          schema: z.strictObject({ requests: z.array(grantSchema) }),
        },
      },
      async handler({ params }, _req, res) {
        const tenant = await servedTenant(params.id);
        res.json({ requests: (await access.list(tenant._id)).map(presentGrant) });
      },
    }),

    defineRoute({
      ...tenantSide,
      method: 'get',
      path: '/api/v1/support-access',
      summary: 'Support-access requests of platform staff',
      description: 'Pending, approved and ended requests, newest first.',
      responses: {
        200: {
          description: 'the requests',
          schema: z.strictObject({ requests: z.array(grantSchema) }),
        },
      },
      async handler(_input, _req, res) {
        const found = await access.list(tenantOf(res).principal.tenantId);
        res.json({ requests: found.map(presentGrant) });
      },
    }),

    defineRoute({
      ...tenantSide,
      method: 'get',
      path: '/api/v1/support-access/:id',
      summary: 'Read a support-access request',
      responses: { 200: { description: 'the request', schema: grantSchema } },
      async handler({ params }, _req, res) {
        res.json(presentGrant(await access.get(tenantOf(res).principal.tenantId, params.id)));
      },
    }),

    decision(
      'approve',
      'Approve a support-access request',
      'Opens the grant for the hours asked, from now: the platform may then mint a key bound to it, which ends with the grant, and every request made with it is in the access log with the grant’s id.',
    ),
    decision('deny', 'Deny a support-access request', 'Nothing is granted.'),
    decision(
      'revoke',
      'Revoke an approved grant',
      'Ends it now: every key minted under it stops working (within 5 s in every process).',
    ),
  ];
}
