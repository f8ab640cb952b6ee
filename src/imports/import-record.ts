/** Creates the record of a new import, which its progress and rejected rows are written to. */
import { randomBytes } from 'node:crypto';
import type { ImportDocument } from '../db/models/import';
import type { TenantScope } from '../db/tenant-access';

/** Creates an import record in `uploading` state; returns its id. */
export async function createImportRecord(
  tenant: TenantScope,
  input: Pick<ImportDocument, 'listId' | 'format' | 'consent'> & {
    workflowIdFor: (importId: string) => string;
  },
): Promise<string> {
  const importId = `i${randomBytes(8).toString('hex')}`;
  await tenant.models.Import.create({
    _id: importId,
    listId: input.listId,
    format: input.format,
    consent: input.consent,
    status: 'uploading',
    bytes: 0,
    chunks: 0,
    total: 0,
    imported: 0,
    rejectedCount: 0,
    rejected: [],
    workflowId: input.workflowIdFor(importId),
    createdAt: new Date(),
  });
  return importId;
}
