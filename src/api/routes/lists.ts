/**
 * Lists within the caller's tenant, with their policies. Creating or changing a list also
 * creates or removes the schedules its policies call for, and registers the list for its
 * public form. A caller limited to some lists sees nothing of the others, not even that
 * they exist: the listing leaves them out and a read or change answers 404, exactly as for
 * an id that does not exist.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { canSeeList, visibleListsFilter } from '../../auth/principal';
import { syncListSchedules, type ScheduleDeps } from '../../consent/list-schedules';
import type { TenantAccess } from '../../db/tenant-access';
import { forbidden, notFound } from '../../errors';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';
import { createList, listSchema, updateList, type ListBody } from '../schemas/lists';

/** The public shape of a list. */
const presentList = (
  list: { _id: string; name: string; createdAt: Date } & Record<string, unknown>,
  publicUrl = '',
): ListBody => ({
  id: list._id,
  name: list.name,
  doubleOptIn: (list.doubleOptIn as ListBody['doubleOptIn']) ?? null,
  consentPolicy: (list.consentPolicy as ListBody['consentPolicy']) ?? null,
  inactivityPolicy: (list.inactivityPolicy as ListBody['inactivityPolicy']) ?? null,
  tracking: list.tracking as boolean,
  formUrl: `${publicUrl}/f/${list._id}`,
  createdAt: list.createdAt.toISOString(),
});

/** What the list routes need besides the caller's tenant. */
export interface ListRouteDeps extends ScheduleDeps {
  tenants: TenantAccess;
  publicUrl?: string;
}

/** The list routes. */
export const listRoutes = (deps: ListRouteDeps) => [
  defineRoute({
    method: 'post',
    path: '/api/v1/lists',
    tag: 'lists',
    summary: 'Create a list',
    description:
      'Only a caller who may see every list may create one (a caller limited to some lists could not see it). The policies start their daily schedules.',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { body: createList },
    responses: { 201: { description: 'the list', schema: listSchema } },
    async handler({ body }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      if (principal.permissions.lists !== 'all')
        throw forbidden('forbidden', 'creating lists needs access to all lists');
      const id = `l${randomBytes(8).toString('hex')}`;
      await deps.tenants.control.ListDirectory.create({ _id: id, tenantId: tenant.tenantId });
      const list = await tenant.models.List.create({
        _id: id,
        tracking: true,
        ...body,
        createdAt: new Date(),
      });
      await syncListSchedules(deps, { tenantId: tenant.tenantId, listId: id }, body);
      res.status(201).json(presentList(list.toObject(), deps.publicUrl));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/lists',
    tag: 'lists',
    summary: 'The lists the caller may see',
    auth: 'tenant',
    feature: 'contacts.view',
    responses: {
      200: { description: 'oldest first', schema: z.strictObject({ lists: z.array(listSchema) }) },
    },
    async handler(_input, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const lists = await tenant.models.List.find(visibleListsFilter(principal.permissions))
        .sort({ createdAt: 1 })
        .lean();
      res.json({ lists: lists.map((list) => presentList(list, deps.publicUrl)) });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/lists/:id',
    tag: 'lists',
    summary: 'A list with its policies',
    auth: 'tenant',
    feature: 'contacts.view',
    responses: { 200: { description: 'the list', schema: listSchema } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      if (!canSeeList(principal.permissions, params.id)) throw notFound('list');
      const list = await tenant.models.List.findById(params.id).lean();
      if (!list) throw notFound('list');
      res.json(presentList(list, deps.publicUrl));
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/api/v1/lists/:id',
    tag: 'lists',
    summary: 'Change a list’s name or policies',
    description:
      'Absent fields stay as they are; a policy set to `null` is removed. The daily schedules follow the policies; a policy change applies from the next cycle (renewal cycles already running keep the policy they started with).',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { body: updateList },
    responses: { 200: { description: 'the changed list', schema: listSchema } },
    async handler({ params, body }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      if (!canSeeList(principal.permissions, params.id)) throw notFound('list');
      const entries = Object.entries(body).filter(([, v]) => v !== undefined);
      const set = Object.fromEntries(entries.filter(([, v]) => v !== null));
      const unset = Object.fromEntries(entries.filter(([, v]) => v === null).map(([k]) => [k, 1]));
      const change = {
        ...(Object.keys(set).length ? { $set: set } : {}),
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      };
      const list =
        Object.keys(change).length > 0
          ? await tenant.models.List.findByIdAndUpdate(params.id, change, {
              returnDocument: 'after',
            }).lean()
          : await tenant.models.List.findById(params.id).lean();
      if (!list) throw notFound('list');
      await syncListSchedules(deps, { tenantId: tenant.tenantId, listId: params.id }, list);
      res.json(presentList(list, deps.publicUrl));
    },
  }),
];
