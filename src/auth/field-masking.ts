/**
 * Field masking: the one place that decides what a caller sees of a personal field. Every
 * output that shows personal data (contact reads, search results, CSV exports, and later
 * consent exports, emails to users, rights exports) goes through `fieldMask`, so a field the
 * caller may not view never leaves the server, whatever the output.
 *
 * A masked value is the fixed string `***`: it keeps no character of the original (a first
 * letter or a domain narrows down who a person is), and outputs list the masked field
 * names in `masked` so a client can tell a masked value from a stored `***`. An absent
 * value stays null: that a contact has no phone number is not itself personal data.
 */
import { fieldAccess, type Permissions } from './principal';

/** What a masked value is replaced with. */
export const MASK = '***';

/** The personal fields every contact may have; custom fields are named by their key. */
export const contactFields = ['email', 'phone', 'firstName', 'lastName'] as const;

/**
 * The field permission covering consent proof's network details (IP address, user agent).
 * Named after the import column, which is never a custom field name, so the two cannot clash.
 */
export const CONSENT_IP_FIELD = 'consentIp';

/** A mask for one output: shows or masks values, and remembers which fields it masked. */
export interface FieldMask {
  /** The value as the caller may see it: itself, or MASK when the field's access is none. */
  show(field: string, value: string | null): string | null;
  /** The fields masked so far, in the order first masked. */
  masked(): string[];
}

/** Creates a mask for a caller's permissions. */
export function fieldMask(permissions: Permissions): FieldMask {
  const masked = new Set<string>();
  return {
    show(field, value) {
      if (value === null || fieldAccess(permissions, field) !== 'none') return value;
      masked.add(field);
      return MASK;
    },
    masked: () => [...masked],
  };
}

/** The fields of a change the caller may not edit (access other than 'edit'). */
export function uneditableFields(permissions: Permissions, fields: Iterable<string>): string[] {
  return [...fields].filter((field) => fieldAccess(permissions, field) !== 'edit');
}
