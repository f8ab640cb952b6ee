/**
 * The platform operator's bearer token: taken from configuration, or generated once on
 * first start and kept (0600) under the data folder so every process of the install agrees.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSecretFileOnce } from '../util/secret-file';

/** The token and whether this call created it (so the caller prints it exactly once). */
export interface PlatformToken {
  token: string;
  created: boolean;
}

/** Returns the configured token, or the stored one, generating it on first use. */
export async function ensurePlatformToken(
  configured: string | undefined,
  file: string,
): Promise<PlatformToken> {
  if (configured) return { token: configured, created: false };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const created = await createSecretFileOnce(
    file,
    () => `cfp_${randomBytes(32).toString('base64url')}\n`,
  );
  const token = (await readFile(file, 'utf8')).trim();
  return { token, created };
}

/** Compares a presented token with the expected one in constant time. */
export function tokensMatch(presented: string, expected: string): boolean {
  // Hashing first gives equal-length inputs, so the comparison leaks neither content nor length.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
