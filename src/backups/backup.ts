/**
 * Writing, listing, pruning and destroying a tenant's backups. A backup is the tenant's
 * database as stored: read through a client without auto-decryption (so CSFLE fields stay
 * ciphertext under the tenant's data key), each document's BSON bytes as the server sent
 * them, sealed into one encrypted file (file-format.ts) in the backup store.
 *
 * FerretDB has no snapshots or transactions: collections are read one after another, so a
 * backup is consistent per document, not across collections. Erasures are not lost by that:
 * a restore replays every erasure recorded since the dump began (erasure-ledger.ts).
 */
import type { Binary, MongoClient } from 'mongodb';
import type { FieldEncryption } from '../db/encryption';
import type { DatabaseNames } from '../db/names';
import type { TenantAccess } from '../db/tenant-access';
import { readableStatuses } from '../db/models/tenant';
import { HEADER_READ_BYTES, readHeader, sealBackup, type BackedUpCollection } from './file-format';
import { backupIdPattern, type BackupStore } from './store';

/** What backing up needs. */
export interface BackupDeps {
  /** A client WITHOUT auto-encryption: what it reads stays ciphertext. */
  rawMongo: MongoClient;
  names: DatabaseNames;
  encryption: Pick<FieldEncryption, 'encryptPrivate' | 'decrypt'>;
  tenants: Pick<TenantAccess, 'control' | 'forget' | 'forDatabase'>;
  backupStore: BackupStore;
}

/** How long backups are kept during the contract. */
export interface RetentionPolicy {
  keepDays: number;
  keepCount: number;
}

/** A backup as listed. */
export interface BackupSummary {
  id: string;
  createdAt: string;
  size: number;
  documents: number;
  collections: Record<string, number>;
}

/** A new backup id for a backup taken at `at`: sortable by time, unique by `random`. */
export function backupIdOf(at: Date, random: string): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `b${stamp}${random.replace(/[^0-9a-f]/g, '').slice(0, 8)}`;
}

