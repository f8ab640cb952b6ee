/**
 * Account commands on console users: create, change or reset a password, change
 * permissions, disable. Each applies the tenant's password policy where a password is set,
 * bumps `sessionVersion` where existing sessions must end, and writes the access log.
 */
import { randomBytes } from 'node:crypto';
import type { FieldEncryption } from '../db/encryption';
import type { StoredPermissions, UserDocument } from '../db/models/user';
import type { ControlModels } from '../db/tenant-access';
import { normaliseEmail } from '../domain/email-address';
import { conflict, invalid, notFound } from '../errors';
import type { AccessLog } from './access-log';
import { forgetApiKey, forgetApiKeys } from './api-key-cache';
import { assertPasswordAllowed, effectivePolicy } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import { resolveFeatures } from './permissions';
import { isDuplicateKey } from '../db/duplicate-key';

/** Who acts, and from where (for the access log). */
export interface Actor {
  tenantId: string;
  userId: string;
  ip: string;
}

/** How many earlier hashes are kept at most, whatever the policy says now. */
const HISTORY_KEPT = 24;

/** Creates the account commands. */
export function createAccounts(deps: {
  control: ControlModels;
  encryption: FieldEncryption;
  accessLog: AccessLog;
}) {
  const { User, Tenant, ApiKey } = deps.control;
  const log = (
    actor: Actor,
    event: Parameters<AccessLog['record']>[0]['event'],
    subjectId?: string,
    details?: Record<string, unknown>,
  ) =>
    deps.accessLog.record({
      tenantId: actor.tenantId,
      event,
      actor: { kind: 'user', id: actor.userId },
      subjectId,
      ip: actor.ip,
      details,
    });
  const policyOf = async (tenantId: string) =>
    effectivePolicy(
      (await Tenant.findById(tenantId, { security: 1 }).lean())?.security?.passwordPolicy,
    );
  async function userOfTenant(tenantId: string, userId: string) {
    const user = await User.findOne({ _id: userId, tenantId }).lean<UserDocument>();
    if (!user) throw notFound('user');
    return user;
  }

  /**
   * A key never does more than its creator: narrowing the creator's permissions narrows
   * their keys (scopes cut to the remaining features, lists and fields replaced), and
   * disabling the creator revokes them.
   */
  async function restrictKeysOf(
    user: UserDocument,
    change: { permissions?: StoredPermissions; disabled?: boolean },
  ) {
    const live = { createdBy: user._id, tenantId: user.tenantId, revokedAt: { $exists: false } };
    if (change.disabled === true) {
      await ApiKey.updateMany(live, { $set: { revokedAt: new Date() } });
      // Refused at once by this process, not only once its cache of authenticated keys expires.
      const keys = await ApiKey.find(
        { createdBy: user._id, tenantId: user.tenantId },
        { _id: 1 },
      ).lean();
      forgetApiKeys(keys.map((key) => key._id));
      return;
    }
    if (!change.permissions) return;
    const remaining = resolveFeatures(change.permissions.features);
    for (const key of await ApiKey.find(live, { scopes: 1 }).lean()) {
      await ApiKey.updateOne(
        { _id: key._id },
        {
          $set: {
            scopes: key.scopes.filter((scope) => (remaining as string[]).includes(scope)),
            lists: change.permissions.lists,
            fields: change.permissions.fields,
          },
        },
      );
      forgetApiKey(key._id);
    }
  }

  return {
    /** Creates a user who must change the initial password at first login. */
    async createUser(
      actor: Actor,
      input: { email: string; initialPassword: string; permissions: StoredPermissions },
    ): Promise<UserDocument> {
      const email = normaliseEmail(input.email);
      if (!email) throw invalid('email: not a valid email address');
      await assertPasswordAllowed(await policyOf(actor.tenantId), input.initialPassword);
      const encrypted = await deps.encryption.encryptPlatformSearchable(email);
      const now = new Date();
      try {
        const created = await User.create({
          _id: `u${randomBytes(10).toString('hex')}`,
          tenantId: actor.tenantId,
          email: encrypted,
          passwordHash: await hashPassword(input.initialPassword),
          passwordChangedAt: now,
          mustChangePassword: true,
          permissions: input.permissions,
          createdAt: now,
          createdBy: actor.userId,
          sessionVersion: 0,
        });
        await log(actor, 'user.created', created._id, { features: input.permissions.features });
        return { ...created.toObject(), email } as UserDocument;
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict('email_taken', 'email already belongs to a user');
        throw err;
      }
    },

    /** The user's own change: current password checked, policy and history applied. */
    async changePassword(
      actor: Actor,
      input: { currentPassword: string; newPassword: string },
    ): Promise<UserDocument> {
      const user = await userOfTenant(actor.tenantId, actor.userId);
      if (!(await verifyPassword(input.currentPassword, user.passwordHash)))
        throw invalid('currentPassword is not the current password', 'wrong_password');
      const history = [user.passwordHash, ...(user.passwordHistory ?? [])];
      await assertPasswordAllowed(await policyOf(actor.tenantId), input.newPassword, history);
      const version = (user.sessionVersion ?? 0) + 1;
      await User.updateOne(
        { _id: user._id },
        {
          $set: {
            passwordHash: await hashPassword(input.newPassword),
            passwordHistory: history.slice(0, HISTORY_KEPT),
            passwordChangedAt: new Date(),
            mustChangePassword: false,
            sessionVersion: version,
          },
        },
      );
      await log(actor, 'password.changed', user._id);
      return { ...user, sessionVersion: version, mustChangePassword: false };
    },

    /** An admin sets a temporary password: the user must change it, their sessions end. */
    async resetPassword(actor: Actor, userId: string, password: string): Promise<void> {
      const user = await userOfTenant(actor.tenantId, userId);
      await assertPasswordAllowed(await policyOf(actor.tenantId), password);
      await User.updateOne(
        { _id: user._id },
        {
          $set: {
            passwordHash: await hashPassword(password),
            passwordHistory: [user.passwordHash, ...(user.passwordHistory ?? [])].slice(
              0,
              HISTORY_KEPT,
            ),
            passwordChangedAt: new Date(),
            mustChangePassword: true,
          },
          $inc: { sessionVersion: 1 },
        },
      );
      await log(actor, 'password.reset', user._id);
    },

    /**
     * Changes permissions, the disabled state and/or the user's own password maximum age
     * (null: the tenant policy's); admins cannot change their own.
     */
    async updateUser(
      actor: Actor,
      userId: string,
      change: {
        permissions?: StoredPermissions;
        disabled?: boolean;
        passwordMaxAgeDays?: number | null;
      },
    ): Promise<UserDocument> {
      if (userId === actor.userId)
        throw invalid(
          'admins cannot change their own permissions or disable themselves',
          'own_account',
        );
      const user = await userOfTenant(actor.tenantId, userId);
      const set: Record<string, unknown> = {};
      const update: Record<string, unknown> = { $set: set };
      if (change.permissions) set.permissions = change.permissions;
      if (change.disabled === true && !user.disabledAt) {
        set.disabledAt = new Date();
        update.$inc = { sessionVersion: 1 };
      }
      const unset: Record<string, 1> = {};
      if (change.disabled === false && user.disabledAt) unset.disabledAt = 1;
      if (change.passwordMaxAgeDays === null) unset.passwordMaxAgeDays = 1;
      if (typeof change.passwordMaxAgeDays === 'number')
        set.passwordMaxAgeDays = change.passwordMaxAgeDays;
      if (Object.keys(unset).length > 0) update.$unset = unset;
      await User.updateOne({ _id: user._id }, update);
      await restrictKeysOf(user, change);
      if (change.permissions)
        await log(actor, 'permissions.changed', user._id, {
          from: user.permissions,
          to: change.permissions,
        });
      if (set.disabledAt) await log(actor, 'user.disabled', user._id);
      if (unset.disabledAt) await log(actor, 'user.enabled', user._id);
      if (change.passwordMaxAgeDays !== undefined)
        await log(actor, 'settings.changed', user._id, {
          setting: 'passwordMaxAgeDays',
          to: change.passwordMaxAgeDays,
        });
      return (await User.findById(user._id).lean<UserDocument>())!;
    },

    /** Removes a user's second factor (lost device); they enrol again if the tenant requires it. */
    async resetTotp(actor: Actor, userId: string): Promise<void> {
      const user = await userOfTenant(actor.tenantId, userId);
      await User.updateOne(
        { _id: user._id },
        { $unset: { totp: 1, recoveryCodes: 1 }, $inc: { sessionVersion: 1 } },
      );
      await log(actor, 'totp.disabled', user._id);
    },

    /** A user of the tenant, or 404. */
    get: userOfTenant,
  };
}

/** The account commands of a process. */
export type Accounts = ReturnType<typeof createAccounts>;
