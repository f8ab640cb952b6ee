/**
 * The Schedule that reviews a tenant's access at an interval (CONSENTFLOW_ACCESS_REVIEW_EVERY_DAYS):
 * created when the tenant is provisioned (workflows/tenant-provisioning.ts) and, for tenants
 * from before reviews existed, by the worker at start (`ensureAccessReviewSchedules`). An
 * existing Schedule is left as it is, so a changed interval applies to new tenants only.
 * Shredding deletes it and the contract's freeze pauses it (`tenantScheduleIds`).
 */
import type { ControlModels } from '../../db/tenant-access';
import { servingStatuses } from '../../db/models/tenant';
import type { WorkflowGateway } from '../../temporal/workflows';

/** What keeping the Schedules needs. */
export interface AccessReviewScheduleDeps {
  workflows: WorkflowGateway;
}

/** Ensures the tenant's review Schedule, every `everyDays` days. Idempotent. */
export async function ensureAccessReviewSchedule(
  deps: AccessReviewScheduleDeps,
  tenantId: string,
  everyDays: number,
): Promise<void> {
  await deps.workflows.ensureSchedule('accessReview', { tenantId }, `${everyDays} days`);
}

/** Ensures the Schedule of every tenant served now; how many tenants it looked at. */
export async function ensureAccessReviewSchedules(
  deps: AccessReviewScheduleDeps & { control: ControlModels },
  everyDays: number,
): Promise<number> {
  const tenants = await deps.control.Tenant.find(
    { status: { $in: servingStatuses } },
    { _id: 1 },
  ).lean();
  for (const { _id } of tenants) await ensureAccessReviewSchedule(deps, String(_id), everyDays);
  return tenants.length;
}
