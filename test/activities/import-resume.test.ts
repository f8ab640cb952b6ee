/**
 * The import activity resumes from its last heartbeat: rows of batches reported done are
 * not written again, the rest are, and the counts still cover the whole file. Runs the real
 * activity against the real database in Temporal's mock activity context.
 */
import { Readable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createImportActivities, IMPORT_BATCH } from '../../activities/imports';
import { contactIdFor } from '../../src/db/models/contact';
import { createImportRecord } from '../../src/imports/import-record';
import { storeUpload } from '../../src/imports/store-upload';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('importContacts activity', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  it('skips the batches its heartbeat reports as written and imports the rest', async () => {
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken);
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ name: 'Resume' });
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const s = uniqueSuffix();
    const email = (i: number) => `row${i}.${s}@example.test`;
    const B = IMPORT_BATCH;
    const rows = 2 * B + 200;
    const csv = ['email', ...Array.from({ length: rows }, (_, i) => email(i))].join('\n');
    const importId = await createImportRecord(tenant, {
      listId: list.body.id,
      format: 'csv',
      consent: 'existing',
      workflowIdFor: (id) => `contact-import:${tenantId}:${id}`,
    });
    await storeUpload(tenant, importId, Readable.from([Buffer.from(csv)]), 10_000_000);

    // A previous attempt heartbeated after its first batch, then died.
    const env = new MockActivityEnvironment({ heartbeatDetails: { rowsDone: B } });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const { importContacts } = createImportActivities(stack.activityDeps);
    const outcome = await env.run(importContacts, { tenantId, importId });

    expect(outcome).toEqual({ total: rows, imported: rows, rejected: 0 });
    expect(beats).toEqual([{ rowsDone: B }, { rowsDone: 2 * B }, { rowsDone: rows }]);
    const exists = async (i: number) =>
      (await tenant.models.Contact.exists({
        _id: contactIdFor(await tenant.searchable(email(i))),
      })) !== null;
    expect(await exists(0)).toBe(false); // in the batch reported done: not written again
    expect(await exists(B - 1)).toBe(false);
    expect(await exists(B)).toBe(true); // from the first batch not reported done
    expect(await exists(rows - 1)).toBe(true);
    const job = await tenant.models.Import.findById(importId).lean();
    expect(job).toMatchObject({ total: rows, imported: rows, rejectedCount: 0 });
  });
});
