/**
 * What counts as a sending domain: a fully qualified host name with a top-level domain, no
 * underscores, no trailing dot, at most 253 characters (validator's isFQDN), compared in
 * lower case. Plain module, so the api's schemas and the store agree.
 */
import isFQDN from 'validator/lib/isFQDN';

/** Whether a (lower-cased, trimmed) name may be a sending domain. */
export const isSendingDomainName = (name: string): boolean =>
  name.length <= 253 &&
  isFQDN(name, { require_tld: true, allow_underscores: false, allow_trailing_dot: false });
