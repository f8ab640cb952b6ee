/**
 * Tenant lifecycle activities: prepare the tenant's database and key, create its first
 * admin, activate it, or undo a provisioning that cannot finish. Each is idempotent, so a
 * retry after a crash converges on the same state.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { DataLayer } from '../src/db/open';
import type { TenantRef } from '../workflows/definitions';

/** What the tenant activities need. */
export type TenantActivityDeps = Pick<DataLayer, 'mongo' | 'names' | 'encryption' | 'tenants'>;

/** Creates the tenant lifecycle activities. */
export function createTenantActivities({ mongo, encryption, tenants }: TenantActivityDeps) {
  const { Tenant, User, AccessLog } = tenants.control;

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
      if (!tenant) throw ApplicationFailure.nonRetryable('tenant record missing', 'TenantMissing');
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
     * data, backups included, is unreadable), then its database and accounts, and records
     * the tenant as deleted.
     */
    async shredTenant({ tenantId }: TenantRef): Promise<void> {
      await encryption.deleteTenantKey(tenantId);
      await Tenant.updateOne(
        { _id: tenantId },
        { $set: { status: 'deleted', deletedAt: new Date() }, $unset: { pendingAdmin: 1 } },
      );
      tenants.forget(tenantId); // after the status change, so nothing caches "active" again
      await User.deleteMany({ tenantId });
      await AccessLog.deleteMany({ tenantId }); // its IPs were unreadable already (tenant key)
      await mongo.db(tenants.databaseName(tenantId)).dropDatabase();
    },
  };
}
