/**
 * Tenant lifecycle activities: prepare the tenant's database and key, create its first
 * admin, activate it, undo a provisioning that cannot finish, or shred the tenant. Each is
 * idempotent, so a retry after a crash converges on the same state.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { tenantScheduleIds } from '../src/consent/list-schedules';
import { backupTimeOf, destroyTenantBackups, dropTenantDatabases } from '../src/backups/backup';
import { erasureLedger } from '../src/backups/erasure-ledger';
import type { BackupStore } from '../src/backups/store';
import type { DataLayer } from '../src/db/open';
import { payloadKeyCollection } from '../src/temporal/payload-keys';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { TenantRef } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the tenant activities need. */
export type TenantActivityDeps = Pick<DataLayer, 'mongo' | 'names' | 'encryption' | 'tenants'> & {
  /** Deletes a shredded tenant's Schedules and terminates its workflows. */
  workflows: WorkflowGateway;
  /** Where the tenant's backups are, which its shredding deletes. */
  backupStore: BackupStore;
};

/** Creates the tenant lifecycle activities. */
export function createTenantActivities({
  mongo,
  names,
  encryption,
  tenants,
  workflows,
  backupStore,
}: TenantActivityDeps) {
  const { Tenant, User, AccessLog, ApiKey, DkimKey, SendingDomain, ListDirectory, SendSlot } =
    tenants.control;
  const control = () => mongo.db(names.control);

  /** Deletes the tenant's Schedules, so no sweep fires for it again. */
  async function deleteTenantSchedules(tenantId: string): Promise<void> {
    // The list directory names every list of the tenant; it is deleted only after this.
    const lists = await ListDirectory.find({ tenantId }, { _id: 1 }).lean();
    const ids = tenantScheduleIds(
      tenantId,
      lists.map(({ _id }) => String(_id)),
    );
    await workflows.deleteSchedules(ids);
  }

  return {
    /** Creates the tenant's data key and its database's indexes. */
    async prepareTenantDatabase({ tenantId }: TenantRef): Promise<void> {
      await encryption.ensureTenantKey(tenantId);
      const scope = await tenants.forTenant(tenantId, ['provisioning']);
      await Promise.all(Object.values(scope.models).map((model) => model.createIndexes()));
    },

    /** Turns the pending admin held on the tenant record into a user account. */
    async createFirstAdmin({ tenantId }: TenantRef): Promise<void> {
      const tenant = await Tenant.findById(tenantId).lean();
      if (!tenant)
        throw ApplicationFailure.nonRetryable(
          'tenant record missing',
          activityFailures.tenantMissing,
        );
      const pending = tenant.pendingAdmin;
      if (!pending?.userId) return; // already done by an earlier attempt
      // The record was read through the decrypting client: encrypt the address again
      // (deterministic, so the ciphertext is the same one the api checked for duplicates).
      const email = await encryption.encryptPlatformSearchable(String(pending.email));
      await User.updateOne(
        { _id: pending.userId },
        {
          $setOnInsert: {
            tenantId,
            email,
            passwordHash: pending.passwordHash,
            mustChangePassword: true,
            permissions: { features: ['*'], lists: 'all', fields: { '*': 'edit' } },
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      await Tenant.updateOne({ _id: tenantId }, { $unset: { pendingAdmin: 1 } });
    },

    /** Marks the tenant active; from now on `forTenant` serves it. */
    async activateTenant({ tenantId }: TenantRef): Promise<void> {
      await Tenant.updateOne(
        { _id: tenantId, status: 'provisioning' },
        { $set: { status: 'active', activatedAt: new Date() } },
      );
    },

    /** Undoes a provisioning that failed for good: no half-made tenant stays behind. */
    async abandonTenant({ tenantId }: TenantRef): Promise<void> {
      await User.deleteMany({ tenantId });
      await AccessLog.deleteMany({ tenantId });
      await mongo.db(tenants.databaseName(tenantId)).dropDatabase();
      await encryption.deleteTenantKey(tenantId);
      await Tenant.updateOne(
        { _id: tenantId },
        { $set: { status: 'failed' }, $unset: { pendingAdmin: 1 } },
      );
      tenants.forget(tenantId); // after the status change, so nothing caches "active" again
    },

    /**
     * Crypto-shredding: deletes the tenant's data key first (from then on every copy of its
     * data, backups included, is unreadable), records the tenant as deleted, stops its
     * Schedules and workflows, then deletes its database, accounts and control records.
     * Every step is idempotent: a retry after a crash picks up where the last one stopped.
     */
    async shredTenant({ tenantId }: TenantRef): Promise<void> {
      await encryption.deleteTenantKey(tenantId);
      await Tenant.updateOne(
        { _id: tenantId },
        { $set: { status: 'deleted', deletedAt: new Date() }, $unset: { pendingAdmin: 1 } },
      );
      tenants.forget(tenantId); // after the status change, so nothing caches "active" again
      await deleteTenantSchedules(tenantId); // before the list directory it reads
      // Every running workflow of the tenant but the one shredding it.
      await workflows.terminateTenantWorkflows(tenantId, {
        reason: 'tenant shredded',
        except: Context.current().info.workflowExecution?.workflowId,
      });
      await ApiKey.deleteMany({ tenantId });
      // Sessions reference their user by id: delete them while the users still exist.
      const users = await User.find({ tenantId }, { _id: 1 }).lean();
      await control()
        .collection('sessions')
        .deleteMany({ 'session.passport.user.id': { $in: users.map(({ _id }) => _id) } });
      await User.deleteMany({ tenantId });
      await AccessLog.deleteMany({ tenantId }); // its IPs were unreadable already (tenant key)
      await DkimKey.deleteOne({ _id: tenantId });
      await SendingDomain.deleteMany({ tenantId }); // their keys were unreadable already
      await ListDirectory.deleteMany({ tenantId });
      await SendSlot.deleteMany({ tenantId });
      // Subscription flood counters, keyed `<prefix>:<tenant>:<opaque key>`
      // (src/consent/subscription/flood-limits.ts).
      await control()
        .collection('rate_limits')
        .deleteMany({ key: { $regex: `^sub-(address|ip):${tenantId}:` } });
      // Each backup is named on the tenant record before it goes, so the certificate lists
      // every one even when a retry finds some gone already.
      const backups = await backupStore.list(tenantId);
      if (backups.length > 0)
        await Tenant.updateOne(
          { _id: tenantId },
          {
            $addToSet: {
              'deletion.backupsDestroyed': {
                $each: backups.map(({ id }) => ({ id, createdAt: backupTimeOf(id) })),
              },
            },
          },
        );
      await destroyTenantBackups({ backupStore }, tenantId);
      await erasureLedger(mongo, names).deleteTenant(tenantId);
      await dropTenantDatabases({ mongo, names }, tenantId); // its own and any a restore made
      // Last: this workflow seals with the platform key (payload-key-owner.ts), but a run
      // started before it did seals with this one, and the codec's cache keeps it only for
      // the rest of such a run. The record was unreadable since the data key went anyway.
      await control()
        .collection(payloadKeyCollection)
        .deleteOne({ _id: tenantId as never });
    },
  };
}
