/**
 * Everything a tenant holds about one subject, collection by collection, as the access and
 * portability archives present it: the profile, list memberships with their status, the
 * consent proof timeline, subscription requests, messages sent, rights requests, automation
 * runs with their paths, the custom events posted for the subject and its campaign messages. Reads go
 * through the shared client, so personal fields come back decrypted; nothing of another
 * subject is read (every query is keyed by the subject's ids).
 */
import type { ContactDetails, ContactDocument } from '../db/models/contact';
import { keyRange, type AutomationRunDocument } from '../db/models/automation';
import {
  campaignEventKinds,
  type CampaignEventDocument,
  type CampaignRecipientDocument,
} from '../db/models/campaign';
import { campaignEventIdOf, recipientIdOf } from '../campaigns/tracking';
import type { TenantScope } from '../db/tenant-access';
import { sendKeyPrefix } from '../consent/subscription/mail';

/** One collection of the archive: its rows, flat enough for a CSV. */
export type SubjectRows = Record<string, string | number | boolean | null>[];

/** The subject's data, by archive file name (without extension). */
export interface SubjectData {
  profile: SubjectRows;
  memberships: SubjectRows;
  consent: SubjectRows;
  subscription_requests: SubjectRows;
  messages: SubjectRows;
  rights_requests: SubjectRows;
  automation_runs: SubjectRows;
  events: SubjectRows;
  campaigns: SubjectRows;
}

/** What each file holds, for the README inside the archive. */
export const subjectFileDescriptions: Record<keyof SubjectData, string> = {
  profile:
    'The contact: email, phone, names, custom fields, when it was created and last active, and whether processing is restricted or tracking objected to.',
  memberships:
    'One row per list: the list, its name, the status (pending, active, unsubscribed) and when the subscription was made, confirmed, renewed or ended.',
  consent:
    'The consent proof, one event per row (requested, confirmed, renewed, withdrawn, expired): when, from which IP and user agent, the source (form, API key, import, link, policy) and the version and hash of the consent text shown.',
  subscription_requests:
    'Double opt-in requests: the list, the status, when it was made and confirmed, and until when it could be confirmed.',
  messages:
    'Messages sent to the subject by the double opt-in process: the step (confirmation, reminder), the Message-ID and when it was sent.',
  rights_requests:
    'Rights requests about the subject: the type, the status, when received, due and completed.',
  automation_runs:
    'Runs through the tenant’s automations: the automation, the version, the status, when entered and ended, and the path (each step: node, time, outcome).',
  events: 'Custom events the tenant posted about the subject: the name and when.',
  campaigns:
    'Campaign messages: the campaign, the list it was sent for, whether it was sent or skipped (and why), when, and when the subject first opened it, clicked in it or unsubscribed through it (only where tracking was allowed).',
};

const iso = (d: Date | undefined | null) => (d ? new Date(d).toISOString() : null);
const str = (v: unknown) => (v === undefined || v === null ? null : String(v));

