/** `POST /api/v1/lists` and `GET /api/v1/lists/:id`, within the caller's tenant. */
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors';
import { requireFeature, tenantOf } from '../middleware/tenant-auth';

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

/** The public shape of a list. */
const presentList = (
  list: { _id: string; name: string; createdAt: Date } & Record<string, unknown>,
) => ({
  id: list._id,
  name: list.name,
  doubleOptIn: list.doubleOptIn ?? null,
  consentPolicy: list.consentPolicy ?? null,
  inactivityPolicy: list.inactivityPolicy ?? null,
  tracking: list.tracking,
  createdAt: list.createdAt.toISOString(),
});

/** Builds the list routes (mounted behind tenant authentication). */
export function listRoutes(): Router {
  const router = Router();

  router.post('/api/v1/lists', requireFeature('contacts.edit'), async (req, res) => {
    const body = createList.parse(req.body);
    const { List } = tenantOf(res).tenant.models;
    const list = await List.create({
      _id: `l${randomBytes(8).toString('hex')}`,
      tracking: true,
      ...body,
      createdAt: new Date(),
    });
    res.status(201).json(presentList(list.toObject()));
  });

  router.get('/api/v1/lists/:id', requireFeature('contacts.view'), async (req, res) => {
    const { List } = tenantOf(res).tenant.models;
    const list =
      typeof req.params.id === 'string' ? await List.findById(req.params.id).lean() : null;
    if (!list) throw notFound('list');
    res.json(presentList(list));
  });

  return router;
}
