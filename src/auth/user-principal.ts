/** A console user's Principal, built from the stored user on every request. */
import type { StoredPermissions } from '../db/models/user';
import { resolveFeatures } from './permissions';
import type { Permissions, Principal } from './principal';

/** Stored permissions as the Principal carries them (`*` expanded to every feature). */
export const userPermissions = (stored: StoredPermissions): Permissions => ({
  features: resolveFeatures(stored.features),
  lists: stored.lists,
  // Mongoose drops an empty object on save: no entries stored means no field access.
  fields: stored.fields ?? {},
});

/** The Principal of a user. */
export const userPrincipal = (user: {
  _id: string;
  tenantId: string;
  permissions: StoredPermissions;
}): Principal => ({
  kind: 'user',
  id: user._id,
  tenantId: user.tenantId,
  permissions: userPermissions(user.permissions),
});

/** Whether a user counts as an admin for the tenant's 2FA rule: they manage users. */
export const isAdmin = (stored: StoredPermissions) =>
  resolveFeatures(stored.features).includes('users.manage');
