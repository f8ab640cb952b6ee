/**
 * API keys for integrators: `cfk_<id>_<secret>`. The id finds the record, the secret is
 * compared by hash in constant time; the key is shown once and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ControlModels } from '../db/tenant-access';
import type { Feature } from './permissions';
import { fullPermissions, type Permissions, type Principal } from './principal';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Creates a key; returns its id and the full key, which the caller shows exactly once. */
export async function createApiKey(
  control: ControlModels,
  input: {
    tenantId: string;
    name: string;
    /** The key's features; lists and fields are the creator's (all, for the platform). */
    permissions: Permissions;
    createdBy: string;
    /** A key that stops working then (one minted under a support grant ends with it). */
    expiresAt?: Date;
    grantId?: string;
  },
): Promise<{ id: string; key: string }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await control.ApiKey.create({
    _id: id,
    tenantId: input.tenantId,
    name: input.name,
    secretHash: sha256(secret).toString('hex'),
    scopes: [...input.permissions.features],
    lists: input.permissions.lists,
    fields: input.permissions.fields,
    createdAt: new Date(),
    createdBy: input.createdBy,
    expiresAt: input.expiresAt,
    grantId: input.grantId,
  });
  return { id, key: `cfk_${id}_${secret}` };
}

/**
 * Resolves a presented key, or undefined for a malformed, unknown, wrong or revoked one. An
 * expired key resolves (with its `expiresAt`): the caller answers it, so the integrator
 * learns that the key has expired rather than that it is wrong.
 * `onUse` runs at most once per key per minute (across processes), when the last use is
 * recorded: the access log's "key used" entry.
 */
export async function authenticateApiKey(
  control: ControlModels,
  presented: string,
  onUse?: (principal: Principal) => Promise<void>,
): Promise<Principal | undefined> {
  const match = /^cfk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!match) return undefined;
  const [, id, secret] = match as unknown as [string, string, string];
  const record = await control.ApiKey.findById(id).lean();
  // Compare even when the record is missing, so timing does not tell which keys exist.
  const expected = record ? Buffer.from(record.secretHash, 'hex') : sha256('no such key');
  const valid = timingSafeEqual(sha256(secret), expected);
  if (!record || !valid || record.revokedAt) return undefined;
  const permissions = record.lists
    ? {
        features: record.scopes as Feature[],
        lists: record.lists as Permissions['lists'],
        fields: (record.fields ?? {}) as Permissions['fields'],
      }
    : fullPermissions(record.scopes as Feature[]);
  const principal: Principal = {
    kind: 'api_key',
    id,
    tenantId: record.tenantId,
    permissions,
    ...(record.grantId ? { grantId: record.grantId } : {}),
    ...(record.expiresAt ? { expiresAt: record.expiresAt.getTime() } : {}),
  };
  // Last use at minute precision: one write per key per minute, not one per request. The
  // conditional update lets exactly one process win each minute.
  const now = new Date();
  if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > 60_000) {
    const stale = new Date(now.getTime() - 60_000);
    const won = await control.ApiKey.updateOne(
      { _id: id, $or: [{ lastUsedAt: { $exists: false } }, { lastUsedAt: { $lt: stale } }] },
      { $set: { lastUsedAt: now } },
    );
    if (won.modifiedCount === 1) await onUse?.(principal);
  }
  return principal;
}
