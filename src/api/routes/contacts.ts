/**
 * Contacts: search by exact email (the deterministic ciphertext of the normalised address
 * gives the contact id), read with list memberships and consent timeline, rectification of
 * fields, and a CSV export per list. A caller limited to some lists sees a contact only
 * through a membership in one of them; anything else is 404, as if it did not exist.
 * Personal fields the caller may not view come back masked (presenters/contact.ts).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { fieldMask, uneditableFields } from '../../auth/field-masking';
import { fieldsChangedEvent, type AutomationTriggers } from '../../automations/triggers';
import { liftHardBounce } from '../../campaigns/lift-bounce';
import { canSeeContact, type Principal } from '../../auth/principal';
import { hasMembership, unrestricted } from '../../db/memberships';
import { contactIdFor, type ContactDocument } from '../../db/models/contact';
import type { TenantScope } from '../../db/tenant-access';
import { normaliseEmail } from '../../domain/email-address';
import { forbidden, invalid, notFound } from '../../errors';
import {
  applyRectification,
  rectificationSchema,
  rectifiedFields,
} from '../../rights/rectification';
import { assertVisibleList, tenantOf } from '../middleware/tenant-auth';
import {
  contactRecordSchema,
  contactSchema,
  contactValues,
  presentContact,
  presentContactRecord,
} from '../presenters/contact';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';
import { listIdParams } from '../schemas/list-id';

const contactId = z.strictObject({ id: z.string().regex(/^c[0-9a-f]{24}$/, 'not a contact id') });

const exportColumns = [
  'id',
  'email',
  'phone',
  'firstName',
  'lastName',
  'status',
  'subscribedAt',
  'confirmedAt',
  'fields',
];

/** A contact the principal may see, or null (missing and invisible are the same). */
async function findVisible(tenant: TenantScope, principal: Principal, id: string) {
  // The driver's collection, not a mongoose query: this read is on every integrator's hot
  // path, and mongoose's query building costs more CPU than the lookup itself.
  const contact = (await tenant.models.Contact.collection.findOne({
    _id: id as never,
  })) as ContactDocument | null;
  if (!contact || !canSeeContact(principal.permissions, Object.keys(contact.lists ?? {})))
    return null;
  return contact;
}

/** The contact routes. */
/** What the contact routes need besides the request's tenant. */
export interface ContactRouteDeps {
  /** Told of a rectification, for the automations that wait for a field to change. */
  automations: Pick<AutomationTriggers, 'contactEvent'>;
}

