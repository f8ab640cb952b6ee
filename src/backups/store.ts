/**
 * Where backup files are kept: opaque bytes per tenant and backup id. The product reads and
 * writes them only through `BackupStore`, so an object store (S3, GCS, Azure Blob) can stand
 * in for the folder store below with put/get/list/delete of whole objects and a ranged read.
 * Nothing in a name is personal: `<tenantId>/<backupId>.cfbak`.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tenantIdPattern } from '../db/names';

/** Backup ids: `b` + UTC time (sortable) + random hex, safe in file and object names. */
export const backupIdPattern = /^b[0-9]{14}[0-9a-f]{8}$/;

/** One stored backup file, as the store sees it. */
export interface StoredBackup {
  id: string;
  size: number;
  storedAt: Date;
}

/** A place for backup files; implementations must be safe under retried calls. */
export interface BackupStore {
  /** Stores a file whole (replacing one of the same id): readers never see half a file. */
  put(tenantId: string, backupId: string, bytes: Buffer): Promise<void>;
  /** The file, or undefined when there is none. */
  get(tenantId: string, backupId: string): Promise<Buffer | undefined>;
  /** The first `length` bytes of a file (its header), or undefined when there is none. */
  head(tenantId: string, backupId: string, length: number): Promise<Buffer | undefined>;
  /** The tenant's files, oldest first. */
  list(tenantId: string): Promise<StoredBackup[]>;
  /** Deletes a file; true when there was one. */
  delete(tenantId: string, backupId: string): Promise<boolean>;
}

const checkIds = (tenantId: string, backupId?: string) => {
  // Ids become path segments: nothing but the opaque alphabets may get through.
  if (!tenantIdPattern.test(tenantId)) throw new Error('invalid tenant id');
  if (backupId !== undefined && !backupIdPattern.test(backupId))
    throw new Error('invalid backup id');
};

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The folder store: `<root>/<tenantId>/<backupId>.cfbak`, files 0600. */
export function createFolderBackupStore(root: string): BackupStore {
  const folderOf = (tenantId: string) => path.join(root, tenantId);
  const fileOf = (tenantId: string, backupId: string) =>
    path.join(folderOf(tenantId), `${backupId}.cfbak`);

  return {
    async put(tenantId, backupId, bytes) {
      checkIds(tenantId, backupId);
      await mkdir(folderOf(tenantId), { recursive: true, mode: 0o700 });
      const file = fileOf(tenantId, backupId);
      const partial = `${file}.partial`;
      await writeFile(partial, bytes, { mode: 0o600 });
      await rename(partial, file); // atomic within the folder
    },

    async get(tenantId, backupId) {
      checkIds(tenantId, backupId);
      try {
        return await readFile(fileOf(tenantId, backupId));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },

    async head(tenantId, backupId, length) {
      checkIds(tenantId, backupId);
      let handle;
      try {
        handle = await open(fileOf(tenantId, backupId), 'r');
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    async list(tenantId) {
      checkIds(tenantId);
      let names: string[];
      try {
        names = await readdir(folderOf(tenantId));
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
      const found: StoredBackup[] = [];
      for (const name of names) {
        const id = name.replace(/\.cfbak$/, '');
        if (!name.endsWith('.cfbak') || !backupIdPattern.test(id)) continue;
        const info = await stat(path.join(folderOf(tenantId), name)).catch(() => undefined);
        if (info) found.push({ id, size: info.size, storedAt: info.mtime });
      }
      return found.sort((a, b) => a.id.localeCompare(b.id));
    },

    async delete(tenantId, backupId) {
      checkIds(tenantId, backupId);
      const file = fileOf(tenantId, backupId);
      const existed = await stat(file).then(
        () => true,
        () => false,
      );
      await rm(file, { force: true });
      await rm(`${file}.partial`, { force: true });
      return existed;
    },
  };
}
