/**
 * Lists within the caller's tenant. A caller limited to some lists sees nothing of the
 * others, not even that they exist: the listing leaves them out and a read answers 404,
 * exactly as for an id that does not exist.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { canSeeList, visibleListsFilter } from '../../auth/principal';
import { HttpError, notFound } from '../errors';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const createList = z.strictObject({
  name: z.string().trim().min(1).max(200),
  doubleOptIn: z.record(z.string(), z.unknown()).optional(),
  consentPolicy: z
    .strictObject({
      validityDays: z.number().int().min(1).max(3650),
      reminderDaysBefore: z.array(z.number().int().min(1).max(365)).max(5),
      onExpiry: z.enum(['unsubscribe', 'anonymize', 'delete']),
    })
    .optional(),
  inactivityPolicy: z.record(z.string(), z.unknown()).optional(),
  tracking: z.boolean().optional(),
});

/** The response schema of a list. */
export const listSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    doubleOptIn: z.record(z.string(), z.unknown()).nullable(),
    consentPolicy: z
      .strictObject({
        validityDays: z.number(),
        reminderDaysBefore: z.array(z.number()),
        onExpiry: z.enum(['unsubscribe', 'anonymize', 'delete']),
      })
      .nullable(),
    inactivityPolicy: z.record(z.string(), z.unknown()).nullable(),
    tracking: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'List' });

/** The public shape of a list. */
const presentList = (
  list: { _id: string; name: string; createdAt: Date } & Record<string, unknown>,
): z.infer<typeof listSchema> => ({
  id: list._id,
  name: list.name,
  doubleOptIn: (list.doubleOptIn as Record<string, unknown>) ?? null,
  consentPolicy: (list.consentPolicy as z.infer<typeof listSchema>['consentPolicy']) ?? null,
  inactivityPolicy: (list.inactivityPolicy as Record<string, unknown>) ?? null,
  tracking: list.tracking as boolean,
  createdAt: list.createdAt.toISOString(),
});

/** The list routes. */
export const listRoutes = () => [
  defineRoute({
    method: 'post',
    path: '/api/v1/lists',
    tag: 'lists',
    summary: 'Create a list',
    description:
      'Only a caller who may see every list may create one (a caller limited to some lists could not see it).',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { body: createList },
    responses: { 201: { description: 'the list', schema: listSchema } },
    async handler({ body }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      if (principal.permissions.lists !== 'all')
        throw new HttpError(403, 'forbidden', 'creating lists needs access to all lists');
      const list = await tenant.models.List.create({
        _id: `l${randomBytes(8).toString('hex')}`,
        tracking: true,
        ...body,
        createdAt: new Date(),
      });
      res.status(201).json(presentList(list.toObject()));
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
      res.json({ lists: lists.map(presentList) });
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
      res.json(presentList(list));
    },
  }),
];
