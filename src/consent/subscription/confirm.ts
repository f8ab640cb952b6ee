/**
 * Confirming a subscription from its link: the page records the proof itself, in a few round
 * trips, and says "confirmed" only once it is written. The request is claimed first
 * (`pending` → `confirming`, with the click's time, IP and user agent, encrypted), so a click
 * and the erasure at the deadline can never both win, and a crash mid-way leaves a request the
 * list's double opt-in workflow finishes (`dueStep: 'repair'`) with the click it stored. Then
 * the membership is activated, the `confirmed` record appended (once per request: its id is
 * the request's), the tenant's webhooks (`subscription.confirmed`, once per request whoever
 * finishes it) and automations told, and only then the request marked confirmed, so that
 * nothing after the proof is lost to a crash.
 */
import type { Binary } from 'mongodb';
import * as consentRecords from '../../db/consent-records';
import * as memberships from '../../db/memberships';
import type { SubscriptionDocument } from '../../db/models/subscription';
import type { TenantScope } from '../../db/tenant-access';
import type { LinkUse } from '../../../workflows/definitions';
import { emitWebhookEvent, type WebhookEmitDeps } from '../../webhooks/emit';
import type { AutomationTriggers } from '../../automations/triggers';
import { REPAIR_AFTER_MS } from './deadlines';
import { eraseUnconfirmed } from './erase-unconfirmed';

/** What a click on a confirmation link did. */
export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'withdrawn' | 'gone';

/** The request a link names. */
export interface ConfirmRef {
  subscriptionId: string;
  contactId: string;
  listId: string;
}

/** A request being confirmed, as stored. */
type Claimed = Pick<
  SubscriptionDocument,
  '_id' | 'contactId' | 'listId' | 'requestedAt' | 'source' | 'textVersion' | 'textHash'
>;

/** The click: its IP and user agent encrypted, or read back decrypted. */
interface Click {
  at: Date;
  ip?: Binary | string;
  userAgent?: Binary | string;
}

/**
 * What confirming needs besides the tenant: its webhooks hear of each confirmation, and its
 * automations enter the contact (none told without).
 */
export interface ConfirmDeps {
  webhooks?: WebhookEmitDeps;
  automations?: Pick<AutomationTriggers, 'contactEvent'>;
}

/** Confirms the request the link names with this click. */
export async function confirmSubscription(
  tenant: TenantScope,
  ref: ConfirmRef,
  use: LinkUse,
  deps: ConfirmDeps = {},
): Promise<ConfirmOutcome> {
  const { Subscription } = tenant.models;
  const at = new Date(use.at);
  const [ip, userAgent] = await Promise.all([
    use.ip ? tenant.private(use.ip) : undefined,
    use.userAgent ? tenant.private(use.userAgent) : undefined,
  ]);
  const click: Click = { at, ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) };
  // The claim: the first click counts, and a click after the erasure began finds nothing.
  const claimed = await Subscription.findOneAndUpdate(
    { _id: ref.subscriptionId, contactId: ref.contactId, status: 'pending' },
    {
      $set: {
        status: 'confirming',
        confirmation: click,
        dueAt: new Date(at.getTime() + REPAIR_AFTER_MS),
        dueStep: 'repair',
      },
    },
  ).lean();
  if (claimed) return finishConfirmation(tenant, claimed, click, deps);

  const stored = await Subscription.findById(ref.subscriptionId).lean();
  if (!stored || stored.contactId !== ref.contactId) return 'gone';
  if (stored.status === 'confirmed') return 'already-confirmed';
  // A click whose page died mid-way, followed again: finish it with the click it stored.
  if (stored.status === 'confirming' && stored.confirmation)
    return finishConfirmation(tenant, stored, stored.confirmation, deps);
  return 'gone';
}

/**
 * Finishes the confirmation of a claimed request with its click: idempotent, so the page and
 * the workflow's repair may both run it.
 */
export async function finishConfirmation(
  tenant: TenantScope,
  request: Claimed,
  click: Click,
  deps: ConfirmDeps = {},
): Promise<'confirmed' | 'withdrawn'> {
  const { Contact, Subscription } = tenant.models;
  const member = { contactId: request.contactId, listId: request.listId };
  const { matched } = await memberships.activate(tenant, member, click.at);
  if (!matched) {
    // Not pending: activated by an earlier attempt (go on and finish its record), or
    // unsubscribed before the click, which then confirms nothing and is erased now rather
    // than at the deadline.
    const now = await Contact.findById(request.contactId, { lists: 1 }).lean();
    if (now?.lists?.[request.listId]?.status !== 'active') {
      await Subscription.updateOne(
        { _id: request._id, status: 'confirming' },
        {
          $set: { status: 'pending', dueAt: new Date(), dueStep: 'expiry' },
          $unset: { confirmation: 1 },
        },
      );
      await eraseUnconfirmed(tenant, { ...member, subscriptionId: request._id });
      return 'withdrawn';
    }
  }
  await consentRecords.recordConfirmed(tenant, {
    ...member,
    subscriptionId: request._id,
    key: `r${request.requestedAt.getTime()}`,
    use: {
      at: click.at.toISOString(),
      ...(click.ip ? { ip: click.ip } : {}),
      ...(click.userAgent ? { userAgent: click.userAgent } : {}),
    },
    proof: {
      sourceKind: request.source.kind,
      sourceId: request.source.id,
      textVersion: request.textVersion,
      textHash: request.textHash,
    },
  });
  // Told before the request is marked confirmed: a crash before the mark leaves it to the
  // workflow's repair, which tells again. Keyed by the request: the page and the repair may
  // both get here.
  if (deps.webhooks)
    await emitWebhookEvent(
      deps.webhooks,
      tenant,
      'subscription.confirmed',
      { subscriptionId: request._id, contactId: request.contactId, listId: request.listId },
      { key: `${request._id}:r${request.requestedAt.getTime()}` },
    );
  // Entering is idempotent per contact and automation: the page and the repair may both call.
  await deps.automations?.contactEvent(tenant, request.contactId, {
    type: 'list_confirmed',
    listId: request.listId,
  });
  await Subscription.updateOne(
    { _id: request._id, status: 'confirming' },
    {
      $set: { status: 'confirmed', confirmedAt: click.at },
      $unset: { dueAt: 1, dueStep: 1, confirmation: 1 },
    },
  );
  return 'confirmed';
}
