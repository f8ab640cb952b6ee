/**
 * The double opt-in sweep's step: wake the double opt-in workflow of every list of the tenant
 * with mail queued or a request waiting for a deadline, so that nothing stored waits for a
 * wake that was lost (an api process that died between answering and waking, a workflow that
 * ops terminated). A running workflow just looks at its deadlines once more; a list with
 * nothing left is not touched.
 */
import type { DoubleOptInWake } from '../src/consent/subscription/wake';
import type { TenantAccess } from '../src/db/tenant-access';

/** What the sweep needs. */
export interface DoubleOptInSweepDeps {
  tenants: TenantAccess;
  wake: DoubleOptInWake;
}

/** Creates the sweep activity. */
export function createDoubleOptInSweepActivities({ tenants, wake }: DoubleOptInSweepDeps) {
  return {
    /** Wakes each list with double opt-in work; says how many. */
    async wakeListsWithWork(input: { tenantId: string }): Promise<{ woken: number }> {
      const tenant = await tenants.forTenant(input.tenantId);
      const { Outbox, Subscription } = tenant.models;
      const [queued, waiting] = await Promise.all([
        Outbox.distinct('listId'),
        Subscription.distinct('listId', { dueAt: { $exists: true } }),
      ]);
      const lists = new Set<string>([...queued, ...waiting]);
      for (const listId of lists) await wake.dueNow(input.tenantId, listId);
      return { woken: lists.size };
    },
  };
}
