/**
 * The backup file: a readable header, then the tenant's documents as stored (BSON, their
 * CSFLE fields still ciphertext), encrypted with AES-256-GCM under a random file key.
 *
 *   "CFBACKUP" | u32 BE header length | header (JSON) | ciphertext | 16-byte GCM tag
 *
 * The header names tenant, backup, times and per-collection counts, the SHA-256 of the
 * plaintext body and the file key wrapped by the tenant's own data key (CSFLE explicit
 * encryption): crypto-shredding the tenant leaves the key unwrappable and every copy of
 * every backup unreadable, wherever it was copied to. The header is the GCM additional data,
 * so changing a count or the tenant id fails authentication like a changed body does.
 * Pure code: the wrapping itself is passed in.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

const MAGIC = Buffer.from('CFBACKUP', 'latin1');
const TAG_BYTES = 16;
const IV_BYTES = 12;
/** Headers are small (counts and index specs); a larger length means a broken file. */
const MAX_HEADER_BYTES = 1 << 20;
/** Enough to read any header through `BackupStore.head`. */
export const HEADER_READ_BYTES = MAGIC.length + 4 + MAX_HEADER_BYTES;

/** One collection of a backup: its name, document count and index specs (no data). */
export interface BackedUpCollection {
  name: string;
  documents: number;
  indexes: Record<string, unknown>[];
}

/** What a backup file's header says. */
export interface BackupHeader {
  format: 1;
  tenantId: string;
  backupId: string;
  /** When the dump began (ISO): erasures from then on are replayed by a restore. */
  startedAt: string;
  /** When the file was sealed (ISO). */
  createdAt: string;
  database: string;
  collections: BackedUpCollection[];
  documents: number;
  /** Length and SHA-256 (hex) of the plaintext body. */
  bodyBytes: number;
  sha256: string;
  cipher: 'AES-256-GCM';
  iv: string;
  /** The file key encrypted under the tenant's data key (CSFLE ciphertext, base64). */
  wrappedKey: string;
}

/** The header fields the writer supplies; the rest is computed while sealing. */
export type HeaderInput = Omit<
  BackupHeader,
  'format' | 'documents' | 'bodyBytes' | 'sha256' | 'cipher' | 'iv' | 'wrappedKey'
>;

/** A backup file that cannot be used, with a stable id the api answers with (400). */
export class BackupFileError extends AppError {
  constructor(
    id: 'backup_unreadable' | 'backup_of_another_tenant' | 'backup_key_gone',
    message: string,
  ) {
    super('invalid', id, message);
    this.name = 'BackupFileError';
  }
}

const unreadable = (why: string) => new BackupFileError('backup_unreadable', `backup file ${why}`);

/** Seals a body (concatenated BSON documents) into a backup file. */
export async function sealBackup(
  input: HeaderInput,
  body: Buffer,
  wrapKey: (fileKey: Buffer) => Promise<Buffer>,
): Promise<{ bytes: Buffer; header: BackupHeader }> {
  const fileKey = randomBytes(32);
  const iv = randomBytes(IV_BYTES);
  const header: BackupHeader = {
    format: 1,
    ...input,
    documents: input.collections.reduce((sum, c) => sum + c.documents, 0),
    bodyBytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    cipher: 'AES-256-GCM',
    iv: iv.toString('base64'),
    wrappedKey: (await wrapKey(fileKey)).toString('base64'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const cipher = createCipheriv('aes-256-gcm', fileKey, iv);
  cipher.setAAD(headerBytes);
  const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
  const bytes = Buffer.concat([MAGIC, length, headerBytes, sealed, cipher.getAuthTag()]);
  return { bytes, header };
}

/** Reads the header of a file (or of its first bytes); refuses what is not a backup header. */
export function readHeader(bytes: Buffer): { header: BackupHeader; headerBytes: Buffer } {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw unreadable('is not a Consentflow backup');
  const length = bytes.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (length > MAX_HEADER_BYTES || bytes.length < start + length)
    throw unreadable('is truncated (its header is incomplete)');
  const headerBytes = bytes.subarray(start, start + length);
  let header: BackupHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as BackupHeader;
  } catch {
    throw unreadable('has a corrupt header');
  }
  if (header.format !== 1 || typeof header.tenantId !== 'string' || !header.wrappedKey)
    throw unreadable('has an unknown format');
  return { header, headerBytes };
}

/**
 * Opens a whole file: checks its length, authenticates header and body with the file key
 * `unwrapKey` recovers, and checks the body's SHA-256. Throws BackupFileError for a file
 * that is truncated, tampered with or not a backup; returns the plaintext body.
 */
export async function openBackup(
  bytes: Buffer,
  unwrapKey: (wrapped: Buffer, header: BackupHeader) => Promise<Buffer>,
): Promise<{ header: BackupHeader; body: Buffer }> {
  const { header, headerBytes } = readHeader(bytes);
  const bodyStart = MAGIC.length + 4 + headerBytes.length;
  if (bytes.length !== bodyStart + header.bodyBytes + TAG_BYTES)
    throw unreadable(
      bytes.length < bodyStart + header.bodyBytes + TAG_BYTES
        ? 'is truncated'
        : 'has bytes after its end',
    );
  const fileKey = await unwrapKey(Buffer.from(header.wrappedKey, 'base64'), header);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', fileKey, Buffer.from(header.iv, 'base64'));
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(tag);
  let body: Buffer;
  try {
    body = Buffer.concat([
      decipher.update(bytes.subarray(bodyStart, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw unreadable('failed its integrity check (changed or damaged)');
  }
  if (createHash('sha256').update(body).digest('hex') !== header.sha256)
    throw unreadable('failed its integrity check (checksum)');
  return { header, body };
}

/** Splits a body into its BSON documents, in order. */
export function* bsonDocuments(body: Buffer): Generator<Buffer> {
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) throw unreadable('has a broken document');
    const size = body.readInt32LE(at);
    if (size < 5 || at + size > body.length) throw unreadable('has a broken document');
    yield body.subarray(at, at + size);
    at += size;
  }
}
