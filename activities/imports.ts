/**
 * Contact import: reads the encrypted upload, validates each row, and writes contacts (with
 * encrypted fields) and consent proof in batches. It heartbeats the number of rows written,
 * so a retry after a crash resumes where the last batch ended; every write is an upsert
 * keyed by the row's identity, so replaying a batch changes nothing.
 */
import { Readable } from 'node:stream';
import { Context } from '@temporalio/activity';
import type { AnyBulkWriteOperation } from 'mongoose';
import type { Binary } from 'mongodb';
import type { ConsentRecordDocument } from '../src/db/models/consent-record';
import { bulkWriteBatched, insertBatched } from '../src/db/bulk-write';
import { contactIdFor, type ContactDocument } from '../src/db/models/contact';
import { MAX_REJECTED_KEPT, type ImportDocument } from '../src/db/models/import';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import { validateContactRow, type ContactRow } from '../src/imports/contact-row';
import { parseRecords } from '../src/imports/parse-rows';
import type { Client } from '@temporalio/client';
import { startDoubleOptIn, subscribe } from '../src/consent/subscribe';
import type { ImportRef } from '../workflows/definitions';

/** Rows per progress commit (written in bulk commands of WRITE_BATCH statements). */
const BATCH = 500;
/** Rows encrypted concurrently. */
const ENCRYPT_SLICE = 50;

/** What the import activities need. */
export interface ImportActivityDeps {
  tenants: TenantAccess;
  /** Starts a double opt-in per row for imports with `consent=double-opt-in`. */
  temporal: Client;
  taskQueue: string;
}

/** Double opt-in starts in flight at once during an import. */
const SUBSCRIBE_SLICE = 10;

/** Counts an import reports. */
export interface ImportOutcome {
  total: number;
  imported: number;
  rejected: number;
}

/** Creates the import activities. */
export function createImportActivities({ tenants, temporal, taskQueue }: ImportActivityDeps) {
  return {
    /** Imports every row of the upload; resumable from its last heartbeat. */
    async importContacts({ tenantId, importId }: ImportRef): Promise<ImportOutcome> {
      const tenant = await tenants.forTenant(tenantId);
      const job = await tenant.models.Import.findById(importId).lean();
      if (!job) throw new Error('import record missing');
      const ctx = Context.current();
      // With double opt-in, rows are not imported as members: each gets a confirmation
      // request (subscribe is idempotent, so a replayed batch starts nothing twice).
      const doiList =
        job.consent === 'double-opt-in'
          ? await tenant.models.List.findById(job.listId, { name: 1, doubleOptIn: 1 }).lean()
          : undefined;
      if (job.consent === 'double-opt-in' && !doiList) throw new Error('list missing');
      const subscribeRows = async (rows: { row: ContactRow }[]) => {
        for (let i = 0; i < rows.length; i += SUBSCRIBE_SLICE)
          await Promise.all(
            rows.slice(i, i + SUBSCRIBE_SLICE).map(async ({ row }) => {
              const { start } = await subscribe(
                { tenant },
                { list: doiList!, row, source: { kind: 'import', id: importId } },
              );
              if (start) await startDoubleOptIn({ temporal, taskQueue }, start);
            }),
          );
      };
      const resumeAfter =
        (ctx.info.heartbeatDetails as { rowsDone?: number } | undefined)?.rowsDone ?? 0;

      const progress = { total: 0, rejected: [] as ImportDocument['rejected'], rejectedCount: 0 };
      let imported = 0;
      let batch: { line: number; row: ContactRow }[] = [];
      // Pipelined: batch N is written while batch N+1 is encrypted, so the database and the
      // encryption work side by side; at most one write is in flight, in file order.
      let writing: Promise<void> = Promise.resolve();
      const commit = async () => {
        const rows = batch;
        batch = [];
        const at = { ...progress, rejected: [...progress.rejected] };
        const due = rows.length > 0 && at.total > resumeAfter;
        const encrypted = due && !doiList ? await encryptBatch(tenant, job, rows) : [];
        await writing;
        writing = (async () => {
          if (due && doiList) await subscribeRows(rows);
          if (encrypted.length > 0) await writeEncrypted(tenant, job, encrypted);
          imported += rows.length;
          await tenant.models.Import.updateOne({ _id: importId }, { $set: { ...at, imported } });
          ctx.heartbeat({ rowsDone: at.total }); // only rows that are written count as done
        })();
        writing.catch(() => undefined); // awaited (and rethrown) at the next commit or the end
      };

      for await (const parsed of parseRecords(readUpload(tenant, importId), job.format)) {
        progress.total += 1;
        const result =
          'error' in parsed
            ? { ok: false as const, reason: parsed.error }
            : validateContactRow(parsed.record);
        if (result.ok) batch.push({ line: parsed.line, row: result.row });
        else {
          progress.rejectedCount += 1;
          if (progress.rejected.length < MAX_REJECTED_KEPT)
            progress.rejected.push({ line: parsed.line, reason: result.reason });
        }
        if (batch.length >= BATCH) await commit();
      }
      await commit();
      await writing;
      return { total: progress.total, imported, rejected: progress.rejectedCount };
    },

    /** Marks the import finished and deletes the uploaded file (data minimisation). */
    async finishImport({
      tenantId,
      importId,
      failure,
    }: ImportRef & { failure?: string }): Promise<void> {
      const tenant = await tenants.forTenant(tenantId);
      await tenant.models.ImportChunk.deleteMany({ importId });
      await tenant.models.Import.updateOne(
        { _id: importId },
        {
          $set: {
            status: failure ? 'failed' : 'completed',
            completedAt: new Date(),
            ...(failure ? { failure } : {}),
          },
        },
      );
    },
  };
}

