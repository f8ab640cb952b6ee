/**
 * What a person may send when subscribing (an address and optional fields), validated into a
 * contact row. The consent proof is made by the product, never taken from the request, so
 * its field names are refused.
 */
import { invalid } from '../../errors';
import { validateContactRow, type ContactRow } from '../../imports/contact-row';

/** Field names a subscriber cannot set: the address itself and consent proof. */
const reserved = new Set(['email', 'consentedAt', 'consentIp', 'consentSource']);

/** Validates address and fields into a contact row; throws an `invalid` error naming the problem. */
export function subscriberRow(email: string, fields: Record<string, unknown> = {}): ContactRow {
  const clash = Object.keys(fields).find((name) => reserved.has(name));
  if (clash) throw invalid(`fields.${clash}: cannot be set here`);
  const result = validateContactRow({ ...fields, email });
  if (!result.ok) {
    const badAddress = result.reason.startsWith('email:');
    throw badAddress
      ? invalid('email: not a valid mailbox address', 'invalid_email')
      : invalid(result.reason);
  }
  return result.row;
}
