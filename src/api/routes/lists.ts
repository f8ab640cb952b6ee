/**
 * `POST /api/v1/lists`, `GET /api/v1/lists/:id` and `PATCH /api/v1/lists/:id` (policies),
 * within the caller's tenant. Creating or changing a list also creates or removes the
 * schedules its policies call for, and registers the list for its public form.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { canSeeList } from '../../auth/principal';
import { doubleOptInSchema } from '../../consent/double-opt-in-settings';
import { syncListSchedules } from '../../consent/list-schedules';
import type { TenantAccess } from '../../db/tenant-access';
import { notFound } from '../errors';
import { requireFeature, tenantOf } from '../middleware/tenant-auth';

const consentPolicy = z.strictObject({
  validityDays: z.number().int().min(1).max(3650),
  reminderDaysBefore: z.array(z.number().int().min(1).max(365)).max(5),
  onExpiry: z.enum(['unsubscribe', 'anonymize', 'delete']),
});

const inactivityPolicy = z.strictObject({
  thresholdDays: z.number().int().min(1).max(3650),
  rePermission: z.strictObject({ waitDays: z.number().int().min(1).max(90) }).optional(),
  action: z.enum(['unsubscribe', 'anonymize', 'delete']),
});

const policies = {
  doubleOptIn: doubleOptInSchema.optional(),
  consentPolicy: consentPolicy.optional(),
  inactivityPolicy: inactivityPolicy.optional(),
  tracking: z.boolean().optional(),
};

const createList = z.strictObject({ name: z.string().trim().min(1).max(200), ...policies });

/** A change: a policy set to null is removed. */
const updateList = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  doubleOptIn: doubleOptInSchema.nullable().optional(),
  consentPolicy: consentPolicy.nullable().optional(),
  inactivityPolicy: inactivityPolicy.nullable().optional(),
  tracking: z.boolean().optional(),
});

/** The public shape of a list. */
const presentList = (
  list: { _id: string; name: string; createdAt: Date } & Record<string, unknown>,
  publicUrl?: string,
) => ({
  id: list._id,
  name: list.name,
  doubleOptIn: list.doubleOptIn ?? null,
  consentPolicy: list.consentPolicy ?? null,
  inactivityPolicy: list.inactivityPolicy ?? null,
  tracking: list.tracking,
  formUrl: `${publicUrl ?? ''}/f/${list._id}`,
  createdAt: list.createdAt.toISOString(),
});

/** Builds the list routes (mounted behind tenant authentication). */
export function listRoutes(deps: {
  temporal: Client;
  taskQueue: string;
  tenants: TenantAccess;
  publicUrl?: string;
}): Router {
  const router = Router();

  router.post('/api/v1/lists', requireFeature('contacts.edit'), async (req, res) => {
    const body = createList.parse(req.body);
    const { tenant } = tenantOf(res);
    const { List } = tenant.models;
    const id = `l${randomBytes(8).toString('hex')}`;
    await deps.tenants.control.ListDirectory.create({ _id: id, tenantId: tenant.tenantId });
    const list = await List.create({ _id: id, tracking: true, ...body, createdAt: new Date() });
    await syncListSchedules(
      deps.temporal,
      deps.taskQueue,
      { tenantId: tenant.tenantId, listId: id },
      body,
    );
    res.status(201).json(presentList(list.toObject(), deps.publicUrl));
  });

  router.get('/api/v1/lists/:id', requireFeature('contacts.view'), async (req, res) => {
    const { tenant, principal } = tenantOf(res);
    const id = String(req.params.id);
    const list = canSeeList(principal.permissions, id)
      ? await tenant.models.List.findById(id).lean()
      : null;
    if (!list) throw notFound('list');
    res.json(presentList(list, deps.publicUrl));
  });

  router.patch('/api/v1/lists/:id', requireFeature('contacts.edit'), async (req, res) => {
    const body = updateList.parse(req.body);
    const { tenant, principal } = tenantOf(res);
    const id = String(req.params.id);
    if (!canSeeList(principal.permissions, id)) throw notFound('list');
    const set = Object.fromEntries(
      Object.entries(body).filter(([, v]) => v !== null && v !== undefined),
    );
    const unset = Object.fromEntries(
      Object.entries(body)
        .filter(([, v]) => v === null)
        .map(([k]) => [k, 1]),
    );
    const list = await tenant.models.List.findByIdAndUpdate(
      id,
      { $set: set, $unset: unset },
      { new: true },
    ).lean();
    if (!list) throw notFound('list');
    await syncListSchedules(
      deps.temporal,
      deps.taskQueue,
      { tenantId: tenant.tenantId, listId: id },
      list,
    );
    res.json(presentList(list, deps.publicUrl));
  });

  return router;
}
