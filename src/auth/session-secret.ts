/**
 * The secret that signs session cookies and keys brute-force records. Every api process of
 * an install must share it: configured, or generated once and kept 0600 under the data
 * folder (which the processes share).
 */
import { ensureGeneratedToken, type GeneratedToken } from '../util/secret-file';

/** Returns the configured secret, or the stored one, generating it on first use. */
export const ensureSessionSecret = (
  configured: string | undefined,
  file: string,
): Promise<GeneratedToken> => ensureGeneratedToken(configured, file, 'cfs');
