/**
 * A tenant's administrators: its enabled users who may manage users (`users.manage`, or every
 * feature). They are whom the platform tells about the tenant's account itself: its contract's
 * end, its access reviews.
 */
import type { ControlModels } from '../db/tenant-access';
import { ALL_FEATURES } from '../auth/permissions';

/** An administrator to write to: opaque id and (decrypted) address. */
export interface TenantAdmin {
  userId: string;
  email: string;
}

/** The tenant's enabled administrators. */
export async function findTenantAdmins(
  control: Pick<ControlModels, 'User'>,
  tenantId: string,
): Promise<TenantAdmin[]> {
  const users = await control.User.find(
    {
      tenantId,
      disabledAt: { $exists: false },
      'permissions.features': { $in: ['users.manage', ALL_FEATURES] },
    },
    { email: 1 },
  ).lean();
  return users.flatMap((u) =>
    typeof u.email === 'string' ? [{ userId: u._id, email: u.email }] : [],
  );
}
