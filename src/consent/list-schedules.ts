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
  type Client,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { ListIdKey, TenantIdKey, WorkflowKindKey } from '../temporal/search-attributes';
import {
  workflowId,
  workflowKinds,
  type DoubleOptInSweepInput,
  type ListRef,
} from '../../workflows/definitions';

/** How often a tenant's double opt-in sweep runs: the longest a lost start waits for repair. */
const DOUBLE_OPT_IN_SWEEP_EVERY = '5 minutes';

const sweeps = [
  {
    kind: workflowKinds.consentRenewalSweep,
    workflowType: 'consentRenewalSweepWorkflow',
    policy: 'consentPolicy',
  },
  {
    kind: workflowKinds.inactivitySweep,
    workflowType: 'inactivitySweepWorkflow',
    policy: 'inactivityPolicy',
  },
] as const;

/** The schedule (and scheduled workflow) id of a list's sweep. */
export const sweepScheduleId = (kind: string, tenantId: string, listId: string) =>
  workflowId(kind, tenantId, listId);

/** Every Schedule a tenant may have: its double opt-in sweep and each list's two sweeps. */
export function tenantScheduleIds(tenantId: string, listIds: string[]): string[] {
  return [
    sweepScheduleId(workflowKinds.doubleOptInSweep, tenantId, tenantId),
    ...listIds.flatMap((listId) => [
      sweepScheduleId(workflowKinds.consentRenewalSweep, tenantId, listId),
      sweepScheduleId(workflowKinds.inactivitySweep, tenantId, listId),
    ]),
  ];
}

/** Creates the schedules the list's policies call for and deletes the others. Idempotent. */
export async function syncListSchedules(
  temporal: Client,
  taskQueue: string,
  ref: ListRef,
  list: { consentPolicy?: unknown; inactivityPolicy?: unknown },
): Promise<void> {
  for (const sweep of sweeps) {
    const scheduleId = sweepScheduleId(sweep.kind, ref.tenantId, ref.listId);
    if (!list[sweep.policy]) {
      await temporal.schedule
        .getHandle(scheduleId)
        .delete()
        .catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
      continue;
    }
    await createSchedule(temporal, {
      scheduleId,
      every: '1 day',
      workflowType: sweep.workflowType,
      taskQueue,
      args: [ref],
      kind: sweep.kind,
      ref,
    });
  }
  await ensureDoubleOptInSweep(temporal, taskQueue, ref.tenantId);
}

/** The tenant's double opt-in sweep schedule; created if missing. */
export async function ensureDoubleOptInSweep(
  temporal: Client,
  taskQueue: string,
  tenantId: string,
): Promise<void> {
  const input: DoubleOptInSweepInput = { tenantId };
  await createSchedule(temporal, {
    scheduleId: sweepScheduleId(workflowKinds.doubleOptInSweep, tenantId, tenantId),
    every: DOUBLE_OPT_IN_SWEEP_EVERY,
    workflowType: 'doubleOptInSweepWorkflow',
    taskQueue,
    args: [input],
    kind: workflowKinds.doubleOptInSweep,
    ref: { tenantId },
  });
}

/** Creates a sweep schedule; one that exists already does the job. */
async function createSchedule(
  temporal: Client,
  s: {
    scheduleId: string;
    every: Duration;
    workflowType: string;
    taskQueue: string;
    args: unknown[];
    kind: string;
    ref: { tenantId: string; listId?: string };
  },
): Promise<void> {
  const attributes = [
    { key: TenantIdKey, value: s.ref.tenantId },
    { key: WorkflowKindKey, value: s.kind },
    ...(s.ref.listId ? [{ key: ListIdKey, value: s.ref.listId }] : []),
  ];
  try {
    await temporal.schedule.create({
      scheduleId: s.scheduleId,
      spec: { intervals: [{ every: s.every }] },
      // A sweep still running when the next is due means a big list: skip, not pile up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: s.every },
      action: {
        type: 'startWorkflow',
        workflowType: s.workflowType,
        workflowId: s.scheduleId,
        taskQueue: s.taskQueue,
        args: s.args,
        typedSearchAttributes: attributes,
      },
      typedSearchAttributes: attributes,
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err; // exists: it already does the job
  }
}
