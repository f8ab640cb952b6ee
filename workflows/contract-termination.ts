/**
 * Contract termination: at the contract's end the tenant is frozen (read-only, Schedules
 * paused) for its export window, then everything it had is deleted, its data key first, and
 * a deletion certificate is issued. Until deletion starts, a new end moves the plan and a
 * renewal ends the termination with the tenant served again. This workflow is the one
 * writer of the tenant's status from its start on, so a renewal and the deletion never race.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  contractEndSignal,
  contractRenewedSignal,
  type ContractTerminationInput,
  type ContractTerminationResult,
} from './definitions';

const {
  applyContractEnd,
  freezeTenant,
  resumeTenant,
  beginDeletion,
  shredTenant,
  certifyDeletion,
} = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/** Ends a tenant's contract as planned, or as the latest plan or a renewal says. */
export async function contractTerminationWorkflow(
  input: ContractTerminationInput,
): Promise<ContractTerminationResult> {
  const { tenantId } = input;
  let plan = {
    endsAt: input.endsAt,
    deleteAt: input.deleteAt,
    exportWindowDays: input.exportWindowDays,
  };
  let renewed = false;
  let changed = false;
  setHandler(contractEndSignal, (next) => {
    plan = next;
    renewed = false;
    changed = true;
  });
  setHandler(contractRenewedSignal, () => {
    renewed = true;
    changed = true;
  });
  /** Waits until `time` (ISO); whether a new plan or a renewal came first. */
  const interruptedBefore = async (time: string) => {
    const left = Date.parse(time) - Date.now();
    return left > 0 ? condition(() => changed, left) : changed;
  };

  for (;;) {
    changed = false;
    if (renewed) {
      await resumeTenant({ tenantId });
      if (!changed) return { outcome: 'renewed' };
      continue; // a new end arrived meanwhile
    }
    await applyContractEnd({ tenantId, ...plan });
    if (await interruptedBefore(plan.endsAt)) continue;
    await freezeTenant({ tenantId });
    if (await interruptedBefore(plan.deleteAt)) continue;
    break;
  }
  // From here on nothing changes the plan: signals are still received, and ignored.
  await beginDeletion({ tenantId });
  await shredTenant({ tenantId });
  const certificateId = await certifyDeletion({ tenantId });
  return { outcome: 'deleted', certificateId };
}
