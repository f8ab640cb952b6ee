/** Secret files (keys, tokens) written once, atomically, readable by the owner only. */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/** A token and whether this call generated it (so the caller can print it exactly once). */
export interface GeneratedToken {
  token: string;
  created: boolean;
}

/**
 * Returns `configured` if set, otherwise the token stored in `file`, generating a random one
 * (`<prefix>_<43 base64url chars>`, URL-safe) on first use.
 */
export async function ensureGeneratedToken(
  configured: string | undefined,
  file: string,
  prefix: string,
): Promise<GeneratedToken> {
  if (configured) return { token: configured, created: false };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const created = await createSecretFileOnce(
    file,
    () => `${prefix}_${randomBytes(32).toString('base64url')}\n`,
  );
  const token = (await readFile(file, 'utf8')).trim();
  return { token, created };
}
