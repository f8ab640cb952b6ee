/**
 * The erasure ledger: one entry per erasure, in the control database, outside every tenant
 * database and so outside every backup. It holds what a restore needs to erase the subject
 * again and nothing personal: the request id, the opaque contact id and the suppression key
 * (an HMAC under the tenant's secret, meaningless once the tenant is shredded). A restore
 * replays every entry recorded since its backup began (src/backups/restore.ts), so a restore
 * never brings an erased subject back. The tenant's deletion deletes its entries.
 */
import type { MongoClient } from 'mongodb';
import type { DatabaseNames } from '../db/names';

/** The ledger's collection in the control database. */
export const ERASURE_LEDGER = 'erasure_ledger';

/** One erasure as the ledger keeps it. */
export interface ErasureEntry {
  /** `<tenantId>:<requestId>`: a retried erasure records nothing twice. */
  _id: string;
  tenantId: string;
  requestId: string;
  contactId?: string;
  suppressionKey?: string;
  at: Date;
}

/** The ledger of one install. */
export function erasureLedger(mongo: MongoClient, names: DatabaseNames) {
  const entries = () => mongo.db(names.control).collection<ErasureEntry>(ERASURE_LEDGER);
  return {
    /** Records an erasure (before it deletes anything). Idempotent per request. */
    async record(entry: Omit<ErasureEntry, '_id' | 'at'>): Promise<void> {
      const { tenantId, requestId, contactId, suppressionKey } = entry;
      await entries().updateOne(
        { _id: `${tenantId}:${requestId}` },
        {
          $setOnInsert: { tenantId, requestId, at: new Date() },
          // A repeat may know more (the contact subscribed since): keep what each one knew.
          $set: {
            ...(contactId ? { contactId } : {}),
            ...(suppressionKey ? { suppressionKey } : {}),
          },
        },
        { upsert: true },
      );
    },

    /** The tenant's erasures recorded at or after `since`, oldest first. */
    since(tenantId: string, since: Date): Promise<ErasureEntry[]> {
      return entries()
        .find({ tenantId, at: { $gte: since } })
        .sort({ at: 1 })
        .toArray();
    },

    /** Deletes the tenant's entries (its deletion); how many went. */
    async deleteTenant(tenantId: string): Promise<number> {
      return (await entries().deleteMany({ tenantId })).deletedCount;
    },
  };
}
