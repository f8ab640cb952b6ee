/**
 * The steps of a contract's end: record the plan, freeze the tenant at the end (read-only,
 * its Schedules paused), serve it again when renewed, and after the deletion (the tenant
 * activities' `shredTenant`) issue the deletion certificate. Each is idempotent: a retry
 * converges on the same state.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { tenantScheduleIds } from '../src/consent/list-schedules';
import type { TenantAccess } from '../src/db/tenant-access';
import { recordContractEnd } from '../src/tenants/contract-end';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { ContractTerminationInput, TenantRef } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the contract-end activities need. */
export interface ContractEndDeps {
  tenants: TenantAccess;
  /** Pauses and resumes the tenant's Schedules. */
  workflows: WorkflowGateway;
}

/** What a tenant's deletion destroys, in the order `shredTenant` does it. */
export const DESTROYED = [
  'data key: every copy of the tenant data, backups included, is unreadable',
  'Schedules and running workflows',
  'API keys, sessions, users and the access log',
  'DKIM key, list directory entries and subscription counters',
  'backups (listed in backupsDestroyed) and the erasure ledger',
  'the tenant database, and any a restore made',
  'payload key: its workflow histories are unreadable',
] as const;

/** The certificate id of a tenant's deletion: one per tenant, so a retry finds it. */
const certificateIdOf = (tenantId: string) =>
  `dc${createHash('sha256').update(`deletion:${tenantId}`).digest('hex').slice(0, 24)}`;

/** Creates the contract-end activities. */
export function createContractEndActivities({ tenants, workflows }: ContractEndDeps) {
  const { Tenant, ListDirectory, DeletionCertificate } = tenants.control;

  /** Pauses or resumes every Schedule of the tenant; missing ones are skipped. */
  async function setSchedulesPaused(tenantId: string, paused: boolean): Promise<void> {
    const lists = await ListDirectory.find({ tenantId }, { _id: 1 }).lean();
    await workflows.setSchedulesPaused(
      tenantScheduleIds(
        tenantId,
        lists.map(({ _id }) => String(_id)),
      ),
      paused,
      paused ? 'the contract has ended' : 'the contract goes on',
    );
  }

  return {
    /**
     * Records the plan (contract end, scheduled deletion). A frozen tenant whose new end lies
     * ahead is served again. False when the tenant's deletion has started (or it is gone).
     */
    async applyContractEnd(input: ContractTerminationInput): Promise<boolean> {
      if (!(await recordContractEnd(tenants.control, input.tenantId, input))) return false;
      if (Date.parse(input.endsAt) <= Date.now()) return true;
      const { modifiedCount } = await Tenant.updateOne(
        { _id: input.tenantId, status: 'frozen' },
        { $set: { status: 'ending' }, $unset: { 'deletion.frozenAt': 1 } },
      );
      if (modifiedCount > 0) await setSchedulesPaused(input.tenantId, false);
      return true;
    },

    /** The contract has ended: the tenant becomes read-only and its Schedules pause. */
    async freezeTenant({ tenantId }: TenantRef): Promise<void> {
      await Tenant.updateOne(
        { _id: tenantId, status: 'ending' },
        { $set: { status: 'frozen', 'deletion.frozenAt': new Date() } },
      );
      tenants.forget(tenantId);
      await setSchedulesPaused(tenantId, true);
    },

    /** The contract was renewed: the tenant is served again and nothing is scheduled. */
    async resumeTenant({ tenantId }: TenantRef): Promise<void> {
      await Tenant.updateOne(
        {
          _id: tenantId,
          status: { $in: ['ending', 'frozen'] },
          'deletion.startedAt': { $exists: false },
        },
        { $set: { status: 'active' }, $unset: { deletion: 1, contractEndsAt: 1 } },
      );
      await setSchedulesPaused(tenantId, false);
    },

    /**
     * Marks the deletion as started (the plan can no longer change). Refuses, failing the
     * workflow for an operator to look at, when the tenant is not frozen: nothing is deleted
     * from a state the termination did not put it in.
     */
    async beginDeletion({ tenantId }: TenantRef): Promise<void> {
      await Tenant.updateOne(
        { _id: tenantId, status: 'frozen', 'deletion.startedAt': { $exists: false } },
        { $set: { 'deletion.startedAt': new Date() } },
      );
      const tenant = await Tenant.findById(tenantId, { status: 1, deletion: 1 }).lean();
      const started = tenant?.deletion?.startedAt !== undefined;
      if (!started || !['frozen', 'deleted'].includes(tenant.status))
        throw ApplicationFailure.nonRetryable(
          `tenant ${tenantId} is ${tenant?.status ?? 'missing'}, not frozen: not deleted`,
          activityFailures.tenantNotFrozen,
        );
    },

    /** Issues (or finds) the certificate of the tenant's deletion; returns its id. */
    async certifyDeletion({ tenantId }: TenantRef): Promise<string> {
      const tenant = await Tenant.findById(tenantId).lean();
      if (!tenant?.deletion?.startedAt || tenant.status !== 'deleted')
        throw ApplicationFailure.nonRetryable(
          `tenant ${tenantId} is not deleted`,
          activityFailures.tenantNotDeleted,
        );
      const id = certificateIdOf(tenantId);
      const completedAt = tenant.deletion.completedAt ?? new Date();
      const content = {
        tenantId,
        tenantName: tenant.name,
        contractEndsAt: tenant.contractEndsAt ?? tenant.deletion.scheduledFor,
        scheduledFor: tenant.deletion.scheduledFor,
        startedAt: tenant.deletion.startedAt,
        completedAt,
        destroyed: [...DESTROYED],
        backupsDestroyed: (tenant.deletion.backupsDestroyed ?? []).map(({ id, createdAt }) => ({
          id,
          createdAt,
        })),
      };
      // Over the fields in this order, dates as ISO strings (what JSON.stringify gives).
      const digest = createHash('sha256')
        .update(JSON.stringify({ id, ...content }))
        .digest('hex');
      await DeletionCertificate.updateOne(
        { _id: id },
        { $setOnInsert: { ...content, digest } },
        { upsert: true },
      );
      // An earlier attempt's certificate stands: the tenant record takes its time.
      const issued = await DeletionCertificate.findById(id, { completedAt: 1 }).lean();
      await Tenant.updateOne(
        { _id: tenantId },
        {
          $set: {
            'deletion.completedAt': issued?.completedAt ?? completedAt,
            'deletion.certificateId': id,
          },
        },
      );
      return id;
    },
  };
}
