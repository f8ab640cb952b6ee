/**
 * The Temporal Schedules of a list: a daily consent renewal sweep while the list has a
 * consent policy, a daily inactivity sweep while it has an inactivity policy. The sweeps
 * read the list's current policy on every run, so a policy change applies from the next run
 * (renewal cycles already started keep the policy they started with).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import { ListIdKey, TenantIdKey, WorkflowKindKey } from '../temporal/search-attributes';
import { workflowId, workflowKinds, type ListRef } from '../../workflows/definitions';

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
    try {
      await temporal.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1 day' }] },
        // A sweep still running when the next is due means a big list: skip, not pile up.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
        action: {
          type: 'startWorkflow',
          workflowType: sweep.workflowType,
          workflowId: scheduleId,
          taskQueue,
          args: [ref],
          typedSearchAttributes: [
            { key: TenantIdKey, value: ref.tenantId },
            { key: WorkflowKindKey, value: sweep.kind },
            { key: ListIdKey, value: ref.listId },
          ],
        },
        typedSearchAttributes: [
          { key: TenantIdKey, value: ref.tenantId },
          { key: WorkflowKindKey, value: sweep.kind },
          { key: ListIdKey, value: ref.listId },
        ],
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err; // exists: it already does the job
    }
  }
}
