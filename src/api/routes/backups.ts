/**
 * Platform routes for a tenant's backups (src/backups/): take one now, list them, restore one
 * into a new database, and follow a restore. Backups are also taken on the tenant's own
 * Schedule; these routes are for the platform's operators. Nothing here reads personal data:
 * a listing is the files' headers (ids, times, sizes, per-collection counts).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { backupIdOf, listBackups } from '../../backups/backup';
import { restoreIdPattern } from '../../backups/restore';
import { backupIdPattern, type BackupStore } from '../../backups/store';
import { readableStatuses } from '../../db/models/tenant';
import { tenantIdPattern } from '../../db/names';
import type { DataLayer } from '../../db/open';
import { conflict, notFound } from '../../errors';
import { workflowIdOf, type WorkflowGateway } from '../../temporal/workflows';
import { restoreProgressQuery } from '../../../workflows/definitions';
import { defineRoute } from '../route';

const backupSchema = z
  .strictObject({
    id: z.string(),
    createdAt: z.string(),
    size: z.number().int().meta({ description: 'bytes of the encrypted file' }),
    documents: z.number().int(),
    collections: z.record(z.string(), z.number().int()),
  })
  .meta({ id: 'Backup' });

const restoreRequest = z.strictObject({
  backupId: z.string().regex(backupIdPattern, 'not a backup id'),
});

const restoreSchema = z
  .strictObject({
    id: z.string(),
    backupId: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    step: z.enum(['loading', 'replaying', 'switching', 'following', 'dropping', 'done']),
    workflowId: z.string(),
    result: z
      .strictObject({
        database: z.string(),
        documents: z.number().int(),
        erasuresReplayed: z.number().int(),
        switched: z.boolean(),
        dropped: z.array(z.string()),
      })
      .optional(),
    error: z.strictObject({ id: z.string() }).optional().meta({
      description:
        'why it failed: `backup_unreadable`, `backup_of_another_tenant`, `backup_key_gone`, `not_found`, or a Temporal failure type',
    }),
  })
  .meta({ id: 'Restore' });

/** The backup routes (platform token). */
export function backupRoutes(deps: {
  data: DataLayer;
  workflows: WorkflowGateway;
  backupStore: BackupStore;
}) {
  const { Tenant } = deps.data.tenants.control;
  /** A tenant with data (active, ending or frozen); 404 otherwise. */
  const tenantWithData = async (id: string) => {
    const tenant = tenantIdPattern.test(id)
      ? await Tenant.findById(id, { status: 1 }).lean()
      : null;
    if (!tenant || !readableStatuses.includes(tenant.status)) throw notFound('tenant');
    return tenant._id;
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/backups',
      tag: 'platform',
      summary: 'Back a tenant up now',
      description:
        'Starts a backup of the tenant database beside its scheduled ones (every `CONSENTFLOW_BACKUP_EVERY_HOURS`). The documents stay encrypted under the tenant’s data key, and the file is encrypted and authenticated under a key wrapped by that data key. It is listed once written.',
      auth: 'platform',
      responses: {
        202: {
          description: 'started',
          schema: z.strictObject({ id: z.string(), workflowId: z.string() }),
        },
      },
      async handler({ params }, _req, res) {
        const tenantId = await tenantWithData(params.id);
        const backupId = backupIdOf(new Date(), randomBytes(4).toString('hex'));
        const { workflowId } = await deps.workflows.start('tenantBackup', { tenantId, backupId });
        res.status(202).json({ id: backupId, workflowId });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id/backups',
      tag: 'platform',
      summary: 'The tenant’s backups, newest first',
      auth: 'platform',
      responses: {
        200: {
          description: 'the backups',
          schema: z.strictObject({ backups: z.array(backupSchema) }),
        },
      },
      async handler({ params }, _req, res) {
        const tenantId = await tenantWithData(params.id);
        res.json({ backups: await listBackups(deps, tenantId) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/restore',
      tag: 'platform',
      summary: 'Restore a backup into a new database',
      description:
        'Checks the backup whole (this tenant’s, complete and unaltered), loads it into a new database, erases there again every subject erased since the backup began (the erasure ledger), and then switches the tenant to it; the database it replaced is dropped a minute later. What changed since the backup, erasures aside, is not carried over. One restore per tenant at a time (409 `restore_running`). Follow it with `GET /api/v1/tenants/:id/restore/:restoreId`.',
      auth: 'platform',
      request: { body: restoreRequest },
      responses: {
        202: {
          description: 'started',
          schema: z.strictObject({ id: z.string(), workflowId: z.string() }),
        },
      },
      async handler({ params, body }, _req, res) {
        const tenantId = await tenantWithData(params.id);
        // Unknown ids are refused here; a damaged file fails the restore before anything changes.
        const known = (await deps.backupStore.list(tenantId)).some((b) => b.id === body.backupId);
        if (!known) throw notFound('backup');
        const restoreId = randomBytes(4).toString('hex');
        const started = await deps.workflows.startOnce('tenantRestore', {
          tenantId,
          backupId: body.backupId,
          restoreId,
        });
        if (!started) throw conflict('restore_running', 'a restore of this tenant is running');
        res
          .status(202)
          .json({ id: restoreId, workflowId: workflowIdOf('tenantRestore', tenantId, tenantId) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id/restore/:restoreId',
      tag: 'platform',
      summary: 'How a restore went',
      auth: 'platform',
      responses: { 200: { description: 'the restore', schema: restoreSchema } },
      async handler({ params }, _req, res) {
        const tenantId = await tenantWithData(params.id);
        if (!restoreIdPattern.test(params.restoreId)) throw notFound('restore');
        // One restore per tenant runs at a time under one workflow id; its query says which.
        const outcome = await deps.workflows.outcome('tenantRestore', tenantId, tenantId);
        if (!outcome) throw notFound('restore');
        const progress = await deps.workflows
          .query('tenantRestore', tenantId, tenantId, restoreProgressQuery)
          .catch(() => undefined); // a run that failed before its handler was set
        if (progress?.restoreId !== params.restoreId) throw notFound('restore');
        const workflowId = workflowIdOf('tenantRestore', tenantId, tenantId);
        res.json({
          id: progress.restoreId,
          backupId: progress.backupId,
          status: outcome.status,
          step: progress.step,
          workflowId,
          ...(outcome.status === 'completed' ? { result: outcome.result } : {}),
          ...(outcome.status === 'failed'
            ? { error: { id: String(outcome.failure.details[0] ?? outcome.failure.type) } }
            : {}),
        });
      },
    }),
  ];
}
