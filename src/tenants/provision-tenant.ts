/**
 * Creates a tenant: the control record (holding the first admin with the email already
 * encrypted and the password already hashed, so no workflow input or history ever carries
 * them), then the provisioning workflow, whose outcome it waits for, then (for a tenant
 * created with its contract's end) the contract termination, so the deletion is planned from
 * the first day without anyone having to remember it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/passwords';
import type { DataLayer } from '../db/open';
import { normaliseEmail } from '../domain/email-address';
import { conflict, invalid } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import { isDuplicateKey } from '../db/duplicate-key';
import type { ContractEndPlan } from '../../workflows/definitions';

/** What the platform operator sends. */
export interface ProvisionTenantInput {
  name: string;
  admin: { email: string; initialPassword: string };
  /** The contract's end as planned (src/tenants/contract-end.ts), if it is known now. */
  contractEnd?: ContractEndPlan;
  /** Same key, same tenant: a retried request never creates a second one. */
  idempotencyKey?: string;
}

/** Dependencies of tenant provisioning. */
export interface ProvisionDeps {
  data: DataLayer;
  workflows: WorkflowGateway;
}

/**
 * A new tenant id: `t` and 19 lowercase hex digits (derived from the idempotency key if
 * given). Opaque, and never equal to the platform's payload key id (`platform`).
 */
export function newTenantId(idempotencyKey?: string): string {
  const source = idempotencyKey
    ? createHash('sha256').update(`tenant:${idempotencyKey}`).digest()
    : randomBytes(16);
  return `t${source.toString('hex').slice(0, 19)}`;
}

/** Creates (or, for a retried request, finds) the tenant and waits until it is active. */
export async function provisionTenant(deps: ProvisionDeps, input: ProvisionTenantInput) {
  const { Tenant, User } = deps.data.tenants.control;
  const email = normaliseEmail(input.admin.email);
  if (!email) throw invalid('admin.email: not a valid email address');
  const tenantId = newTenantId(input.idempotencyKey);

  const existing = await Tenant.findById(tenantId).lean();
  if (existing?.status === 'active' || existing?.status === 'ending')
    return planEnd(deps, tenantId, input.contractEnd);
  if (existing && existing.status !== 'provisioning') {
    throw conflict(
      'tenant_not_provisionable',
      `the tenant for this Idempotency-Key is ${existing.status}; use a new key`,
    );
  }
  if (!existing) {
    const encryptedEmail = await deps.data.encryption.encryptPlatformSearchable(email);
    if (await User.exists({ email: encryptedEmail })) {
      throw conflict('email_taken', 'admin.email already belongs to a user');
    }
    const record = {
      _id: tenantId,
      name: input.name,
      status: 'provisioning' as const,
      contractEndsAt: input.contractEnd ? new Date(input.contractEnd.endsAt) : undefined,
      createdAt: new Date(),
      pendingAdmin: {
        userId: `u${randomBytes(10).toString('hex')}`,
        email: encryptedEmail,
        passwordHash: await hashPassword(input.admin.initialPassword),
      },
    };
    try {
      await Tenant.create(record);
    } catch (err) {
      // A concurrent retry with the same Idempotency-Key created it first: carry on with theirs.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  // A concurrent retry may find the record still provisioning and reach this point after
  // the first request's workflow has completed: a second run would wait forever for a
  // tenant that is no longer provisioning, so a closed run is reused (its result awaited),
  // never run again.
  await deps.workflows.execute('tenantProvisioning', { tenantId });
  return planEnd(deps, tenantId, input.contractEnd);
}

/**
 * Returns the tenant as provisioned, after starting its contract termination when the end is
 * known. The start is durable before the answer; the termination then records the plan itself
 * (the tenant becomes `ending` moments later). A retried create finds the termination running.
 */
async function planEnd(deps: ProvisionDeps, tenantId: string, plan?: ContractEndPlan) {
  const tenant = await deps.data.tenants.control.Tenant.findById(tenantId).lean();
  if (plan) await deps.workflows.startOnce('contractTermination', { tenantId, ...plan });
  return presentTenant(tenant!);
}

/** The public view of a tenant record. */
export function presentTenant(tenant: {
  _id: string;
  name: string;
  status: string;
  contractEndsAt?: Date | null;
  deletion?: {
    scheduledFor: Date;
    completedAt?: Date | null;
    certificateId?: string | null;
  } | null;
}) {
  const { deletion } = tenant;
  return {
    id: tenant._id,
    name: tenant.name,
    status: tenant.status,
    contractEndsAt: tenant.contractEndsAt ? tenant.contractEndsAt.toISOString() : null,
    ...(deletion
      ? {
          deletion: {
            scheduledFor: deletion.scheduledFor.toISOString(),
            ...(deletion.completedAt ? { completedAt: deletion.completedAt.toISOString() } : {}),
            ...(deletion.certificateId ? { certificateId: deletion.certificateId } : {}),
          },
        }
      : {}),
  };
}
