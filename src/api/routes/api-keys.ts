/**
 * API keys of the caller's tenant (session + users.manage): create (shown once; scopes at
 * most the creator's features, lists and fields always the creator's), list, revoke.
 */
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import { revokeApiKey } from '../../auth/api-key-cache';
import { createApiKey } from '../../auth/api-keys';
import { features } from '../../auth/permissions';
import type { ControlModels } from '../../db/tenant-access';
import { invalid, notFound } from '../../errors';
import { markLogged } from '../audit';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';
import { createKey } from '../schemas/api-keys';

const createdKeySchema = z
  .strictObject({
    id: z.string(),
    key: z.string().meta({ description: 'the full key, shown only in this answer' }),
    name: z.string(),
    scopes: z.array(z.enum(features)),
  })
  .meta({ id: 'CreatedApiKey' });

const apiKeySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const common = { tag: 'api keys', auth: 'session', feature: 'users.manage' } as const;

/** Builds the API key routes. */
export function apiKeyRoutes(deps: { control: ControlModels; accessLog: AccessLog }) {
  const { ApiKey } = deps.control;
  return [
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/api-keys',
      summary: 'Create an API key',
      description:
        'The key is shown once in this answer and stored hashed. Its scopes are at most the creator’s features (default: all of them); its lists and fields are the creator’s.',
      request: { body: createKey },
      responses: { 201: { description: 'the key', schema: createdKeySchema } },
      async handler({ body }, req, res) {
        const { principal } = tenantOf(res);
        const scopes = body.scopes ?? principal.permissions.features;
        const beyond = scopes.filter((scope) => !principal.permissions.features.includes(scope));
        if (beyond.length > 0)
          throw invalid(`scopes: you do not hold ${beyond.join(', ')}`, 'invalid_scopes');
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
        markLogged(res);
        res.status(201).json({ ...key, name: body.name, scopes });
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/api-keys',
      summary: 'List the API keys',
      responses: {
        200: {
          description: 'every key of the tenant, revoked ones included, oldest first',
          schema: z.strictObject({ apiKeys: z.array(apiKeySchema) }),
        },
      },
      async handler(_input, _req, res) {
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
      },
    }),

    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/api-keys/:id',
      summary: 'Revoke an API key',
      description:
        'Refused at once by this api process; other processes may accept the key for up to 5 seconds more (their short cache of authenticated keys).',
      responses: { 204: { description: 'revoked' } },
      async handler({ params }, req, res) {
        const { principal } = tenantOf(res);
        if (!(await revokeApiKey(deps.control, principal.tenantId, params.id)))
          throw notFound('API key');
        await deps.accessLog.record({
          tenantId: principal.tenantId,
          event: 'api_key.revoked',
          actor: { kind: 'user', id: principal.id },
          subjectId: params.id,
          ip: clientIp(req),
        });
        markLogged(res);
        res.status(204).end();
      },
    }),
  ];
}
