/**
 * Backup and restore activities (src/backups/): write a tenant's backup and prune what its
 * retention lets go; load a backup into a new database, replay later erasures there, switch
 * the tenant to it and drop the database it replaced. Each is idempotent under retry: a
 * backup is written under the id the workflow chose, a load empties its database first.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  pruneBackups,
  writeBackup,
  type BackupSummary,
  type RetentionPolicy,
} from '../src/backups/backup';
import { BackupFileError } from '../src/backups/file-format';
import {
  dropReplacedDatabases,
  loadBackup,
  replayErasures,
  switchTenantDatabase,
  type RestoreDeps,
} from '../src/backups/restore';
import { ensureBackupSchedule } from '../src/backups/schedule';
import { AppError } from '../src/errors';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { TenantBackupRef, TenantRestoreInput } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the backup activities need. */
export type BackupActivityDeps = RestoreDeps & {
  workflows: Pick<WorkflowGateway, 'ensureSchedule'>;
  backupPolicy: RetentionPolicy & { everyHours: number };
};

const heartbeat = () => Context.current().heartbeat();

/** A file or backup id no retry can make usable fails the workflow (with its public id). */
const permanent = (err: unknown): never => {
  if (err instanceof BackupFileError || (err instanceof AppError && err.kind === 'not_found'))
    throw ApplicationFailure.nonRetryable(err.message, activityFailures.backupUnusable, err.id);
  throw err;
};

/** Creates the backup activities. */
export function createBackupActivities(deps: BackupActivityDeps) {
  return {
    /** Writes the tenant's backup under `backupId`; null when the tenant is gone. */
    async backUpTenant({
      tenantId,
      backupId,
    }: Required<TenantBackupRef>): Promise<BackupSummary | null> {
      return (await writeBackup(deps, tenantId, backupId, heartbeat)) ?? null;
    },

    /** Deletes the backups the retention lets go; their ids. */
    pruneTenantBackups({ tenantId }: TenantBackupRef): Promise<string[]> {
      return pruneBackups(deps, tenantId, deps.backupPolicy);
    },

    /** Ensures the tenant's backup Schedule (at provisioning). */
    async ensureBackupSchedule({ tenantId }: TenantBackupRef): Promise<void> {
      await ensureBackupSchedule(deps, tenantId, deps.backupPolicy.everyHours);
    },

    /** Loads the backup into the restore's new database; its name and what the backup holds. */
    loadTenantBackup(input: TenantRestoreInput) {
      return loadBackup(deps, input.tenantId, input.backupId, input.restoreId, heartbeat).catch(
        permanent,
      );
    },

    /** Erases again, in the restored database, whoever the ledger says was erased since. */
    replayTenantErasures(input: { tenantId: string; database: string; since: string }) {
      return replayErasures(deps, input.tenantId, input.database, new Date(input.since));
    },

    /** Switches the tenant to the restored database; false when the tenant is gone. */
    switchTenantDatabase(input: { tenantId: string; database: string }): Promise<boolean> {
      return switchTenantDatabase(deps, input.tenantId, input.database);
    },

    /** Drops the tenant's databases other than its current one; their names. */
    dropReplacedTenantDatabases({ tenantId }: { tenantId: string }): Promise<string[]> {
      return dropReplacedDatabases(deps, tenantId);
    },
  };
}
