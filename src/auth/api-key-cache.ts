/**
 * A short-lived cache of authenticated API keys, so a burst of requests with one key does
 * not query the control database for every request (on the request path of every
 * integrator call, that lookup costs as much as the work the call asked for).
 *
 * Bounded staleness, on purpose: a key revoked in another process keeps working there for at
 * most `API_KEY_CACHE_MS`, less than the driver's data key cache (10 s), which already
 * bounds how long a process can decrypt after crypto-shredding. Code that revokes a key
 * calls `forgetApiKey(id)`, so the revoking process stops accepting it at once. Only
 * successful authentications are cached: a wrong or unknown key always reaches the
 * database (and whatever brute-force accounting it does).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ControlModels } from '../db/tenant-access';
import { authenticateApiKey } from './api-keys';
import type { Principal } from './principal';

/** How long an authenticated key is trusted without asking the database again. */
export const API_KEY_CACHE_MS = 5_000;

// Keyed by a hash of the presented key: the cache never holds a usable secret.
const cache = new LRUCache<string, Principal>({ max: 10_000, ttl: API_KEY_CACHE_MS });

/**
 * Authenticates a presented key through the cache; undefined for an invalid one. `onUse` is
 * `authenticateApiKey`'s: it runs when a database lookup records the key's last use (at most
 * once a minute per key), so a cached hit needs no write.
 */
export async function authenticateApiKeyCached(
  control: ControlModels,
  presented: string,
  onUse?: (principal: Principal) => Promise<void>,
): Promise<Principal | undefined> {
  const digest = createHash('sha256').update(presented).digest('base64');
  const cached = cache.get(digest);
  if (cached) return cached;
  const principal = await authenticateApiKey(control, presented, onUse);
  if (principal) cache.set(digest, principal);
  return principal;
}

/** Drops a key from this process's cache (call it when revoking or changing a key). */
export function forgetApiKey(id: string): void {
  for (const [digest, principal] of cache.entries()) if (principal.id === id) cache.delete(digest);
}

/** Drops keys from this process's cache. */
export function forgetApiKeys(ids: Iterable<string>): void {
  const gone = new Set(ids);
  if (gone.size === 0) return;
  for (const [digest, principal] of cache.entries())
    if (gone.has(principal.id)) cache.delete(digest);
}

/** Revokes a key of a tenant: recorded for every process, forgotten at once by this one. */
export async function revokeApiKey(
  control: ControlModels,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const { matchedCount } = await control.ApiKey.updateOne(
    { _id: id, tenantId, revokedAt: { $exists: false } },
    { $set: { revokedAt: new Date() } },
  );
  forgetApiKey(id);
  return matchedCount === 1;
}
