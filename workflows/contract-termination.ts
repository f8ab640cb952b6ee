/**
 * Contract termination: at the contract's end the tenant is frozen (read-only, Schedules
 * paused) for its export window, then everything it had is deleted, its data key first, and
 * a deletion certificate is issued. Until deletion starts, a new end moves the plan and a
 * renewal ends the termination with the tenant served again.
 *
 * The tenant's admins are told when the export window begins and again before the deletion.
 * The deletion starts at most MAX_EXPORT_WINDOW_DAYS after the end, leaving days before the
 * law's 20: a deletion step that keeps failing is retried, and the operator is alerted (and
 * reminded) while there is time to fix its cause. `DeletionDeadline` shows the limit in the
 * Temporal Web UI.
 *
 * This workflow is the one writer of the tenant's status from its start on, and it answers
 * every change itself (Updates): a change is either applied (the answer comes once it is
 * recorded on the tenant) or refused because deletion has started; never "accepted" and then
 * overtaken by the deletion.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  MAX_DELETION_DAYS,
  MAX_EXPORT_WINDOW_DAYS,
  moveContractEndUpdate,
  renewContractUpdate,
  type ContractEndPlan,
  type ContractNoticeInput,
  type ContractTerminationInput,
  type ContractTerminationResult,
} from './definitions';
import { activityFailures } from './failures';

/**
 * Runs started before the admins' notices and the operator's alerts existed replay without
 * them (their histories have no notice or alert steps).
 */
const NOTICES_AND_ALERTS = 'contract-end-notices-and-alerts';

/** As registered in src/temporal/search-attributes.ts (workflows import nothing from src/). */
const DeletionDeadlineKey = defineSearchAttributeKey(
  'DeletionDeadline',
  SearchAttributeType.DATETIME,
);

const DAY_MS = 86_400_000;
/** How long before the deletion the admins are reminded (when the window is longer). */
const REMIND_BEFORE_DELETION_MS = 2 * DAY_MS;
/** How often the operator is reminded while a deletion step keeps failing. */
const ALERT_AGAIN_AFTER_MS = 6 * 3_600_000;
/** Steps that may stop the workflow for a person to look at, rather than being retried. */
const stoppingFailures: string[] = [
  activityFailures.tenantNotFrozen,
  activityFailures.tenantNotDeleted,
];

const steps = {
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '5 minutes', nonRetryableErrorTypes: stoppingFailures },
} as const;
const {
  applyContractEnd,
  freezeTenant,
  resumeTenant,
  beginDeletion,
  shredTenant,
  certifyDeletion,
} = proxyActivities<Activities>(steps);
/** The deletion's steps, each given a bounded time before the operator hears of it. */
const persistent = proxyActivities<Activities>({ ...steps, scheduleToCloseTimeout: '30 minutes' });
/** Telling people never holds the termination up: a notice the relay refuses for long is dropped. */
const { sendContractNotice, alertDeletionFailing } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: { maximumInterval: '10 minutes' },
});

/** The failure's type, for the operator's alert (never its message). */
function failureTypeOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.type ?? 'ApplicationFailure';
  return cause instanceof Error ? cause.name : 'unknown';
}

/** Whether the step stopped for a person to look at (retrying it would not help). */
const stopped = (err: unknown) =>
  err instanceof ActivityFailure &&
  err.cause instanceof ApplicationFailure &&
  (err.cause.nonRetryable || stoppingFailures.includes(err.cause.type ?? ''));

