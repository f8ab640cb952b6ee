/**
 * The public shape of contacts and consent records, as one caller may see them: only the
 * memberships and consent of lists the caller may see, and every personal field the caller
 * may not view masked (src/auth/field-masking.ts), with the masked field names in `masked`.
 * Reads come back decrypted from the shared client; a value still binary here could not be
 * decrypted (its key is gone) and is shown as null rather than as ciphertext.
 */
import type { RightsRequestDocument } from '../../db/models/rights-request';
import { z } from 'zod';
import { consentSourceKinds } from '../../db/models/consent-record';
import { CONSENT_IP_FIELD, fieldMask, type FieldMask } from '../../auth/field-masking';
import { canSeeList, type Permissions } from '../../auth/principal';
import type { ConsentRecordDocument } from '../../db/models/consent-record';
import { isCiphertext } from '../../db/encrypted-field';
import {
  undeliverableReasons,
  type ContactDetails,
  type ContactDocument,
} from '../../db/models/contact';

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** An open rights request of the subject, as the contact record lists it. */
export type OpenRightsRequest = Pick<RightsRequestDocument, '_id' | 'type' | 'status' | 'dueAt'>;

/** The memberships of a contact the caller may see, as list id → membership. */
export const visibleMemberships = (contact: ContactDocument, permissions: Permissions) =>
  Object.entries(contact.lists ?? {}).filter(([listId]) => canSeeList(permissions, listId));

/**
 * A contact's personal fields through a mask (shared by JSON and CSV outputs). Names and
 * custom fields come from the decrypted `details`, each shown and masked on its own.
 */
export function contactValues(contact: ContactDocument, mask: FieldMask) {
  const details: ContactDetails =
    contact.details && !isCiphertext(contact.details) ? contact.details : {};
  return {
    email: mask.show('email', text(contact.email)),
    phone: mask.show('phone', text(contact.phone)),
    firstName: mask.show('firstName', text(details.firstName)),
    lastName: mask.show('lastName', text(details.lastName)),
    fields: Object.fromEntries(
      Object.entries(details.custom ?? {}).map(([key, value]) => [
        key,
        mask.show(key, text(value)),
      ]),
    ),
  };
}

function contactBody(contact: ContactDocument, permissions: Permissions, mask: FieldMask) {
  return {
    id: contact._id,
    ...contactValues(contact, mask),
    lists: visibleMemberships(contact, permissions).map(([listId, m]) => ({
      listId,
      status: m.status,
      subscribedAt: m.subscribedAt.toISOString(),
      confirmedAt: m.confirmedAt?.toISOString() ?? null,
      renewedAt: m.renewedAt?.toISOString() ?? null,
      unsubscribedAt: m.unsubscribedAt?.toISOString() ?? null,
    })),
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

/** A contact as the caller may see it (search results). */
export function presentContact(contact: ContactDocument, permissions: Permissions) {
  const mask = fieldMask(permissions);
  return { ...contactBody(contact, permissions, mask), masked: mask.masked() };
}

/** A contact with its consent timeline in the lists the caller may see. */
export function presentContactRecord(
  contact: ContactDocument,
  consent: readonly ConsentRecordDocument[],
  permissions: Permissions,
  openRequests: readonly OpenRightsRequest[] = [],
) {
  const mask = fieldMask(permissions);
  return {
    ...contactBody(contact, permissions, mask),
    consent: consent
      .filter((record) => canSeeList(permissions, record.listId))
      .map((record) => presentConsent(record, mask)),
    restricted: contact.restrictedAt !== undefined,
    undeliverable: contact.undeliverable
      ? { reason: contact.undeliverable.reason, at: contact.undeliverable.at.toISOString() }
      : null,
    trackingObjection: contact.trackingObjection ?? [],
    rightsRequests: openRequests.map((r) => ({
      id: r._id,
      type: r.type,
      status: r.status,
      dueAt: r.dueAt.toISOString(),
    })),
    masked: mask.masked(),
  };
}

/** One consent record in a contact's timeline, its IP and user agent masked per permission. */
export function presentConsent(record: ConsentRecordDocument, mask: FieldMask) {
  return {
    listId: record.listId,
    action: record.action,
    at: record.at.toISOString(),
    ip: mask.show(CONSENT_IP_FIELD, text(record.ip)),
    userAgent: mask.show(CONSENT_IP_FIELD, text(record.userAgent)),
    source: { kind: record.source.kind, id: record.source.id, detail: text(record.source.detail) },
    textVersion: record.textVersion ?? null,
    textHash: record.textHash ?? null,
  };
}

const nullableText = z.string().nullable();

/** The response schema of a contact. */
export const contactSchema = z
  .strictObject({
    id: z.string(),
    email: nullableText.meta({ description: '`***` when masked' }),
    phone: nullableText,
    firstName: nullableText,
    lastName: nullableText,
    fields: z.record(z.string(), nullableText).meta({ description: 'custom fields' }),
    lists: z.array(
      z.strictObject({
        listId: z.string(),
        status: z.enum(['pending', 'active', 'unsubscribed']),
        subscribedAt: z.string(),
        confirmedAt: nullableText,
        renewedAt: nullableText.meta({ description: 'last renewal of consent' }),
        unsubscribedAt: nullableText,
      }),
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
    masked: z
      .array(z.string())
      .meta({ description: 'the field permissions whose values are shown as `***`' }),
  })
  .meta({ id: 'Contact' });

/** The response schema of a consent record. */
export const consentSchema = z
  .strictObject({
    listId: z.string(),
    action: z.enum(['requested', 'confirmed', 'renewed', 'withdrawn', 'expired']),
    at: z.string(),
    ip: nullableText,
    userAgent: nullableText,
    source: z.strictObject({
      kind: z.enum(consentSourceKinds).meta({
        description:
          "`link`: a recipient's confirm, renew or unsubscribe link; `policy`: the list's own consent or inactivity policy; `automation`: a step of an automation (a list added by its double opt-in, a list removed)",
      }),
      id: z.string(),
      detail: nullableText,
    }),
    textVersion: nullableText,
    textHash: nullableText.meta({ description: 'SHA-256 of the consent text shown' }),
  })
  .meta({ id: 'ConsentRecord' });

/** The response schema of a contact with its consent timeline. */
export const contactRecordSchema = contactSchema
  .extend({
    consent: z.array(consentSchema),
    restricted: z.boolean().meta({ description: 'processing restricted (GDPR Art. 18)' }),
    undeliverable: z
      .strictObject({ reason: z.enum(undeliverableReasons), at: z.string() })
      .nullable()
      .meta({
        description:
          'why no message goes to the contact: a hard bounce (`DELETE /api/v1/contacts/:id/undeliverable` lifts it) or a spam complaint',
      }),
    trackingObjection: z
      .array(z.string())
      .meta({ description: 'lists whose tracking the subject objected to (`*`: all)' }),
    rightsRequests: z
      .array(
        z.strictObject({
          id: z.string(),
          type: z.string(),
          status: z.string(),
          dueAt: z.string(),
        }),
      )
      .meta({ description: 'the subject’s open rights requests' }),
  })
  .meta({ id: 'ContactRecord' });
