/**
 * The tenant's own deny list for links (tenant admins, `users.manage`): domains (with their
 * subdomains) and exact URLs that no link of its campaigns or automations may lead to, checked
 * with the operator's blocklist before every send and publish. Changes go to the access log.
 */
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import { blocklistOf } from '../../campaigns/blocklist';
import { MAX_DENY_ENTRIES, type DenyLists } from '../../campaigns/deny-list';
import { invalid } from '../../errors';
import { markLogged } from '../audit';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

const listSchema = z
  .strictObject({
    entries: z.array(z.string()).meta({ description: 'domains and http(s) URLs, as stored' }),
  })
  .meta({ id: 'LinkDenylist' });
const body = z.strictObject({
  entries: z.array(z.string().trim().min(1).max(2000)).max(MAX_DENY_ENTRIES),
});
const common = { tag: 'settings', auth: 'tenant', feature: 'users.manage' } as const;

/** Builds the deny list routes. */
export function linkDenylistRoutes(deps: { denyLists: DenyLists; accessLog: AccessLog }) {
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/settings/link-denylist',
      summary: 'Read the tenant’s link deny list',
      responses: { 200: { description: 'the entries', schema: listSchema } },
      async handler(_input, _req, res) {
        res.json({ entries: await deps.denyLists.entries(tenantOf(res).tenant.tenantId) });
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/settings/link-denylist',
      summary: 'Replace the tenant’s link deny list',
      description:
        'Each entry is a domain, which blocks it and its subdomains, or an http(s) URL, which blocks that address exactly. A campaign send or an automation publish with a link (or a redirect hop) on the list is refused with 422 `links_blocked`. 400 naming each entry that is neither; nothing is changed then.',
      request: { body },
      responses: { 200: { description: 'the entries', schema: listSchema } },
      async handler({ body: { entries } }, req, res) {
        const { problems } = blocklistOf(entries);
        if (problems.length > 0) throw invalid(`entries: ${problems.join('; ')}`);
        const { tenant, principal } = tenantOf(res);
        const unique = [...new Set(entries)];
        await deps.denyLists.replace(tenant.tenantId, unique);
        await deps.accessLog.record({
          tenantId: tenant.tenantId,
          event: 'settings.changed',
          actor: { kind: principal.kind, id: principal.id },
          ip: clientIp(req),
          details: { setting: 'link-denylist' },
        });
        markLogged(res);
        res.json({ entries: unique });
      },
    }),
  ];
}
