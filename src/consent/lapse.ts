/**
 * What happens to a list member whose consent lapsed (not renewed in time) or who was pruned
 * as inactive, per the list's policy:
 * - `unsubscribe`: the membership ends; data and proof stay (the tenant may still need to
 *   show the consent history);
 * - `anonymize`: the membership and this list's proof lose everything personal (IP, user
 *   agent, source detail) and the contact, if no other list holds it, is deleted;
 * - `delete`: the membership and this list's consent records go, and the contact with them
 *   if no other list holds it.
 * Each leaves an `expired` record naming the policy (unsubscribe) or a trace without
 * personal data, and the tenant's webhooks hear of it (`consent.expired`, with the reason:
 * `expired` or `inactive`).
 */
import { createHash } from 'node:crypto';
import * as consentRecords from '../db/consent-records';
import * as memberships from '../db/memberships';
import type { TenantScope } from '../db/tenant-access';
import { emitWebhookEvent, type WebhookEmitDeps } from '../webhooks/emit';

/** A lapse action. */
export type LapseAction = 'unsubscribe' | 'anonymize' | 'delete';

/** Applies the action; `key` makes a repeat a no-op (workflow run + step). Returns whether it acted. */
export async function applyLapse(
  tenant: TenantScope,
  input: {
    contactId: string;
    listId: string;
    action: LapseAction;
    reason: 'expired' | 'inactive';
    key: string;
  },
  deps: { webhooks?: WebhookEmitDeps } = {},
): Promise<boolean> {
  const { Contact, ConsentTrace } = tenant.models;
  const { contactId, listId } = input;
  const now = new Date();
  const contact = await Contact.findById(contactId, { lists: 1 }).lean();
  if (contact?.lists?.[listId]?.status !== 'active') return false; // unsubscribed meanwhile, or done
  if (input.action === 'unsubscribe') {
    await memberships.lapse(tenant, input, now);
    await consentRecords.recordExpired(tenant, input, {
      key: input.key,
      at: now,
      reason: input.reason,
    });
    await lapsed(deps, tenant, input);
    return true;
  }
  const onlyList = Object.keys(contact.lists).every((id) => id === listId);
  if (input.action === 'anonymize') {
    // The records stay as history, under a pseudonym that leads to nobody.
    const pseudonym = `a${createHash('sha256').update(`${input.key}:${contactId}`).digest('hex').slice(0, 24)}`;
    await consentRecords.anonymizeRecords(tenant, input, pseudonym);
  } else {
    await consentRecords.deleteRecords(tenant, input);
  }
  if (onlyList) await memberships.erase(tenant, input, 'active');
  else await memberships.remove(tenant, input, now);
  await tenant.models.Subscription.deleteMany({ contactId, listId });
  await ConsentTrace.updateOne(
    { _id: `t${createHash('sha256').update(input.key).digest('hex').slice(0, 24)}` },
    {
      $setOnInsert: {
        listId,
        outcome: `${input.reason}-${input.action === 'anonymize' ? 'anonymized' : 'deleted'}`,
        at: now,
      },
    },
    { upsert: true },
  );
  await lapsed(deps, tenant, input);
  return true;
}

/** Tells the tenant's webhooks; keyed like the lapse, so a repeat tells them once. */
const lapsed = async (
  deps: { webhooks?: WebhookEmitDeps },
  tenant: TenantScope,
  input: { contactId: string; listId: string; action: LapseAction; reason: string; key: string },
) =>
  deps.webhooks &&
  emitWebhookEvent(
    deps.webhooks,
    tenant,
    'consent.expired',
    {
      contactId: input.contactId,
      listId: input.listId,
      reason: input.reason,
      action: input.action,
    },
    { key: input.key },
  );