/** The upload as one stream, chunk by chunk (each decrypted by the shared client on read). */
function readUpload(tenant: TenantScope, importId: string): Readable {
  const cursor = tenant.models.ImportChunk.find({ importId }).sort({ n: 1 }).lean().cursor();
  return Readable.from(
    (async function* () {
      for await (const chunk of cursor) {
        const data = chunk.data as Binary | Buffer;
        yield Buffer.isBuffer(data) ? data : Buffer.from(data.buffer);
      }
    })(),
  );
}

/** One row, encrypted, ready to be written. */
interface EncryptedRow {
  id: string;
  email: Binary;
  fields: Record<string, Binary>;
  custom: Record<string, Binary>;
  membership: ContactDocument['lists'][string];
  consent?: ConsentRecordDocument;
}

/** Encrypts one batch of valid rows under the tenant's key. */
async function encryptBatch(
  tenant: TenantScope,
  job: ImportDocument,
  rows: { line: number; row: ContactRow }[],
): Promise<EncryptedRow[]> {
  const now = new Date();
  const encrypted: EncryptedRow[] = [];
  const encryptRow = async ({ line, row }: { line: number; row: ContactRow }) => {
    const email = await tenant.searchable(row.email);
    const id = contactIdFor(email);
    const fields: Record<string, Binary> = {};
    if (row.phone) fields.phone = await tenant.searchable(row.phone);
    if (row.firstName) fields.firstName = await tenant.private(row.firstName);
    if (row.lastName) fields.lastName = await tenant.private(row.lastName);
    const custom: Record<string, Binary> = {};
    for (const [name, value] of Object.entries(row.custom))
      custom[name] = await tenant.private(value);
    const membership = {
      status: 'active' as const,
      subscribedAt: row.consent?.at ?? now,
      ...(row.consent ? { confirmedAt: row.consent.at } : {}),
    };
    const consent: ConsentRecordDocument | undefined = row.consent && {
      _id: `${job._id}:${line}`,
      contactId: id,
      listId: job.listId,
      action: 'confirmed',
      at: row.consent.at,
      ...(row.consent.ip ? { ip: await tenant.private(row.consent.ip) } : {}),
      source: {
        kind: 'import',
        id: job._id,
        ...(row.consent.source ? { detail: await tenant.private(row.consent.source) } : {}),
      },
    };
    encrypted.push({ id, email, fields, custom, membership, consent });
  };
  // A slice at a time: enough values in flight to keep encryption busy, not thousands.
  for (let i = 0; i < rows.length; i += ENCRYPT_SLICE)
    await Promise.all(rows.slice(i, i + ENCRYPT_SLICE).map(encryptRow));

  return encrypted;
}

/**
 * Writes one encrypted batch. New contacts (the common case) are inserted whole, which
 * costs the database a fraction of an update; contacts that already exist get their fields
 * set and, if missing, the list membership. Consent records are keyed by import and line, so
 * a replayed batch inserts nothing twice.
 */
async function writeEncrypted(tenant: TenantScope, job: ImportDocument, encrypted: EncryptedRow[]) {
  const now = new Date();
  const { Contact, ConsentRecord } = tenant.models;
  // Insert first: a contact that already exists comes back as a duplicate and is updated.
  const seen = new Set<string>();
  const inserts: Record<string, unknown>[] = [];
  const updates: EncryptedRow[] = [];
  for (const row of encrypted) {
    if (seen.has(row.id))
      updates.push(row); // the same address twice in one batch
    else {
      seen.add(row.id);
      inserts.push({
        _id: row.id,
        email: row.email,
        ...row.fields,
        custom: row.custom,
        lists: { [job.listId]: row.membership },
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  const existing = await insertBatched(Contact, inserts);
  updates.unshift(...encrypted.filter((row) => existing.has(row.id)));

  const fieldUpdates: AnyBulkWriteOperation<ContactDocument>[] = updates.map((row) => ({
    updateOne: {
      filter: { _id: row.id },
      update: {
        $set: {
          ...row.fields,
          ...Object.fromEntries(Object.entries(row.custom).map(([k, v]) => [`custom.${k}`, v])),
          updatedAt: now,
        },
      },
    },
  }));
  const membershipUpdates: AnyBulkWriteOperation<ContactDocument>[] = updates.map((row) => ({
    updateOne: {
      filter: { _id: row.id, [`lists.${job.listId}`]: { $exists: false } },
      update: { $set: { [`lists.${job.listId}`]: row.membership } },
    },
  }));
  await bulkWriteBatched(Contact, fieldUpdates);
  await bulkWriteBatched(Contact, membershipUpdates);
  await insertBatched(
    ConsentRecord,
    encrypted.flatMap((row) =>
      row.consent ? [row.consent as unknown as Record<string, unknown>] : [],
    ),
  );
}
