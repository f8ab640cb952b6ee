/**
 * Erasure at the subject's request (GDPR Art. 17): every trace of the subject in the tenant
 * goes. In order, so that nothing can bring the subject back halfway:
 *
 * 0. the erasure is recorded in the erasure ledger (control database, outside backups), so
 *    a later restore replays it;
 * 1. the address is suppressed first, so a subscription or import arriving meanwhile is
 *    refused instead of re-creating what is being erased;
 * 2. the subject's running workflows (renewal, re-permission: found by their `ContactId`
 *    search attribute) are terminated; their histories hold opaque ids and payloads encrypted
 *    under the tenant's payload key only;
 * 3. subscription requests with their queued mail and send records, consent records, the
 *    archives of earlier access requests, webhook deliveries of the subject's events, the
 *    subject's flood counters, automation runs, entries, sends and custom events, and the
 *    contact are deleted, and the subject's rights requests
 *    keep no address, changes or contact id. What remains is the `contact.erased` webhook
 *    event emitted afterwards, with the opaque contact id integrators erase their copy by.
 *
 * Repeating it (a retried activity, a second request) deletes nothing more and succeeds.
 */
import type { MongoClient } from 'mongodb';
import { contactIdOf } from '../consent/subscription/ids';
import type { DatabaseNames } from '../db/names';
import { keyRange } from '../db/models/automation';
import { campaignEventKinds } from '../db/models/campaign';
import { campaignEventIdOf, recipientIdOf } from '../campaigns/tracking';
import type { TenantScope } from '../db/tenant-access';
import { sendKeyPrefix } from '../consent/subscription/mail';
import type { WorkflowGateway } from '../temporal/workflows';
import { suppress, suppressionKeysOf } from './suppression';
import { erasureLedger } from '../backups/erasure-ledger';

/** What an erasure needs besides the tenant. */
export interface EraseSubjectDeps {
  workflows: Pick<WorkflowGateway, 'terminateContactWorkflows'>;
  mongo: MongoClient;
  names: DatabaseNames;
}

/** Erases the subject of request `requestId`; counts of what went. */
export async function eraseSubject(
  deps: EraseSubjectDeps,
  tenant: TenantScope,
  subject: { requestId: string; contactId?: string; email?: string },
): Promise<Record<string, number | boolean>> {
  const m = tenant.models;
  let { contactId, email } = subject;
  if (!email && contactId) {
    const contact = await m.Contact.findById(contactId, { email: 1 }).lean();
    if (typeof contact?.email === 'string') email = contact.email;
  }
  // The address may have subscribed since the request was made: its id is the address's.
  if (email) contactId = (await contactIdOf(tenant, email)).id;
  // In the ledger outside the tenant database first, so that a restore of a backup taken
  // before now erases the subject again (src/backups/erasure-ledger.ts).
  if (email || contactId)
    await erasureLedger(deps.mongo, deps.names).record({
      tenantId: tenant.tenantId,
      requestId: subject.requestId,
      contactId,
      suppressionKey: email ? (await suppressionKeysOf(tenant, [email]))[0] : undefined,
    });
  if (email) await suppress(tenant, email, subject.requestId);
  if (!contactId) return { held: false, suppressed: email !== undefined };

  const workflowsEnded = await deps.workflows.terminateContactWorkflows(
    tenant.tenantId,
    contactId,
    'the subject was erased at their request',
  );
  const subscriptionIds = (await m.Subscription.find({ contactId }, { _id: 1 }).lean()).map(
    (s) => s._id,
  );
  const requestIds = (await m.RightsRequest.find({ contactId }, { _id: 1 }).lean()).map(
    (r) => r._id,
  );
  const [outbox, sends, consent, archives, deliveries] = await Promise.all([
    m.Outbox.deleteMany({ subscriptionId: { $in: subscriptionIds } }),
    subscriptionIds.length
      ? m.Send.deleteMany({
          $or: subscriptionIds.map((id) => ({ _id: { $regex: `^${sendKeyPrefix(id)}` } })),
        })
      : { deletedCount: 0 },
    m.ConsentRecord.deleteMany({ contactId }),
    m.RightsArchiveChunk.deleteMany({ requestId: { $in: requestIds } }),
    // Webhook deliveries of the subject's earlier events (the contact id is in their body);
    // the `contact.erased` event sent afterwards carries it once more, for integrators.
    m.WebhookDelivery.deleteMany({ body: { $regex: contactId } }),
  ]);
  const subscriptions = await m.Subscription.deleteMany({ contactId });
  const campaignIds = (await m.Campaign.find({}, { _id: 1 }).lean()).map((c) => c._id);
  await Promise.all([
    m.CampaignRecipient.deleteMany({
      _id: { $in: campaignIds.map((c) => recipientIdOf(c, contactId)) },
    }),
    m.CampaignEvent.deleteMany({
      _id: {
        $in: campaignIds.flatMap((c) =>
          campaignEventKinds.map((k) => campaignEventIdOf(c, contactId, k)),
        ),
      },
    }),
    m.Send.deleteMany({ _id: { $in: campaignIds.map((c) => `campaign:${c}:${contactId}`) } }),
  ]);
  const [runs, entries, automationSends, events] = await Promise.all([
    m.AutomationRun.deleteMany({ contactId }),
    m.AutomationEntry.deleteMany({ _id: { $regex: `:${contactId}$` } }),
    m.AutomationSend.deleteMany({ _id: keyRange(contactId) }),
    m.ContactEvent.deleteMany({ _id: keyRange(contactId) }),
  ]);
  await deps.mongo
    .db(deps.names.control)
    .collection('rate_limits')
    .deleteMany({ _id: `sub-address:${tenant.tenantId}:${contactId}` as never });
  // The erasure's own request is closed by its activity (which still needs what it holds).
  await m.RightsRequest.updateMany(
    { _id: { $in: requestIds.filter((id) => id !== subject.requestId) } },
    { $unset: { contactId: 1, email: 1, changes: 1, archive: 1 } },
  );
  const contact = await m.Contact.deleteOne({ _id: contactId });
  return {
    held: contact.deletedCount > 0 || consent.deletedCount > 0,
    suppressed: email !== undefined,
    contacts: contact.deletedCount,
    consentRecords: consent.deletedCount,
    subscriptionRequests: subscriptions.deletedCount,
    queuedMail: outbox.deletedCount,
    sendRecords: sends.deletedCount,
    archives: archives.deletedCount,
    webhookDeliveries: deliveries.deletedCount,
    automationRuns: runs.deletedCount,
    automationEntries: entries.deletedCount,
    automationSends: automationSends.deletedCount,
    events: events.deletedCount,
    workflowsEnded,
  };
}
