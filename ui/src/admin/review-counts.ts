/** What a review's list and its page say of it in numbers. */
import type { AccessReview } from './api';

/** How many of a review's entries are flagged, and how many of those confirmed. */
export const flaggedCounts = (review: AccessReview) => {
  const flagged = [...review.users, ...review.apiKeys].filter((e) => e.flagged);
  return {
    users: review.users.filter((e) => e.flagged).length,
    apiKeys: review.apiKeys.filter((e) => e.flagged).length,
    confirmed: flagged.filter((e) => e.confirmedAt).length,
  };
};
