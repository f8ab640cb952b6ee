/**
 * A tenant's account security settings (session + users.manage): the password policy and
 * which users must use a second factor. Changes are written to the access log.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import { characterClasses, effectivePolicy, type CharacterClass } from '../../auth/password-policy';
import { twoFactorRules } from '../../db/models/tenant';
import type { ControlModels } from '../../db/tenant-access';
import { clientIp } from '../middleware/authenticate';
import { requireFeature, requireSession, tenantOf } from '../middleware/tenant-auth';

const policyBody = z.strictObject({
  minLength: z.number().int().min(8).max(64),
  requiredClasses: z.array(z.enum(Object.keys(characterClasses) as [CharacterClass])).max(4),
  rejectCommon: z.boolean(),
  historyCount: z.number().int().min(0).max(24),
  maxAgeDays: z.number().int().min(0).max(3650),
});
const twoFactorBody = z.strictObject({ required: z.enum(twoFactorRules) });

/** Builds the settings routes (mounted behind tenant authentication). */
export function securitySettingsRoutes(deps: {
  control: ControlModels;
  accessLog: AccessLog;
}): Router {
  const { Tenant } = deps.control;
  const router = Router();
  router.use('/api/v1/settings', requireSession, requireFeature('users.manage'));
  const security = async (tenantId: string) =>
    (await Tenant.findById(tenantId, { security: 1 }).lean())?.security;
  const logChange = (
    req: Parameters<typeof clientIp>[0],
    tenantId: string,
    userId: string,
    setting: string,
  ) =>
    deps.accessLog.record({
      tenantId,
      event: 'settings.changed',
      actor: { kind: 'user', id: userId },
      ip: clientIp(req),
      details: { setting },
    });

  router.get('/api/v1/settings/password-policy', async (_req, res) => {
    res.json(effectivePolicy((await security(tenantOf(res).principal.tenantId))?.passwordPolicy));
  });

  router.put('/api/v1/settings/password-policy', async (req, res) => {
    const body = policyBody.parse(req.body);
    const { principal } = tenantOf(res);
    await Tenant.updateOne(
      { _id: principal.tenantId },
      { $set: { 'security.passwordPolicy': body } },
    );
    await logChange(req, principal.tenantId, principal.id, 'password-policy');
    res.json(body);
  });

  router.get('/api/v1/settings/two-factor', async (_req, res) => {
    res.json({
      required: (await security(tenantOf(res).principal.tenantId))?.twoFactor ?? 'optional',
    });
  });

  router.put('/api/v1/settings/two-factor', async (req, res) => {
    const body = twoFactorBody.parse(req.body);
    const { principal } = tenantOf(res);
    await Tenant.updateOne(
      { _id: principal.tenantId },
      { $set: { 'security.twoFactor': body.required } },
    );
    await logChange(req, principal.tenantId, principal.id, 'two-factor');
    res.json(body);
  });

  return router;
}
