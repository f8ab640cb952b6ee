/**
 * Custom events integrators post for a contact (`POST /api/v1/events`): kept by name and time
 * (conditions on past events read them; properties are not kept, they may be personal), then
 * delivered to the automations that start on them and the runs that wait or exit on them. An
 * unknown contact, or one outside the caller's lists, is answered like a known one and nothing
 * is stored, so the answer tells nothing about who is held.
 */
import { randomBytes } from 'node:crypto';
import { canSeeContact, type Permissions } from '../auth/principal';
import type { TenantScope } from '../db/tenant-access';
import type { AutomationTriggers } from './triggers';

/** Stores and delivers one custom event. */
export async function postContactEvent(
  deps: { automations: Pick<AutomationTriggers, 'contactEvent'> },
  tenant: TenantScope,
  permissions: Permissions,
  contactId: string,
  name: string,
): Promise<void> {
  const contact = await tenant.models.Contact.findById(contactId, { lists: 1 }).lean();
  if (!contact || !canSeeContact(permissions, Object.keys(contact.lists ?? {}))) return;
  const at = new Date();
  await tenant.models.ContactEvent.create({
    _id: `${contactId}:${at.toISOString()}:${randomBytes(4).toString('hex')}`,
    name,
    at,
  });
  await deps.automations.contactEvent(tenant, contactId, { type: 'custom_event', name });
}
