/**
 * The double opt-in sweep's step: find the subscription requests still marked
 * `startPendingSince` after the grace period and start their workflows. Starting is
 * idempotent (a running workflow is returned unchanged), so a retried or overlapping sweep
 * starts nothing twice; the workflow's first step clears the mark.
 */
import { Context } from '@temporalio/activity';
import { doubleOptInInput } from '../src/consent/subscription/ids';
import { startDoubleOptIn } from '../src/consent/subscription/start';
import type { ListDocument } from '../src/db/models/list';
import type { TenantAccess } from '../src/db/tenant-access';
import type { WorkflowGateway } from '../src/temporal/workflows';

/** What the sweep needs. */
export interface DoubleOptInSweepDeps {
  tenants: TenantAccess;
  workflows: WorkflowGateway;
}

/** Creates the sweep activity. */
export function createDoubleOptInSweepActivities({ tenants, workflows }: DoubleOptInSweepDeps) {
  return {
    /** Starts every request stored at least `graceSeconds` ago whose workflow never ran. */
    async startUnstartedSubscriptions(input: {
      tenantId: string;
      graceSeconds: number;
    }): Promise<{ started: number }> {
      const tenant = await tenants.forTenant(input.tenantId);
      const { Subscription, List } = tenant.models;
      const before = new Date(Date.now() - input.graceSeconds * 1000);
      const due = await Subscription.find(
        { startPendingSince: { $lte: before }, status: 'pending' },
        { contactId: 1, listId: 1, source: 1, textVersion: 1, textHash: 1 },
      ).lean();
      const lists = new Map<string, Pick<ListDocument, '_id' | 'name' | 'doubleOptIn'> | null>();
      let started = 0;
      for (const subscription of due) {
        if (!lists.has(subscription.listId))
          lists.set(
            subscription.listId,
            await List.findById(subscription.listId, { name: 1, doubleOptIn: 1 }).lean(),
          );
        const list = lists.get(subscription.listId);
        if (!list) continue; // the list is gone: nothing to confirm for
        await startDoubleOptIn(
          { workflows },
          doubleOptInInput(
            input.tenantId,
            list,
            { subscriptionId: subscription._id, contactId: subscription.contactId },
            {
              sourceKind: subscription.source.kind,
              sourceId: subscription.source.id,
              textVersion: subscription.textVersion,
              textHash: subscription.textHash,
            },
          ),
        );
        started += 1;
        Context.current().heartbeat(started);
      }
      return { started };
    },
  };
}
