/**
 * The codec token: an operator secret that opens the payload codec endpoint and nothing
 * else (`POST /codec/<token>/decode`). The Temporal Web UI can only be given a codec URL (it
 * sends a bearer token only from its own OIDC login), so this token travels inside that URL;
 * keeping it apart from the platform token means the URL grants reading payloads, not
 * running the platform. Configured, or generated once and kept 0600 under the data folder.
 */
import { ensureGeneratedToken, type GeneratedToken } from '../util/secret-file';

/** Returns the configured token, or the stored one, generating it on first use. */
export const ensureCodecToken = (
  configured: string | undefined,
  file: string,
): Promise<GeneratedToken> => ensureGeneratedToken(configured, file, 'cfc');
