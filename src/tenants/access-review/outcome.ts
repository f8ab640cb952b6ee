/**
 * How an access review ends: each flagged entry an admin confirmed stays, each other flagged
 * entry still enabled is disabled (a user) or revoked (a key), and what was disabled or
 * revoked meanwhile by other means is `gone`. One exception keeps the tenant manageable: the
 * review never disables the last enabled admin (a user who manages users); when every admin
 * would go, the one most recently active stays (`kept_last_admin`).
 */
import type {
  AccessReviewDocument,
  AccessReviewKeyEntry,
  AccessReviewOutcome,
  AccessReviewUserEntry,
} from '../../db/models/access-review';

/** The tenant's accounts and keys as they are when the review completes. */
export interface CurrentAccess {
  /** Users that exist and are not disabled. */
  enabledUsers: ReadonlySet<string>;
  /** Keys that exist and are not revoked. */
  liveKeys: ReadonlySet<string>;
  /** Enabled users who manage users, with their last login (or creation). */
  admins: { id: string; lastActive: Date }[];
}

/** The entries with their outcomes, and what to disable and revoke. */
export interface ReviewDecision {
  users: AccessReviewUserEntry[];
  apiKeys: AccessReviewKeyEntry[];
  disableUsers: string[];
  revokeKeys: string[];
}

const outcomeOf = (
  entry: { flagged: boolean; confirmedAt?: Date },
  live: boolean,
): AccessReviewOutcome =>
  !entry.flagged ? 'kept' : entry.confirmedAt ? 'confirmed' : live ? 'disabled' : 'gone';

/** Decides every entry's outcome. */
export function decideReview(
  review: Pick<AccessReviewDocument, 'users' | 'apiKeys'>,
  current: CurrentAccess,
): ReviewDecision {
  const users = review.users.map((entry) => ({
    ...entry,
    outcome: outcomeOf(entry, current.enabledUsers.has(entry.id)),
  }));
  const leaving = new Set(users.filter((u) => u.outcome === 'disabled').map((u) => u.id));
  if (current.admins.length > 0 && current.admins.every((admin) => leaving.has(admin.id))) {
    const [last] = [...current.admins].sort(
      (a, b) => b.lastActive.getTime() - a.lastActive.getTime(),
    );
    const kept = users.find((u) => u.id === last!.id)!;
    kept.outcome = 'kept_last_admin';
  }
  const apiKeys = review.apiKeys.map((entry) => ({
    ...entry,
    outcome: outcomeOf(entry, current.liveKeys.has(entry.id)),
  }));
  return {
    users,
    apiKeys,
    disableUsers: users.filter((u) => u.outcome === 'disabled').map((u) => u.id),
    revokeKeys: apiKeys.filter((k) => k.outcome === 'disabled').map((k) => k.id),
  };
}

/** The counts recorded as the review's outcome. */
export const outcomeCounts = (decision: Pick<ReviewDecision, 'users' | 'apiKeys'>) => ({
  usersDisabled: decision.users.filter((u) => u.outcome === 'disabled').length,
  apiKeysRevoked: decision.apiKeys.filter((k) => k.outcome === 'disabled').length,
  confirmed: [...decision.users, ...decision.apiKeys].filter((e) => e.outcome === 'confirmed')
    .length,
});
