/**
 * Platform routes for tenants: create (runs the provisioning workflow), read, and issue an
 * integrator API key for a tenant. Mounted behind the platform token.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { createApiKey } from '../../auth/api-keys';
import { features } from '../../auth/permissions';
import { fullPermissions } from '../../auth/principal';
import type { DataLayer } from '../../db/open';
import { tenantIdPattern } from '../../db/names';
import { presentTenant, provisionTenant } from '../../tenants/provision-tenant';
import { notFound } from '../errors';
import { defineRoute } from '../route';

const createTenant = z.strictObject({
  name: z.string().trim().min(1).max(200),
  admin: z.strictObject({
    email: z.string().max(254),
    initialPassword: z.string().min(12, 'must be at least 12 characters').max(128),
  }),
  contractEndsAt: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});

const createKey = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(features)).min(1).optional(),
});

const tenantIdParam = z.string().regex(tenantIdPattern);

const tenantSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    contractEndsAt: z.string().nullable(),
  })
  .meta({ id: 'Tenant' });

/** The tenant routes (platform token). */
export function tenantRoutes(deps: { data: DataLayer; temporal: Client; taskQueue: string }) {
  const { Tenant } = deps.data.tenants.control;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tenants',
      tag: 'platform',
      summary: 'Create a tenant, its database, data key and first admin',
      description:
        'An `Idempotency-Key` header makes a retried request return the same tenant. 409 `email_taken` when the admin address already belongs to a user.',
      auth: 'platform',
      request: { body: createTenant },
      responses: { 201: { description: 'the active tenant', schema: tenantSchema } },
      async handler({ body }, req, res) {
        const tenant = await provisionTenant(deps, {
          name: body.name,
          admin: body.admin,
          contractEndsAt: body.contractEndsAt ? new Date(body.contractEndsAt) : undefined,
          idempotencyKey: req.get('idempotency-key') ?? undefined,
        });
        res.status(201).json(tenant);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id',
      tag: 'platform',
      summary: 'A tenant and its status',
      auth: 'platform',
      responses: { 200: { description: 'the tenant', schema: tenantSchema } },
      async handler({ params }, _req, res) {
        const id = tenantIdParam.safeParse(params.id);
        const tenant = id.success ? await Tenant.findById(id.data).lean() : null;
        if (!tenant || tenant.status === 'failed') throw notFound('tenant');
        res.json(presentTenant(tenant));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/api-keys',
      tag: 'platform',
      summary: 'Issue an integrator API key for a tenant',
      description: 'The key is shown once and stored as a SHA-256 hash; scopes omitted: all.',
      auth: 'platform',
      request: { body: createKey },
      responses: {
        201: {
          description: 'the key',
          schema: z.strictObject({
            id: z.string(),
            key: z.string(),
            scopes: z.array(z.enum(features)),
          }),
        },
      },
      async handler({ params, body }, _req, res) {
        const id = tenantIdParam.safeParse(params.id);
        const tenant = id.success ? await Tenant.findById(id.data, { status: 1 }).lean() : null;
        if (!tenant || tenant.status !== 'active') throw notFound('tenant');
        const key = await createApiKey(deps.data.tenants.control, {
          tenantId: tenant._id,
          name: body.name,
          permissions: fullPermissions(body.scopes ?? features),
          createdBy: 'platform',
        });
        res.status(201).json({ ...key, scopes: body.scopes ?? features });
      },
    }),
  ];
}
