/**
 * Contact import: reads the encrypted upload, validates each row, and writes contacts (with
 * encrypted fields) and consent proof in batches. It heartbeats the number of rows written,
 * so a retry after a crash resumes where the last batch ended; every write is an upsert
 * keyed by the row's identity, so replaying a batch changes nothing.
 */
import { SUPPRESSED_ROW_REASON, suppressedAmong } from '../src/rights/suppression';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AnyBulkWriteOperation } from 'mongoose';
import type { Binary } from 'mongodb';
import type { ConsentRecordDocument } from '../src/db/models/consent-record';
import { bulkWriteBatched, insertBatched } from '../src/db/bulk-write';
import { applyContactChanges } from '../src/db/contact-changes';
import { importedRecord, insertImported } from '../src/db/consent-records';
import type { PlainDocument } from '../src/db/encryption';
import { activeMembership, addUnlessPresent, soleMembership } from '../src/db/memberships';
import {
  contactIdFor,
  hasDetails,
  type ContactDetails,
  type ContactDocument,
} from '../src/db/models/contact';
import { MAX_REJECTED_KEPT, type ImportDocument } from '../src/db/models/import';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import { rowDetails, validateContactRow, type ContactRow } from '../src/imports/contact-row';
import { parseRecords } from '../src/imports/parse-rows';
import { StageClock } from '../src/imports/stage-clock';
import { subscribeImportedRow } from '../src/consent/subscription/command';
import { subscribeListFields } from '../src/consent/subscription/ids';
import type { DoubleOptInWake } from '../src/consent/subscription/wake';
import type { ImportRef } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/**
 * Rows per batch: encrypted together, inserted in one command (see INSERT_BATCH), then the
 * progress and the heartbeat are written. Larger batches cost the database less per row;
 * a retry after a crash redoes at most one.
 */
export const IMPORT_BATCH = 1000;
/** Rows encrypted concurrently. */
const ENCRYPT_SLICE = 50;
/** Encrypted batches that may wait for the database. */
const WRITES_AHEAD = 2;

/** Stages of an import timed on the import record (see StageClock). */
const IMPORT_STAGES = ['read', 'encrypt', 'write', 'waitForWrite'] as const;

/** What the import activities need. */
export interface ImportActivityDeps {
  tenants: TenantAccess;
  /** Wakes the list's double opt-in for imports with `consent=double-opt-in`. */
  wake: DoubleOptInWake;
}

/** Double opt-in subscriptions stored at once during an import. */
const SUBSCRIBE_SLICE = 10;
/**
 * Rows per batch of a double opt-in import. Each row is a subscription of several round trips,
 * so a batch of IMPORT_BATCH rows could outlast the heartbeat timeout before its heartbeat;
 * this many keep a batch to seconds.
 */
const SUBSCRIBE_BATCH = 100;

/** Counts an import reports. */
export interface ImportOutcome {
  total: number;
  imported: number;
  rejected: number;
}

