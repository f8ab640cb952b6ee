/**
 * The codec token: an operator secret that opens the payload codec endpoint and nothing
 * else (`POST /codec/<token>/decode`). The Temporal Web UI can only be given a codec URL (it
 * sends a bearer token only from its own OIDC login), so this token travels inside that URL;
 * keeping it apart from the platform token means the URL grants reading payloads, not
 * running the platform. Configured, or generated once and kept 0600 under the data folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSecretFileOnce } from '../util/secret-file';

/** The token and whether this call created it. */
export interface CodecToken {
  token: string;
  created: boolean;
}

/** Returns the configured token, or the stored one, generating it on first use. */
export async function ensureCodecToken(
  configured: string | undefined,
  file: string,
): Promise<CodecToken> {
  if (configured) return { token: configured, created: false };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // base64url: the token is a URL path segment.
  const created = await createSecretFileOnce(
    file,
    () => `cfc_${randomBytes(32).toString('base64url')}\n`,
  );
  const token = (await readFile(file, 'utf8')).trim();
  return { token, created };
}
