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
import type { Binary } from 'mongodb';
import { z } from 'zod';
import { fieldMask, uneditableFields } from '../../auth/field-masking';
import { canSeeContact, type Principal } from '../../auth/principal';
import { applyContactChanges } from '../../db/contact-changes';
import { hasMembership } from '../../db/memberships';
import { contactIdFor, type ContactDocument } from '../../db/models/contact';
import type { TenantScope } from '../../db/tenant-access';
import { normaliseEmail } from '../../domain/email-address';
import { normalisePhone } from '../../domain/phone-number';
import { customFieldName } from '../../imports/contact-row';
import { forbidden, invalid, notFound } from '../../errors';
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

const name = z.string().trim().min(1).max(200).nullable();
const rectification = z.strictObject({
  email: z.string().max(254).optional(),
  phone: z.string().max(40).nullable().optional(),
  firstName: name.optional(),
  lastName: name.optional(),
  fields: z
    .record(
      z.string().regex(customFieldName, 'not a valid field name'),
      z.string().max(1000).nullable(),
    )
    .optional(),
});

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
export const contactRoutes = () => [
  defineRoute({
    method: 'get',
    path: '/api/v1/contacts',
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
    tag: 'contacts',
    summary: 'A contact with its memberships and consent timeline',
    auth: 'tenant',
    feature: 'contacts.view',
    request: { params: contactId },
    responses: { 200: { description: 'the contact', schema: contactRecordSchema } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const contact = await findVisible(tenant, principal, params.id);
      if (!contact) throw notFound('contact');
      const consent = await tenant.models.ConsentRecord.find({ contactId: contact._id })
        .sort({ at: 1 })
        .lean();
      res.json(presentContactRecord(contact, consent, principal.permissions));
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/api/v1/contacts/:id',
    tag: 'contacts',
    summary: 'Rectify a contact’s fields',
    description:
      'Sets (or, with null, removes) phone, names and custom fields. Each field changed needs `edit` access to it (403 `field_not_editable` naming the fields otherwise). The email identifies the contact and is rectified through a rights request (400 `email_immutable`).',
    auth: 'tenant',
    feature: 'contacts.edit',
    request: { params: contactId, body: rectification },
    responses: { 200: { description: 'the contact after the change', schema: contactSchema } },
    async handler({ params, body }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const contact = await findVisible(tenant, principal, params.id);
      if (!contact) throw notFound('contact');
      const changed = [
        ...(['email', 'phone', 'firstName', 'lastName'] as const).filter((f) => f in body),
        ...Object.keys(body.fields ?? {}),
      ];
      const refused = uneditableFields(principal.permissions, changed);
      if (refused.length > 0)
        throw forbidden('field_not_editable', `no edit permission for ${refused.join(', ')}`);
      if (body.email !== undefined)
        throw invalid(
          'email: the address identifies the contact; rectify it with a rights request',
          'email_immutable',
        );
      let phone: Binary | null | undefined;
      if (body.phone === null) phone = null;
      else if (body.phone !== undefined) {
        const normalised = normalisePhone(body.phone);
        if (!normalised) throw invalid('phone: not a valid international number (+country code)');
        phone = await tenant.searchable(normalised);
      }
      // Names and custom fields live in the contact's one encrypted `details` value: they are
      // merged into it (null removes a field) and written back encrypted, through mongoose, so
      // the schema's Encrypted type refuses anything but ciphertext; a concurrent change is
      // merged again rather than overwritten.
      const details = { firstName: body.firstName, lastName: body.lastName, custom: body.fields };
      const changes = await applyContactChanges(tenant, [
        {
          id: contact._id,
          phone,
          // Left out when no name or custom field changes: then `details` is not rewritten.
          details: Object.values(details).some((v) => v !== undefined) ? details : undefined,
        },
      ]);
      const updated = changes.has(contact._id)
        ? await findVisible(tenant, principal, contact._id)
        : null;
      if (!updated) throw notFound('contact');
      res.json(presentContact(updated, principal.permissions));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/lists/:listId/contacts/export',
    tag: 'contacts',
    summary: 'Export a list’s contacts as CSV',
    description:
      'Columns: id, email, phone, firstName, lastName, status, subscribedAt, confirmedAt, fields (the custom fields as a JSON object). Fields the caller may not view are `***`. Written to the access log (`personal_data.read`).',
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
      const cursor = tenant.models.Contact.find(hasMembership(listId))
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
