/**
 * Withdrawal of consent for one list: the membership becomes `unsubscribed` and a `withdrawn`
 * record is appended with the IP and user agent of the click (encrypted), and the tenant's
 * webhooks hear of it (`contact.unsubscribed`). Repeating it changes nothing.
 */
import { recordWithdrawn } from '../db/consent-records';
import * as memberships from '../db/memberships';
import type { TenantScope } from '../db/tenant-access';
import type { LinkUse } from '../../workflows/definitions';
import { emitWebhookEvent, type WebhookEmitDeps } from '../webhooks/emit';
import type { AutomationTriggers } from '../automations/triggers';

/** Unsubscribes; returns whether anything changed. */
export async function unsubscribeContact(
  tenant: TenantScope,
  contactId: string,
  listId: string,
  use: LinkUse,
  deps: { webhooks?: WebhookEmitDeps; automations?: Pick<AutomationTriggers, 'contactEvent'> } = {},
): Promise<boolean> {
  const member = { contactId, listId };
  const { changed } = await memberships.unsubscribe(tenant, member, new Date(use.at));
  if (!changed) return false;
  await recordWithdrawn(tenant, member, use);
  if (deps.webhooks)
    await emitWebhookEvent(deps.webhooks, tenant, 'contact.unsubscribed', member, {
      key: `${contactId}:${listId}:${use.at}`,
    });
  await deps.automations?.contactEvent(tenant, contactId, { type: 'list_unsubscribed', listId });
  return true;
}
