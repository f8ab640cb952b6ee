/**
 * The login check: brute-force gate, password, second factor, then what the new session may
 * do. Every refusal is the same 401 whether or not the account exists, and an unknown
 * address costs the same bcrypt time as a wrong password.
 */
import { readableStatuses } from '../db/models/tenant';
import type { FieldEncryption } from '../db/encryption';
import type { UserDocument } from '../db/models/user';
import type { ControlModels } from '../db/tenant-access';
import { normaliseEmail } from '../domain/email-address';
import { AppError } from '../errors';
import type { AccessLog } from './access-log';
import type { BruteForce } from './brute-force';
import { effectivePolicy, forUser, passwordExpired } from './password-policy';
import { verifyNothing, verifyPassword } from './passwords';
import { checkTotp, hashRecoveryCode } from './totp';
import { isAdmin } from './user-principal';

/** What the caller presents. */
export interface LoginInput {
  email: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
}

/** A login that passed: the user and what the session must do first. */
export type LoginResult =
  | { kind: 'totp_required' }
  | { kind: 'success'; user: UserDocument; mustChangePassword: boolean; mustEnrolTotp: boolean };

/** The one refusal every failed login gets. */
export const invalidCredentials = () =>
  new AppError('unauthorized', 'invalid_credentials', 'the email, password or code is not valid');

/** Dependencies of the login check. */
export interface LoginDeps {
  control: ControlModels;
  encryption: FieldEncryption;
  bruteForce: BruteForce;
  accessLog: AccessLog;
}

/** Creates the login check. */
export function createLogin({ control, encryption, bruteForce, accessLog }: LoginDeps) {
  const { User, Tenant } = control;

  async function refuse(
    user: UserDocument | null,
    keys: { account: string; ip: string },
    ip: string,
    event: 'login.failure' | 'login.totp_failure',
  ): Promise<never> {
    const { locked } = await bruteForce.fail(keys.account, keys.ip);
    const who = user ? { tenantId: user.tenantId, subjectId: user._id } : {};
    await accessLog.record({ ...who, event, ip });
    if (locked) await accessLog.record({ ...who, event: 'login.lockout', ip });
    throw invalidCredentials();
  }

  /** A second factor: a TOTP code (never the same step twice) or an unused recovery code. */
  async function secondFactorOk(user: UserDocument, input: LoginInput): Promise<boolean> {
    if (input.recoveryCode) {
      const used = await User.updateOne(
        { _id: user._id, recoveryCodes: hashRecoveryCode(input.recoveryCode) },
        { $pull: { recoveryCodes: hashRecoveryCode(input.recoveryCode) } },
      );
      return used.modifiedCount === 1;
    }
    const step = await checkTotp(
      String(user.totp!.secret),
      input.totp ?? '',
      user.totp!.lastTimeStep,
    );
    if (step === undefined) return false;
    // Conditional write: of two processes accepting the same code, only one wins.
    const claimed = await User.updateOne(
      {
        _id: user._id,
        $or: [{ 'totp.lastTimeStep': { $exists: false } }, { 'totp.lastTimeStep': { $lt: step } }],
      },
      { $set: { 'totp.lastTimeStep': step } },
    );
    return claimed.modifiedCount === 1;
  }

  return async function login(input: LoginInput, ip: string): Promise<LoginResult> {
    const email = normaliseEmail(input.email) ?? input.email.trim().toLowerCase();
    const keys = { account: bruteForce.accountKey(email), ip: bruteForce.ipKey(ip) };
    await bruteForce.assertAllowed([keys.account, keys.ip]);

    const user = await User.findOne({
      email: await encryption.encryptPlatformSearchable(email),
    }).lean<UserDocument>();
    const passwordOk = user
      ? await verifyPassword(input.password, user.passwordHash)
      : await verifyNothing(input.password);
    // Read only after a correct password, so a wrong one costs the same for every address.
    const tenant = user && passwordOk ? await Tenant.findById(user.tenantId).lean() : null;
    // A tenant whose contract has ended (frozen) can still be logged into: its export window
    // is for taking the data out.
    const open = tenant && readableStatuses.includes(tenant.status);
    if (!user || !passwordOk || user.disabledAt || !open)
      return refuse(user, keys, ip, 'login.failure');

    const totpEnabled = Boolean(user.totp?.enabledAt);
    if (totpEnabled && !input.totp && !input.recoveryCode) return { kind: 'totp_required' };
    if (totpEnabled && !(await secondFactorOk(user, input)))
      return refuse(user, keys, ip, 'login.totp_failure');
    if (input.recoveryCode && totpEnabled)
      await accessLog.record({
        tenantId: user.tenantId,
        event: 'recovery_code.used',
        subjectId: user._id,
        ip,
      });

    await bruteForce.succeed(keys.account);
    const policy = forUser(effectivePolicy(tenant.security?.passwordPolicy), user);
    const expired = passwordExpired(policy, user.passwordChangedAt ?? user.createdAt);
    // One write per login: its time (access reviews flag accounts unused for long) and, when
    // the password is past its age, the change it must make first.
    await User.updateOne(
      { _id: user._id },
      { $set: { lastLoginAt: new Date(), ...(expired ? { mustChangePassword: true } : {}) } },
    );
    const rule = tenant.security?.twoFactor ?? 'optional';
    const mustEnrolTotp =
      !totpEnabled && (rule === 'all' || (rule === 'admins' && isAdmin(user.permissions)));
    await accessLog.record({
      tenantId: user.tenantId,
      event: 'login.success',
      subjectId: user._id,
      ip,
      details: {
        secondFactor: totpEnabled ? (input.recoveryCode ? 'recovery_code' : 'totp') : 'none',
      },
    });
    return {
      kind: 'success',
      user,
      mustChangePassword: user.mustChangePassword || expired,
      mustEnrolTotp,
    };
  };
}

/** The login check of a process. */
export type Login = ReturnType<typeof createLogin>;
