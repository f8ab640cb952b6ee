/** The public shape of an access log entry (IP decrypted by the read). */
import { z } from 'zod';
import { accessEvents, type AccessLogDocument } from '../../db/models/access-log';

/** The response schema of an access log entry. */
export const accessEntrySchema = z
  .strictObject({
    id: z.string(),
    at: z.string(),
    event: z.enum(accessEvents),
    actor: z
      .strictObject({ kind: z.enum(['user', 'api_key', 'platform']), id: z.string() })
      .nullable(),
    subjectId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AccessLogEntry' });

/** Presents an access log entry. */
export const presentAccessEntry = (
  entry: AccessLogDocument,
): z.infer<typeof accessEntrySchema> => ({
  id: entry._id,
  at: entry.at.toISOString(),
  event: entry.event,
  actor: entry.actor ?? null,
  subjectId: entry.subjectId ?? null,
  ip: entry.ip === undefined ? null : String(entry.ip),
  details: entry.details ?? null,
});
