/**
 * Console users of the caller's tenant, managed by admins (session + users.manage): create
 * with an initial password, list, read, change permissions or disable, reset the password,
 * remove the second factor.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../auth/accounts';
import { assertWithin } from '../../auth/grant';
import type { UserDocument } from '../../db/models/user';
import type { ControlModels } from '../../db/tenant-access';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { presentUser, userSchema } from '../presenters/user';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';
import { createUser, updateUser } from '../schemas/users';

const resetPassword = z.strictObject({ password: z.string().min(1).max(1024) });
// A malformed id is a user that does not exist: 404, as for any unknown id.
const userId = (id: string) => (/^u[0-9a-f]{20}$/.test(id) ? id : 'u-none');

const common = { tag: 'users', auth: 'session', feature: 'users.manage' } as const;

/** Builds the user routes. */
export function userRoutes(deps: { accounts: Accounts; control: ControlModels }) {
  const { accounts } = deps;
  const actor = (req: Request, res: Response) => {
    const { principal } = tenantOf(res);
    return { tenantId: principal.tenantId, userId: principal.id, ip: clientIp(req) };
  };

  return [
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user',
      description:
        'The user must change the initial password at first login. The permissions granted cannot exceed the caller’s own.',
      request: { body: createUser },
      responses: { 201: { description: 'the user', schema: userSchema } },
      async handler({ body }, req, res) {
        assertWithin(body.permissions, tenantOf(res).principal.permissions);
        const user = await accounts.createUser(actor(req, res), body);
        res.status(201).json(presentUser(user));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/users',
      readsPersonalData: true,
      summary: 'List the users',
      description: 'A bulk read of staff addresses: it is written to the access log.',
      responses: {
        200: {
          description: 'every user of the tenant, oldest first',
          schema: z.strictObject({ users: z.array(userSchema) }),
        },
      },
      async handler(_input, _req, res) {
        const users = await deps.control.User.find({ tenantId: tenantOf(res).principal.tenantId })
          .sort({ createdAt: 1 })
          .lean<UserDocument[]>();
        // Staff addresses in bulk: logged like any other bulk read of personal data.
        await recordAccess(res, {
          event: 'personal_data.read',
          details: { source: 'users', count: users.length },
        });
        res.json({ users: users.map(presentUser) });
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/users/:id',
      readsPersonalData: true,
      summary: 'Read a user',
      responses: { 200: { description: 'the user', schema: userSchema } },
      async handler({ params }, _req, res) {
        res.json(
          presentUser(await accounts.get(tenantOf(res).principal.tenantId, userId(params.id))),
        );
      },
    }),

    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/v1/users/:id',
      summary: 'Change a user’s permissions or password expiry, or disable or enable the user',
      description:
        'Narrowing a user’s permissions narrows the API keys they created; disabling a user ends their sessions and revokes their keys. `passwordMaxAgeDays` sets this user’s password expiry over the tenant policy’s (0: never; null: the policy’s), applied at the next login.',
      request: { body: updateUser },
      responses: { 200: { description: 'the user', schema: userSchema } },
      async handler({ params, body }, req, res) {
        if (body.permissions) assertWithin(body.permissions, tenantOf(res).principal.permissions);
        const user = await accounts.updateUser(actor(req, res), userId(params.id), body);
        res.json(presentUser(user));
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/users/:id/password-reset',
      summary: 'Reset a user’s password',
      description: 'The user must change it at the next login; their sessions end.',
      request: { body: resetPassword },
      responses: { 204: { description: 'reset' } },
      async handler({ params, body }, req, res) {
        await accounts.resetPassword(actor(req, res), userId(params.id), body.password);
        res.status(204).end();
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/users/:id/totp-reset',
      summary: 'Remove a user’s second factor',
      responses: { 204: { description: 'removed' } },
      async handler({ params }, req, res) {
        await accounts.resetTotp(actor(req, res), userId(params.id));
        res.status(204).end();
      },
    }),
  ];
}
