/**
 * Tenant shredding: destroy the tenant's data key, then its schedules, workflows, database,
 * accounts and control records. Used by contract termination once the export window has passed.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TenantRef } from './definitions';

const { shredTenant } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute' },
});

/** Makes every copy of a tenant's data unreadable and removes what is left. */
export async function tenantShreddingWorkflow(input: TenantRef): Promise<void> {
  await shredTenant(input);
}
