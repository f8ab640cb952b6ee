/**
 * Rectification of a contact's fields (GDPR Art. 16), one validation for the contact edit
 * route and the rectification request: phone (normalised to E.164, searchable), names and
 * custom fields; null removes a field. The email identifies the contact (its id is derived
 * from it) and is not rectified here.
 */
import type { Binary } from 'mongodb';
import { z } from 'zod';
import { applyContactChanges } from '../db/contact-changes';
import type { TenantScope } from '../db/tenant-access';
import { normalisePhone } from '../domain/phone-number';
import { customFieldName } from '../imports/contact-row';
import { invalid } from '../errors';

const name = z.string().trim().min(1).max(200).nullable();

/** The changes a rectification may make. */
export const rectificationSchema = z.strictObject({
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
export type Rectification = z.infer<typeof rectificationSchema>;

/** The fields a rectification changes, for permission checks and the evidence. */
export const rectifiedFields = (changes: Rectification): string[] => [
  ...(['email', 'phone', 'firstName', 'lastName'] as const).filter((f) => f in changes),
  ...Object.keys(changes.fields ?? {}),
];

/**
 * Checks what `applyRectification` would refuse, before anything is stored: 400 naming the
 * field.
 */
export function checkRectification(changes: Rectification): void {
  if (changes.email !== undefined)
    throw invalid(
      'email: the address identifies the contact and cannot be rectified; erase the contact and subscribe the corrected address',
      'email_immutable',
    );
  if (typeof changes.phone === 'string' && !normalisePhone(changes.phone))
    throw invalid('phone: not a valid international number (+country code)');
}

/** Applies the changes to the contact; whether it exists (and so was changed). */
export async function applyRectification(
  tenant: TenantScope,
  contactId: string,
  changes: Rectification,
): Promise<boolean> {
  checkRectification(changes);
  let phone: Binary | null | undefined;
  if (changes.phone === null) phone = null;
  else if (changes.phone !== undefined)
    phone = await tenant.searchable(normalisePhone(changes.phone)!);
  // Names and custom fields live in the contact's one encrypted `details` value: they are
  // merged into it (null removes a field) and written back encrypted.
  const details = {
    firstName: changes.firstName,
    lastName: changes.lastName,
    custom: changes.fields,
  };
  const changed = await applyContactChanges(tenant, [
    {
      id: contactId,
      phone,
      details: Object.values(details).some((v) => v !== undefined) ? details : undefined,
    },
  ]);
  return (
    changed.has(contactId) || (await tenant.models.Contact.exists({ _id: contactId })) !== null
  );
}
