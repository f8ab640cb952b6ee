/**
 * What a step or a trigger knows of a contact, read from the tenant database at that moment:
 * memberships, restriction, tracking objections, fields, past custom events and the automation
 * mails sent within a window. The address is returned beside the facts, for the send step
 * only; it never leaves the process that read it.
 */
import type { ContactDetails, ContactDocument } from '../db/models/contact';
import { keyRange } from '../db/models/automation';
import type { TenantScope } from '../db/tenant-access';
import type { ContactFacts } from './interpreter';

/** Most past events a condition looks at (the latest kept). */
const MAX_EVENTS = 1_000;

/** A contact as the automations see it: the facts, and the address for a send. */
export interface AutomationContact {
  email: string;
  facts: ContactFacts;
}

/**
 * Reads the contact, or null when it is gone (erased, deleted). `capWindowMs`: count the
 * automation mails sent to it within that long before `now`.
 */
export async function readContact(
  tenant: TenantScope,
  contactId: string,
  now: Date,
  capWindowMs?: number,
): Promise<AutomationContact | null> {
  const m = tenant.models;
  const [contact, events, sends] = await Promise.all([
    m.Contact.findById(contactId).lean(),
    latestEventsQuery(tenant, contactId),
    capWindowMs === undefined
      ? 0
      : m.AutomationSend.countDocuments({
          _id: {
            $gte: `${contactId}:${new Date(now.getTime() - capWindowMs).toISOString()}`,
            $lt: `${contactId};`,
          },
        }),
  ]);
  if (!contact || typeof contact.email !== 'string') return null;
  return { email: contact.email, facts: factsOf(contact, events, sends) };
}

/** The facts of a contact as read (its details decrypted), with its latest events. */
export function factsOf(
  contact: Pick<ContactDocument, 'lists' | 'restrictedAt' | 'trackingObjection' | 'details'>,
  events: readonly { name: string; at: Date }[],
  sendsInCapWindow = 0,
): ContactFacts {
  const details = (contact.details ?? {}) as ContactDetails;
  const lists: ContactFacts['lists'] = {};
  for (const [listId, membership] of Object.entries(contact.lists ?? {}))
    lists[listId] = membership.status;
  return {
    lists,
    restricted: contact.restrictedAt !== undefined,
    trackingObjection: contact.trackingObjection ?? [],
    fields: {
      firstName: details.firstName,
      lastName: details.lastName,
      custom: { ...details.custom },
    },
    events: events.map((e) => ({ name: e.name, at: e.at })),
    sendsInCapWindow,
  };
}

/** A contact's latest custom events (conditions on past events look at these). */
export const latestEventsQuery = (tenant: TenantScope, contactId: string) =>
  tenant.models.ContactEvent.find({ _id: keyRange(contactId) }, { name: 1, at: 1 })
    .sort({ _id: -1 })
    .limit(MAX_EVENTS)
    .lean();
