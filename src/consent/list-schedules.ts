/**
 * The Temporal Schedules of a list: a daily consent renewal sweep while the list has a
 * consent policy, a daily inactivity sweep while it has an inactivity policy. The sweeps
 * read the list's current policy on every run, so a policy change applies from the next run
 * (renewal cycles already started keep the policy they started with).
 *
 * And the one Schedule per tenant that its lists' subscriptions need: the double opt-in
 * sweep, every few minutes, which starts requests stored without a running workflow. It is
 * ensured with every list, so a tenant has it from its first list on.
 */
import { startedWorkflowId, type WorkflowGateway } from '../temporal/workflows';
import type { ListRef } from '../../workflows/definitions';

/** How often a tenant's double opt-in sweep runs: the longest a lost start waits for repair. */
const DOUBLE_OPT_IN_SWEEP_EVERY = '5 minutes';

/** What keeping a list's Schedules needs. */
export interface ScheduleDeps {
  /** Creates and deletes the Schedules (src/temporal/workflows.ts). */
  workflows: WorkflowGateway;
}

const sweeps = [
  { kind: 'consentRenewalSweep', policy: 'consentPolicy' },
  { kind: 'inactivitySweep', policy: 'inactivityPolicy' },
] as const;

/**
 * Every Schedule a tenant may have: its double opt-in sweep, its webhook sweep (ensured with
 * its first webhook, src/webhooks/endpoints.ts), its access review, its backups and each
 * list's two sweeps.
 */
export function tenantScheduleIds(tenantId: string, listIds: string[]): string[] {
  return [
    startedWorkflowId('doubleOptInSweep', { tenantId }),
    startedWorkflowId('webhookSweep', { tenantId }),
    startedWorkflowId('accessReview', { tenantId }), // src/tenants/access-review/schedule.ts
    startedWorkflowId('tenantBackup', { tenantId }), // src/backups/schedule.ts
    ...listIds.flatMap((listId) =>
      sweeps.map((sweep) => startedWorkflowId(sweep.kind, { tenantId, listId })),
    ),
  ];
}

/** Creates the schedules the list's policies call for and deletes the others. Idempotent. */
export async function syncListSchedules(
  deps: ScheduleDeps,
  ref: ListRef,
  list: { consentPolicy?: unknown; inactivityPolicy?: unknown },
): Promise<void> {
  for (const sweep of sweeps) {
    if (list[sweep.policy]) await deps.workflows.ensureSchedule(sweep.kind, ref, '1 day');
    else await deps.workflows.deleteSchedules([startedWorkflowId(sweep.kind, ref)]);
  }
  // The tenant's double opt-in sweep; created with its first list.
  await deps.workflows.ensureSchedule(
    'doubleOptInSweep',
    { tenantId: ref.tenantId },
    DOUBLE_OPT_IN_SWEEP_EVERY,
  );
}
