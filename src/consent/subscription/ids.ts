/**
 * The ids of a subscription. Every id is derived from opaque ids, so a repeated request lands
 * on the same records: the contact id comes from the address's deterministic ciphertext, the
 * subscription id from contact and list. Its double opt-in runs in the list's workflow
 * (src/temporal/workflows.ts).
 */
import { createHash } from 'node:crypto';
import type { Binary } from 'mongodb';
import { contactIdFor } from '../../db/models/contact';
import type { ListDocument } from '../../db/models/list';
import type { TenantScope } from '../../db/tenant-access';

/** What of a list subscribing reads. */
export type SubscribeList = Pick<ListDocument, '_id' | 'name' | 'doubleOptIn'>;

/** The projection that reads a `SubscribeList`. */
export const subscribeListFields = { name: 1, doubleOptIn: 1 } as const;

/** The subscription id of a contact on a list. */
export const subscriptionIdFor = (contactId: string, listId: string) =>
  `s${createHash('sha256').update(`${contactId}:${listId}`).digest('hex').slice(0, 24)}`;

/** The contact id of a normalised address within a tenant. */
export async function contactIdOf(
  tenant: TenantScope,
  email: string,
): Promise<{ id: string; encrypted: Binary }> {
  const encrypted = await tenant.searchable(email);
  return { id: contactIdFor(encrypted), encrypted };
}
