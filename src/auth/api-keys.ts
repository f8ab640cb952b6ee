/**
 * API keys for integrators: `cfk_<id>_<secret>`. The id finds the record, the secret is
 * compared by hash in constant time; the key is shown once and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ControlModels } from '../db/tenant-access';
import type { Feature } from './permissions';

/** An authenticated API key. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  tenantId: string;
  scopes: Feature[];
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Creates a key; returns its id and the full key, which the caller shows exactly once. */
export async function createApiKey(
  control: ControlModels,
  input: { tenantId: string; name: string; scopes: Feature[]; createdBy: string },
): Promise<{ id: string; key: string }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await control.ApiKey.create({
    _id: id,
    tenantId: input.tenantId,
    name: input.name,
    secretHash: sha256(secret).toString('hex'),
    scopes: input.scopes,
    createdAt: new Date(),
    createdBy: input.createdBy,
  });
  return { id, key: `cfk_${id}_${secret}` };
}

/** Resolves a presented key, or undefined for a malformed, unknown, wrong or revoked one. */
export async function authenticateApiKey(
  control: ControlModels,
  presented: string,
): Promise<ApiKeyPrincipal | undefined> {
  const match = /^cfk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!match) return undefined;
  const [, id, secret] = match as unknown as [string, string, string];
  const record = await control.ApiKey.findById(id).lean();
  // Compare even when the record is missing, so timing does not tell which keys exist.
  const expected = record ? Buffer.from(record.secretHash, 'hex') : sha256('no such key');
  const valid = timingSafeEqual(sha256(secret), expected);
  if (!record || !valid || record.revokedAt) return undefined;
  // Last use at minute precision: one write per key per minute, not one per request.
  if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > 60_000) {
    await control.ApiKey.updateOne({ _id: id }, { $set: { lastUsedAt: new Date() } });
  }
  return { apiKeyId: id, tenantId: record.tenantId, scopes: record.scopes as Feature[] };
}
