/**
 * Contact imports. `POST /api/v1/lists/:listId/imports` streams a CSV (header row) or NDJSON
 * body into encrypted storage and starts the import workflow; `GET /api/v1/imports/:id`
 * reports its progress live. Mounted before the JSON body parser: the body is the file.
 */
import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { DataLayer } from '../../db/open';
import { createImportRecord } from '../../imports/import-record';
import { storeUpload, UploadError } from '../../imports/store-upload';
import { ListIdKey, TenantIdKey, WorkflowKindKey } from '../../temporal/search-attributes';
import { workflowId, workflowKinds } from '../../../workflows/definitions';
import type { contactImportWorkflow } from '../../../workflows';
import { HttpError, notFound } from '../errors';
import { requireTenantAuth, requireFeature, tenantOf } from '../middleware/tenant-auth';

/** Largest accepted upload. */
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

const importQuery = z.strictObject({
  consent: z.enum(['existing', 'double-opt-in']).default('existing'),
});

function formatOf(req: Request): 'csv' | 'ndjson' {
  if (req.is('text/csv')) return 'csv';
  if (req.is('application/x-ndjson')) return 'ndjson';
  throw new HttpError(
    415,
    'unsupported_media_type',
    'send the file as text/csv (with a header row) or application/x-ndjson',
  );
}

/** Builds the import routes; each authenticates itself (they sit before the JSON parser). */
export function importRoutes(deps: {
  data: DataLayer;
  temporal: Client;
  taskQueue: string;
}): Router {
  const router = Router();
  const auth = requireTenantAuth(deps.data.tenants);

  router.post(
    '/api/v1/lists/:listId/imports',
    auth,
    requireFeature('contacts.import'),
    async (req, res) => {
      const { consent } = importQuery.parse(req.query);
      const format = formatOf(req);
      const { tenant } = tenantOf(res);
      const listId = req.params.listId;
      if (typeof listId !== 'string' || !(await tenant.models.List.exists({ _id: listId })))
        throw notFound('list');

      const idFor = (importId: string) =>
        workflowId(workflowKinds.contactImport, tenant.tenantId, importId);
      const importId = await createImportRecord(tenant, {
        listId,
        format,
        consent,
        workflowIdFor: idFor,
      });
      const id = idFor(importId);
      const { Import } = tenant.models;
      let stored: { bytes: number; chunks: number };
      try {
        stored = await storeUpload(tenant, importId, req, MAX_UPLOAD_BYTES);
      } catch (err) {
        await Import.updateOne(
          { _id: importId },
          { $set: { status: 'failed', failure: 'upload refused' } },
        );
        if (err instanceof UploadError)
          throw new HttpError(err.id === 'body_too_large' ? 413 : 400, err.id, err.message);
        throw err;
      }
      await Import.updateOne({ _id: importId }, { $set: { status: 'running', ...stored } });
      await deps.temporal.workflow.start<typeof contactImportWorkflow>('contactImportWorkflow', {
        workflowId: id,
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, importId }],
        typedSearchAttributes: [
          { key: TenantIdKey, value: tenant.tenantId },
          { key: WorkflowKindKey, value: workflowKinds.contactImport },
          { key: ListIdKey, value: listId },
        ],
      });
      res.status(202).json({ id: importId, workflowId: id, status: 'running' });
    },
  );

  router.get('/api/v1/imports/:id', auth, requireFeature('contacts.import'), async (req, res) => {
    const { tenant } = tenantOf(res);
    const job =
      typeof req.params.id === 'string'
        ? await tenant.models.Import.findById(req.params.id).lean()
        : null;
    if (!job) throw notFound('import');
    res.json({
      id: job._id,
      listId: job.listId,
      status: job.status === 'uploading' ? 'running' : job.status,
      total: job.total,
      imported: job.imported,
      rejectedCount: job.rejectedCount,
      rejected: job.rejected,
      createdAt: job.createdAt.toISOString(),
      completedAt: job.completedAt?.toISOString() ?? null,
    });
  });

  return router;
}
