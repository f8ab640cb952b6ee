/**
 * API keys of the caller's tenant (session + users.manage): create (shown once; scopes at
 * most the creator's features, lists and fields always the creator's), list, revoke.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import { createApiKey } from '../../auth/api-keys';
import { features } from '../../auth/permissions';
import type { ControlModels } from '../../db/tenant-access';
import { HttpError, notFound } from '../errors';
import { clientIp } from '../middleware/authenticate';
import { requireFeature, requireSession, tenantOf } from '../middleware/tenant-auth';

const createKey = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(features)).min(1).max(features.length).optional(),
});

/** Builds the API key routes (mounted behind tenant authentication). */
export function apiKeyRoutes(deps: { control: ControlModels; accessLog: AccessLog }): Router {
  const { ApiKey } = deps.control;
  const router = Router();
  router.use('/api/v1/api-keys', requireSession, requireFeature('users.manage'));

  router.post('/api/v1/api-keys', async (req, res) => {
    const body = createKey.parse(req.body);
    const { principal } = tenantOf(res);
    const scopes = body.scopes ?? principal.permissions.features;
    const beyond = scopes.filter((scope) => !principal.permissions.features.includes(scope));
    if (beyond.length > 0)
      throw new HttpError(400, 'invalid_scopes', `scopes: you do not hold ${beyond.join(', ')}`);
    const key = await createApiKey(deps.control, {
      tenantId: principal.tenantId,
      name: body.name,
      permissions: { ...principal.permissions, features: scopes },
      createdBy: principal.id,
    });
    await deps.accessLog.record({
      tenantId: principal.tenantId,
      event: 'api_key.created',
      actor: { kind: 'user', id: principal.id },
      subjectId: key.id,
      ip: clientIp(req),
      details: { scopes },
    });
    res.status(201).json({ ...key, name: body.name, scopes });
  });

  router.get('/api/v1/api-keys', async (_req, res) => {
    const keys = await ApiKey.find({ tenantId: tenantOf(res).principal.tenantId })
      .sort({ createdAt: 1 })
      .lean();
    res.json({
      apiKeys: keys.map((key) => ({
        id: key._id,
        name: key.name,
        scopes: key.scopes,
        createdAt: key.createdAt.toISOString(),
        createdBy: key.createdBy,
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
        revokedAt: key.revokedAt?.toISOString() ?? null,
      })),
    });
  });

  router.delete('/api/v1/api-keys/:id', async (req, res) => {
    const { principal } = tenantOf(res);
    const id = String(req.params.id);
    const revoked = await ApiKey.updateOne(
      { _id: id, tenantId: principal.tenantId, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date() } },
    );
    if (revoked.matchedCount === 0) throw notFound('API key');
    await deps.accessLog.record({
      tenantId: principal.tenantId,
      event: 'api_key.revoked',
      actor: { kind: 'user', id: principal.id },
      subjectId: id,
      ip: clientIp(req),
    });
    res.status(204).end();
  });

  return router;
}
