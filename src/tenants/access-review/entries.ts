/**
 * What an access review lists and flags: every console user (with its features, lists,
 * fields, status and last login) and every API key not revoked (with its scopes and last
 * use), each flagged when unused for the review's period. Never used counts from creation,
 * so an account made and forgotten is flagged like one that stopped being used. Ids only:
 * addresses stay on the user records.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AccessReviewKeyEntry, AccessReviewUserEntry } from '../../db/models/access-review';
import type { StoredPermissions } from '../../db/models/user';

const DAY_MS = 86_400_000;

/** A review id: `v` and 20 hex digits. */
export const accessReviewIdPattern = /^v[0-9a-f]{20}$/;

/** A new review's id (one an admin starts). */
export const newAccessReviewId = () => `v${randomBytes(10).toString('hex')}`;

/** The id of the review a scheduled run opens: derived from its workflow id, so a retry finds it. */
export const accessReviewIdOf = (workflowId: string) =>
  `v${createHash('sha256').update(`access-review:${workflowId}`).digest('hex').slice(0, 20)}`;

/** Whether something last used (or, never used, created) at `last` is unused for `days` at `now`. */
export const unusedFor = (last: Date, now: Date, days: number) =>
  now.getTime() - last.getTime() >= days * DAY_MS;

/** A user as the review reads it. */
export interface ReviewedUser {
  _id: string;
  permissions: StoredPermissions;
  createdAt: Date;
  disabledAt?: Date | null;
  lastLoginAt?: Date | null;
}

/** A key as the review reads it. */
export interface ReviewedKey {
  _id: string;
  scopes: string[];
  createdBy: string;
  createdAt: Date;
  lastUsedAt?: Date | null;
}

/** The users' entries: disabled users are listed, never flagged (they can do nothing). */
export function userEntries(
  users: ReviewedUser[],
  now: Date,
  staleAfterDays: number,
): AccessReviewUserEntry[] {
  return users.map((user) => ({
    id: user._id,
    features: [...user.permissions.features],
    lists: user.permissions.lists,
    fields: { ...(user.permissions.fields ?? {}) },
    status: user.disabledAt ? 'disabled' : 'enabled',
    createdAt: user.createdAt,
    ...(user.lastLoginAt ? { lastLoginAt: user.lastLoginAt } : {}),
    flagged: !user.disabledAt && unusedFor(user.lastLoginAt ?? user.createdAt, now, staleAfterDays),
  }));
}

/** The keys' entries (revoked keys are not read). */
export function keyEntries(
  keys: ReviewedKey[],
  now: Date,
  staleAfterDays: number,
): AccessReviewKeyEntry[] {
  return keys.map((key) => ({
    id: key._id,
    scopes: [...key.scopes],
    createdBy: key.createdBy,
    createdAt: key.createdAt,
    ...(key.lastUsedAt ? { lastUsedAt: key.lastUsedAt } : {}),
    flagged: unusedFor(key.lastUsedAt ?? key.createdAt, now, staleAfterDays),
  }));
}
