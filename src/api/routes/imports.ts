/**
 * Contact imports. `POST /api/v1/lists/:listId/imports` streams a CSV (header row) or NDJSON
 * body into encrypted storage and starts the import workflow; `GET /api/v1/imports/:id`
 * reports its progress live. Mounted before the JSON body parser: the body is the file.
 * A list or an import of a list the caller may not see is 404, as if it did not exist.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { createImportRecord } from '../../imports/import-record';
import { storeUpload } from '../../imports/store-upload';
import { workflowIdOf, type WorkflowGateway } from '../../temporal/workflows';
import { AppError, notFound } from '../../errors';
import { canSeeList } from '../../auth/principal';
import { assertVisibleList, tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';

/** Largest accepted upload. */
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

const importQuery = z.strictObject({
  consent: z.enum(['existing', 'double-opt-in']).default('existing').meta({
    description:
      '`existing`: the consent columns are the proof of consent already given; `double-opt-in`: each valid row is subscribed with double opt-in instead (consent columns ignored)',
  }),
});

function formatOf(req: Request): 'csv' | 'ndjson' {
  if (req.is('text/csv')) return 'csv';
  if (req.is('application/x-ndjson')) return 'ndjson';
  throw new AppError(
    'unsupported',
    'unsupported_media_type',
    'send the file as text/csv (with a header row) or application/x-ndjson',
  );
}

const started = z.strictObject({
  id: z.string(),
  workflowId: z.string(),
  status: z.literal('running'),
});

const importStatus = z
  .strictObject({
    id: z.string(),
    listId: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    total: z.number(),
    imported: z.number(),
    rejectedCount: z.number(),
    rejected: z
      .array(z.strictObject({ line: z.number(), reason: z.string() }))
      .meta({ description: 'the first 1000; reasons name the field, never quote its value' }),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'Import' });

/** The import routes (mounted before the JSON parser: they read their body themselves). */
export const importRoutes = (deps: { workflows: WorkflowGateway }) => [
  defineRoute({
    method: 'post',
    path: '/api/v1/lists/:listId/imports',
    tag: 'imports',
    summary: 'Import contacts into a list',
    auth: 'tenant',
    feature: 'contacts.import',
    request: {
      query: importQuery,
      raw: {
        contentTypes: ['text/csv', 'application/x-ndjson'],
        description:
          'UTF-8, at most 200 MB; CSV with a header row, or one JSON object per line. Columns/keys: email (required), phone, firstName, lastName, consentedAt, consentIp, consentSource; any other is a custom field.',
      },
    },
    responses: { 202: { description: 'the import runs', schema: started } },
    async handler({ params, query }, req, res) {
      const { consent } = query;
      const format = formatOf(req);
      const { tenant } = tenantOf(res);
      const { listId } = params;
      await assertVisibleList(res, listId);

      const idFor = (importId: string) => workflowIdOf('contactImport', tenant.tenantId, importId);
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
        throw err; // an UploadError says why (413 or 400)
      }
      await Import.updateOne({ _id: importId }, { $set: { status: 'running', ...stored } });
      await deps.workflows.start(
        'contactImport',
        { tenantId: tenant.tenantId, importId },
        { listId },
      );
      res.status(202).json({ id: importId, workflowId: id, status: 'running' });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/imports/:id',
    tag: 'imports',
    summary: 'An import’s progress and rejected rows',
    auth: 'tenant',
    feature: 'contacts.import',
    responses: { 200: { description: 'live while it runs', schema: importStatus } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const job = await tenant.models.Import.findById(params.id).lean();
      if (!job || !canSeeList(principal.permissions, job.listId)) throw notFound('import');
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
    },
  }),
];