/** Collects the subject's data; empty collections when the tenant holds no contact. */
export async function collectSubjectData(
  tenant: TenantScope,
  contactId: string | undefined,
): Promise<SubjectData> {
  const empty: SubjectData = {
    profile: [],
    memberships: [],
    consent: [],
    subscription_requests: [],
    messages: [],
    rights_requests: [],
    automation_runs: [],
    events: [],
    campaigns: [],
  };
  if (!contactId) return empty;
  const m = tenant.models;
  const contact = (await m.Contact.findById(contactId).lean()) as ContactDocument | null;
  const [consent, subscriptions, requests, runs, events] = await Promise.all([
    m.ConsentRecord.find({ contactId }).sort({ at: 1 }).lean(),
    m.Subscription.find({ contactId }).lean(),
    m.RightsRequest.find({ contactId }, { email: 0, changes: 0, evidence: 0 }).lean(),
    m.AutomationRun.find({ contactId }, { test: 0 }).lean<AutomationRunDocument[]>(),
    m.ContactEvent.find({ _id: keyRange(contactId) }).lean(),
  ]);
  const campaigns = await campaignRecordsOf(tenant, contactId);
  const listIds = [
    ...new Set([
      ...Object.keys(contact?.lists ?? {}),
      ...consent.map((c) => c.listId),
      ...subscriptions.map((s) => s.listId),
    ]),
  ];
  const lists = await m.List.find({ _id: { $in: listIds } }, { name: 1 }).lean();
  const listName = new Map(lists.map((l) => [l._id, l.name]));
  // The double opt-in mails of each request are keyed by the request (sendKeyPrefix).
  const sends = subscriptions.length
    ? await m.Send.find({
        $or: subscriptions.map((s) => ({ _id: { $regex: `^${sendKeyPrefix(s._id)}` } })),
      }).lean()
    : [];

  const details = (contact?.details ?? {}) as ContactDetails;
  return {
    profile: contact
      ? [
          {
            id: contact._id,
            email: str(contact.email),
            phone: str(contact.phone),
            firstName: str(details.firstName),
            lastName: str(details.lastName),
            customFields: JSON.stringify(details.custom ?? {}),
            createdAt: iso(contact.createdAt),
            lastActivityAt: iso(contact.lastActivityAt),
            restrictedSince: iso(contact.restrictedAt),
            trackingObjection: (contact.trackingObjection ?? []).join(' ') || null,
          },
        ]
      : [],
    memberships: Object.entries(contact?.lists ?? {}).map(([listId, ms]) => ({
      listId,
      list: listName.get(listId) ?? null,
      status: ms.status,
      subscribedAt: iso(ms.subscribedAt),
      confirmedAt: iso(ms.confirmedAt),
      renewedAt: iso(ms.renewedAt),
      unsubscribedAt: iso(ms.unsubscribedAt),
    })),
    consent: consent.map((c) => ({
      listId: c.listId,
      list: listName.get(c.listId) ?? null,
      action: c.action,
      at: iso(c.at),
      ip: str(c.ip),
      userAgent: str(c.userAgent),
      sourceKind: c.source.kind,
      sourceId: c.source.id,
      sourceDetail: str(c.source.detail),
      textVersion: str(c.textVersion),
      textHash: str(c.textHash),
    })),
    subscription_requests: subscriptions.map((s) => ({
      listId: s.listId,
      list: listName.get(s.listId) ?? null,
      status: s.status,
      requestedAt: iso(s.requestedAt),
      confirmedAt: iso(s.confirmedAt),
      expiresAt: iso(s.expiresAt),
    })),
    messages: sends.map((s) => ({
      // `<prefix><requestedAt ms>:<step>` (src/consent/subscription/mail.ts).
      step: s._id.split(':').pop() ?? null,
      messageId: s.messageId,
      status: s.status,
      sentAt: iso(s.sentAt),
    })),
    rights_requests: requests.map((r) => ({
      id: r._id,
      type: r.type,
      status: r.status,
      receivedAt: iso(r.receivedAt),
      dueAt: iso(r.dueAt),
      completedAt: iso(r.completedAt),
    })),
    automation_runs: runs.map((r) => ({
      automationId: r.automationId,
      version: r.version,
      status: r.status,
      enteredAt: iso(r.enteredAt),
      endedAt: iso(r.endedAt),
      endReason: str(r.endReason),
      path: r.path
        .map((s) => `${s.node}@${iso(s.at)}:${s.outcome}${s.detail ? `(${s.detail})` : ''}`)
        .join(' '),
    })),
    events: events.map((e) => ({ name: e.name, at: iso(e.at) })),
    campaigns: campaigns.map(({ campaignId, recipient, events: seen }) => ({
      campaignId,
      listId: recipient.listId,
      status: recipient.status,
      reason: str(recipient.reason),
      sentAt: iso(recipient.sentAt),
      openedAt: iso(seen.get('open')),
      clickedAt: iso(seen.get('click')),
      unsubscribedAt: iso(seen.get('unsubscribe')),
    })),
  };
}

/**
 * The subject's records in each of the tenant's campaigns: its recipient record and its
 * open, click and unsubscribe events, looked up by their ids (campaign and contact).
 */
export async function campaignRecordsOf(tenant: TenantScope, contactId: string) {
  const m = tenant.models;
  const campaignIds = (await m.Campaign.find({}, { _id: 1 }).lean()).map((c) => c._id);
  if (campaignIds.length === 0) return [];
  const [recipients, events] = await Promise.all([
    m.CampaignRecipient.find({
      _id: { $in: campaignIds.map((c) => recipientIdOf(c, contactId)) },
    }).lean<CampaignRecipientDocument[]>(),
    m.CampaignEvent.find({
      _id: {
        $in: campaignIds.flatMap((c) =>
          campaignEventKinds.map((k) => campaignEventIdOf(c, contactId, k)),
        ),
      },
    }).lean<CampaignEventDocument[]>(),
  ]);
  return recipients.map((recipient) => {
    const campaignId = recipient._id.slice(0, recipient._id.indexOf(':'));
    const seen = new Map(
      events.filter((e) => e._id.startsWith(`${campaignId}:`)).map((e) => [e.kind, e.at]),
    );
    return { campaignId, recipient, events: seen };
  });
}
