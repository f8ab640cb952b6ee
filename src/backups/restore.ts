/**
 * Restoring a backup: the file is checked whole before anything changes (it is this
 * tenant's, by its header and by the data key its file key is wrapped with; it is complete
 * and unaltered, by GCM and its SHA-256), then loaded into a NEW database
 * `t_<tenantId>_r<restoreId>`, every erasure recorded since the backup began is replayed
 * there from the erasure ledger, and only then is the tenant switched to it (`database` on
 * the tenant record; every process follows within ACTIVE_TENANT_CACHE_MS). The database it
 * replaced is dropped afterwards by the restore workflow. What changed in the tenant between
 * the backup and the switch, other than erasures, is not carried over: a restore returns the
 * tenant to its backup.
 */
import { BSON, Binary, type Document } from 'mongodb';
import { tenantKeyAltName } from '../db/encryption';
import { readableStatuses } from '../db/models/tenant';
import { notFound } from '../errors';
import { eraseSubject, type EraseSubjectDeps } from '../rights/erase-subject';
import { currentDatabaseOf, type BackupDeps } from './backup';
import { erasureLedger } from './erasure-ledger';
import { BackupFileError, bsonDocuments, openBackup, type BackupHeader } from './file-format';
import { backupIdPattern } from './store';
import { TENANT_SECRETS } from '../db/models/suppression';

/** What a restore needs besides backing up's. */
export type RestoreDeps = BackupDeps & EraseSubjectDeps;

/** Restore ids: 8 hex digits, a suffix of the new database's name. */
export const restoreIdPattern = /^[0-9a-f]{8}$/;

/** Longer than any erasure takes from its ledger entry to its last deletion. */
const REPLAY_MARGIN_MS = 24 * 3600_000;

/** Documents per insert command (FerretDB takes a thousand well, see src/db/bulk-write.ts). */
const INSERT_BATCH = 1000;
// BSON decoding that keeps every value's type (Int32, Double, Long, binary subtypes), so
// documents are written back with the bytes they were read with.
const exact = {
  promoteLongs: false,
  promoteValues: false,
  promoteBuffers: false,
  bsonRegExp: true,
};

/** The database a restore fills. */
export const restoreDatabaseOf = (
  deps: Pick<BackupDeps, 'names'>,
  tenantId: string,
  restoreId: string,
) => `${deps.names.tenant(tenantId)}_r${restoreId}`;

/**
 * Reads and checks a backup of the tenant; throws 404 for an unknown id and BackupFileError
 * (400) for a file that is not this tenant's, is damaged, or whose key is gone.
 */
export async function openTenantBackup(
  deps: Pick<BackupDeps, 'backupStore' | 'rawMongo' | 'names' | 'encryption'>,
  tenantId: string,
  backupId: string,
): Promise<{ header: BackupHeader; body: Buffer }> {
  const bytes = backupIdPattern.test(backupId)
    ? await deps.backupStore.get(tenantId, backupId)
    : undefined;
  if (!bytes) throw notFound('backup');
  return openBackup(bytes, async (wrapped, header) => {
    if (header.tenantId !== tenantId)
      throw new BackupFileError(
        'backup_of_another_tenant',
        'this backup belongs to another tenant',
      );
    if (header.backupId !== backupId)
      throw new BackupFileError('backup_unreadable', 'backup file is stored under another id');
    const key = await deps.rawMongo
      .db(deps.names.keyVault)
      .collection<{ _id: Binary }>('datakeys')
      .findOne({ keyAltNames: tenantKeyAltName(tenantId) }, { projection: { _id: 1 } });
    if (!key) throw new BackupFileError('backup_key_gone', 'the tenant’s data key is gone');
    // A CSFLE ciphertext names its data key in bytes 1–16: this tenant's, or refused.
    if (!Buffer.from(key._id.buffer).equals(wrapped.subarray(1, 17)))
      throw new BackupFileError(
        'backup_of_another_tenant',
        'this backup belongs to another tenant',
      );
    try {
      return Buffer.from(await deps.encryption.decrypt<string>(new Binary(wrapped, 6)), 'base64');
    } catch {
      throw new BackupFileError('backup_key_gone', 'the backup’s file key cannot be unwrapped');
    }
  });
}

