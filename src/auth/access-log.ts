/**
 * Writes and reads the access log (src/db/models/access-log.ts). The IP is encrypted under
 * the tenant's key when the tenant is known, else under the platform key.
 */
import { randomBytes } from 'node:crypto';
import type { FieldEncryption } from '../db/encryption';
import type { AccessEvent, AccessLogDocument } from '../db/models/access-log';
import type { ControlModels } from '../db/tenant-access';

/** One event to record. */
export interface AccessEntry {
  tenantId?: string;
  event: AccessEvent;
  actor?: AccessLogDocument['actor'];
  subjectId?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

/** The access log of a process. */
export type AccessLog = ReturnType<typeof createAccessLog>;

/** Creates the access log writer. */
export function createAccessLog(deps: { control: ControlModels; encryption: FieldEncryption }) {
  const { AccessLog } = deps.control;
  return {
    /** Records one event. */
    async record(entry: AccessEntry): Promise<void> {
      const ip = entry.ip
        ? entry.tenantId
          ? await deps.encryption.encryptPrivate(entry.ip, entry.tenantId)
          : await deps.encryption.encryptPlatformPrivate(entry.ip)
        : undefined;
      await AccessLog.create({
        _id: `a${randomBytes(10).toString('hex')}`,
        tenantId: entry.tenantId,
        at: new Date(),
        event: entry.event,
        actor: entry.actor,
        subjectId: entry.subjectId,
        ip,
        details: entry.details,
      });
    },
  };
}
