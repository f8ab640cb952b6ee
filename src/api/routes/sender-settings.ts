/**
 * The sender's postal address (tenant admins, `users.manage`): the law wants it in the footer
 * of every marketing message, so a campaign is not sent without one. It is the sender's, not
 * a data subject's. Changes are written to the access log.
 */
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import type { ControlModels } from '../../db/tenant-access';
import { markLogged } from '../audit';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const addressBody = z.strictObject({
  postalAddress: z
    .string()
    .trim()
    .min(5, 'postalAddress: a street, a town and a country')
    .max(500)
    .refine((a) => a.split('\n').length <= 6, 'postalAddress: at most 6 lines'),
});
const addressSchema = z
  .strictObject({ postalAddress: z.string().nullable() })
  .meta({ id: 'PostalAddress' });
const common = { tag: 'settings', auth: 'tenant', feature: 'users.manage' } as const;

/** Builds the sender settings routes. */
export function senderSettingsRoutes(deps: { control: ControlModels; accessLog: AccessLog }) {
  const { Tenant } = deps.control;
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/settings/postal-address',
      summary: 'Read the sender’s postal address',
      description: 'Shown in the footer of every marketing message; null until set.',
      responses: { 200: { description: 'the address', schema: addressSchema } },
      async handler(_input, _req, res) {
        const doc = await Tenant.findById(tenantOf(res).tenant.tenantId, {
          postalAddress: 1,
        }).lean();
        res.json({ postalAddress: doc?.postalAddress ?? null });
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/settings/postal-address',
      summary: 'Set the sender’s postal address',
      description:
        'Up to 6 lines, shown in the footer of every marketing message; campaigns are refused (409 `postal_address_missing`) until it is set.',
      request: { body: addressBody },
      responses: { 200: { description: 'the address', schema: addressSchema } },
      async handler({ body }, req, res) {
        const { tenant, principal } = tenantOf(res);
        await Tenant.updateOne(
          { _id: tenant.tenantId },
          { $set: { postalAddress: body.postalAddress } },
        );
        await deps.accessLog.record({
          tenantId: tenant.tenantId,
          event: 'settings.changed',
          actor: { kind: principal.kind, id: principal.id },
          ip: clientIp(req),
          details: { setting: 'postal-address' },
        });
        markLogged(res);
        res.json({ postalAddress: body.postalAddress });
      },
    }),
  ];
}