/** Creates the import activities. */
export function createImportActivities({ tenants, wake }: ImportActivityDeps) {
  return {
    /** Imports every row of the upload; resumable from its last heartbeat. */
    async importContacts({ tenantId, importId }: ImportRef): Promise<ImportOutcome> {
      const tenant = await tenants.forTenant(tenantId);
      const job = await tenant.models.Import.findById(importId).lean();
      if (!job)
        throw ApplicationFailure.nonRetryable(
          `import ${importId} missing`,
          activityFailures.importMissing,
        );
      const ctx = Context.current();
      // With double opt-in, rows are not imported as members: each gets a confirmation
      // request (subscribe is idempotent, so a replayed batch queues nothing twice).
      const doiList =
        job.consent === 'double-opt-in'
          ? await tenant.models.List.findById(job.listId, subscribeListFields).lean()
          : undefined;
      if (job.consent === 'double-opt-in' && !doiList)
        throw ApplicationFailure.nonRetryable(
          `list ${job.listId} of import ${importId} missing`,
          activityFailures.listMissing,
        );
      const subscribeRows = async (rows: { row: ContactRow }[]) => {
        let queued = false;
        for (let i = 0; i < rows.length; i += SUBSCRIBE_SLICE) {
          const slice = await Promise.all(
            rows
              .slice(i, i + SUBSCRIBE_SLICE)
              .map(({ row }) => subscribeImportedRow(tenant, { list: doiList!, row, importId })),
          );
          queued ||= slice.includes(true);
        }
        // Awaited: a failed wake fails the batch, and its retry wakes again.
        if (queued) await wake.mailQueued(tenantId, doiList!._id);
      };
      const batchSize = doiList ? SUBSCRIBE_BATCH : IMPORT_BATCH;
      const resumeAfter =
        (ctx.info.heartbeatDetails as { rowsDone?: number } | undefined)?.rowsDone ?? 0;
      const clock = new StageClock(IMPORT_STAGES);
      const started = performance.now();

      const progress = { total: 0, rejected: [] as ImportDocument['rejected'], rejectedCount: 0 };
      let imported = 0;
      let batch: { line: number; row: ContactRow }[] = [];
      // Pipelined: batches are written one after another in file order while the next ones
      // are read and encrypted. Up to WRITES_AHEAD encrypted batches wait for the database,
      // so that it always has the next one and neither side waits for the other's slack.
      let lastWrite: Promise<void> = Promise.resolve();
      const writes: Promise<void>[] = [];
      const commit = async () => {
        let rows = batch;
        batch = [];
        // Addresses erased at their owner's request are rejected rows, never written.
        const suppressed = await suppressedAmong(
          tenant,
          rows.map(({ row }) => row.email),
        );
        if (suppressed.size > 0) {
          for (const { line } of rows.filter(({ row }) => suppressed.has(row.email))) {
            progress.rejectedCount += 1;
            if (progress.rejected.length < MAX_REJECTED_KEPT)
              progress.rejected.push({ line, reason: SUPPRESSED_ROW_REASON });
          }
          rows = rows.filter(({ row }) => !suppressed.has(row.email));
        }
        const at = { ...progress, rejected: [...progress.rejected] };
        const due = rows.length > 0 && at.total > resumeAfter;
        const encrypted =
          due && !doiList ? await clock.time('encrypt', () => encryptBatch(tenant, job, rows)) : [];
        while (writes.length >= WRITES_AHEAD)
          await clock.time('waitForWrite', () => writes.shift()!);
        const previous = lastWrite;
        lastWrite = (async () => {
          await previous; // a failed write stops every later one
          await clock.time('write', async () => {
            if (due && doiList) await subscribeRows(rows);
            if (encrypted.length > 0) await writeEncrypted(tenant, job, encrypted);
            imported += rows.length;
            await tenant.models.Import.updateOne({ _id: importId }, { $set: { ...at, imported } });
          });
          ctx.heartbeat({ rowsDone: at.total }); // only rows that are written count as done
        })();
        lastWrite.catch(() => undefined); // awaited (and rethrown) by a later commit or the end
        writes.push(lastWrite);
      };

      for await (const records of parseRecords(readUpload(tenant, importId), job.format)) {
        for (const parsed of records) {
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
          if (batch.length >= batchSize) await commit();
        }
      }
      await commit();
      await clock.time('waitForWrite', () => lastWrite);
      const totalMs = performance.now() - started;
      // Reading, decrypting the upload, parsing and validating happen in the loop between
      // the commits: whatever the loop did not spend encrypting or waiting.
      clock.ms.read = totalMs - clock.ms.encrypt - clock.ms.waitForWrite;
      await tenant.models.Import.updateOne(
        { _id: importId },
        { $set: { timings: { ...clock.rounded(), total: Math.round(totalMs) } } },
      );
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
  phone?: Binary;
  /** The row's details in plain (merged into an existing contact's) and encrypted. */
  details: ContactDetails;
  sealedDetails?: Binary;
  membership: ContactDocument['lists'][string];
  consent?: ConsentRecordDocument;
}

/**
 * Encrypts one batch of valid rows under the tenant's key: per contact the email and phone
 * (deterministic, searchable) and its details (random, one value), plus consent proof.
 */
async function encryptBatch(
  tenant: TenantScope,
  job: ImportDocument,
  rows: { line: number; row: ContactRow }[],
): Promise<EncryptedRow[]> {
  const now = new Date();
  const encryptRow = async ({ line, row }: { line: number; row: ContactRow }) => {
    const details = rowDetails(row);
    const [email, phone, sealedDetails, ip, source] = await Promise.all([
      tenant.searchable(row.email),
      row.phone ? tenant.searchable(row.phone) : undefined,
      hasDetails(details) ? tenant.private(details as PlainDocument) : undefined,
      row.consent?.ip ? tenant.private(row.consent.ip) : undefined,
      row.consent?.source ? tenant.private(row.consent.source) : undefined,
    ]);
    const id = contactIdFor(email);
    const membership = activeMembership(row.consent?.at ?? now, row.consent?.at);
    const consent =
      row.consent &&
      importedRecord({
        importId: job._id,
        line,
        contactId: id,
        listId: job.listId,
        at: row.consent.at,
        ip,
        detail: source,
      });
    return { id, email, phone, details, sealedDetails, membership, consent };
  };
  // A slice at a time: enough values in flight to keep encryption busy, not thousands.
  // Encrypting never waits for I/O, so between slices the event loop gets a turn: the
  // database's replies to the writes in flight are handled and the next write goes out
  // at once, instead of after the whole batch.
  const encrypted: EncryptedRow[] = [];
  for (let i = 0; i < rows.length; i += ENCRYPT_SLICE) {
    encrypted.push(...(await Promise.all(rows.slice(i, i + ENCRYPT_SLICE).map(encryptRow))));
    await setImmediate();
  }
  return encrypted;
}

/**
 * Writes one encrypted batch. New contacts (the common case) are inserted whole, which
 * costs the database a fraction of an update; contacts that already exist get the row's
 * phone and details merged into theirs and, if missing, the list membership. Consent
 * records are keyed by import and line, so a replayed batch inserts nothing twice.
 */
async function writeEncrypted(tenant: TenantScope, job: ImportDocument, encrypted: EncryptedRow[]) {
  const now = new Date();
  const { Contact } = tenant.models;
  // Insert first: a contact that already exists comes back as a duplicate and is updated.
  const seen = new Set<string>();
  const inserts: Record<string, unknown>[] = [];
  for (const row of encrypted) {
    if (seen.has(row.id)) continue; // the same address twice in one batch: an update
    seen.add(row.id);
    inserts.push({
      _id: row.id,
      email: row.email,
      ...(row.phone ? { phone: row.phone } : {}),
      ...(row.sealedDetails ? { details: row.sealedDetails } : {}),
      lists: soleMembership(job.listId, row.membership),
      createdAt: now,
      updatedAt: now,
    });
  }
  const existing = await insertBatched(Contact, inserts);
  const inserted = new Set<string>();
  const updates = encrypted.filter((row) => {
    if (existing.has(row.id)) return true;
    if (inserted.has(row.id)) return true; // a repeat of a row inserted just now
    inserted.add(row.id);
    return false;
  });

  await applyContactChanges(
    tenant,
    updates.map((row) => ({ id: row.id, phone: row.phone, details: row.details })),
  );
  const membershipUpdates: AnyBulkWriteOperation<ContactDocument>[] = updates.map((row) => ({
    updateOne: addUnlessPresent(row.id, job.listId, row.membership),
  }));
  await bulkWriteBatched(Contact, membershipUpdates);
  await insertImported(
    tenant,
    encrypted.flatMap((row) => (row.consent ? [row.consent] : [])),
  );
}
