/**
 * Validation of one imported row. Known columns map to contact fields; `consentedAt`,
 * `consentIp` and `consentSource` become the consent proof; any other column is a custom
 * field. A row is accepted whole or rejected with one reason; nothing partial is written.
 */
import { isIP } from 'node:net';
import { normaliseEmail } from '../domain/email-address';
import { normalisePhone } from '../domain/phone-number';
import type { ContactDetails } from '../db/models/contact';
import { customFieldName } from '../domain/custom-field';

/** A row that passed validation, in normal form. */
export interface ContactRow {
  email: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  custom: Record<string, string>;
  consent?: { at: Date; ip?: string; source?: string };
}

/** The row's fields that a contact keeps in its one encrypted `details` value. */
export function rowDetails(row: ContactRow): ContactDetails {
  const details: ContactDetails = {};
  if (row.firstName) details.firstName = row.firstName;
  if (row.lastName) details.lastName = row.lastName;
  if (Object.keys(row.custom).length > 0) details.custom = { ...row.custom };
  return details;
}

/** Outcome of validating one row. */
export type RowResult = { ok: true; row: ContactRow } | { ok: false; reason: string };

const MAX_NAME = 200;
const MAX_CUSTOM_VALUE = 1000;
const MAX_CUSTOM_FIELDS = 50;
export { customFieldName };
const known = new Set([
  'email',
  'phone',
  'firstName',
  'lastName',
  'consentedAt',
  'consentIp',
  'consentSource',
]);

const reject = (reason: string): RowResult => ({ ok: false, reason });

/** Validates one raw row (CSV record or NDJSON object). */
export function validateContactRow(raw: Record<string, unknown>): RowResult {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined || value === '') continue;
    // Objects and arrays are refused, so `{"$gt": ""}` can never reach a query.
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return reject(`${safeName(key)}: must be a string`);
    }
    values[key] = String(value).trim();
  }

  if (!values.email) return reject('email: missing');
  const email = normaliseEmail(values.email);
  if (!email) return reject('email: not a valid email address');

  const row: ContactRow = { email, custom: {} };
  if (values.phone) {
    const phone = normalisePhone(values.phone);
    if (!phone) return reject('phone: not a valid international number (+country code)');
    row.phone = phone;
  }
  for (const name of ['firstName', 'lastName'] as const) {
    const value = values[name];
    if (value === undefined) continue;
    if (value.length > MAX_NAME) return reject(`${name}: longer than ${MAX_NAME} characters`);
    row[name] = value;
  }

  if (values.consentedAt) {
    const at = new Date(values.consentedAt);
    if (Number.isNaN(at.getTime())) return reject('consentedAt: not a date (use ISO 8601)');
    if (at.getTime() > Date.now() + 60_000) return reject('consentedAt: in the future');
    if (values.consentIp && !isIP(values.consentIp)) return reject('consentIp: not an IP address');
    if (values.consentSource && values.consentSource.length > MAX_NAME) {
      return reject(`consentSource: longer than ${MAX_NAME} characters`);
    }
    row.consent = { at, ip: values.consentIp, source: values.consentSource };
  } else if (values.consentIp || values.consentSource) {
    return reject('consentedAt: required with consentIp or consentSource');
  }

  for (const [key, value] of Object.entries(values)) {
    if (known.has(key)) continue;
    if (!customFieldName.test(key)) return reject(`${safeName(key)}: not a valid field name`);
    if (value.length > MAX_CUSTOM_VALUE)
      return reject(`${key}: longer than ${MAX_CUSTOM_VALUE} characters`);
    row.custom[key] = value;
  }
  if (Object.keys(row.custom).length > MAX_CUSTOM_FIELDS)
    return reject(`more than ${MAX_CUSTOM_FIELDS} custom fields`);
  return { ok: true, row };
}

/** A field name fit for an error message (names are not personal data, but may be junk). */
function safeName(key: string): string {
  return customFieldName.test(key)
    ? key
    : `field "${key.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}"`;
}