/** Loads the backup into the restore's new database (emptied first, so a retry starts over). */
export async function loadBackup(
  deps: RestoreDeps,
  tenantId: string,
  backupId: string,
  restoreId: string,
  heartbeat: () => void = () => undefined,
): Promise<{ database: string; documents: number; startedAt: string }> {
  const { header, body } = await openTenantBackup(deps, tenantId, backupId);
  const database = restoreDatabaseOf(deps, tenantId, restoreId);
  const db = deps.rawMongo.db(database);
  await db.dropDatabase();
  const documents = bsonDocuments(body);
  for (const collection of header.collections) {
    const target = db.collection(collection.name);
    await db.createCollection(collection.name).catch(() => undefined); // also when empty
    let batch: Document[] = [];
    for (let i = 0; i < collection.documents; i++) {
      const next = documents.next();
      if (next.done)
        throw new BackupFileError('backup_unreadable', 'backup file has too few documents');
      batch.push(BSON.deserialize(next.value, exact));
      if (batch.length === INSERT_BATCH) {
        await target.insertMany(batch, { ordered: false, checkKeys: false } as never);
        batch = [];
        heartbeat();
      }
    }
    if (batch.length) await target.insertMany(batch, { ordered: false } as never);
    for (const { key, name, ...options } of collection.indexes)
      await target.createIndex(key as Document, { name: name as string, ...options });
  }
  return { database, documents: header.documents, startedAt: header.startedAt };
}

/**
 * Erases again, in the restored database, every subject whose erasure the ledger recorded
 * since `since` (when the backup began): their suppression keys first, then the erasure
 * itself. How many erasures were replayed.
 */
export async function replayErasures(
  deps: RestoreDeps,
  tenantId: string,
  database: string,
  since: Date,
): Promise<number> {
  const scope = deps.tenants.forDatabase(tenantId, database);
  // From a margin before: an erasure is recorded before it deletes, so one recorded just
  // before the dump began may have deleted only after the dump read the subject. Erasing
  // a subject already gone again changes nothing.
  const from = new Date(since.getTime() - REPLAY_MARGIN_MS);
  const entries = await erasureLedger(deps.mongo, deps.names).since(tenantId, from);
  if (entries.length > 0) await carrySuppressionSecret(deps, tenantId, database);
  for (const entry of entries) {
    if (entry.suppressionKey)
      await scope.models.Suppression.updateOne(
        { _id: entry.suppressionKey },
        { $setOnInsert: { at: entry.at, requestId: entry.requestId } },
        { upsert: true },
      );
    if (entry.contactId)
      await eraseSubject(deps, scope, { requestId: entry.requestId, contactId: entry.contactId });
  }
  return entries.length;
}

/**
 * The suppression secret is created on first use (src/rights/suppression.ts): a backup taken
 * before the tenant's first erasure has none, yet the ledger's suppression keys are HMACs
 * under the secret the tenant has now. It is copied as stored (ciphertext under the same
 * data key) into the restored database when that has none; once created a secret never
 * changes, so one that is there already is the same.
 */
async function carrySuppressionSecret(
  deps: Pick<BackupDeps, 'rawMongo' | 'names' | 'tenants'>,
  tenantId: string,
  database: string,
): Promise<void> {
  const current = await currentDatabaseOf(deps, tenantId);
  if (current === database) return;
  const secrets = (name: string) =>
    deps.rawMongo.db(name).collection<{ _id: string }>(TENANT_SECRETS);
  const secret = await secrets(current).findOne({ _id: 'suppression' });
  if (!secret) return;
  await secrets(database).updateOne(
    { _id: 'suppression' },
    { $setOnInsert: secret },
    { upsert: true },
  );
}

/** Switches the tenant to the restored database; false when the tenant is gone (nothing switched). */
export async function switchTenantDatabase(
  deps: RestoreDeps,
  tenantId: string,
  database: string,
): Promise<boolean> {
  const { matchedCount } = await deps.tenants.control.Tenant.updateOne(
    { _id: tenantId, status: { $in: readableStatuses } },
    { $set: { database } },
  );
  deps.tenants.forget(tenantId);
  return matchedCount > 0;
}

/**
 * Drops the tenant's databases other than its current one: the one a restore replaced, and
 * any a failed restore left. Run once every process has followed the switch. The names.
 */
export async function dropReplacedDatabases(
  deps: RestoreDeps,
  tenantId: string,
): Promise<string[]> {
  const current = await currentDatabaseOf(deps, tenantId);
  const own = deps.names.tenant(tenantId);
  const { databases } = await deps.rawMongo.db('admin').admin().listDatabases({ nameOnly: true });
  const replaced = databases
    .map((d) => d.name)
    .filter((name) => name !== current && (name === own || name.startsWith(`${own}_r`)));
  for (const name of replaced) await deps.rawMongo.db(name).dropDatabase();
  return replaced;
}