/** The time in a backup id. */
export function backupTimeOf(backupId: string): Date {
  const s = backupId.slice(1, 15);
  return new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}Z`,
  );
}

/** The database a tenant's data lives in now (a restore may have switched it). */
export async function currentDatabaseOf(
  deps: Pick<BackupDeps, 'tenants' | 'names'>,
  tenantId: string,
): Promise<string> {
  const tenant = await deps.tenants.control.Tenant.findById(tenantId, { database: 1 }).lean();
  return tenant?.database ?? deps.names.tenant(tenantId);
}

/**
 * Dumps the tenant's database into a sealed file under `backupId` (a retry writes the same
 * id again); undefined when the tenant is not there to back up (deleted, failed).
 */
export async function writeBackup(
  deps: BackupDeps,
  tenantId: string,
  backupId: string,
  heartbeat: () => void = () => undefined,
): Promise<BackupSummary | undefined> {
  if (!backupIdPattern.test(backupId)) throw new Error('invalid backup id');
  const tenant = await deps.tenants.control.Tenant.findById(tenantId, { status: 1 }).lean();
  if (!tenant || !readableStatuses.includes(tenant.status)) return undefined;
  const database = await currentDatabaseOf(deps, tenantId);
  const db = deps.rawMongo.db(database);
  const startedAt = new Date();
  const chunks: Buffer[] = [];
  const collections: BackedUpCollection[] = [];
  const listed = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const name of listed.map((c) => c.name).sort()) {
    if (name.startsWith('system.')) continue;
    const collection = db.collection(name);
    const indexes = (await collection.listIndexes().toArray())
      .filter((index) => index.name !== '_id_')
      .map(({ v: _v, ns: _ns, ...spec }) => spec as Record<string, unknown>);
    let documents = 0;
    // `raw`: the BSON bytes as stored, never decoded into values and encoded again.
    for await (const doc of collection.find({}, { raw: true, batchSize: 1000 })) {
      chunks.push(doc as unknown as Buffer);
      if (++documents % 5000 === 0) heartbeat();
    }
    collections.push({ name, documents, indexes });
  }
  const { bytes, header } = await sealBackup(
    {
      tenantId,
      backupId,
      startedAt: startedAt.toISOString(),
      createdAt: new Date().toISOString(),
      database,
      collections,
    },
    Buffer.concat(chunks),
    async (fileKey) => {
      const wrapped: Binary = await deps.encryption.encryptPrivate(
        fileKey.toString('base64'),
        tenantId,
      );
      return Buffer.from(wrapped.buffer);
    },
  );
  await deps.backupStore.put(tenantId, backupId, bytes);
  return summaryOf(header, bytes.length);
}

const summaryOf = (
  header: {
    backupId: string;
    createdAt: string;
    documents: number;
    collections: BackedUpCollection[];
  },
  size: number,
): BackupSummary => ({
  id: header.backupId,
  createdAt: header.createdAt,
  size,
  documents: header.documents,
  collections: Object.fromEntries(header.collections.map((c) => [c.name, c.documents])),
});

/** The tenant's backups, newest first, as their headers describe them. */
export async function listBackups(
  deps: Pick<BackupDeps, 'backupStore'>,
  tenantId: string,
): Promise<BackupSummary[]> {
  const stored = await deps.backupStore.list(tenantId);
  const found: BackupSummary[] = [];
  for (const file of stored.reverse()) {
    const head = await deps.backupStore.head(tenantId, file.id, HEADER_READ_BYTES);
    try {
      const { header } = readHeader(head ?? Buffer.alloc(0));
      found.push(summaryOf(header, file.size));
    } catch {
      // A damaged file is still listed (a restore of it is refused with the reason).
      found.push({
        id: file.id,
        createdAt: file.storedAt.toISOString(),
        size: file.size,
        documents: 0,
        collections: {},
      });
    }
  }
  return found;
}

/**
 * The backups retention lets go: all but the newest `keepCount`, and any older than
 * `keepDays`; the newest one is always kept, however old.
 */
export function backupsToPrune(ids: string[], policy: RetentionPolicy, now: Date): string[] {
  const newestFirst = [...ids].sort().reverse();
  const oldest = now.getTime() - policy.keepDays * 86_400_000;
  return newestFirst.filter(
    (id, i) => i > 0 && (i >= policy.keepCount || backupTimeOf(id).getTime() < oldest),
  );
}

/** Deletes what retention lets go; the ids deleted. */
export async function pruneBackups(
  deps: Pick<BackupDeps, 'backupStore'>,
  tenantId: string,
  policy: RetentionPolicy,
  now = new Date(),
): Promise<string[]> {
  const stored = await deps.backupStore.list(tenantId);
  const prune = backupsToPrune(
    stored.map((s) => s.id),
    policy,
    now,
  );
  for (const id of prune) await deps.backupStore.delete(tenantId, id);
  return prune;
}

/** A backup the tenant's deletion destroyed. */
export interface DestroyedBackup {
  id: string;
  createdAt: string;
}

/**
 * Deletes every backup of the tenant (its deletion). Copies the store cannot reach stay
 * unreadable: their file keys are wrapped by the data key the deletion destroys first.
 */
export async function destroyTenantBackups(
  deps: Pick<BackupDeps, 'backupStore'>,
  tenantId: string,
): Promise<DestroyedBackup[]> {
  const stored = await deps.backupStore.list(tenantId);
  const destroyed: DestroyedBackup[] = [];
  for (const file of stored) {
    await deps.backupStore.delete(tenantId, file.id);
    destroyed.push({ id: file.id, createdAt: backupTimeOf(file.id).toISOString() });
  }
  return destroyed;
}

/** Drops every database of the tenant: its own, and any a restore made or left behind. */
export async function dropTenantDatabases(
  deps: { mongo: MongoClient; names: DatabaseNames },
  tenantId: string,
): Promise<string[]> {
  const own = deps.names.tenant(tenantId);
  const { databases } = await deps.mongo.db('admin').admin().listDatabases({ nameOnly: true });
  const names = databases
    .map((d) => d.name)
    .filter((name) => name === own || name.startsWith(`${own}_r`));
  for (const name of names) await deps.mongo.db(name).dropDatabase();
  return names;
}
