/**
 * Lifting a hard bounce: the mailbox that failed for good works again (a full mailbox
 * emptied, a domain back), so the address leaves the suppression list and the contact is
 * deliverable again; its memberships are as they were, so campaigns reach it where it still
 * consents. A complaint is the recipient's own objection and is never lifted by staff; an
 * erasure's suppression is not touched either.
 */
import { conflict, notFound } from '../errors';
import type { TenantScope } from '../db/tenant-access';
import { suppressionKeysOf } from '../rights/suppression';

/** Lifts the contact's hard bounce; false when there is no such contact. */
export async function liftHardBounce(tenant: TenantScope, contactId: string): Promise<boolean> {
  const { Contact, Suppression } = tenant.models;
  const contact = await Contact.findById(contactId, { email: 1, undeliverable: 1 }).lean();
  if (!contact) return false;
  if (!contact.undeliverable)
    throw conflict('not_undeliverable', 'this contact has no bounce to lift');
  if (contact.undeliverable.reason === 'complaint')
    throw conflict(
      'complaint_stands',
      'this contact reported a message as spam: a complaint is the recipient’s objection and cannot be lifted',
    );
  if (typeof contact.email !== 'string') throw notFound('contact');
  const [key] = await suppressionKeysOf(tenant, [contact.email]);
  // Only the bounce's entry: one an erasure or a complaint wrote stays.
  await Suppression.deleteOne({ _id: key, reason: 'hard_bounce' });
  await Contact.updateOne(
    { _id: contactId, 'undeliverable.reason': 'hard_bounce' },
    { $unset: { undeliverable: 1 }, $set: { updatedAt: new Date() } },
  );
  return true;
}
