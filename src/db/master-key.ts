/**
 * The local KMS master key: 96 random bytes in a file readable by the owner only. It wraps
 * every tenant data key, so losing it loses all data and leaking it weakens every tenant;
 * production deployments point the driver at a real KMS instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createSecretFileOnce } from '../util/secret-file';

const MASTER_KEY_BYTES = 96;

/** Reads the key file, creating it with 0600 permissions on first use. */
export async function loadOrCreateLocalMasterKey(file: string): Promise<Buffer> {
  await createLocalMasterKeyOnce(file);
  return readLocalMasterKey(file);
}

/** Creates a new random key file with 0600 permissions unless it exists; true if created. */
export async function createLocalMasterKeyOnce(file: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  return createSecretFileOnce(file, () => randomBytes(MASTER_KEY_BYTES));
}

/** Reads an existing key file, refusing one of the wrong size or readable by others. */
export async function readLocalMasterKey(file: string): Promise<Buffer> {
  const key = await readFile(file);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`master key file ${file} must hold exactly ${MASTER_KEY_BYTES} bytes`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `master key file ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
    );
  }
  return key;
}
