/**
 * A tenant's account security settings (session + users.manage): the password policy and
 * which users must use a second factor. Changes are written to the access log.
 */
import type { Request } from 'express';
import type { AccessLog } from '../../auth/access-log';
import { effectivePolicy } from '../../auth/password-policy';
import type { ControlModels } from '../../db/tenant-access';
import { markLogged } from '../audit';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';
import { policyBody, twoFactorBody } from '../schemas/security-settings';

const policySchema = policyBody.meta({ id: 'PasswordPolicy' });
const twoFactorSchema = twoFactorBody.meta({ id: 'TwoFactorRule' });
const common = { tag: 'settings', auth: 'session', feature: 'users.manage' } as const;

/** Builds the settings routes. */
export function securitySettingsRoutes(deps: { control: ControlModels; accessLog: AccessLog }) {
  const { Tenant } = deps.control;
  const security = async (tenantId: string) =>
    (await Tenant.findById(tenantId, { security: 1 }).lean())?.security;
  const logChange = (req: Request, tenantId: string, userId: string, setting: string) =>
    deps.accessLog.record({
      tenantId,
      event: 'settings.changed',
      actor: { kind: 'user', id: userId },
      ip: clientIp(req),
      details: { setting },
    });

  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/settings/password-policy',
      summary: 'Read the password policy',
      description: 'Settings never set take their defaults.',
      responses: { 200: { description: 'the policy in force', schema: policySchema } },
      async handler(_input, _req, res) {
        res.json(
          effectivePolicy((await security(tenantOf(res).principal.tenantId))?.passwordPolicy),
        );
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/settings/password-policy',
      summary: 'Set the password policy',
      description:
        'Applies to passwords set from now on; `maxAgeDays` (0: none) applies at the next login.',
      request: { body: policyBody },
      responses: { 200: { description: 'the policy', schema: policySchema } },
      async handler({ body }, req, res) {
        const { principal } = tenantOf(res);
        await Tenant.updateOne(
          { _id: principal.tenantId },
          { $set: { 'security.passwordPolicy': body } },
        );
        await logChange(req, principal.tenantId, principal.id, 'password-policy');
        markLogged(res);
        res.json(body);
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/settings/two-factor',
      summary: 'Read who must use a second factor',
      responses: { 200: { description: 'the rule', schema: twoFactorSchema } },
      async handler(_input, _req, res) {
        res.json({
          required: (await security(tenantOf(res).principal.tenantId))?.twoFactor ?? 'optional',
        });
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/settings/two-factor',
      summary: 'Set who must use a second factor',
      description:
        '`admins`: users holding users.manage; `all`: every user. Affected users without a second factor must enrol at their next login.',
      request: { body: twoFactorBody },
      responses: { 200: { description: 'the rule', schema: twoFactorSchema } },
      async handler({ body }, req, res) {
        const { principal } = tenantOf(res);
        await Tenant.updateOne(
          { _id: principal.tenantId },
          { $set: { 'security.twoFactor': body.required } },
        );
        await logChange(req, principal.tenantId, principal.id, 'two-factor');
        markLogged(res);
        res.json(body);
      },
    }),
  ];
}
