/**
 * A tenant's password policy and the check of a new password against it. The first rule
 * that fails is named in the error, so the user knows what to change. Common passwords are
 * the ~49,000 of zxcvbn-ts's common-language list, compared case-insensitively.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import type { StoredPasswordPolicy } from '../db/models/tenant';
import { invalid } from '../errors';
import { BCRYPT_MAX_BYTES, verifyPassword } from './passwords';

/** Character classes a policy can require. */
export const characterClasses = {
  lower: /\p{Ll}/u,
  upper: /\p{Lu}/u,
  digit: /\p{Nd}/u,
  symbol: /[^\p{L}\p{Nd}]/u,
} as const;

/** A character class name. */
export type CharacterClass = keyof typeof characterClasses;

/** A complete policy. */
export interface PasswordPolicy {
  minLength: number;
  requiredClasses: CharacterClass[];
  rejectCommon: boolean;
  /** How many earlier passwords may not be used again (0: no history kept). */
  historyCount: number;
  /** Days after which the next login must change the password (0: never). */
  maxAgeDays: number;
}

/**
 * Defaults follow NIST SP 800-63B: length and a blocklist rather than composition rules,
 * no forced periodic change. Tenants can tighten any of them.
 */
export const defaultPasswordPolicy: PasswordPolicy = {
  minLength: 12,
  requiredClasses: [],
  rejectCommon: true,
  historyCount: 5,
  maxAgeDays: 0,
};

/** The effective policy of a tenant: stored values over the defaults. */
export function effectivePolicy(stored: StoredPasswordPolicy | undefined): PasswordPolicy {
  return {
    ...defaultPasswordPolicy,
    ...Object.fromEntries(Object.entries(stored ?? {}).filter(([, v]) => v !== undefined)),
  } as PasswordPolicy;
}

/**
 * The policy as it applies to one user: a maximum age set on the user (0: never expires)
 * replaces the tenant's; none set (undefined or null) leaves the tenant's.
 */
export function forUser(
  policy: PasswordPolicy,
  user: { passwordMaxAgeDays?: number | null },
): PasswordPolicy {
  const own = user.passwordMaxAgeDays;
  return own === undefined || own === null ? policy : { ...policy, maxAgeDays: own };
}

const common = new Set(
  (dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()),
);

const refuse = (rule: string, message: string) => invalid(`${rule}: ${message}`, 'password_policy');

/**
 * Throws a 400 `password_policy` error naming the first failed rule (length, max_length,
 * classes, common, reused); `history` holds the hashes of the current and earlier passwords.
 */
export async function assertPasswordAllowed(
  policy: PasswordPolicy,
  password: string,
  history: readonly string[] = [],
): Promise<void> {
  if ([...password].length < policy.minLength)
    throw refuse('length', `must be at least ${policy.minLength} characters`);
  if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES)
    throw refuse('max_length', `must be at most ${BCRYPT_MAX_BYTES} bytes`);
  const missing = policy.requiredClasses.filter((c) => !characterClasses[c].test(password));
  if (missing.length > 0) throw refuse('classes', `must contain ${missing.join(', ')} characters`);
  if (policy.rejectCommon && common.has(password.toLowerCase()))
    throw refuse('common', 'is a commonly used password');
  // The last N passwords, the current one included (history[0]).
  for (const hash of history.slice(0, policy.historyCount)) {
    if (await verifyPassword(password, hash))
      throw refuse('reused', `must differ from the last ${policy.historyCount} passwords`);
  }
}

/** Whether a password set at `changedAt` is past the policy's maximum age. */
export function passwordExpired(
  policy: PasswordPolicy,
  changedAt: Date | undefined,
  now = new Date(),
) {
  if (policy.maxAgeDays <= 0 || !changedAt) return false;
  return now.getTime() - changedAt.getTime() > policy.maxAgeDays * 86_400_000;
}
