/**
 * A tenant's own deny list for links (domains with their subdomains, and exact URLs; the
 * entries of src/campaigns/blocklist.ts), kept on its control record: no link of its campaigns
 * or automations may lead there, whatever the operator's list says. Read through a short
 * cache, since every link check asks for it.
 */
import { LRUCache } from 'lru-cache';
import type { ControlModels } from '../db/tenant-access';
import { blocklistOf, type Blocklist } from './blocklist';

/** Entries a tenant may keep. */
export const MAX_DENY_ENTRIES = 1_000;

/** How long a process trusts a deny list it read (a change shows within this). */
const CACHE_MS = 5_000;

/** Reads tenants' deny lists. */
export function createDenyLists(control: Pick<ControlModels, 'Tenant'>) {
  const cache = new LRUCache<string, Blocklist>({ max: 1_000, ttl: CACHE_MS });
  return {
    /** The tenant's entries as stored. */
    async entries(tenantId: string): Promise<string[]> {
      const doc = await control.Tenant.findById(tenantId, { linkDenylist: 1 }).lean();
      return doc?.linkDenylist ?? [];
    },
    /** The tenant's deny list, parsed. */
    async of(tenantId: string): Promise<Blocklist> {
      const cached = cache.get(tenantId);
      if (cached) return cached;
      const list = blocklistOf(await this.entries(tenantId)).list;
      cache.set(tenantId, list);
      return list;
    },
    /** Replaces the tenant's entries (already checked by the route). */
    async replace(tenantId: string, entries: string[]): Promise<void> {
      await control.Tenant.updateOne({ _id: tenantId }, { $set: { linkDenylist: entries } });
      cache.delete(tenantId);
    },
  };
}

/** A tenant deny list reader. */
export type DenyLists = ReturnType<typeof createDenyLists>;
