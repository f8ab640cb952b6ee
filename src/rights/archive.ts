/**
 * The access and portability archive: a zip (jszip) with `data.json`, the whole of it in one
 * machine-readable document (format `consentflow.subject-data/v1`, described in the README
 * inside), one CSV per collection (csv-stringify) and that README. It is stored in chunks, each
 * encrypted under the tenant's key, so it dies with the tenant like the data it copies.
 */
import JSZip from 'jszip';
import { stringify } from 'csv-stringify/sync';
import type { TenantScope } from '../db/tenant-access';
import { subjectFileDescriptions, type SubjectData } from './subject-data';

/** The JSON format's name and version. */
export const ARCHIVE_FORMAT = 'consentflow.subject-data/v1';

/** Bytes per stored chunk (before base64 and encryption). */
const CHUNK_BYTES = 1 << 20;

function readme(data: SubjectData, kind: 'access' | 'portability', createdAt: Date): string {
  const files = (Object.keys(subjectFileDescriptions) as (keyof SubjectData)[])
    .map((f) => `- ${f}.csv (${data[f].length} rows): ${subjectFileDescriptions[f]}`)
    .join('\n');
  return `Your data, as held on ${createdAt.toISOString()}

This archive answers your ${kind === 'access' ? 'request for access to your personal data (GDPR Art. 15)' : 'request to receive your personal data in a portable format (GDPR Art. 20)'}.

data.json holds everything below in one document, format "${ARCHIVE_FORMAT}":
{ "format", "createdAt", "collections": { "<name>": [ { "<column>": value, ... } ] } }
with the same names and columns as the CSV files. Times are ISO 8601 in UTC; a missing value
is null.

The CSV files, one per collection, with a header row:
${files}
`;
}

/** Builds the archive's zip. */
export async function buildArchive(
  data: SubjectData,
  kind: 'access' | 'portability',
  createdAt: Date,
): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('README.txt', readme(data, kind, createdAt));
  zip.file(
    'data.json',
    JSON.stringify(
      { format: ARCHIVE_FORMAT, createdAt: createdAt.toISOString(), collections: data },
      null,
      2,
    ),
  );
  for (const [name, rows] of Object.entries(data) as [
    keyof SubjectData,
    SubjectData[keyof SubjectData],
  ][]) {
    const columns = rows.length ? Object.keys(rows[0]!) : ['(none)'];
    zip.file(`${name}.csv`, stringify(rows, { header: true, columns }));
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** Stores the archive of a request (replacing any earlier one); its chunk count. */
export async function storeArchive(
  tenant: TenantScope,
  requestId: string,
  zip: Buffer,
): Promise<number> {
  const { RightsArchiveChunk } = tenant.models;
  await RightsArchiveChunk.deleteMany({ requestId });
  const chunks: { _id: string; requestId: string; n: number; data: unknown }[] = [];
  for (let n = 0, at = 0; at < zip.length || n === 0; n++, at += CHUNK_BYTES) {
    chunks.push({
      _id: `${requestId}:${n}`,
      requestId,
      n,
      data: await tenant.private(zip.subarray(at, at + CHUNK_BYTES).toString('base64')),
    });
  }
  await RightsArchiveChunk.insertMany(chunks);
  return chunks.length;
}

/** Reads a stored archive back (the chunks decrypted by the shared client). */
export async function readArchive(tenant: TenantScope, requestId: string): Promise<Buffer | null> {
  const chunks = await tenant.models.RightsArchiveChunk.find({ requestId }).sort({ n: 1 }).lean();
  if (chunks.length === 0) return null;
  return Buffer.concat(chunks.map((c) => Buffer.from(String(c.data), 'base64')));
}
