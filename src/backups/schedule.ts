/**
 * The Schedule that backs a tenant up every CONSENTFLOW_BACKUP_EVERY_HOURS: created when the
 * tenant is activated (activities/tenants.ts) and, for tenants from before backups existed,
 * by the worker at start (`ensureBackupSchedules`). An existing Schedule is left as it is, so
 * a changed interval applies to new tenants only. The contract's freeze pauses it and the
 * shredding deletes it (`tenantScheduleIds`, src/consent/list-schedules.ts).
 */
import { readableStatuses } from '../db/models/tenant';
import type { ControlModels } from '../db/tenant-access';
import type { WorkflowGateway } from '../temporal/workflows';

/** What keeping the Schedules needs. */
export interface BackupScheduleDeps {
  workflows: Pick<WorkflowGateway, 'ensureSchedule'>;
}

/** Ensures the tenant's backup Schedule, every `everyHours` hours. Idempotent. */
export async function ensureBackupSchedule(
  deps: BackupScheduleDeps,
  tenantId: string,
  everyHours: number,
): Promise<void> {
  await deps.workflows.ensureSchedule('tenantBackup', { tenantId }, `${everyHours} hours`);
}

/** Ensures the Schedule of every tenant with data to back up; how many it looked at. */
export async function ensureBackupSchedules(
  deps: BackupScheduleDeps & { control: ControlModels },
  everyHours: number,
): Promise<number> {
  const tenants = await deps.control.Tenant.find(
    { status: { $in: readableStatuses } },
    { _id: 1 },
  ).lean();
  for (const { _id } of tenants) await ensureBackupSchedule(deps, String(_id), everyHours);
  return tenants.length;
}
