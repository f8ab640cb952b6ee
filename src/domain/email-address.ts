/**
 * Email addresses: validation and the normal form used before deterministic encryption.
 * Deterministic ciphertexts only match when plaintexts are byte-identical, so every address
 * is normalised the same way before it is encrypted, stored or searched:
 *   1. surrounding whitespace removed, Unicode NFC;
 *   2. the domain converted to its ASCII (punycode) form and lowercased;
 *   3. the local part lowercased. RFC 5321 lets a server treat it case-sensitively, but no
 *      mainstream mailbox provider does, and two contacts differing only by case would be
 *      a duplicate-consent hazard.
 * Internationalised domains and UTF-8 local parts are accepted.
 */
import { domainToASCII } from 'node:url';
import isEmail from 'validator/lib/isEmail';

/** Longest address accepted (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** Returns the normal form of an address, or undefined when it is not valid mailbox syntax. */
export function normaliseEmail(input: string): string | undefined {
  const trimmed = input.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return undefined;
  const domain = domainToASCII(trimmed.slice(at + 1));
  if (!domain) return undefined;
  const address = `${trimmed.slice(0, at).toLowerCase()}@${domain.toLowerCase()}`;
  if (address.length > MAX_EMAIL_LENGTH) return undefined;
  return isEmail(address, {
    allow_utf8_local_part: true,
    require_tld: true,
    allow_ip_domain: false,
  })
    ? address
    : undefined;
}
