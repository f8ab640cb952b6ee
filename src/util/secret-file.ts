/** Secret files (keys, tokens) written once, atomically, readable by the owner only. */
import { randomBytes } from 'node:crypto';
import { link, unlink, writeFile } from 'node:fs/promises';

/**
 * Writes `file` unless it exists. The content goes to a private temporary file that is then
 * hard-linked into place, so a concurrent reader never sees half a secret and two processes
 * starting together cannot both win. Returns whether this call created the file.
 */
export async function createSecretFileOnce(
  file: string,
  content: () => Buffer | string,
): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content(), { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp);
  }
}
