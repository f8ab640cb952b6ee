/**
 * Console users of the caller's tenant, managed by admins (session + users.manage): create
 * with an initial password, list, read, change permissions or disable, reset the password,
 * remove the second factor.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../auth/accounts';
import { assertWithin } from '../../auth/grant';
import type { UserDocument } from '../../db/models/user';
import type { ControlModels } from '../../db/tenant-access';
import { clientIp } from '../middleware/authenticate';
import { requireFeature, requireSession, tenantOf } from '../middleware/tenant-auth';
import { presentUser } from '../presenters/user';
import { recordAccess } from '../record-access';
import { permissionsSchema } from '../schemas/permissions';

const createUser = z.strictObject({
  email: z.string().min(1).max(254),
  initialPassword: z.string().min(1).max(1024),
  permissions: permissionsSchema,
});
const updateUser = z.strictObject({
  permissions: permissionsSchema.optional(),
  disabled: z.boolean().optional(),
});
const resetPassword = z.strictObject({ password: z.string().min(1).max(1024) });
const userId = z.string().regex(/^u[0-9a-f]{20}$/);
const noQuery = z.strictObject({});

/** Builds the user routes (mounted behind tenant authentication). */
export function userRoutes(deps: { accounts: Accounts; control: ControlModels }): Router {
  const { accounts } = deps;
  const router = Router();
  router.use('/api/v1/users', requireSession, requireFeature('users.manage'));
  const actor = (req: Parameters<typeof clientIp>[0], res: Parameters<typeof tenantOf>[0]) => {
    const { principal } = tenantOf(res);
    return { tenantId: principal.tenantId, userId: principal.id, ip: clientIp(req) };
  };
  const idParam = (value: unknown) => {
    const parsed = userId.safeParse(value);
    return parsed.success ? parsed.data : 'u-none';
  };

  router.post('/api/v1/users', async (req, res) => {
    const body = createUser.parse(req.body);
    assertWithin(body.permissions, tenantOf(res).principal.permissions);
    const user = await accounts.createUser(actor(req, res), body);
    res.status(201).json(presentUser(user));
  });

  router.get('/api/v1/users', async (req, res) => {
    noQuery.parse(req.query);
    const users = await deps.control.User.find({ tenantId: tenantOf(res).principal.tenantId })
      .sort({ createdAt: 1 })
      .lean<UserDocument[]>();
    // Staff addresses in bulk: logged like any other bulk read of personal data.
    await recordAccess(res, {
      event: 'personal_data.read',
      details: { source: 'users', count: users.length },
    });
    res.json({ users: users.map(presentUser) });
  });

  router.get('/api/v1/users/:id', async (req, res) => {
    res.json(
      presentUser(await accounts.get(tenantOf(res).principal.tenantId, idParam(req.params.id))),
    );
  });

  router.patch('/api/v1/users/:id', async (req, res) => {
    const body = updateUser.parse(req.body);
    if (body.permissions) assertWithin(body.permissions, tenantOf(res).principal.permissions);
    const user = await accounts.updateUser(actor(req, res), idParam(req.params.id), body);
    res.json(presentUser(user));
  });

  router.post('/api/v1/users/:id/password-reset', async (req, res) => {
    const body = resetPassword.parse(req.body);
    await accounts.resetPassword(actor(req, res), idParam(req.params.id), body.password);
    res.status(204).end();
  });

  router.post('/api/v1/users/:id/totp-reset', async (req, res) => {
    await accounts.resetTotp(actor(req, res), idParam(req.params.id));
    res.status(204).end();
  });

  return router;
}
