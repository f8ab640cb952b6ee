/**
 * A tenant's backup (a run of its Schedule, every CONSENTFLOW_BACKUP_EVERY_HOURS, or one the
 * platform asked for): the tenant database is written, encrypted, to the backup store, then
 * the backups the retention lets go are deleted. Pruning only after a new backup exists, so a
 * failing backup never leaves the tenant with fewer backups than before.
 */
import { proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TenantBackupRef, TenantBackupResult } from './definitions';

const { backUpTenant, pruneTenantBackups } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes', // the dump heartbeats every few thousand documents
  retry: { maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** `b` + the run's UTC start time (sortable) + random hex, as src/backups/store.ts expects. */
const newBackupId = () => {
  const stamp = workflowInfo().startTime.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `b${stamp}${uuid4().replace(/-/g, '').slice(0, 8)}`;
};

/** Backs the tenant up, then prunes per the retention. */
export async function tenantBackupWorkflow(input: TenantBackupRef): Promise<TenantBackupResult> {
  const backupId = input.backupId ?? newBackupId();
  const written = await backUpTenant({ tenantId: input.tenantId, backupId });
  if (!written) return { backupId: null, documents: 0, size: 0, pruned: [] }; // tenant gone
  const pruned = await pruneTenantBackups({ tenantId: input.tenantId });
  return { backupId, documents: written.documents, size: written.size, pruned };
}
