/**
 * Stores an uploaded import file as encrypted chunks in the tenant's database, so the
 * import workflow can read it from any worker while the raw file, full of personal data,
 * never rests anywhere unencrypted. The upload must be UTF-8; anything else is refused
 * before a single row is imported.
 */
import type { Readable } from 'node:stream';
import type { TenantScope } from '../db/tenant-access';
import { AppError } from '../errors';

/** Chunk size: large enough for few round trips, well under the 16 MB document limit. */
const CHUNK_BYTES = 512 * 1024;

/** Why an upload was refused: 413 `body_too_large` or 400 `invalid_encoding`. */
export class UploadError extends AppError {
  declare readonly id: 'invalid_encoding' | 'body_too_large';

  constructor(id: 'invalid_encoding' | 'body_too_large', message: string) {
    super(id === 'body_too_large' ? 'too_large' : 'invalid', id, message);
    this.name = 'UploadError';
  }
}

/** Streams `body` into encrypted chunks of import `importId`; returns bytes and chunk count. */
export async function storeUpload(
  tenant: TenantScope,
  importId: string,
  body: Readable,
  maxBytes: number,
): Promise<{ bytes: number; chunks: number }> {
  const { ImportChunk } = tenant.models;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let chunks = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    await ImportChunk.create({
      _id: `${importId}:${chunks}`,
      importId,
      n: chunks,
      data: await tenant.private(data),
    });
    chunks += 1;
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        throw new UploadError('body_too_large', `the file is larger than ${maxBytes} bytes`);
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        throw new UploadError(
          'invalid_encoding',
          'the file is not valid UTF-8; save it as UTF-8 and upload again',
        );
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    try {
      utf8.decode();
    } catch {
      throw new UploadError('invalid_encoding', 'the file ends in the middle of a UTF-8 character');
    }
    await flush();
  } catch (err) {
    await ImportChunk.deleteMany({ importId }); // a refused upload leaves nothing behind
    throw err;
  }
  return { bytes, chunks };
}
