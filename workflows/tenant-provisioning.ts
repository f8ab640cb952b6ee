/**
 * Tenant provisioning: key and database, first admin, activation. A crash at any point is
 * finished by the next worker; a permanent failure is undone, so a tenant is either fully
 * there or not there at all.
 */
import { ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TenantProvisioningResult, TenantRef } from './definitions';
import { activityFailures, workflowFailures } from './failures';

const {
  prepareTenantDatabase,
  createFirstAdmin,
  activateTenant,
  abandonTenant,
  ensureAccessReviewSchedule,
  ensureBackupSchedule,
} = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    maximumAttempts: 10,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [activityFailures.tenantMissing],
  },
});

/** Provisions a tenant whose control record the api has created. */
export async function tenantProvisioningWorkflow(
  input: TenantRef,
): Promise<TenantProvisioningResult> {
  try {
    await prepareTenantDatabase(input);
    await createFirstAdmin(input);
    await activateTenant(input);
  } catch (err) {
    await abandonTenant(input); // no half-made tenant
    throw ApplicationFailure.nonRetryable(
      `tenant provisioning failed and was undone`,
      workflowFailures.tenantProvisioningFailed,
      {
        cause: err instanceof Error ? err.name : 'unknown',
      },
    );
  }
  // The tenant's access review Schedule. Runs started before reviews existed replay without
  // it; a failure here leaves the tenant as it is, and the worker's next start ensures the
  // Schedule of every tenant (src/tenants/access-review/schedule.ts).
  if (patched('access-review-schedule'))
    await ensureAccessReviewSchedule(input).catch(() => undefined);
  // Its backup Schedule, likewise (src/backups/schedule.ts).
  if (patched('backup-schedule')) await ensureBackupSchedule(input).catch(() => undefined);
  return { tenantId: input.tenantId, status: 'active' };
}
