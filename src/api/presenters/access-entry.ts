/** The public shape of an access log entry (IP decrypted by the read). */
import type { AccessLogDocument } from '../../db/models/access-log';

/** Presents an access log entry. */
export const presentAccessEntry = (entry: AccessLogDocument) => ({
  id: entry._id,
  at: entry.at.toISOString(),
  event: entry.event,
  actor: entry.actor ?? null,
  subjectId: entry.subjectId ?? null,
  ip: entry.ip === undefined ? null : String(entry.ip),
  details: entry.details ?? null,
});
