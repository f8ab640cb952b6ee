/**
 * Password hashing. bcrypt with cost 12 (about 0.25 s on one core of a small server): slow
 * enough to make offline guessing expensive, fast enough for interactive logins. bcrypt
 * reads at most 72 bytes, so longer passwords are refused by the policy rather than cut.
 */
import bcrypt from 'bcrypt';

/** The bcrypt cost factor (2^12 rounds). */
export const BCRYPT_COST = 12;

/** bcrypt's input limit in bytes. */
export const BCRYPT_MAX_BYTES = 72;

/** Hashes a password for storage. */
export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

/** Checks a password against a stored hash in constant time. */
export const verifyPassword = (password: string, hash: string) => bcrypt.compare(password, hash);

/**
 * A hash of a random value at the same cost, compared against when no account matches, so
 * an unknown address takes as long to refuse as a wrong password.
 */
const dummyHash = bcrypt.hash(`no account ${Math.random()}`, BCRYPT_COST);

/** Spends the time of one password check, for logins of accounts that do not exist. */
export async function verifyNothing(password: string): Promise<false> {
  await bcrypt.compare(password, await dummyHash);
  return false;
}
