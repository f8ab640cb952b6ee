/**
 * Password hashing. bcrypt with cost 12 (about 0.25 s on one core of a small server): slow
 * enough to make offline guessing expensive, fast enough for interactive logins.
 */
import bcrypt from 'bcrypt';

/** The bcrypt cost factor (2^12 rounds). */
export const BCRYPT_COST = 12;

/** Hashes a password for storage. */
export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

/** Checks a password against a stored hash in constant time. */
export const verifyPassword = (password: string, hash: string) => bcrypt.compare(password, hash);
