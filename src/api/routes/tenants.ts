/**
 * Platform routes for tenants: create (runs the provisioning workflow), read, and issue an
 * integrator API key for a tenant. Mounted behind the platform token.
 */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { createApiKey } from '../../auth/api-keys';
import { features } from '../../auth/permissions';
import { fullPermissions } from '../../auth/principal';
import type { DataLayer } from '../../db/open';
import { tenantIdPattern } from '../../db/names';
import { presentTenant, provisionTenant } from '../../tenants/provision-tenant';
import { notFound } from '../errors';

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

/** Builds the tenant routes. */
export function tenantRoutes(deps: {
  data: DataLayer;
  temporal: Client;
  taskQueue: string;
}): Router {
  const { Tenant } = deps.data.tenants.control;
  const router = Router();

  router.post('/api/v1/tenants', async (req, res) => {
    const body = createTenant.parse(req.body);
    const tenant = await provisionTenant(deps, {
      name: body.name,
      admin: body.admin,
      contractEndsAt: body.contractEndsAt ? new Date(body.contractEndsAt) : undefined,
      idempotencyKey: req.get('idempotency-key') ?? undefined,
    });
    res.status(201).json(tenant);
  });

  router.get('/api/v1/tenants/:id', async (req, res) => {
    const id = tenantIdParam.safeParse(req.params.id);
    const tenant = id.success ? await Tenant.findById(id.data).lean() : null;
    if (!tenant || tenant.status === 'failed') throw notFound('tenant');
    res.json(presentTenant(tenant));
  });

  router.post('/api/v1/tenants/:id/api-keys', async (req, res) => {
    const body = createKey.parse(req.body);
    const id = tenantIdParam.safeParse(req.params.id);
    const tenant = id.success ? await Tenant.findById(id.data, { status: 1 }).lean() : null;
    if (!tenant || tenant.status !== 'active') throw notFound('tenant');
    const key = await createApiKey(deps.data.tenants.control, {
      tenantId: tenant._id,
      name: body.name,
      permissions: fullPermissions(body.scopes ?? features),
      createdBy: 'platform',
    });
    res.status(201).json({ ...key, scopes: body.scopes ?? features });
  });

  return router;
}