export const contactRoutes = (deps: ContactRouteDeps) => [
  defineRoute({
    method: 'get',
    path: '/api/v1/contacts',
    readsPersonalData: true,
    tag: 'contacts',
    summary: 'Search contacts by exact email',
    description:
      'Exact match on the normalised address, across the lists the caller may see. A caller who may not view emails can still search by one: the search uses the address the caller supplied, and the result shows it masked.',
    auth: 'tenant',
    feature: 'contacts.view',
    request: { query: z.strictObject({ email: z.string().min(1).max(254) }) },
    responses: {
      200: {
        description: 'zero or one contact',
        schema: z.strictObject({ contacts: z.array(contactSchema) }),
      },
    },
    async handler({ query }, _req, res) {
      const email = normaliseEmail(query.email);
      if (!email) throw invalid('email: not a valid email address');
      const { tenant, principal } = tenantOf(res);
      const found = await findVisible(
        tenant,
        principal,
        contactIdFor(await tenant.searchable(email)),
      );
      res.json({ contacts: found ? [presentContact(found, principal.permissions)] : [] });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/contacts/:id',
    readsPersonalData: true,
    tag: 'contacts',
    summary: 'A contact with its memberships, consent timeline and open rights requests',
    auth: 'tenant',
    feature: 'contacts.view',
    request: { params: contactId },
    responses: { 200: { description: 'the contact', schema: contactRecordSchema } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const contact = await findVisible(tenant, principal, params.id);
      if (!contact) throw notFound('contact');
      const [consent, requests] = await Promise.all([
        tenant.models.ConsentRecord.find({ contactId: contact._id }).sort({ at: 1 }).lean(),
        tenant.models.RightsRequest.find(
          { contactId: contact._id, status: { $in: ['verifying', 'in_progress'] } },
          { type: 1, status: 1, dueAt: 1 },
        )
          .sort({ dueAt: 1 })
          .lean(),
      ]);
      res.json(presentContactRecord(contact, consent, principal.permissions, requests));
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/api/v1/contacts/:id',
    tag: 'contacts',
    summary: 'Rectify a contact’s fields',
    description:
      'Sets (or, with null, removes) phone, names and custom fields. Each field changed needs `edit` access to it (403 `field_not_editable` naming the fields otherwise). The email identifies the contact and cannot be rectified (400 `email_immutable`): erase the contact and subscribe the corrected address.',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { params: contactId, body: rectificationSchema },
    responses: { 200: { description: 'the contact after the change', schema: contactSchema } },
    async handler({ params, body }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const contact = await findVisible(tenant, principal, params.id);
      if (!contact) throw notFound('contact');
      const refused = uneditableFields(principal.permissions, rectifiedFields(body));
      if (refused.length > 0)
        throw forbidden('field_not_editable', `no edit permission for ${refused.join(', ')}`);
      const exists = await applyRectification(tenant, contact._id, body);
      const updated = exists ? await findVisible(tenant, principal, contact._id) : null;
      if (!updated) throw notFound('contact');
      const changed = fieldsChangedEvent(body);
      if (changed) await deps.automations.contactEvent(tenant, contact._id, changed);
      res.json(presentContact(updated, principal.permissions));
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/api/v1/contacts/:id/undeliverable',
    tag: 'contacts',
    summary: 'Lift a contact’s hard bounce',
    description:
      'For a mailbox that works again: the address leaves the suppression list and the contact is mailed again wherever it still consents. 409 `not_undeliverable` when nothing bounced, 409 `complaint_stands` for a spam complaint, which is the recipient’s objection and is never lifted.',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { params: contactId },
    responses: { 200: { description: 'the contact, deliverable again', schema: contactSchema } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const contact = await findVisible(tenant, principal, params.id);
      if (!contact || !(await liftHardBounce(tenant, contact._id))) throw notFound('contact');
      const updated = await findVisible(tenant, principal, contact._id);
      if (!updated) throw notFound('contact');
      res.json(presentContact(updated, principal.permissions));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/lists/:listId/contacts/export',
    readsPersonalData: true,
    tag: 'contacts',
    summary: 'Export a list’s contacts as CSV',
    description:
      'Columns: id, email, phone, firstName, lastName, status, subscribedAt, confirmedAt, fields (the custom fields as a JSON object). Contacts whose processing is restricted are left out. Fields the caller may not view are `***`. Written to the access log (`personal_data.read`).',
    auth: 'tenant',
    feature: 'contacts.export',
    request: {
      params: listIdParams,
    },
    responses: { 200: { description: 'the CSV, with a header row', contentType: 'text/csv' } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const { listId } = params;
      await assertVisibleList(res, listId);
      // A bulk read of personal data: logged when it starts, so an interrupted export counts.
      await recordAccess(res, {
        event: 'personal_data.read',
        details: { source: 'export', listId },
      });
      res.type('text/csv').attachment(`contacts-${listId}.csv`);
      // The list id matched the pattern above, so it is a safe field path.
      // Restricted contacts are left out: an export is for marketing use.
      const cursor = tenant.models.Contact.find({ ...hasMembership(listId), ...unrestricted() })
        .sort({ _id: 1 })
        .lean<ContactDocument[]>()
        .cursor();
      async function* rows() {
        for await (const contact of cursor) {
          const values = contactValues(contact, fieldMask(principal.permissions));
          const membership = contact.lists[listId];
          yield {
            id: contact._id,
            ...values,
            status: membership?.status,
            subscribedAt: membership?.subscribedAt.toISOString(),
            confirmedAt: membership?.confirmedAt?.toISOString() ?? '',
            fields: JSON.stringify(values.fields),
          };
        }
      }
      // pipeline() handles back-pressure and stops reading when the client goes away.
      await pipeline(
        Readable.from(rows()),
        stringify({ header: true, columns: exportColumns }),
        res,
      );
    },
  }),
];
