/**
 * Contract termination: at the contract's end the tenant is frozen (read-only, Schedules
 * paused) for its export window, then everything it had is deleted, its data key first, and
 * a deletion certificate is issued. Until deletion starts, a new end moves the plan and a
 * renewal ends the termination with the tenant served again.
 *
 * This workflow is the one writer of the tenant's status from its start on, and it answers
 * every change itself (Updates): a change is either applied (the answer comes once it is
 * recorded on the tenant) or refused because deletion has started; never "accepted" and then
 * overtaken by the deletion.
 */
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  moveContractEndUpdate,
  renewContractUpdate,
  type ContractEndPlan,
  type ContractTerminationInput,
  type ContractTerminationResult,
} from './definitions';
import { activityFailures } from './failures';

const {
  applyContractEnd,
  freezeTenant,
  resumeTenant,
  beginDeletion,
  shredTenant,
  certifyDeletion,
} = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.tenantNotFrozen, activityFailures.tenantNotDeleted],
  },
});

/** Ends a tenant's contract as planned, or as the latest plan or a renewal says. */
export async function contractTerminationWorkflow(
  input: ContractTerminationInput,
): Promise<ContractTerminationResult> {
  const { tenantId } = input;
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

  for (;;) {
    changed = false;
    const applying = asked;
    if (renewed) {
      await resumeTenant({ tenantId });
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
    if (await interruptedBefore(plan.endsAt)) continue;
    await freezeTenant({ tenantId });
    if (await interruptedBefore(plan.deleteAt)) continue;
    break;
  }
  // Decided in the same workflow task as the timer that ended the window: a change handled
  // from now on is answered `deletion-started`.
  deletionStarted = true;
  await beginDeletion({ tenantId });
  await shredTenant({ tenantId });
  const certificateId = await certifyDeletion({ tenantId });
  await condition(allHandlersFinished);
  return { outcome: 'deleted', certificateId };
}
