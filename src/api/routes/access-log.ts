/**
 * `GET /api/v1/access-log` (accesslog.view): the tenant's access log, newest first,
 * filtered by user (as actor or subject), event and date range; `format=csv` exports it.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { accessEvents, type AccessLogDocument } from '../../db/models/access-log';
import type { ControlModels } from '../../db/tenant-access';
import { invalid } from '../../errors';
import { tenantOf } from '../middleware/tenant-auth';
import { accessEntrySchema, presentAccessEntry } from '../presenters/access-entry';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';

const date = z.iso.datetime({ offset: true }).or(z.iso.date());
const query = z.strictObject({
  user: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  event: z.enum(accessEvents).optional(),
  from: date.optional(),
  to: date.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
});

/** Builds the access log route. */
export function accessLogRoutes(deps: { control: ControlModels }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/access-log',
      readsPersonalData: true,
      tag: 'access log',
      summary: 'Read or export the access log',
      description:
        'Newest first, filtered by user (as actor or subject), event and date range; `format=csv` exports the same entries. Reading it reads IP addresses in bulk, so the read is itself logged.',
      auth: 'tenant',
      feature: 'accesslog.view',
      request: { query },
      responses: {
        200: {
          description: 'the entries (JSON, or CSV with `format=csv`)',
          schema: z.strictObject({ entries: z.array(accessEntrySchema) }),
          contentType: 'text/csv',
        },
      },
      async handler({ query: q }, _req, res) {
        const filter: Record<string, unknown> = { tenantId: tenantOf(res).principal.tenantId };
        if (q.event) filter.event = q.event;
        if (q.user) filter.$or = [{ 'actor.id': q.user }, { subjectId: q.user }];
        if (q.from || q.to) {
          const at: Record<string, Date> = {};
          if (q.from) at.$gte = new Date(q.from);
          if (q.to) at.$lte = new Date(q.to);
          if (at.$gte && at.$lte && at.$gte > at.$lte) throw invalid('from: must not be after to');
          filter.at = at;
        }
        const entries = (
          await deps.control.AccessLog.find(filter)
            .sort({ at: -1 })
            .limit(q.limit)
            .lean<AccessLogDocument[]>()
        ).map(presentAccessEntry);
        await recordAccess(res, {
          event: 'personal_data.read',
          details: { source: 'access_log', count: entries.length },
        });
        if (q.format === 'json') {
          res.json({ entries });
          return;
        }
        const rows = entries.map((e) => ({
          ...e,
          actor: e.actor ? `${e.actor.kind}:${e.actor.id}` : '',
          details: e.details ? JSON.stringify(e.details) : '',
        }));
        res
          .type('text/csv')
          .attachment('access-log.csv')
          .send(
            stringify(rows, {
              header: true,
              columns: ['id', 'at', 'event', 'actor', 'subjectId', 'ip', 'details'],
              // Cells starting with = + - @ would run as formulas in a spreadsheet.
              cast: { string: (v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v) },
            }),
          );
      },
    }),
  ];
}
