/**
 * Changes to contacts that already exist. A contact's `details` are one encrypted value, so
 * changing a field means reading them (decrypted by the shared client), merging, encrypting
 * the result and writing it back. The write lands only if the contact's `updatedAt` is still
 * the one that was read; a contact changed in between is read and merged again, so two
 * writers never lose each other's fields. Every writer of `details` moves `updatedAt` on.
 *
 * Every write goes through the mongoose model, so the schema's Encrypted type refuses any
 * value that is not ciphertext.
 *
 * Within one process, changes to the same contact also wait for each other: FerretDB 1.24
 * does not apply a conditional update atomically (several concurrent updates with the same
 * filter can all match, each replacing the document whole), so there the `updatedAt`
 * condition only guards against writers in other processes as far as the server allows.
 * On MongoDB the condition alone is enough.
 */
import type { Binary } from 'mongodb';
import { isCiphertext } from './encrypted-field';
import type { PlainDocument } from './encryption';
import {
  hasDetails,
  mergeContactDetails,
  type ContactDetails,
  type ContactDetailsChange,
} from './models/contact';
import type { TenantScope } from './tenant-access';

/**
 * One change to one contact. `phone`: new ciphertext, or null to remove it. `details`:
 * merged into the contact's (mergeContactDetails: null removes a field), or null to remove
 * every name and custom field. A field left out is left as it is.
 */
export interface ContactChange {
  id: string;
  phone?: Binary | null;
  details?: ContactDetailsChange | null;
}

/** Contacts written at once. */
const CONCURRENT_WRITES = 50;
/** Rounds of read, merge, write before giving up on contacts that keep changing. */
const MAX_ROUNDS = 5;

/** What one contact's write sets: undefined leaves a field alone, null removes it. */
interface Folded {
  phone?: Binary | null;
  details?: ContactDetails | null;
  readAt: Date;
}

/**
 * Applies `changes` in order (several for one contact fold into one write) and returns the
 * ids of the contacts changed. A contact that no longer exists is left alone (and not
 * returned). Throws if contacts keep changing concurrently, so the caller's retry starts
 * over.
 */
export async function applyContactChanges(
  tenant: TenantScope,
  changes: readonly ContactChange[],
): Promise<Set<string>> {
  const keys = [...new Set(changes.map((change) => `${tenant.databaseName}/${change.id}`))];
  return serialised(keys, () => applyNow(tenant, changes));
}

/** Per contact (database/id), the end of the last change queued in this process. */
const queued = new Map<string, Promise<unknown>>();

/**
 * Runs `work` once every earlier call naming any of `keys` has finished. A call queues on
 * all its keys at once (synchronously), so a later call only ever waits for earlier ones:
 * no cycle, no deadlock.
 */
async function serialised<T>(keys: string[], work: () => Promise<T>): Promise<T> {
  const earlier = keys.flatMap((key) => queued.get(key) ?? []);
  const done = (async () => {
    await Promise.all(earlier.map((p) => p.catch(() => undefined)));
    return work();
  })();
  for (const key of keys) queued.set(key, done);
  try {
    return await done;
  } finally {
    for (const key of keys) if (queued.get(key) === done) queued.delete(key);
  }
}

async function applyNow(
  tenant: TenantScope,
  changes: readonly ContactChange[],
): Promise<Set<string>> {
  const { Contact } = tenant.models;
  const changed = new Set<string>();
  let pending = changes;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const ids = [...new Set(pending.map((change) => change.id))];
    const current = new Map(
      (await Contact.find({ _id: { $in: ids } }, { details: 1, updatedAt: 1 }).lean()).map(
        (contact) => [contact._id, contact],
      ),
    );
    const folded = new Map<string, Folded>();
    for (const change of pending) {
      const contact = current.get(change.id);
      if (!contact) continue;
      const before = folded.get(change.id);
      let details = before?.details;
      if (change.details === null) details = null;
      else if (change.details !== undefined) {
        let base: ContactDetails | undefined;
        if (details !== undefined) base = details ?? undefined;
        else if (isCiphertext(contact.details))
          throw new Error('contact details cannot be decrypted');
        else base = contact.details;
        details = mergeContactDetails(base, change.details);
      }
      folded.set(change.id, {
        phone: change.phone !== undefined ? change.phone : before?.phone,
        details,
        readAt: contact.updatedAt,
      });
    }

    const conflicted = new Set<string>();
    const entries = [...folded];
    for (let i = 0; i < entries.length; i += CONCURRENT_WRITES) {
      await Promise.all(
        entries.slice(i, i + CONCURRENT_WRITES).map(async ([id, { phone, details, readAt }]) => {
          const set: Record<string, unknown> = {};
          const unset: Record<string, ''> = {};
          if (phone === null) unset.phone = '';
          else if (phone !== undefined) set.phone = phone;
          if (details === null || (details !== undefined && !hasDetails(details)))
            unset.details = '';
          else if (details !== undefined)
            set.details = await tenant.private(details as PlainDocument);
          // Strictly later than the version read, even within the same millisecond.
          set.updatedAt = new Date(Math.max(Date.now(), readAt.getTime() + 1));
          const result = await Contact.updateOne(
            { _id: id, updatedAt: readAt },
            { $set: set, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) },
          );
          if (result.matchedCount === 0) conflicted.add(id);
          else changed.add(id);
        }),
      );
    }
    pending = pending.filter((change) => conflicted.has(change.id));
  }
  if (pending.length > 0) throw new Error('contacts kept changing while being updated');
  return changed;
}
