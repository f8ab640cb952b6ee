/**
 * Withdrawal of consent for one list: the membership becomes `unsubscribed` and a `withdrawn`
 * record is appended with the IP and user agent of the click (encrypted). Repeating it
 * changes nothing.
 */
import type { TenantScope } from '../db/tenant-access';
import type { LinkUse } from '../../workflows/definitions';

/** Unsubscribes; returns whether anything changed. */
export async function unsubscribeContact(
  tenant: TenantScope,
  contactId: string,
  listId: string,
  use: LinkUse,
): Promise<boolean> {
  const at = new Date(use.at);
  const { modifiedCount } = await tenant.models.Contact.updateOne(
    { _id: contactId, [`lists.${listId}.status`]: { $in: ['active', 'pending'] } },
    {
      $set: {
        [`lists.${listId}.status`]: 'unsubscribed',
        [`lists.${listId}.unsubscribedAt`]: at,
        updatedAt: new Date(),
      },
    },
  );
  if (modifiedCount === 0) return false;
  await tenant.models.ConsentRecord.create({
    _id: `${contactId}:${listId}:withdrawn:${at.getTime()}`,
    contactId,
    listId,
    action: 'withdrawn',
    at,
    ...(use.ip ? { ip: await tenant.private(use.ip) } : {}),
    ...(use.userAgent ? { userAgent: await tenant.private(use.userAgent) } : {}),
    source: { kind: 'link', id: 'unsubscribe' },
  });
  return true;
}
