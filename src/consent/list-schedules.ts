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
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleClient,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import {
  startedWorkflowId,
  type ScheduledStart,
  type WorkflowGateway,
  type WorkflowKind,
} from '../temporal/workflows';
import type { ListRef } from '../../workflows/definitions';

/** How often a tenant's double opt-in sweep runs: the longest a lost start waits for repair. */
const DOUBLE_OPT_IN_SWEEP_EVERY = '5 minutes';

/** What keeping a list's Schedules needs. */
export interface ScheduleDeps {
  /** Builds each Schedule's action: workflow id, task queue, search attributes. */
  workflows: WorkflowGateway;
  /**
   * The Schedules API itself (create, delete): a Schedule is no workflow, so the gateway does
   * not wrap it; what a Schedule starts still comes from the gateway.
   */
  schedules: ScheduleClient;
}

const sweeps = [
  { kind: 'consentRenewalSweep', policy: 'consentPolicy' },
  { kind: 'inactivitySweep', policy: 'inactivityPolicy' },
] as const;

/** Every Schedule a tenant may have: its double opt-in sweep and each list's two sweeps. */
export function tenantScheduleIds(tenantId: string, listIds: string[]): string[] {
  return [
    startedWorkflowId('doubleOptInSweep', { tenantId }),
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
    if (!list[sweep.policy]) {
      await deps.schedules
        .getHandle(startedWorkflowId(sweep.kind, ref))
        .delete()
        .catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
      continue;
    }
    await createSchedule(deps.schedules, deps.workflows.scheduledStart(sweep.kind, ref), '1 day');
  }
  await ensureDoubleOptInSweep(deps, ref.tenantId);
}

/** The tenant's double opt-in sweep schedule; created if missing. */
export async function ensureDoubleOptInSweep(deps: ScheduleDeps, tenantId: string): Promise<void> {
  await createSchedule(
    deps.schedules,
    deps.workflows.scheduledStart('doubleOptInSweep', { tenantId }),
    DOUBLE_OPT_IN_SWEEP_EVERY,
  );
}

/** Creates a sweep schedule; one that exists already does the job. */
async function createSchedule<K extends WorkflowKind>(
  schedules: ScheduleClient,
  start: ScheduledStart<K>,
  every: Duration,
): Promise<void> {
  try {
    await schedules.create({
      ...start, // id, action and search attributes
      spec: { intervals: [{ every }] },
      // A sweep still running when the next is due means a big list: skip, not pile up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err; // exists: it already does the job
  }
}
