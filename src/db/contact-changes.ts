/**
 * Changes to contacts that already exist. A contact's `details` are one encrypted value, so
 * changing a field means reading them (decrypted by the shared client), merging, encrypting
 * the result and writing it back. The write lands only if the contact's `updatedAt` is still
 * the one that was read; a contact changed in between is read and merged again, so two
 * writers never lose each other's fields. Every writer of `details` moves `updatedAt` on.
 */
import type { Binary } from 'mongodb';
import { isCiphertext } from './encrypted-field';
import type { PlainDocument } from './encryption';
import { hasDetails, mergeContactDetails, type ContactDetails } from './models/contact';
import type { TenantScope } from './tenant-access';

/** One change: a new phone and/or details to merge into the contact's. */
export interface ContactChange {
  id: string;
  phone?: Binary;
  details: ContactDetails;
}

/** Contacts written at once. */
const CONCURRENT_WRITES = 50;
/** Rounds of read, merge, write before giving up on contacts that keep changing. */
const MAX_ROUNDS = 5;

/**
 * Applies `changes` in order (several for one contact fold into one write). A contact that
 * no longer exists is left alone. Throws if contacts keep changing concurrently, so the
 * caller's retry starts over.
 */
export async function applyContactChanges(
  tenant: TenantScope,
  changes: ContactChange[],
): Promise<void> {
  const { Contact } = tenant.models;
  let pending = changes;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const ids = [...new Set(pending.map((change) => change.id))];
    const current = new Map(
      (await Contact.find({ _id: { $in: ids } }, { details: 1, updatedAt: 1 }).lean()).map(
        (contact) => [contact._id, contact],
      ),
    );
    const folded = new Map<string, { phone?: Binary; details: ContactDetails; readAt: Date }>();
    for (const change of pending) {
      const contact = current.get(change.id);
      if (!contact) continue;
      if (isCiphertext(contact.details)) throw new Error('contact details cannot be decrypted');
      const before = folded.get(change.id);
      folded.set(change.id, {
        phone: change.phone ?? before?.phone,
        details: mergeContactDetails(before?.details ?? contact.details, change.details),
        readAt: contact.updatedAt,
      });
    }

    const conflicted = new Set<string>();
    const entries = [...folded];
    for (let i = 0; i < entries.length; i += CONCURRENT_WRITES) {
      await Promise.all(
        entries.slice(i, i + CONCURRENT_WRITES).map(async ([id, { phone, details, readAt }]) => {
          const sealed = hasDetails(details)
            ? await tenant.private(details as PlainDocument)
            : undefined;
          // Strictly later than the version read, even within the same millisecond.
          const updatedAt = new Date(Math.max(Date.now(), readAt.getTime() + 1));
          const result = await Contact.updateOne(
            { _id: id, updatedAt: readAt },
            {
              $set: {
                ...(phone ? { phone } : {}),
                ...(sealed ? { details: sealed } : {}),
                updatedAt,
              },
            },
          );
          if (result.matchedCount === 0) conflicted.add(id);
        }),
      );
    }
    pending = pending.filter((change) => conflicted.has(change.id));
  }
  if (pending.length > 0) throw new Error('contacts kept changing while being updated');
}
