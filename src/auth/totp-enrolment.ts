/**
 * Enrolling a second factor: a new secret (encrypted under the platform key, pending until
 * confirmed), then confirmation with a first code, which enables it and issues the
 * recovery codes. Written to the access log.
 */
import type { FieldEncryption } from '../db/encryption';
import type { UserDocument } from '../db/models/user';
import type { ControlModels } from '../db/tenant-access';
import { conflict, invalid } from '../errors';
import type { AccessLog } from './access-log';
import { checkTotp, newRecoveryCodes, newTotpSecret, totpEnrolment } from './totp';

/** Creates the enrolment commands. */
export function createTotpEnrolment(deps: {
  control: ControlModels;
  encryption: FieldEncryption;
  accessLog: AccessLog;
}) {
  const { User } = deps.control;
  return {
    /** Starts (or restarts) enrolment; returns the secret, its otpauth URL and QR code. */
    async start(user: UserDocument) {
      if (user.totp?.enabledAt)
        throw conflict('totp_already_enabled', 'a second factor is already enrolled');
      const secret = newTotpSecret();
      await User.updateOne(
        { _id: user._id },
        { $set: { totp: { secret: await deps.encryption.encryptPlatformPrivate(secret) } } },
      );
      return { secret, ...(await totpEnrolment(secret, String(user.email))) };
    },

    /** Enables the pending secret once a code from it checks; returns the recovery codes. */
    async confirm(user: UserDocument, code: string, ip: string): Promise<string[]> {
      if (!user.totp || user.totp.enabledAt)
        throw conflict('totp_not_pending', 'start enrolment first');
      const step = await checkTotp(String(user.totp.secret), code);
      if (step === undefined) throw invalid('the code is not valid', 'invalid_code');
      const recovery = newRecoveryCodes();
      const enabled = await User.updateOne(
        { _id: user._id, 'totp.enabledAt': { $exists: false } },
        {
          $set: {
            'totp.enabledAt': new Date(),
            'totp.lastTimeStep': step,
            recoveryCodes: recovery.hashes,
          },
        },
      );
      if (enabled.modifiedCount !== 1) throw conflict('totp_not_pending', 'start enrolment first');
      await deps.accessLog.record({
        tenantId: user.tenantId,
        event: 'totp.enrolled',
        subjectId: user._id,
        ip,
      });
      return recovery.codes;
    },
  };
}

/** The enrolment commands of a process. */
export type TotpEnrolment = ReturnType<typeof createTotpEnrolment>;
