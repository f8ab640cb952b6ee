/**
 * The platform operator's bearer token: taken from configuration, or generated once on
 * first start and kept (0600) under the data folder so every process of the install agrees.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ensureGeneratedToken, type GeneratedToken } from '../util/secret-file';

/** Returns the configured token, or the stored one, generating it on first use. */
export const ensurePlatformToken = (
  configured: string | undefined,
  file: string,
): Promise<GeneratedToken> => ensureGeneratedToken(configured, file, 'cfp');

/** Compares a presented token with the expected one in constant time. */
export function tokensMatch(presented: string, expected: string): boolean {
  // Hashing first gives equal-length inputs, so the comparison leaks neither content nor length.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
