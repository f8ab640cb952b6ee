/** The public shape of a console user: no hashes, secrets or recovery codes. */
import { z } from 'zod';
import type { UserDocument } from '../../db/models/user';
import { userPermissions } from '../../auth/user-principal';
import { grantedPermissionsSchema } from '../schemas/permissions';

/** The response schema of a user. */
export const userSchema = z
  .strictObject({
    id: z.string(),
    tenantId: z.string(),
    email: z.string(),
    permissions: grantedPermissionsSchema,
    mustChangePassword: z.boolean(),
    totpEnabled: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
    passwordChangedAt: z.string().nullable(),
    /** This user's password expiry in days (0: never); null: the tenant policy's. */
    passwordMaxAgeDays: z.number().int().nullable(),
    lastLoginAt: z.string().nullable(),
  })
  .meta({ id: 'User' });

/** Presents a user (email already decrypted by the read). */
export const presentUser = (user: UserDocument) => ({
  id: user._id,
  tenantId: user.tenantId,
  email: String(user.email),
  permissions: userPermissions(user.permissions),
  mustChangePassword: user.mustChangePassword,
  totpEnabled: Boolean(user.totp?.enabledAt),
  disabled: Boolean(user.disabledAt),
  createdAt: user.createdAt.toISOString(),
  passwordChangedAt: user.passwordChangedAt?.toISOString() ?? null,
  passwordMaxAgeDays: user.passwordMaxAgeDays ?? null,
  lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
});