/** Ends a tenant's contract as planned, or as the latest plan or a renewal says. */
export async function contractTerminationWorkflow(
  input: ContractTerminationInput,
): Promise<ContractTerminationResult> {
  const { tenantId } = input;
  const tellsPeople = patched(NOTICES_AND_ALERTS);
  let plan: ContractEndPlan = {
    endsAt: input.endsAt,
    deleteAt: input.deleteAt,
    exportWindowDays: input.exportWindowDays,
  };
  let renewed = false;
  let changed = false;
  let deletionStarted = false;
  /** How many changes were asked for, and how many the tenant record shows. */
  let asked = 0;
  let recorded = 0;

  setHandler(moveContractEndUpdate, async (next) => {
    if (deletionStarted) return 'deletion-started';
    plan = next;
    renewed = false;
    changed = true;
    const mine = ++asked;
    await condition(() => recorded >= mine || deletionStarted);
    if (recorded < mine) return 'deletion-started';
    return plan === next && !renewed ? 'applied' : 'superseded';
  });
  setHandler(renewContractUpdate, async () => {
    if (deletionStarted) return 'deletion-started';
    renewed = true;
    changed = true;
    const mine = ++asked;
    await condition(() => recorded >= mine || deletionStarted);
    if (recorded < mine) return 'deletion-started';
    return renewed ? 'renewed' : 'superseded';
  });
  /** Waits until `time` (ISO); whether a change came first. */
  const interruptedBefore = async (time: string) => {
    const left = Date.parse(time) - Date.now();
    return left > 0 ? condition(() => changed, left) : changed;
  };
  /** When the deletion starts: as planned, and never later than the margin allows. */
  const deletionStart = () =>
    tellsPeople
      ? new Date(
          Math.min(
            Date.parse(plan.deleteAt),
            Date.parse(plan.endsAt) + MAX_EXPORT_WINDOW_DAYS * DAY_MS,
          ),
        ).toISOString()
      : plan.deleteAt;
  /** Tells the admins, unless the deletion is already due. */
  const notify = async (notice: ContractNoticeInput['notice']) => {
    if (Date.now() >= Date.parse(deletionStart())) return;
    try {
      await sendContractNotice({ tenantId, ...plan, deleteAt: deletionStart(), notice });
    } catch {
      // The relay refused for an hour: the deletion goes ahead on time regardless.
    }
  };

  for (;;) {
    changed = false;
    const applying = asked;
    if (renewed) {
      await resumeTenant({ tenantId });
      if (tellsPeople) upsertSearchAttributes([{ key: DeletionDeadlineKey, value: null }]);
      recorded = applying;
      if (!changed) {
        await condition(allHandlersFinished); // the renewal's caller gets its answer first
        return { outcome: 'renewed' };
      }
      continue; // a new end arrived meanwhile
    }
    if (!(await applyContractEnd({ tenantId, ...plan }))) {
      // Deleted, or being deleted, by an earlier run: nothing more to do here.
      deletionStarted = true;
      await condition(allHandlersFinished);
      return { outcome: 'deleted' };
    }
    recorded = applying;
    if (tellsPeople)
      upsertSearchAttributes([
        {
          key: DeletionDeadlineKey,
          value: new Date(Date.parse(plan.endsAt) + MAX_DELETION_DAYS * DAY_MS),
        },
      ]);
    if (await interruptedBefore(plan.endsAt)) continue;
    await freezeTenant({ tenantId });
    if (tellsPeople) {
      if (plan.exportWindowDays > 0) await notify('export-window');
      const remindAt = Date.parse(deletionStart()) - REMIND_BEFORE_DELETION_MS;
      if (remindAt > Date.parse(plan.endsAt)) {
        if (await interruptedBefore(new Date(remindAt).toISOString())) continue;
        await notify('deletion-soon');
      }
    }
    if (await interruptedBefore(deletionStart())) continue;
    break;
  }
  // Decided in the same workflow task as the timer that ended the window: a change handled
  // from now on is answered `deletion-started`.
  deletionStarted = true;
  const deadline = new Date(Date.parse(plan.endsAt) + MAX_DELETION_DAYS * DAY_MS).toISOString();

  /**
   * Runs a deletion step until it succeeds, alerting the operator when it has failed for its
   * bounded time and again every few hours; a step that stopped (the tenant is not in the
   * state the deletion expects) is alerted and fails the workflow for a person to finish.
   */
  async function persistently<T>(step: string, run: () => Promise<T>): Promise<T> {
    let alertedAt: number | undefined;
    for (;;) {
      try {
        return await run();
      } catch (err) {
        const isStop = stopped(err);
        if (isStop || alertedAt === undefined || Date.now() - alertedAt >= ALERT_AGAIN_AFTER_MS) {
          alertedAt = Date.now();
          await alertDeletionFailing({
            tenantId,
            step,
            deadline,
            failure: failureTypeOf(err),
            retrying: !isStop,
          }).catch(() => undefined);
        }
        if (isStop) throw err;
      }
    }
  }

  let certificateId: string;
  if (tellsPeople) {
    await persistently('begin-deletion', () => persistent.beginDeletion({ tenantId }));
    await persistently('shred', () => persistent.shredTenant({ tenantId }));
    certificateId = await persistently('certify', () => persistent.certifyDeletion({ tenantId }));
  } else {
    await beginDeletion({ tenantId });
    await shredTenant({ tenantId });
    certificateId = await certifyDeletion({ tenantId });
  }
  await condition(allHandlersFinished);
  return { outcome: 'deleted', certificateId };
}
