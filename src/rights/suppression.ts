/**
 * The suppression list's keys and checks. The key of an address is an HMAC-SHA256 of the
 * normalised address under the tenant's suppression secret: created on first use, stored
 * encrypted under the tenant's data key, and so unrecoverable once the tenant is shredded.
 * The decrypted secret is kept by the process for a short while only (the same bound as the
 * driver's data key cache), so a shredded tenant's secret is forgotten soon after.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { TenantScope } from '../db/tenant-access';
import { isDuplicateKey } from '../db/duplicate-key';
import { AppError } from '../errors';

/** How long a process keeps a tenant's decrypted secret. */
const SECRET_CACHE_MS = 10_000;

const secrets = new LRUCache<string, Buffer>({ max: 1_000, ttl: SECRET_CACHE_MS });

/** Why an address is suppressed: erased (absent), bounced for good, or complained. */
export type SuppressionReason = 'hard_bounce' | 'complaint';

const refusals: Record<SuppressionReason | 'erasure', string> = {
  erasure: 'this address was erased at its owner’s request and may not be added again',
  hard_bounce:
    'mail to this address failed permanently; it is suppressed and may not be added again',
  complaint:
    'this address’s owner reported our mail as spam; it is suppressed and may not be added again',
};

/** Refused because the address is on the suppression list (409 `suppressed`). */
export class SuppressedError extends AppError {
  constructor(reason: SuppressionReason | 'erasure' = 'erasure') {
    super('conflict', 'suppressed', refusals[reason]);
    this.name = 'SuppressedError';
  }
}

/** The reason an import gives a suppressed row. */
export const SUPPRESSED_ROW_REASON = 'suppressed: erased at the owner’s request';

/** The tenant's suppression secret, created on first use. */
async function secretOf(tenant: TenantScope): Promise<Buffer> {
  const cached = secrets.get(tenant.tenantId);
  if (cached) return cached;
  const { TenantSecret } = tenant.models;
  let stored = await TenantSecret.findById('suppression').lean();
  if (!stored) {
    try {
      await TenantSecret.create({
        _id: 'suppression',
        value: await tenant.private(randomBytes(32).toString('hex')),
        createdAt: new Date(),
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // another process created it first: use theirs
    }
    stored = await TenantSecret.findById('suppression').lean();
  }
  if (!stored || typeof stored.value !== 'string') throw new Error('suppression secret unreadable');
  const secret = Buffer.from(stored.value, 'hex');
  secrets.set(tenant.tenantId, secret);
  return secret;
}

/** The suppression keys of normalised addresses, in order. */
export async function suppressionKeysOf(tenant: TenantScope, emails: string[]): Promise<string[]> {
  const secret = await secretOf(tenant);
  return emails.map((e) => createHmac('sha256', secret).update(e).digest('hex'));
}

/** Which of these normalised addresses are suppressed. */
export async function suppressedAmong(tenant: TenantScope, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const keys = await suppressionKeysOf(tenant, emails);
  const found = new Set(
    (await tenant.models.Suppression.find({ _id: { $in: keys } }, { _id: 1 }).lean()).map(
      (d) => d._id,
    ),
  );
  return new Set(emails.filter((_, i) => found.has(keys[i]!)));
}

/** Throws SuppressedError when the normalised address is suppressed. */
export async function assertNotSuppressed(tenant: TenantScope, email: string): Promise<void> {
  const [key] = await suppressionKeysOf(tenant, [email]);
  const found = await tenant.models.Suppression.findById(key, { reason: 1 }).lean();
  if (found) throw new SuppressedError(found.reason ?? 'erasure');
}

/** Suppresses a normalised address; suppressing it again changes nothing. */
export async function suppress(
  tenant: TenantScope,
  email: string,
  requestId: string,
  reason?: SuppressionReason,
): Promise<void> {
  const [key] = await suppressionKeysOf(tenant, [email]);
  // An erasure's entry stands whatever comes later; a bounce's gives way to an erasure.
  await tenant.models.Suppression.updateOne(
    { _id: key },
    reason
      ? { $setOnInsert: { at: new Date(), requestId, reason } }
      : { $setOnInsert: { at: new Date(), requestId }, $unset: { reason: 1 } },
    { upsert: true },
  );
}
