/**
 * Phone numbers: validated and normalised to E.164 (`+4930123456`) before deterministic
 * encryption, so the same number written differently still finds the same contact.
 * Numbers without a country code are refused: there is no safe default country.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** Returns the E.164 form, or undefined when the number is not valid. */
export function normalisePhone(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  return parsed?.isValid() ? parsed.number : undefined;
}
