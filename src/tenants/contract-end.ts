/**
 * A tenant's contract end: when its data goes, and how the tenant record shows it.
 *
 * The contract ends at `endsAt`; the tenant is then frozen (read-only) for an export window of
 * up to MAX_EXPORT_WINDOW_DAYS (17: the deletion keeps 3 days before the law's 20 for retries
 * and the operator), after which everything it had is deleted (its data key first: crypto-
 * shredding makes every copy unreadable, backups included). The window is the tenant's time to
 * take its data out; 0 deletes at the end itself. The contract-termination workflow
 * (workflows/contract-termination.ts) carries the plan out and is the one writer of the
 * tenant's status from then on: the API hands it changes and reports its answers.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ControlModels } from '../db/tenant-access';
import { AppError } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import {
  moveContractEndUpdate,
  renewContractUpdate,
  type ContractChangeAnswer,
  type ContractEndPlan,
  MAX_DELETION_DAYS,
  MAX_EXPORT_WINDOW_DAYS,
} from '../../workflows/definitions';
import { readableStatuses } from '../db/models/tenant';

export { MAX_DELETION_DAYS, MAX_EXPORT_WINDOW_DAYS } from '../../workflows/definitions';
/** The export window when none is asked for. */
export const DEFAULT_EXPORT_WINDOW_DAYS = 14;

const DAY_MS = 86_400_000;

/** The plan for a contract ending at `endsAt` with an export window of `exportWindowDays`. */
export function planContractEnd(endsAt: Date, exportWindowDays: number): ContractEndPlan {
  if (!Number.isInteger(exportWindowDays) || exportWindowDays < 0)
    throw new RangeError('the export window is a whole number of days, 0 or more');
  if (exportWindowDays > MAX_EXPORT_WINDOW_DAYS)
    throw new RangeError(
      `the export window is at most ${MAX_EXPORT_WINDOW_DAYS} days (the deletion must be done within ${MAX_DELETION_DAYS} days of the end)`,
    );
  return {
    endsAt: endsAt.toISOString(),
    deleteAt: new Date(endsAt.getTime() + exportWindowDays * DAY_MS).toISOString(),
    exportWindowDays,
  };
}

/** How long a route waits for the termination's answer before telling the caller to retry. */
export const CHANGE_WAIT_MS = 20_000;

/**
 * Thrown when the termination did not answer in time (its worker is down, say). The change
 * may still take effect later: the Update stays with the workflow.
 */
export class ContractChangeTimeoutError extends AppError {
  constructor() {
    super(
      'unavailable',
      'termination_unavailable',
      'the contract termination did not answer in time; retry',
    );
    this.name = 'ContractChangeTimeoutError';
  }
}

/** What handing the termination a change needs. */
export interface ContractChangeDeps {
  workflows: WorkflowGateway;
}

/** The answer of an Update call given up (its RPC cancelled) after CHANGE_WAIT_MS. */
async function answerOf<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw new ContractChangeTimeoutError();
    throw err;
  }
}

/** Whether an Update failed because no termination runs (none started, or it closed). */
const notRunning = (err: unknown) => err instanceof WorkflowNotFoundError;

/**
 * Hands the tenant's termination a new plan, starting one if none runs (a closed run, say a
 * renewed one, is followed by a new one). The answer comes from the workflow once the plan is
 * recorded on the tenant: `applied`, or `deletion-started` when too late.
 */
export async function moveContractEnd(
  deps: ContractChangeDeps,
  tenantId: string,
  plan: ContractEndPlan,
): Promise<ContractChangeAnswer> {
  // One termination per tenant: its opaque id is the tenant id.
  const move = () =>
    answerOf(
      deps.workflows.update('contractTermination', tenantId, tenantId, moveContractEndUpdate, {
        args: [plan],
        waitMs: CHANGE_WAIT_MS,
      }),
    );
  try {
    return await move();
  } catch (err) {
    if (!notRunning(err)) throw err;
  }
  // False when a concurrent start came first: the Update then goes to that one.
  await deps.workflows.startOnce('contractTermination', { tenantId, ...plan });
  return move();
}

/** Renews the contract: `renewed`, `deletion-started`, or `not-scheduled` when none runs. */
export async function renewContract(
  deps: ContractChangeDeps,
  tenantId: string,
): Promise<ContractChangeAnswer | 'not-scheduled'> {
  try {
    return await answerOf(
      deps.workflows.update('contractTermination', tenantId, tenantId, renewContractUpdate, {
        waitMs: CHANGE_WAIT_MS,
      }),
    );
  } catch (err) {
    if (notRunning(err)) return 'not-scheduled';
    throw err;
  }
}

/**
 * Records the plan on the tenant: its contract end and scheduled deletion, and `ending` for a
 * tenant still `active`. Nothing changes once deletion has started. Returns whether it did.
 */
export async function recordContractEnd(
  control: ControlModels,
  tenantId: string,
  plan: ContractEndPlan,
): Promise<boolean> {
  const deletion = {
    scheduledFor: new Date(plan.deleteAt),
    exportWindowDays: plan.exportWindowDays,
  };
  const { matchedCount } = await control.Tenant.updateOne(
    {
      _id: tenantId,
      status: { $in: readableStatuses },
      'deletion.startedAt': { $exists: false },
    },
    {
      $set: {
        contractEndsAt: new Date(plan.endsAt),
        'deletion.scheduledFor': deletion.scheduledFor,
        'deletion.exportWindowDays': deletion.exportWindowDays,
      },
    },
  );
  if (matchedCount === 0) return false;
  await control.Tenant.updateOne(
    { _id: tenantId, status: 'active' },
    { $set: { status: 'ending' } },
  );
  return true;
}
