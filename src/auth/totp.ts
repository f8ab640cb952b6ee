/**
 * Second factor: TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what authenticator apps
 * expect) through otplib, and one-time recovery codes stored as SHA-256 hashes (they are
 * random 60-bit values, so a slow hash adds nothing).
 */
import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

/** The issuer shown in authenticator apps. */
const ISSUER = 'Consentflow';
const RECOVERY_CODES = 10;

/** A new TOTP secret (base32, 160 bits). */
export const newTotpSecret = () => generateSecret({ length: 20 });

/** The otpauth:// URI and a PNG QR code (data URL) of it, for enrolment. */
export async function totpEnrolment(secret: string, label: string) {
  const otpauthUrl = generateURI({ issuer: ISSUER, label, secret });
  return { otpauthUrl, qrCode: await QRCode.toDataURL(otpauthUrl) };
}

/**
 * Checks a code, allowing one step of clock drift either way; returns its time step (to be
 * stored, so the same code is not accepted twice) or undefined.
 */
export async function checkTotp(
  secret: string,
  code: string,
  afterTimeStep?: number,
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epochTolerance: 30, afterTimeStep });
  // The TOTP strategy's result carries the matched step (the union type hides it).
  return result.valid ? (result as { timeStep: number }).timeStep : undefined;
}

/** Fresh recovery codes (shown once) and the hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(0, 12);
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** The stored form of a recovery code (case and dashes ignored). */
export const hashRecoveryCode = (code: string) =>
  createHash('sha256')
    .update(code.toLowerCase().replace(/[^0-9a-z]/g, ''))
    .digest('hex');
