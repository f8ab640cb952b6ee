/**
 * Withdrawal of consent for one list: the membership becomes `unsubscribed` and a `withdrawn`
 * record is appended with the IP and user agent of the click (encrypted). Repeating it
 * changes nothing.
 */
import { recordWithdrawn } from '../db/consent-records';
import * as memberships from '../db/memberships';
import type { TenantScope } from '../db/tenant-access';
import type { LinkUse } from '../../workflows/definitions';

/** Unsubscribes; returns whether anything changed. */
export async function unsubscribeContact(
  tenant: TenantScope,
  contactId: string,
  listId: string,
  use: LinkUse,
): Promise<boolean> {
  const member = { contactId, listId };
  const { changed } = await memberships.unsubscribe(tenant, member, new Date(use.at));
  if (!changed) return false;
  await recordWithdrawn(tenant, member, use);
  return true;
}
